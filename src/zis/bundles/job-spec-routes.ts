import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, formatTimestamp, type Clock } from '../../clock.js';
import type { Principal } from '../../http/authenticate.js';
import { BadRequest, NotFound } from '../../http/errors.js';
import { adminErrors, emptyBody, nullableTimestamp } from '../../http/response-schemas.js';
import type { IntegrationKey, SubStores, TokenStore } from '../../store/store.js';
import { integrationNamePattern } from '../names.js';
import { registryKeyOf } from './bundle-access.js';
import { declaredJobSpecs, parseJobSpecName, type DeclaredJobSpec } from './bundle-validation.js';

export interface JobSpecRoutesOptions {
  store: TokenStore & Pick<SubStores, 'zisRegistry'>;
  clock: Clock;
  principalOf: (request: FastifyRequest) => Principal;
}

const security: Record<string, string[]>[] = [{ adminBasicAuth: [] }, { bearerAuth: [] }];
const installPath = '/api/services/zis/registry/job_specs/install';

/** The job specs the newest version of each of the integration's bundles declares, with their bundle's name. */
async function declaredJobSpecsOf(
  store: TokenStore & Pick<SubStores, 'zisRegistry'>,
  key: IntegrationKey,
): Promise<(DeclaredJobSpec & { bundle: string })[]> {
  const declared: (DeclaredJobSpec & { bundle: string })[] = [];
  for (let afterName = ''; ;) {
    const page = await store.zisRegistry.listLatestBundles(key, { afterName, limit: 100 });
    for (const bundle of page) {
      for (const spec of declaredJobSpecs(key.integration, bundle.resourcesJson))
        declared.push({ ...spec, bundle: bundle.name });
    }
    if (page.length < 100) return declared;
    afterName = page.at(-1)!.name;
  }
}

const jobSpecQuery = {
  type: 'object',
  required: ['job_spec_name'],
  properties: {
    job_spec_name: {
      type: 'string',
      minLength: 1,
      maxLength: 400,
      description: 'The job spec\'s full name: "zis:{integration}:job_spec:{name}".',
      examples: ['zis:my_integration:job_spec:my_job_spec'],
    },
  },
} as const;

/**
 * Install and uninstall a job spec (`…/registry/job_specs/install?job_spec_name=…`), as the
 * vendor's registry does; the job spec must be declared by an uploaded bundle of its
 * integration. Installed state is kept, never acted on (no flow runs): it reads at
 * `/api/switchboard/v1/integrations/{integration}/job_specs`.
 */
export async function jobSpecRoutes(app: FastifyInstance, options: JobSpecRoutesOptions): Promise<void> {
  const { store, clock } = options;

  /** The job spec a request names, checked: its integration the principal's, declared in a bundle. */
  const resolve = async (request: FastifyRequest<{ Querystring: { job_spec_name: string } }>) => {
    const fullName = request.query.job_spec_name;
    const parsed = parseJobSpecName(fullName);
    if (!parsed) {
      throw BadRequest(
        `Query parameter job_spec_name must be "zis:{integration}:job_spec:{name}"; got "${fullName.slice(0, 200)}".`,
      );
    }
    const key = await registryKeyOf(store, options.principalOf(request), parsed.integration, request.method);
    const declared = await declaredJobSpecsOf(store, key);
    if (!declared.some((spec) => spec.fullName === fullName)) {
      throw NotFound(
        `No bundle of integration "${key.integration}" declares the job spec "${parsed.name}". Upload a bundle ` +
          `with a ZIS::JobSpec resource whose properties.name is "${parsed.name}", then install it.`,
      );
    }
    return { key, fullName };
  };

  for (const method of ['POST', 'DELETE'] as const) {
    app.route<{ Querystring: { job_spec_name: string } }>({
      method,
      url: installPath,
      schema: {
        summary: method === 'POST' ? 'Install a job spec' : 'Uninstall a job spec',
        description:
          "Admin basic auth, an API token or a ZIS OAuth token of the job spec's integration. The job spec must be " +
          'declared by an uploaded bundle. ' +
          (method === 'POST'
            ? 'Installing an installed job spec changes nothing.'
            : 'Uninstalling one that is not installed changes nothing.') +
          ' Switchboard keeps the state; it runs no flows.',
        tags: ['ZIS Registry'],
        security,
        querystring: jobSpecQuery,
        response: { 200: emptyBody('Done; the body is empty, as the vendor answers.'), ...adminErrors(400, 403, 404) },
      },
      handler: async function installOrUninstallJobSpec(request, reply) {
        const { key, fullName } = await resolve(request);
        if (method === 'POST') await store.zisRegistry.installJobSpec(key, fullName, epochSeconds(clock));
        else await store.zisRegistry.uninstallJobSpec(key, fullName);
        return reply.code(200).send();
      },
    });
  }

  app.get<{ Params: { integration: string } }>(
    '/api/switchboard/v1/integrations/:integration/job_specs',
    {
      schema: {
        summary: 'Job specs and whether they are installed',
        description:
          "The job specs the integration's bundles declare (newest version of each bundle), each with its install state.",
        tags: ['ZIS Registry'],
        security,
        params: {
          type: 'object',
          required: ['integration'],
          properties: { integration: { type: 'string', pattern: integrationNamePattern } },
        },
        response: {
          200: {
            description: 'The declared job specs.',
            type: 'object',
            properties: {
              job_specs: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string', examples: ['zis:my_integration:job_spec:my_job_spec'] },
                    bundle: { type: 'string' },
                    event_source: { type: 'string' },
                    event_type: { type: 'string' },
                    flow_name: { type: 'string' },
                    installed: { type: 'boolean' },
                    installed_at: nullableTimestamp,
                  },
                },
              },
            },
          },
          ...adminErrors(400, 403, 404),
        },
      },
    },
    async function listJobSpecs(request, reply) {
      const key = await registryKeyOf(store, options.principalOf(request), request.params.integration, 'GET');
      const installs = new Map(
        (await store.zisRegistry.listJobSpecInstalls(key)).map((install) => [install.jobSpecName, install.installedAt]),
      );
      const declared = await declaredJobSpecsOf(store, key);
      return reply.send({
        job_specs: declared.map((spec) => {
          const installedAt = installs.get(spec.fullName);
          return {
            name: spec.fullName,
            bundle: spec.bundle,
            event_source: spec.eventSource,
            event_type: spec.eventType,
            flow_name: spec.flowName,
            installed: installedAt !== undefined,
            installed_at: installedAt === undefined ? null : formatTimestamp(installedAt),
          };
        }),
      });
    },
  );
}
