import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';

/**
 * Query strings and paths arrive as text, so their numbers are coerced; bodies are JSON and
 * are taken as sent: `{"metadata": 5}` is an error, not the string "5".
 */
export function installValidators(app: FastifyInstance): void {
  const common = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;
  const forBodies = new Ajv({ ...common, coerceTypes: false });
  const forText = new Ajv({ ...common, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? forBodies : forText).compile(schema));
}
