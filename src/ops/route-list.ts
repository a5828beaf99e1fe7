import type { FastifyInstance } from 'fastify';

/** One registered route: its method and its path as registered (`/api/…/:id`). */
export interface RegisteredRoute {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, HEAD twins included: for the OpenAPI document and its coverage test. */
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
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
}
