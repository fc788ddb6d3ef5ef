/**
 * @mk8s/kubelet: The node agent: sync loop, pod workers, PLEG, probes, status manager, node heartbeat, kubelet HTTP server.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
