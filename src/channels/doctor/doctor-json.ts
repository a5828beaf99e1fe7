import { timestamp } from '../../http/response-schemas.js';
import type { DoctorRunRecord } from './doctor-runs.js';
import { reportJson } from './format-report.js';

const string = { type: 'string' } as const;

const findingSchema = {
  type: 'object',
  required: ['rule', 'severity', 'step', 'message', 'link'],
  properties: {
    rule: { type: 'string', examples: ['pull.resource.created_at.format'] },
    severity: { type: 'string', enum: ['error', 'warning', 'note'] },
    step: { type: 'string', enum: ['manifest', 'admin_ui', 'pull', 'push', 'channelback', 'clickthrough', 'events'] },
    path: { type: 'string', examples: ['external_resources[3].created_at'] },
    message: string,
    value: { type: 'string', description: 'The value, cut short; metadata, state and tokens redacted.' },
    limit: { type: 'string', description: 'The documented limit.' },
    link: { type: 'string', description: "The vendor's page for the rule." },
  },
} as const;

/** The report as `switchboard doctor --json` prints it. */
export const doctorReportSchema = {
  type: ['object', 'null'],
  description: 'The report once the run has finished; null while it runs.',
  properties: {
    manifest_url: string,
    started_at: string,
    finished_at: string,
    exit_code: { type: 'integer', enum: [0, 1, 2], description: '0 no errors, 1 errors, 2 the doctor could not run.' },
    could_not_run: string,
    counts: {
      type: 'object',
      properties: { error: { type: 'integer' }, warning: { type: 'integer' }, note: { type: 'integer' } },
    },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: { step: string, status: { type: 'string', enum: ['ran', 'skipped', 'failed'] }, detail: string },
      },
    },
    findings: { type: 'array', items: findingSchema },
  },
} as const;

export const doctorRunSchema = {
  type: 'object',
  required: ['id', 'status', 'manifest_url', 'created_at', 'report'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['running', 'finished'] },
    manifest_url: string,
    created_at: timestamp,
    report: doctorReportSchema,
  },
} as const;

/** One run as the API answers it. */
export function doctorRunJson(run: DoctorRunRecord) {
  return {
    id: run.id,
    status: run.report === undefined ? 'running' : 'finished',
    manifest_url: run.manifestUrl,
    created_at: new Date(Math.floor(run.createdAt / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    report: run.report === undefined ? null : reportJson(run.report),
  };
}
