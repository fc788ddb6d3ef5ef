/**
 * @mk8s/runtime-docker: A CRI runtime service implemented with dockerode ("dockershim").
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
