/**
 * @mk8s/cri/conformance: the runtime conformance suite (vitest). Kept off the
 * package's main entry so the kubelet never loads vitest.
 */
export { defineConformanceSuite, type ConformanceOptions } from './suite.js';
export type { ConformanceSetup, ConformanceTarget } from './target.js';
export { CONFORMANCE_NAMESPACE, RUN_LABEL } from './fixtures.js';
