/**
 * Endpoints: one Endpoints object per selector Service, following the
 * selected pods' IPs, readiness and ports.
 *
 * @example
 * ```ts
 * const endpoints = new EndpointsController({ client, factory });
 * factory.start(signal);
 * await endpoints.run(signal);
 * ```
 */
export { EndpointsController, LABEL_HEADLESS, endpointsLabels, type EndpointsControllerOptions } from './endpoints-controller.js';
export { computeSubsets, findPort, podBelongsInEndpoints, subsetsEqual } from './endpoint-subsets.js';
