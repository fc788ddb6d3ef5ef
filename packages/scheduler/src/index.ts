/**
 * @mk8s/scheduler: Scheduling queue, framework and plugins: places pending pods on nodes.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
