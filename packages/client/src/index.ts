/**
 * @mk8s/client: REST client, watch, informers (reflector + indexer + lister), workqueue, leader election, controller runner.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
