/**
 * @mk8s/cloud-controller-manager: The local cloud provider: node initialisation and LoadBalancer addresses.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
