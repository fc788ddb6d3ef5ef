import { errorMessage, type Pod } from '@mk8s/api';
import type { Clientset, Clock, Logger, TimerHandle } from '@mk8s/client';
import { isConflict, isNotFound, realClock, silentLogger } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { containerFieldPath, type EventRecorder } from '../events/recorder.js';
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
 * Stops every running or created container of the pod at once with
 * `graceSeconds` (the runtime sends SIGTERM, then SIGKILL when it runs out),
 * through `killContainer`, then stops its sandboxes. For runtime pods no pod
 * object owns any more (orphans): without a spec there is no preStop hook to
 * run and no Event to record. Idempotent. Resolves when all have stopped.
 */
export async function killPod(runtime: CriRuntime, rs: RuntimePodStatus, graceSeconds: number, clock: Clock = realClock): Promise<void> {
  await Promise.all(
    rs.containers
      .filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED')
      .map((c) =>
        killContainer({ runtime, clock }, undefined, { containerId: c.id, name: c.metadata.name, gracePeriodSeconds: graceSeconds, runPreStop: false }),
      ),
  );
  for (const s of rs.sandboxes) {
    if (s.state === 'SANDBOX_READY') await runtime.stopPodSandbox({ podSandboxId: s.id });
  }
}

/** What a container kill acts through. */
export interface ContainerKiller {
  runtime: CriRuntime;
  /** The preStop hook's deadline and the grace it used up run on this clock. */
  clock: Clock;
  /** Killing and FailedPreStopHook Events (default: none). */
  recorder?: EventRecorder;
  log?: Logger;
}

/** One container to kill; the planner's ContainerToKill is one. */
export interface ContainerKill {
  containerId: string;
  name: string;
  gracePeriodSeconds: number;
  /** The `Killing` Event's message; no Event without one. */
  message?: string;
  /** Run the container's preStop hook (if its spec has one) first, inside the grace period. */
  runPreStop: boolean;
  /** The pod's IP, the default host of an httpGet preStop hook (else the pod's status.podIP). */
  podIP?: string;
}

/**
 * The one way the kubelet stops a container (Kubernetes' killContainer),
 * whatever the reason: the pod terminating, a failed liveness or startup
 * probe, a changed spec, a dead sandbox, a failed postStart hook.
 * 1. records `Killing` with the kill's message;
 * 2. with `runPreStop`, a pod and a grace period above 0, runs the
 *    container's preStop hook (exec, httpGet, sleep) for at most the grace
 *    period; a hook still running then is abandoned (it ends by its own
 *    deadline), a failed one records `FailedPreStopHook`;
 * 3. stops the container (SIGTERM, then SIGKILL) with what is left of the
 *    grace period: the whole seconds the hook took are subtracted, as
 *    Kubernetes does, down to 0.
 */
export async function killContainer(k: ContainerKiller, pod: Pod | undefined, kill: ContainerKill): Promise<void> {
  const { runtime, clock } = k;
  const log = k.log ?? silentLogger;
  const { containerId, name } = kill;
  const fieldPath = pod ? containerFieldPath(pod, name) : undefined;
  if (pod && kill.message) k.recorder?.event(pod, 'Normal', 'Killing', kill.message, fieldPath);
  let grace = Math.max(0, kill.gracePeriodSeconds);
  const spec = pod ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name) : undefined;
  const preStop = spec?.lifecycle?.preStop;
  if (pod && spec && preStop && kill.runPreStop && grace > 0) {
    const ref = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
    const t0 = clock.now();
    let timer: TimerHandle | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = clock.after(grace * 1000, () => resolve('timeout'));
    });
    const hook = runHook(preStop, { runtime, clock, containerId, container: spec, podIP: kill.podIP || pod.status?.podIP }, grace)
      .catch((err: unknown) => errorMessage(err))
      .then((failure) => {
        if (failure === undefined) return 'done' as const;
        log.warn({ pod: ref, container: name, message: failure }, 'preStop hook failed');
        // Like Kubernetes, the hook's output stays out of the Event (it may hold secrets).
        k.recorder?.event(pod, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', fieldPath);
        return 'done' as const;
      });
    const outcome = await Promise.race([hook, deadline]);
    timer?.cancel();
    if (outcome === 'timeout') log.info({ pod: ref, container: name, gracePeriodSeconds: grace }, 'preStop hook not completed in the grace period');
    grace = Math.max(0, grace - Math.floor((clock.now() - t0) / 1000));
  }
  await runtime.stopContainer({ containerId, timeout: grace });
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
      preconditions: uid ? { uid } : undefined,
    });
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return;
    throw err;
  }
}
