/**
 * @mk8s/apiserver: The Kubernetes REST API over the store: registry, strategies, watch cache, discovery, Table printing, patch, authn/authz.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
