/**
 * The form an integration's admin UI posts (through the admin's browser) back to the
 * host's `return_url` to create or update an instance.
 */
import { failure, get, type Invalid, optionalString, Problems, report, requiredString } from './checks.js';
import { INSTANCE_NAME_MAX, METADATA_MAX, STATE_MAX } from './limits.js';

/** A validated admin UI return. */
export interface AdminUiReturn {
  /** The instance ("account") name shown to admins and in event callbacks. */
  name: string;
  /** Replaces the instance's metadata; may be empty. */
  metadata: string;
  /** Absent: a new instance starts with empty state and an edited one keeps its state. */
  state?: string;
}

/** The result of {@link validateAdminUiReturn}. */
export type AdminUiReturnResult = { ok: true; form: AdminUiReturn } | Invalid;

/**
 * Validates the decoded form fields posted to `return_url`.
 *
 * - `name`: required, 1–255 characters and not only whitespace (the vendor publishes no
 *   limit; 255 matches the manifest's `name`).
 * - `metadata`: required (the docs list it as always sent), at most 5000 characters,
 *   may be empty.
 * - `state`: optional, at most 5000 characters.
 *
 * Every value must be a single string: a field sent more than once (which form parsers
 * turn into an array) is a problem, since which copy was meant is unknowable. Other
 * fields (echoed `return_url`, `subdomain`, …) are ignored.
 *
 * Findings carry the `admin_ui.return.*` rules (`rules.ts`).
 *
 * @param fields The parsed form body, e.g. from `@fastify/formbody`.
 */
export function validateAdminUiReturn(fields: Record<string, unknown>): AdminUiReturnResult {
  const problems = new Problems('admin_ui.return');
  /** Runs `check` on the field unless it was sent more than once. */
  const read = <T>(key: string, check: (value: unknown) => T): T | undefined => {
    const value = get(fields, key);
    if (!Array.isArray(value)) return check(value);
    report(problems, key, `was sent ${value.length} times; send it once`, 'repeated');
    return undefined;
  };
  const name = read('name', (value) => requiredString(problems, 'name', value, { min: 1, max: INSTANCE_NAME_MAX }));
  if (name !== undefined && name !== '' && name.trim() === '')
    report(problems, 'name', 'must not be only whitespace', 'format');
  const metadata = read('metadata', (value) => requiredString(problems, 'metadata', value, { max: METADATA_MAX }));
  const state = read('state', (value) => optionalString(problems, 'state', value, { max: STATE_MAX }));
  if (problems.length > 0 || name === undefined || metadata === undefined) return failure(problems);

  const form: AdminUiReturn = { name, metadata };
  if (state !== undefined) form.state = state;
  return { ok: true, form };
}
