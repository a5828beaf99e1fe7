/**
 * Why an integration's answer is not JSON, without quoting it: V8's own message quotes a
 * piece of the text, which may echo metadata or other secrets back into the pull log or a
 * reply's `last_error`. Only the position is kept.
 */
export function notJsonReason(error: unknown): string {
  const position = /position (\d+)/.exec(String((error as Error)?.message ?? ''))?.[1];
  return position === undefined ? 'it is not valid JSON' : `it is not valid JSON (at character ${position})`;
}
