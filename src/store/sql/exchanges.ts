/**
 * The inspector's statements both stores run alike, written once with `?` placeholders (see
 * render.ts). Recording into a ring and its reads differ by dialect and stay in each folder.
 */
export const exchangeStatements = {
  /** Key rotation's read: a batch of bodies as stored, by id. */
  storedBodies: `SELECT id, request_body, response_body FROM exchanges WHERE id > ? ORDER BY id LIMIT ?`,
};
