/**
 * The shape of the benchmark data, shared by the seeders and the workloads: one account,
 * one integration, `count` configs named `tenant-NNNNNN.setting-D`, ten per tenant, so a
 * prefix wildcard on one tenant (`tenant-000123.*`) lists a page of ten.
 */

export const integrationName = 'bench_app';
export const settingsPerTenant = 10;

export const configsPath = `/api/services/zis/integrations/${integrationName}/configs`;

export function tenantPrefix(tenant: number): string {
  return `tenant-${String(tenant).padStart(6, '0')}.`;
}

export function scopeAt(index: number): string {
  return `${tenantPrefix(Math.floor(index / settingsPerTenant))}setting-${index % settingsPerTenant}`;
}

/** A small config, about 100 bytes of JSON, like a typical integration setting. */
export function configJsonAt(index: number): string {
  return JSON.stringify({
    enabled: true,
    endpoint: `https://hooks.example.com/${scopeAt(index)}`,
    retries: 3,
    labels: ['alpha', 'beta'],
  });
}

/**
 * `count` distinct indices in [0, total), scattered over the whole range, so a workload
 * touches pages all over the index instead of one hot corner. Multiplying by a prime
 * that does not divide `total` visits each residue once.
 */
export function scatteredIndices(count: number, total: number): number[] {
  const stride = 104_729;
  if (total % stride === 0) throw new Error(`scatteredIndices: ${total} is a multiple of ${stride}`);
  return Array.from({ length: Math.min(count, total) }, (_, k) => (k * stride) % total);
}

/** GET one config: 1000 different scopes, spread over the data set. */
export function readPaths(total: number): string[] {
  return scatteredIndices(1000, total).map((i) => `${configsPath}/${scopeAt(i)}`);
}

/**
 * The vendor's own read, as real ZIS clients make it: the list filtered on one exact scope
 * (no wildcard), the same 1000 scopes as readPaths.
 */
export function exactListPaths(total: number): string[] {
  return scatteredIndices(1000, total).map((i) => `${configsPath}?filter%5Bscope%5D=${encodeURIComponent(scopeAt(i))}`);
}

/** List with a prefix wildcard: 1000 different tenants, each answering a page of ten. */
export function listPaths(total: number): string[] {
  const tenants = Math.ceil(total / settingsPerTenant);
  return scatteredIndices(1000, tenants).map(
    (t) => `${configsPath}?filter%5Bscope%5D=${encodeURIComponent(`${tenantPrefix(t)}*`)}`,
  );
}

/** PATCH: a small set of 100 configs, so concurrent merges often hit the same row. */
export function patchPaths(total: number): string[] {
  return patchIndices(total).map((i) => `${configsPath}/${scopeAt(i)}`);
}

/** The indices of the configs `patchPaths(total)` names. */
export function patchIndices(total: number): number[] {
  return scatteredIndices(100, total);
}
