/**
 * The inspector's setting (`SWITCHBOARD_INSPECTOR_EXCHANGES`): how many exchanges with
 * integrations each ring keeps, and whether only failed exchanges and those with findings.
 */
export interface InspectorSetting {
  exchanges: number;
  errorsOnly: boolean;
}

/** `N` (every exchange, rings of N; 0: off), `errors` (failures and findings only, rings of 200) or `errors:N`. */
export function inspectorSetting(raw: string | undefined, mode: 'development' | 'production'): InspectorSetting {
  const ring = 200;
  const value = raw?.trim() ?? '';
  if (value === '') return { exchanges: ring, errorsOnly: mode === 'production' };
  const match = /^(?:(\d{1,7})|(errors)(?::(\d{1,7}))?)$/.exec(value);
  if (!match) {
    throw new Error(
      `SWITCHBOARD_INSPECTOR_EXCHANGES must be a count of exchanges kept per instance (0 turns the inspector off), ` +
        `"errors" (only failed exchanges and those with findings, 200 each) or "errors:N"; got "${value}"`,
    );
  }
  const [, all, errors, errorCount] = match;
  const count = all ?? errorCount;
  const exchanges = count === undefined ? ring : Number(count);
  if (exchanges > 100_000) {
    throw new Error(`SWITCHBOARD_INSPECTOR_EXCHANGES keeps at most 100000 exchanges per instance; got ${exchanges}`);
  }
  return { exchanges, errorsOnly: errors !== undefined };
}
