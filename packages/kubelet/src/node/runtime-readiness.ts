/**
 * Ready from the container runtime (Kubernetes' runtimeState checks): the
 * node is ready when CRI Status answers with RuntimeReady and NetworkReady
 * both true; a missing condition counts as false and a failed call as
 * "container runtime is down".
 */
import { errorMessage } from '@mk8s/api';
import type { CriRuntime, RuntimeCondition } from '@mk8s/cri';
import type { Readiness, RuntimeReadyFn } from './node-conditions.js';

const REQUIRED: ReadonlyArray<{ type: string; what: string }> = [
  { type: 'RuntimeReady', what: 'container runtime not ready' },
  { type: 'NetworkReady', what: 'container runtime network not ready' },
];

/** Readiness from a CRI Status answer's conditions. */
export function readinessFromConditions(conditions: readonly RuntimeCondition[]): Readiness {
  const problems: string[] = [];
  for (const { type, what } of REQUIRED) {
    const c = conditions.find((x) => x.type === type);
    if (!c) problems.push(`${what}: ${type} missing`);
    else if (!c.status) problems.push(`${what}: ${type}=false reason:${c.reason ?? ''} message:${c.message ?? ''}`);
  }
  return problems.length === 0 ? { ready: true } : { ready: false, message: problems.join(', ') };
}

/** A `RuntimeReadyFn` that calls CRI Status each time. Never rejects. */
export function criRuntimeReadiness(runtime: Pick<CriRuntime, 'status'>): RuntimeReadyFn {
  return async () => {
    try {
      const res = await runtime.status({});
      return readinessFromConditions(res.status?.conditions ?? []);
    } catch (err) {
      return { ready: false, message: `container runtime is down: ${errorMessage(err)}` };
    }
  };
}
