/**
 * @mk8s/storage: The "etcd": a revisioned key-value store with watch (level backend embedded, real etcd for HA).
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
