/**
 * Container lifecycle hooks (postStart, preStop), run like Kubernetes runs
 * them: exec in the container, an HTTP GET against it, or a sleep. A hook
 * resolves with an error message when it failed, undefined when it succeeded;
 * it never throws. postStart failing kills the container (its restart policy
 * decides what follows); preStop runs before the stop signal, within the
 * grace period.
 */
import type { Container, LifecycleHandler, Probe } from '@mk8s/api';
import type { Clock } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { runProbe } from '../prober/probe-runners.js';

export interface HookTarget {
  runtime: CriRuntime;
  clock: Clock;
  containerId: string;
  container: Container;
  podIP?: string;
}

export async function runHook(handler: LifecycleHandler, target: HookTarget, timeoutSeconds: number): Promise<string | undefined> {
  if (handler.sleep) {
    await target.clock.sleep(Math.max(0, Math.min(Number(handler.sleep.seconds ?? 0), timeoutSeconds)) * 1000);
    return undefined;
  }
  // The exec and httpGet actions of a hook are those of a probe, with the hook's deadline.
  const probe: Probe = { exec: handler.exec, httpGet: handler.httpGet, tcpSocket: handler.tcpSocket, timeoutSeconds: Math.max(1, timeoutSeconds) };
  if (!probe.exec && !probe.httpGet && !probe.tcpSocket) return 'the hook has no handler';
  const r = await runProbe(probe, {
    runtime: target.runtime,
    clock: target.clock,
    containerId: target.containerId,
    container: target.container,
    podIP: target.podIP,
  });
  return r.result === 'success' ? undefined : r.output || `hook ${r.result}`;
}
