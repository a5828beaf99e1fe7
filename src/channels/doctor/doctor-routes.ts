import type { FastifyInstance } from 'fastify';
import { Forbidden, NotFound, TooManyRequests } from '../../http/errors.js';
import { adminErrors } from '../../http/response-schemas.js';
import type { Account } from '../../store/store.js';
import { requireAdmin, type ChannelContext } from '../channel-context.js';
import { doctorRunJson, doctorRunSchema } from './doctor-json.js';
import type { DoctorRuns } from './doctor-runs.js';
import { runDoctor } from './run-doctor.js';

const tags = ['Integration doctor'];
const security = [{ adminBasicAuth: [] }];
const base = '/api/switchboard/v1/doctor_runs';

/** Where a run works: its own account, never a tenant's. */
export type DoctorWorkspace = (account: Account) => Promise<{ accountId: number; subdomain: string } | 'refused'>;

/** What the doctor routes need beyond the channel context. */
export interface DoctorRouteOptions extends ChannelContext {
  runs: DoctorRuns;
  workspaceFor: DoctorWorkspace;
  pullTimeoutMs: number;
  maxResponseBytes: number;
}

interface StartBody {
  manifest_url: string;
  metadata?: string;
  wait_seconds?: number;
  channelback_thread?: string;
  keep?: boolean;
}

/**
 * `POST …/doctor_runs` starts `switchboard doctor` in this server (its outbound rules,
 * its push API) and answers 202 at once; `GET …/doctor_runs/{id}` reads it, with the
 * report once finished. Runs are kept in this process's memory (see `DoctorRuns`).
 */
export async function doctorRoutes(app: FastifyInstance, options: DoctorRouteOptions): Promise<void> {
  const { runs } = options;

  app.post<{ Body: StartBody }>(
    base,
    {
      schema: {
        tags,
        security,
        summary: 'Start the integration doctor on a manifest URL',
        description:
          'Drives the integration through the protocol as the host would, in an account of its own: in development ' +
          'a new throwaway account; in production the caller must be the admin of a doctor account ' +
          '(`switchboard accounts create --doctor`), and the run works in it. The integration it registers is removed ' +
          'afterwards unless keep. Without metadata a person completes the admin UI hand-off in the console within ' +
          'wait_seconds. Runs are kept in this process only (the newest 100).',
        body: {
          type: 'object',
          required: ['manifest_url'],
          additionalProperties: false,
          properties: {
            manifest_url: { type: 'string', minLength: 1, maxLength: 2048 },
            metadata: { type: 'string', maxLength: 5000, description: 'Completes the admin UI hand-off with it.' },
            wait_seconds: { type: 'integer', minimum: 0, maximum: 600, default: 60 },
            channelback_thread: {
              type: 'string',
              minLength: 1,
              maxLength: 511,
              description: 'Sends a test reply to this thread (a real message).',
            },
            keep: { type: 'boolean', default: false },
          },
        },
        response: {
          202: { ...doctorRunSchema, description: 'The run has started; read it with GET.' },
          ...adminErrors(400, 422, 429),
        },
      },
    },
    async function startDoctorRun(request, reply) {
      const account = requireAdmin(options, request);
      const workspace = await options.workspaceFor(account);
      if (workspace === 'refused') {
        throw Forbidden(
          'On a production server the doctor runs only with the admin credentials of a doctor account, so it ' +
            'never touches a tenant: create one with `switchboard accounts create --doctor --subdomain doctor`.',
        );
      }
      const body = request.body;
      const run = runs.start(account.id, body.manifest_url, options.nowMs());
      if (run === undefined) throw TooManyRequests(`${runs.max} doctor runs are under way; wait for one to finish.`);
      const publicUrl = options.publicUrlOf(request);
      void runDoctor(
        {
          manifestUrl: body.manifest_url,
          waitSeconds: body.wait_seconds ?? 60,
          ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
          ...(body.channelback_thread === undefined ? {} : { channelbackThread: body.channelback_thread }),
        },
        {
          channels: options.channels,
          client: options.client,
          nowMs: options.nowMs,
          accountId: workspace.accountId,
          subdomain: workspace.subdomain,
          publicUrl,
          signingSecret: options.signingSecret,
          pullTimeoutMs: options.pullTimeoutMs,
          maxResponseBytes: options.maxResponseBytes,
          handoffHint: (integrationId) => `${publicUrl}/console/channel_integrations/${integrationId}`,
          keep: body.keep === true,
        },
      ).then((report) => {
        run.report = report;
      });
      return reply.code(202).send(doctorRunJson(run));
    },
  );

  app.get<{ Params: { id: string } }>(
    `${base}/:id`,
    {
      schema: {
        tags,
        security,
        summary: 'A doctor run: running, or finished with its report',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: { ...doctorRunSchema, description: 'The run; `report` is set once it has finished.' },
          ...adminErrors(400, 404),
        },
      },
    },
    async function readDoctorRun(request) {
      const account = requireAdmin(options, request);
      const run = runs.get(account.id, request.params.id);
      if (!run) throw NotFound(`No doctor run ${request.params.id} on this server (runs are kept in memory).`);
      return doctorRunJson(run);
    },
  );
}
