import type { Severity } from '../protocol/finding.js';
import type { DoctorFinding, DoctorReport, DoctorStep } from './doctor-report.js';

const stepOrder: DoctorStep[] = ['manifest', 'admin_ui', 'pull', 'push', 'channelback', 'clickthrough', 'events'];
const severityOrder: Severity[] = ['error', 'warning', 'note'];
const colours: Record<Severity | 'dim' | 'ok', string> = {
  error: '\u001b[31m',
  warning: '\u001b[33m',
  note: '\u001b[36m',
  dim: '\u001b[2m',
  ok: '\u001b[32m',
};
const reset = '\u001b[0m';

/**
 * The report for a person: the steps, then the findings grouped by step, errors first,
 * each with its rule id, path, value, limit and the vendor's page. `colour` only on a TTY.
 */
export function formatReport(report: DoctorReport, options: { colour: boolean }): string {
  const paint = (kind: keyof typeof colours, text: string) =>
    options.colour ? `${colours[kind]}${text}${reset}` : text;
  const lines = [`Switchboard doctor: ${report.manifestUrl}`, ''];
  for (const step of report.steps) {
    const mark =
      step.status === 'ran' ? paint('ok', '✓') : step.status === 'skipped' ? paint('dim', '–') : paint('error', '✗');
    lines.push(
      `${mark} ${step.step.padEnd(12)} ${step.status === 'skipped' ? paint('dim', step.detail) : step.detail}`,
    );
  }
  for (const step of stepOrder) {
    const found = report.findings
      .filter((f) => f.step === step)
      .sort((a, b) => severityOrder.indexOf(a.severity) - severityOrder.indexOf(b.severity));
    if (found.length === 0) continue;
    lines.push('', `${step} (${found.length})`);
    for (const f of found) lines.push(...findingLines(f, paint));
  }
  lines.push('');
  if (report.couldNotRun !== undefined) lines.push(paint('error', `Could not run: ${report.couldNotRun}`));
  const { error, warning, note } = report.counts;
  const summary = `${error} error${error === 1 ? '' : 's'}, ${warning} warning${warning === 1 ? '' : 's'}, ${note} note${note === 1 ? '' : 's'}`;
  lines.push(error > 0 ? paint('error', summary) : paint('ok', summary));
  return `${lines.join('\n')}\n`;
}

function findingLines(f: DoctorFinding, paint: (kind: keyof typeof colours, text: string) => string): string[] {
  const where = f.path === undefined ? '' : ` ${f.path}`;
  const lines = [`  ${paint(f.severity, f.severity.padEnd(7))} ${f.rule}${where}: ${f.message}`];
  const facts = [f.value === undefined ? '' : `value ${f.value}`, f.limit === undefined ? '' : `limit ${f.limit}`]
    .filter((fact) => fact !== '')
    .join('; ');
  if (facts !== '') lines.push(`          ${facts}`);
  lines.push(`          ${paint('dim', f.link)}`);
  return lines;
}

/** The report as JSON (`--json`, and the API's `report`): snake_case keys. */
export function reportJson(report: DoctorReport) {
  return {
    manifest_url: report.manifestUrl,
    started_at: report.startedAt,
    finished_at: report.finishedAt,
    exit_code: report.exitCode,
    ...(report.couldNotRun === undefined ? {} : { could_not_run: report.couldNotRun }),
    counts: report.counts,
    steps: report.steps,
    findings: report.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      step: f.step,
      ...(f.path === undefined ? {} : { path: f.path }),
      message: f.message,
      ...(f.value === undefined ? {} : { value: f.value }),
      ...(f.limit === undefined ? {} : { limit: f.limit }),
      link: f.link,
    })),
  };
}

const xml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/**
 * JUnit XML for CI (`--junit FILE`): one test suite per step, one test case per step run,
 * one failure per error, warnings and notes as `system-out`.
 */
export function reportJunit(report: DoctorReport): string {
  const suites = report.steps.map((step) => {
    const found = report.findings.filter((f) => f.step === step.step);
    const errors = found.filter((f) => f.severity === 'error');
    const others = found.filter((f) => f.severity !== 'error');
    const text = (f: DoctorFinding) =>
      `${f.rule}${f.path === undefined ? '' : ` ${f.path}`}: ${f.message}${f.value === undefined ? '' : ` (value ${f.value})`} ${f.link}`;
    const body = [
      step.status === 'skipped' ? `      <skipped message="${xml(step.detail)}"/>` : '',
      ...errors.map(
        (f) => `      <failure type="${xml(f.rule)}" message="${xml(f.message)}">${xml(text(f))}</failure>`,
      ),
      others.length > 0
        ? `      <system-out>${xml(others.map((f) => `${f.severity} ${text(f)}`).join('\n'))}</system-out>`
        : '',
      step.status === 'failed' && errors.length === 0 ? `      <failure message="${xml(step.detail)}"/>` : '',
    ].filter((line) => line !== '');
    return [
      `  <testsuite name="doctor.${step.step}" tests="1" failures="${errors.length > 0 || step.status === 'failed' ? 1 : 0}" skipped="${step.status === 'skipped' ? 1 : 0}">`,
      `    <testcase classname="doctor.${step.step}" name="${xml(step.detail)}">`,
      ...body,
      '    </testcase>',
      '  </testsuite>',
    ].join('\n');
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="switchboard doctor">\n${suites.join('\n')}\n</testsuites>\n`;
}
