/**
 * @mk8s/cri: The container runtime interface: a subset of Kubernetes CRI v1 over gRPC, typed client and server helpers.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
