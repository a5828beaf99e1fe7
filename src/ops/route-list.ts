import type { FastifyInstance, FastifySchema } from 'fastify';

/** One registered route: its method, its path as registered (`/api/…/:id`) and its schema. */
export interface RegisteredRoute {
  method: string;
  url: string;
  schema?: FastifySchema;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, HEAD twins included: the OpenAPI document is built from them. */
    registeredRoutes: RegisteredRoute[];
  }
}

/**
 * Records every route the app registers from here on. Called first thing on a new app, so
 * that no route escapes it (a route registered before it would be missing from the list).
 */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, schema: route.schema });
  });
}
