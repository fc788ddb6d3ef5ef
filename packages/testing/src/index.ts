/**
 * @mk8s/testing: Test helpers: object builders, a fake clock, the in-process test cluster harness.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
