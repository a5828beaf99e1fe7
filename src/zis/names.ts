/** The vendor's published rule for integration names. */
export const integrationNamePattern = '^[a-z0-9_-]{1,64}$';
const integrationNameRegex = new RegExp(integrationNamePattern);

export function isIntegrationName(name: string): boolean {
  return integrationNameRegex.test(name);
}

export const maxScopeLength = 255;

/**
 * Why a scope is unacceptable, or undefined when it is fine: 1–255 characters, no control
 * characters, no `*` (the wildcard of `filter[scope]`).
 */
export function scopeProblem(scope: string): string | undefined {
  if (scope.length === 0) return 'scope must not be empty';
  if (scope.length > maxScopeLength) return `scope must be at most ${maxScopeLength} characters; got ${scope.length}`;
  if (scope.includes('*')) return 'scope must not contain "*" (it is the wildcard of filter[scope])';
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(scope);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    return `scope must not contain control characters; found U+${code.toUpperCase()} at position ${control.index}`;
  }
  return undefined;
}
