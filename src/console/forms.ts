import type { FastifyRequest } from 'fastify';

/** A text field of a posted form (or of the query), '' when absent or not text. */
export function field(source: unknown, name: string): string {
  const value = (source as Record<string, unknown> | undefined | null)?.[name];
  return typeof value === 'string' ? value : '';
}

/** Every value of a repeated field (checkboxes). */
export function fields(source: unknown, name: string): string[] {
  const value = (source as Record<string, unknown> | undefined | null)?.[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** A positive integer from a query or form field, or undefined. */
export function positiveInt(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export const bodyOf = (request: FastifyRequest) => request.body;
export const queryOf = (request: FastifyRequest) => request.query;
