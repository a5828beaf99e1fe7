import { Ajv2020 } from 'ajv/dist/2020.js';

/** The parts of an OpenAPI document the tests read. */
export interface OpenApiDocument {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

export interface Operation {
  security?: object[];
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}

/** `/api/x/:id/y` (fastify) → `/api/x/{id}/y` (OpenAPI). */
export const openApiPath = (fastifyUrl: string) => fastifyUrl.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

/** The documented path template a concrete path matches, the most literal first. */
export function templateOf(doc: OpenApiDocument, method: string, path: string): string | undefined {
  const pathname = path.split('?')[0]!;
  return Object.keys(doc.paths)
    .filter((template) => doc.paths[template]![method.toLowerCase()] !== undefined)
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))
    .find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname));
}

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const compiled = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/**
 * Checks one real answer against the document: its status must be documented for the
 * operation, and its body must match that status's schema (or be empty where the document
 * says no body). Returns the problems, empty when the answer is as documented.
 */
export function answerProblems(
  doc: OpenApiDocument,
  method: string,
  path: string,
  answer: { status: number; text: string; contentType: string | null },
): string[] {
  const template = templateOf(doc, method, path);
  if (!template) return [`${method} ${path}: no documented operation matches`];
  const where = `${method} ${template} → ${answer.status}`;
  const documented = doc.paths[template]![method.toLowerCase()]!.responses[String(answer.status)];
  if (!documented) return [`${where}: this status is not documented`];
  if (!documented.content) return answer.text === '' ? [] : [`${where}: documented without a body, answered one`];
  const media = documented.content['application/json'];
  if (!media) return answer.contentType?.includes('json') ? [`${where}: answered JSON, documented otherwise`] : [];
  if (answer.text === '') return [`${where}: documented with a body, answered none`];
  let validate = compiled.get(media.schema);
  if (!validate) {
    validate = ajv.compile(media.schema);
    compiled.set(media.schema, validate);
  }
  if (validate(JSON.parse(answer.text))) return [];
  return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || 'body'} ${e.message}`);
}
