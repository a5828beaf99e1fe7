/**
 * `switchboard keys rotate`: the statements both stores run alike, written once (see render.ts).
 */
export const keyRotationStatements = {
  /** A batch of instances' stored values by id (after an id, at most a limit). */
  storedValues: `SELECT id, metadata, state FROM instances WHERE id > ? ORDER BY id LIMIT ?`,
} as const;
