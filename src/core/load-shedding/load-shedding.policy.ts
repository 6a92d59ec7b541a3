// Probes, scrapes, docs and operator routes answer whatever the load: they are how an operator
// (or Kubernetes) sees and fixes an overloaded instance.
const NEVER_SHED_PREFIX = /^\/(health|metrics|docs|docs-json|admin)(\/|$)/;
// A cancel lowers exposure: refusing it under load would keep risk on the book.
const CANCEL = /\/cancel$/;

/**
 * Whether a route (its template, as the router matched it) may be shed: every route is, teams'
 * routes included, except probes, /metrics, /docs, /admin/*, any route ending in `/cancel`, and
 * the templates listed in LOAD_SHEDDING_NEVER_SHED_ROUTES.
 */
export function isSheddable(route: string, neverShed: readonly string[]): boolean {
  return !NEVER_SHED_PREFIX.test(route) && !CANCEL.test(route) && !neverShed.includes(route);
}
