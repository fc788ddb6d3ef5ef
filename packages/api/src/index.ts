/**
 * @mk8s/api: Resource types, JSON schemas, defaulting, validation, label/field selectors and quantities. Pure: no I/O.
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};
