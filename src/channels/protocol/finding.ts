/** How bad a broken protocol rule is. */
export type Severity = 'error' | 'warning' | 'note';

/**
 * One protocol rule broken by one exchange: `rule` is the catalogue id
 * (e.g. `pull.resource.created_at.format`), `path` the JSON path of the value
 * (e.g. `external_resources[3].created_at`), `message` says what is wrong and what to fix.
 */
export interface Finding {
  rule: string;
  severity: Severity;
  path?: string;
  message: string;
}
