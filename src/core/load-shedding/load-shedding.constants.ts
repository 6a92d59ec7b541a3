/** Key of a route's Fastify config that says whether the route may be shed (set at registration). */
export const SHEDDABLE = 'loadShedding:sheddable';
