import type { Finding, Severity } from '../protocol/finding.js';
import { ruleOf } from '../protocol/rules.js';

/** The parts of a run, in the order the doctor goes through them. */
export type DoctorStep = 'manifest' | 'admin_ui' | 'pull' | 'channelback' | 'clickthrough' | 'events' | 'push';

/**
 * One broken rule as the doctor reports it: the {@link Finding}, the step that found it,
 * the value (cut short; metadata, state and tokens redacted), the documented limit and the
 * vendor's page for the rule.
 */
export interface DoctorFinding extends Finding {
  step: DoctorStep;
  /** E.g. `"yesterday"`, `5001 characters (redacted)`; absent when there is no one value. */
  value?: string;
  limit?: string;
  link: string;
}

/** What one step did: `skipped` when the integration does not declare it or a flag is missing. */
export interface StepOutcome {
  step: DoctorStep;
  status: 'ran' | 'skipped' | 'failed';
  /** One line: what was done, or why not. */
  detail: string;
}

/** A finished run. `exitCode` 0: no error; 1: errors found; 2: the doctor could not run. */
export interface DoctorReport {
  manifestUrl: string;
  startedAt: string;
  finishedAt: string;
  steps: StepOutcome[];
  findings: DoctorFinding[];
  counts: Record<Severity, number>;
  /** Set when the run could not be carried out (exit 2), e.g. the host could not be reached. */
  couldNotRun?: string;
  exitCode: 0 | 1 | 2;
}

/** A {@link DoctorFinding} from a validator's or the doctor's own {@link Finding}. */
export function doctorFinding(step: DoctorStep, found: Finding, value?: string): DoctorFinding {
  const rule = ruleOf(found.rule);
  const result: DoctorFinding = { ...found, step, link: rule.link };
  if (value !== undefined) result.value = value;
  if (rule.limit !== undefined) result.limit = rule.limit;
  return result;
}

/** Counts by severity and the exit code of a run's findings. */
export function finishReport(
  report: Omit<DoctorReport, 'counts' | 'exitCode' | 'finishedAt'>,
  finishedAt: string,
): DoctorReport {
  const counts: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const found of report.findings) counts[found.severity]++;
  const exitCode = report.couldNotRun !== undefined ? 2 : counts.error > 0 ? 1 : 0;
  return { ...report, finishedAt, counts, exitCode };
}
