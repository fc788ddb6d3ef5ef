/**
 * @mk8s/component-base: What every component shares: run(signal), structured logging, /healthz and /metrics, graceful shutdown, flag parsing.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
