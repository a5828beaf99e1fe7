/**
 * Where a resource links to: `{clickthrough_url}?external_id={id}` (URL-encoded), with `&`
 * when the manifest's URL has a query string already. Null when there is no clickthrough_url.
 */
export function clickthroughUrl(base: string | null, externalId: string): string | null {
  if (base === null) return null;
  const hashAt = base.indexOf('#');
  const [head, hash] = hashAt === -1 ? [base, ''] : [base.slice(0, hashAt), base.slice(hashAt)];
  const separator = !head.includes('?') ? '?' : head.endsWith('?') || head.endsWith('&') ? '' : '&';
  return `${head}${separator}external_id=${encodeURIComponent(externalId)}${hash}`;
}
