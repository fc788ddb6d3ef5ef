/**
 * @mk8s/controller-manager: Level-triggered controllers: replicaset, deployment, node-lifecycle, endpoints, garbage-collector, namespace, hpa.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
