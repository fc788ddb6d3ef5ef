import type { Pod } from '@mk8s/api';
import type { Clientset, Clock } from '@mk8s/client';
import { isConflict, isNotFound, realClock } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { runHook } from './hooks.js';
import type { RuntimePodStatus } from './runtime-pod.js';

const DEFAULT_GRACE_SECONDS = 30;

/**
 * The grace period for stopping a pod's containers: the smaller of the
 * deletion's grace period (deletionGracePeriodSeconds) and the spec's
 * terminationGracePeriodSeconds (30 s when absent); 0 kills at once.
 */
export function terminationGraceSeconds(pod: Pod): number {
  const spec = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  const deletion = pod.metadata?.deletionGracePeriodSeconds;
  return Math.max(0, deletion === undefined || deletion === null ? spec : Math.min(deletion, spec));
}

/**
 * Stops every running container of the pod at once with `graceSeconds` (the
 * runtime sends SIGTERM, then SIGKILL when it runs out), then stops its
 * sandboxes. Idempotent. Resolves when all have stopped.
 */
export async function killPod(runtime: CriRuntime, rs: RuntimePodStatus, graceSeconds: number, pod?: Pod, clock: Clock = realClock): Promise<void> {
  await Promise.all(
    rs.containers
      .filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED')
      .map((c) => killContainer(runtime, c.id, graceSeconds, c.state === 'CONTAINER_RUNNING' && pod ? { pod, name: c.metadata.name, clock } : undefined)),
  );
  for (const s of rs.sandboxes) {
    if (s.state === 'SANDBOX_READY') await runtime.stopPodSandbox({ podSandboxId: s.id });
  }
}

/**
 * Stops one container with `graceSeconds` (SIGTERM, then SIGKILL when it
 * runs out). With `preStop` (the pod and the container's name), the
 * container's preStop hook, if it has one, runs first inside the grace
 * period and the stop gets what is left of it.
 */
export async function killContainer(
  runtime: CriRuntime,
  containerId: string,
  graceSeconds: number,
  preStop?: { pod: Pod; name: string; clock: Clock },
): Promise<void> {
  let timeout = graceSeconds;
  if (preStop && graceSeconds > 0) {
    const { pod, name, clock } = preStop;
    const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === name);
    if (spec?.lifecycle?.preStop) {
      const t0 = clock.now();
      await runHook(
        spec.lifecycle.preStop,
        { runtime, clock, containerId, container: spec, ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}) },
        graceSeconds,
      );
      timeout = Math.max(0, graceSeconds - Math.ceil((clock.now() - t0) / 1000));
    }
  }
  await runtime.stopContainer({ containerId, timeout });
}

/** Removes the pod's sandboxes and with them their containers. Idempotent. */
export async function removePod(runtime: CriRuntime, rs: RuntimePodStatus): Promise<void> {
  for (const c of rs.containers) await runtime.removeContainer({ containerId: c.id });
  for (const s of rs.sandboxes) await runtime.removePodSandbox({ podSandboxId: s.id });
}

/**
 * Tells the API server the kubelet is done with a terminating pod: DELETE
 * with gracePeriodSeconds 0 and a uid precondition (so a new pod of the same
 * name is never hit). A pod already gone, or replaced, counts as confirmed.
 */
export async function confirmDeletion(client: Clientset, pod: Pod): Promise<void> {
  const uid = pod.metadata?.uid;
  try {
    await client.pods.inNamespace(pod.metadata?.namespace ?? 'default').delete(pod.metadata?.name ?? '', {
      gracePeriodSeconds: 0,
      ...(uid ? { preconditions: { uid } } : {}),
    });
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return;
    throw err;
  }
}
