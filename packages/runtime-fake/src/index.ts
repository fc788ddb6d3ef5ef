/**
 * @mk8s/runtime-fake: An in-memory CRI runtime for unit tests and hollow nodes.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
