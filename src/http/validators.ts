import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';

/**
 * Query strings and paths arrive as text, so their numbers are coerced; bodies are JSON and
 * are taken as sent: `{"metadata": 5}` is an error, not the string "5".
 *
 * Each schema is compiled on its route's first request, not at start-up: compiling every
 * route's schemas took a fifth of the time `serve` needed to become ready.
 */
export function installValidators(app: FastifyInstance): void {
  const common = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;
  const forBodies = new Ajv({ ...common, coerceTypes: false });
  const forText = new Ajv({ ...common, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    compileOnFirstUse(() => (httpPart === 'body' ? forBodies : forText).compile(schema)),
  );
}

type Context = Parameters<ValidateFunction>[1];

/**
 * A validator that compiles itself when first called. It passes on fastify's second
 * argument (the parent object, so Ajv may coerce a root value), which fastify only gives
 * to functions with `schemaEnv`, and copies `errors`, which fastify reads after each call.
 */
export function compileOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown, context?: Context) => {
    compiled ??= compile();
    const valid = compiled(data, context);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  validate.schemaEnv = {} as ValidateFunction['schemaEnv'];
  return validate;
}
