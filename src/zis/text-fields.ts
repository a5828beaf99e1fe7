/** A string that can be stored: 1–`max` characters, no NUL; else what is wrong with it. */
export function textProblem(value: unknown, field: string, max: number): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `"${field}" must be a non-empty string`;
  if (value.length > max) return `"${field}" must be at most ${max} characters; got ${value.length}`;
  if (value.includes('\u0000')) return `"${field}" must not contain the NUL character (U+0000)`;
  return undefined;
}
