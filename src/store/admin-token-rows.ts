import type { AdminTokenDetails } from './store.js';

/** An admin token's row as both stores select it: never the hash. */
export type AdminTokenRow = { id: number; account_id: number; email: string; created_at: number };

export const toAdminTokenDetails = (row: AdminTokenRow): AdminTokenDetails => ({
  id: row.id,
  accountId: row.account_id,
  email: row.email,
  createdAt: row.created_at,
});
