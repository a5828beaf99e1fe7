import type { ValueCipher } from './value-cipher.js';

/** The columns that hold bodies (also the cipher's additional data). */
export const exchangeBodyColumns = {
  request: 'exchanges.request_body',
  response: 'exchanges.response_body',
} as const;

const { request: Q, response: R } = exchangeBodyColumns;

// Typed by the fields they touch: the contract's file holds the table that calls these. Key
// rotation is exchange-rotation.ts.
type Bodies = { requestBody: string; responseBody: string | null };

/** An exchange's bodies (which hold metadata and state) sealed under the key ring instances' metadata uses. */
export function sealExchange<T extends Bodies>(exchange: T, cipher: ValueCipher): T {
  return {
    ...exchange,
    requestBody: cipher.encrypt(exchange.requestBody, Q),
    responseBody: exchange.responseBody === null ? null : cipher.encrypt(exchange.responseBody, R),
  };
}

/** An exchange as read, its bodies opened. */
export function openExchange<T extends Bodies>(found: T | undefined, cipher: ValueCipher): T | undefined {
  return (
    found && {
      ...found,
      requestBody: cipher.decrypt(found.requestBody, Q),
      responseBody: found.responseBody === null ? null : cipher.decrypt(found.responseBody, R),
    }
  );
}
