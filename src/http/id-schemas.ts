// Ids in paths and queries: integers a JavaScript number and a bigint column both hold
// exactly. Past that, PostgreSQL refuses the value (an error, not a miss), so the schema
// refuses it first with a 400 that says so.

/** A row id: 1 or more. */
export const positiveId = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

/** A `page[after]` cursor: 0 (the first page) or a row id. */
export const cursorId = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
