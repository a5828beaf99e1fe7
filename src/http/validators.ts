import type { Ajv as AjvClass, ValidateFunction } from 'ajv';
import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';

// Both libraries are CommonJS: required on first use, they cost nothing until a route with
// a schema is first called (loading them and compiling every route's schemas took a
// fifth of the time `serve` needed to become ready).
const require = createRequire(import.meta.url);

type Serializer = (data: unknown) => string;

/**
 * fastify's `schemaController` option: request validators and response serializers that
 * compile on their route's first request, with Ajv and fast-json-stringify loaded then.
 * Given at construction, it also keeps fastify from loading its own default compilers.
 *
 * Query strings and paths arrive as text, so their numbers are coerced; bodies are JSON and
 * are taken as sent: `{"metadata": 5}` is an error, not the string "5".
 */
export const lazySchemaCompilers: FastifyServerOptions['schemaController'] = {
  // fastify's types for these factories describe its own Ajv pools; the calls are as below.
  compilersFactory: {
    buildValidator: () => {
      let ajv: { bodies: AjvClass; text: AjvClass } | undefined;
      const ajvFor = (httpPart: string | undefined) => {
        if (!ajv) {
          const { Ajv } = require('ajv') as typeof import('ajv');
          const common = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;
          ajv = {
            bodies: new Ajv({ ...common, coerceTypes: false }),
            text: new Ajv({ ...common, coerceTypes: 'array' }),
          };
        }
        return httpPart === 'body' ? ajv.bodies : ajv.text;
      };
      return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
        compileOnFirstUse(() => ajvFor(httpPart).compile(schema));
    },
    buildSerializer: (externalSchemas: unknown, serializerOpts: unknown) => {
      const options = { ...(serializerOpts as object), schema: externalSchemas };
      return ({ schema }: { schema: object }) => {
        let compiled: Serializer | undefined;
        return (data: unknown) => {
          compiled ??= (require('fast-json-stringify') as (schema: object, options: object) => Serializer)(
            schema,
            options,
          );
          return compiled(data);
        };
      };
    },
  } as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'],
};

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
