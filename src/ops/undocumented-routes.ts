/**
 * The routes the OpenAPI document leaves out, each with the reason. Everything else the
 * server registers is API and must be documented: `test/ops/openapi-coverage.test.ts`
 * fails on any route that is neither in the document nor matched here. A new page for
 * people goes here; a new API route gets a `response` schema beside it instead.
 */
export const undocumentedRoutes: readonly { path: RegExp; why: string }[] = [
  {
    path: /^\/console(\/|$)/,
    why: 'The console: HTML pages and form posts for people in a browser, not an API.',
  },
  {
    path: /^\/admin-ui\/return\//,
    why: "The admin-UI hand-off's return_url: the integration's settings page posts a form to it through the admin's browser.",
  },
  {
    path: /^\/docs\//,
    why: "The API reference's static files (GET /docs itself is documented).",
  },
];

/** Why a route is left out of the OpenAPI document, or undefined when it is API. */
export function whyUndocumented(url: string): string | undefined {
  return undocumentedRoutes.find((route) => route.path.test(url))?.why;
}
