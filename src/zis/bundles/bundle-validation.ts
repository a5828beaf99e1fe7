import { UnprocessableEntity } from '../../http/errors.js';
import { textProblem } from '../text-fields.js';

/** The one template version the vendor's registry takes. */
export const zisTemplateVersion = '2019-10-14';

/** Resource types with their required properties; `definition` is an object, the rest strings. */
const resourceRules: Record<string, readonly string[]> = {
  'ZIS::Flow': ['name', 'definition'],
  'ZIS::Action::Http': ['name', 'definition'],
  'ZIS::JobSpec': ['name', 'event_source', 'event_type', 'flow_name'],
};
export const resourceTypes = Object.keys(resourceRules);

/** A bundle as uploaded, checked. */
export interface ValidBundle {
  name: string;
  description: string;
  resources: Record<string, { type: string; properties: Record<string, unknown> }>;
}

/** A job spec declared in a bundle. */
export interface DeclaredJobSpec {
  /** `zis:{integration}:job_spec:{name}` */
  fullName: string;
  name: string;
  eventSource: string;
  eventType: string;
  flowName: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks an upload as the vendor's registry documents a bundle: `zis_template_version`
 * "2019-10-14", a `name`, and `resources`, an object of resources each with a known `type`
 * and the `properties` that type needs (a job spec's `flow_name` names a flow of this
 * integration). Throws 422 naming the first problem. Nothing is executed.
 */
export function validateBundle(body: unknown, integration: string): ValidBundle {
  const refuse = (problem: string) => UnprocessableEntity(`The bundle is invalid: ${problem}. Nothing was stored.`);
  if (!isObject(body)) throw refuse('the body must be a JSON object');
  if (body.zis_template_version !== zisTemplateVersion) {
    throw refuse(
      `"zis_template_version" must be "${zisTemplateVersion}"; got ${JSON.stringify(body.zis_template_version) ?? 'nothing'}`,
    );
  }
  const nameProblem = textProblem(body.name, 'name', 255);
  if (nameProblem) throw refuse(nameProblem);
  if (body.description !== undefined && typeof body.description !== 'string') {
    throw refuse('"description" must be a string');
  }
  const { resources } = body;
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    throw refuse('"resources" must be an object with at least one resource');
  }
  for (const [key, resource] of Object.entries(resources)) {
    const at = `resources.${key}`;
    if (!isObject(resource)) throw refuse(`"${at}" must be an object with "type" and "properties"`);
    const required = typeof resource.type === 'string' ? resourceRules[resource.type] : undefined;
    if (!required) {
      throw refuse(`"${at}.type" must be one of ${resourceTypes.join(', ')}; got ${JSON.stringify(resource.type)}`);
    }
    const properties = resource.properties;
    if (!isObject(properties)) throw refuse(`"${at}.properties" must be an object`);
    for (const property of required) {
      const value = properties[property];
      const problem =
        property === 'definition'
          ? isObject(value)
            ? undefined
            : `"${at}.properties.definition" must be an object`
          : textProblem(value, `${at}.properties.${property}`, 255);
      if (problem) throw refuse(problem);
    }
    if (resource.type === 'ZIS::JobSpec') {
      const flow = properties.flow_name as string;
      if (!flow.startsWith(`zis:${integration}:flow:`)) {
        throw refuse(`"${at}.properties.flow_name" must be "zis:${integration}:flow:{flow name}"; got "${flow}"`);
      }
    }
  }
  return {
    name: body.name as string,
    description: (body.description as string | undefined) ?? '',
    resources: resources as ValidBundle['resources'],
  };
}

/** The job specs a stored bundle's resources declare. */
export function declaredJobSpecs(integration: string, resourcesJson: string): DeclaredJobSpec[] {
  const resources = JSON.parse(resourcesJson) as ValidBundle['resources'];
  return Object.values(resources)
    .filter((resource) => resource.type === 'ZIS::JobSpec')
    .map(({ properties: p }) => ({
      fullName: `zis:${integration}:job_spec:${p.name as string}`,
      name: p.name as string,
      eventSource: p.event_source as string,
      eventType: p.event_type as string,
      flowName: p.flow_name as string,
    }));
}

/** `zis:{integration}:job_spec:{name}`, split; undefined when the name is not of that form. */
export function parseJobSpecName(fullName: string): { integration: string; name: string } | undefined {
  const match = /^zis:([a-z0-9_-]{1,64}):job_spec:(.+)$/.exec(fullName);
  return match ? { integration: match[1]!, name: match[2]! } : undefined;
}
