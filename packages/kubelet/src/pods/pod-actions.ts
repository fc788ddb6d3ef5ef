/**
 * The pod sync planner (Kubernetes' kuberuntime computePodActions): from a
 * pod's spec and what the runtime holds for it, the list of things to do to
 * bring the runtime towards the spec. Pure: no I/O, no clock, no state; the
 * caller passes `now` and read-only views of CrashLoopBackOff and the probe
 * verdicts. PodSyncer.execute (sync-pod.ts) carries the actions out through
 * the CRI.
 *
 * One plan is one step: the pod worker plans again on every runtime event,
 * after a backoff ends and periodically, so a plan only looks at what the
 * runtime holds now (an init container that is running means "wait").
 */
import type { Container, Pod } from '@mk8s/api';
import type { ContainerStatus } from '@mk8s/cri';
import { LABEL_CONTAINER_NAME } from './labels.js';
import { containersNamed, readySandbox, type RuntimeContainer, type RuntimePodStatus } from './runtime-pod.js';
import { terminationGraceSeconds } from './termination.js';
import { nsToMs } from './time.js';

const DEFAULT_GRACE_SECONDS = 30;

export type ContainerKind = 'init' | 'app';

/**
 * Why a container is started:
 * - `create`: no instance of it in the pod's sandbox yet (a new pod, a new
 *   sandbox, a container added);
 * - `startCreated`: an instance was created but never started (the kubelet
 *   stopped in between): that instance is started;
 * - `restart`: its last instance exited (or is being killed) and the restart
 *   policy restarts it; the attempt counts for CrashLoopBackOff;
 * - `imageChanged`: its image changed; the new image starts at once,
 *   outside CrashLoopBackOff.
 */
export type StartReason = 'create' | 'startCreated' | 'restart' | 'imageChanged';

export interface ContainerToStart {
  container: Container;
  kind: ContainerKind;
  reason: StartReason;
  /** The new instance's attempt (= its restartCount): one past the newest the runtime holds, 0 for the first. */
  attempt: number;
  /** `startCreated`: the created instance to start. */
  containerId?: string;
  /**
   * Exited instances older than the newest one, removed just before the new
   * instance is created (the newest stays for lastState and `logs --previous`).
   */
  removeBeforeCreate: string[];
  /** `restart`: the CrashLoopBackOff key this attempt counts against. */
  backoffKey?: string;
}

/**
 * Why a container is killed:
 * - `PodTerminating`: the pod is being deleted (or is gone from the API);
 * - `SandboxChanged`: the pod's sandbox died and a new one is created;
 * - `ImageChanged`: its spec's image differs from the running one's;
 * - `LivenessProbe` / `StartupProbe`: that probe reached its failure threshold.
 */
export type KillReason = 'PodTerminating' | 'SandboxChanged' | 'ImageChanged' | 'LivenessProbe' | 'StartupProbe';

export interface ContainerToKill {
  containerId: string;
  name: string;
  reason: KillReason;
  /** The `Killing` event's message; no event without one. */
  message?: string;
  gracePeriodSeconds: number;
  /**
   * Run the container's preStop hook first, inside the grace period: every
   * kill of a running container does, whatever the reason, as Kubernetes'
   * killContainer (a created, never started one has nothing to exec into).
   */
  runPreStop: boolean;
}

/** A container that should (re)start but waits for its CrashLoopBackOff to end. */
export interface ContainerInBackoff {
  container: Container;
  kind: ContainerKind;
  backoffKey: string;
  /** How long it still waits; the pod is planned again then. */
  remainingMs: number;
}

export interface PodActions {
  /** The pod is being deleted (deletionTimestamp, or gone from the API): everything is killed, nothing starts. */
  killPod: boolean;
  /**
   * Nothing of the pod will run again: a terminal phase, an init container
   * failed under restartPolicy Never, or every app container exited and the
   * policy restarts none. Its sandbox is stopped; nothing starts.
   */
  finished: boolean;
  /** No ready sandbox: kill what still runs in the old ones, create a new one. */
  createSandbox: boolean;
  /** The ready sandbox the containers go into ('' when one is created, or nothing starts). */
  sandboxId: string;
  /** The sandbox's attempt: the ready one's, or one past the newest when one is created. */
  attempt: number;
  /** Ready sandboxes to stop (after the kills). */
  sandboxesToStop: string[];
  containersToKill: ContainerToKill[];
  /** The init container to start next; init containers run one at a time, in order. */
  nextInitContainerToStart?: ContainerToStart;
  /** App containers to start (only once every init container has exited 0). */
  containersToStart: ContainerToStart[];
  containersInBackoff: ContainerInBackoff[];
  /** App containers that exited for good under the restart policy. */
  containersDone: string[];
}

/** A probe whose failure condemns a running container. */
export type FailedProbe = 'liveness' | 'startup';

export interface PodActionsOptions {
  /** Kill everything even without a deletionTimestamp (the pod is gone from the API). */
  terminating?: boolean;
  /**
   * CrashLoopBackOff (a read-only view of the kubelet's Backoff): how long a
   * restart counted against `key` must still wait when the last instance
   * ended at `finishedAtMs`; 0 lets it start. Default: never waits.
   */
  restartBackoff?: (key: string, finishedAtMs: number) => number;
  /** Whether a liveness or startup probe failed for this running instance (the prober's verdict). */
  probeFailure?: (containerName: string, containerId: string) => FailedProbe | undefined;
}

/**
 * What to do for one pod, given the runtime's view of it and `now` (ms since
 * the epoch, the kubelet's clock). In order of precedence:
 * 1. a pod being deleted: kill every running or created container (preStop
 *    first, with the pod's termination grace period) and stop its sandboxes;
 * 2. a finished pod: stop its ready sandboxes, start nothing;
 * 3. no ready sandbox: kill what runs in old ones, create a sandbox (the
 *    containers then all start afresh in it);
 * 4. init containers one at a time, in order: the first one not exited 0 is
 *    started, started if created, restarted if it failed (CrashLoopBackOff),
 *    or waited for if running; app containers wait until all are done;
 * 5. app containers: started when absent; a running one whose image changed
 *    is killed and replaced; a running one whose liveness or startup probe
 *    failed is killed and restarted unless the policy is Never; an exited one
 *    is restarted per restartPolicy (Always; OnFailure on a non-zero exit),
 *    after its CrashLoopBackOff.
 * Every kill of a running container runs its preStop hook first, inside its
 * grace period (Kubernetes' killContainer; PodSyncer.execute does it).
 * Attempt numbers continue from the newest the runtime holds, so a
 * restarted kubelet carries on where it stopped.
 */
export function computePodActions(pod: Pod, runtimeStatus: RuntimePodStatus, now: number, opts: PodActionsOptions = {}): PodActions {
  const rs = runtimeStatus;
  const spec = pod.spec ?? { containers: [] };
  const uid = pod.metadata?.uid ?? '';
  const ready = readySandbox(rs);
  const actions: PodActions = {
    killPod: false,
    finished: false,
    createSandbox: false,
    sandboxId: ready?.id ?? '',
    attempt: ready?.metadata.attempt ?? (rs.sandboxes[0]?.metadata.attempt ?? -1) + 1,
    sandboxesToStop: [],
    containersToKill: [],
    containersToStart: [],
    containersInBackoff: [],
    containersDone: [],
  };
  const readySandboxIds = rs.sandboxes.filter((s) => s.state === 'SANDBOX_READY').map((s) => s.id);

  if (opts.terminating || pod.metadata?.deletionTimestamp) {
    const grace = terminationGraceSeconds(pod);
    actions.killPod = true;
    actions.sandboxId = '';
    actions.sandboxesToStop = readySandboxIds;
    for (const c of rs.containers) {
      if (c.state !== 'CONTAINER_RUNNING' && c.state !== 'CONTAINER_CREATED') continue;
      const running = c.state === 'CONTAINER_RUNNING';
      actions.containersToKill.push({
        containerId: c.id,
        name: c.metadata.name,
        reason: 'PodTerminating',
        // A created, never started container goes without an Event.
        message: running ? `Stopping container ${c.metadata.name}` : undefined,
        gracePeriodSeconds: grace,
        runPreStop: running,
      });
    }
    return actions;
  }

  if (isTerminalPhase(pod) || podFinished(pod, rs)) {
    actions.finished = true;
    actions.sandboxId = '';
    actions.sandboxesToStop = readySandboxIds;
    return actions;
  }

  const grace = spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  if (!ready) {
    actions.createSandbox = true;
    for (const c of rs.containers) {
      if (c.state !== 'CONTAINER_RUNNING') continue;
      const name = nameOf(c);
      actions.containersToKill.push({
        containerId: c.id,
        name,
        reason: 'SandboxChanged',
        message: `Stopping container ${name}`,
        gracePeriodSeconds: grace,
        runPreStop: true,
      });
    }
  }
  // Only instances in the ready sandbox count; in a new sandbox everything starts afresh.
  const inSandbox = (name: string): RuntimeContainer[] => (ready ? containersNamed(rs, name).filter((c) => c.podSandboxId === ready.id) : []);
  const start = (c: Container, kind: ContainerKind, reason: StartReason, extra: Partial<ContainerToStart> = {}): ContainerToStart => {
    const all = containersNamed(rs, c.name);
    return {
      container: c,
      kind,
      reason,
      attempt: all.length > 0 ? Math.max(...all.map((x) => x.metadata.attempt ?? 0)) + 1 : 0,
      removeBeforeCreate: all
        .slice(1)
        .filter((x) => x.state === 'CONTAINER_EXITED')
        .map((x) => x.id),
      ...extra,
    };
  };
  /** A restart, or a wait when CrashLoopBackOff says so; `since`: when the last instance ended. */
  const restart = (c: Container, kind: ContainerKind, since: number): ContainerToStart | undefined => {
    const backoffKey = restartBackoffKey(uid, c);
    const remainingMs = opts.restartBackoff?.(backoffKey, since) ?? 0;
    if (remainingMs > 0) {
      actions.containersInBackoff.push({ container: c, kind, backoffKey, remainingMs });
      return undefined;
    }
    return start(c, kind, 'restart', { backoffKey });
  };

  for (const c of spec.initContainers ?? []) {
    const latest = inSandbox(c.name)[0];
    if (latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0) continue;
    if (!latest) actions.nextInitContainerToStart = start(c, 'init', 'create');
    else if (latest.state === 'CONTAINER_CREATED') actions.nextInitContainerToStart = start(c, 'init', 'startCreated', { containerId: latest.id });
    else if (latest.state === 'CONTAINER_EXITED') actions.nextInitContainerToStart = restart(c, 'init', finishedAt(latest, now));
    // Running (or unknown): wait for it. Either way no app container starts yet.
    return actions;
  }

  const policy = spec.restartPolicy ?? 'Always';
  for (const c of spec.containers) {
    const latest = inSandbox(c.name)[0];
    if (!latest) {
      actions.containersToStart.push(start(c, 'app', 'create'));
      continue;
    }
    if (latest.state === 'CONTAINER_RUNNING' || latest.state === 'CONTAINER_CREATED') {
      if (!sameImage(latest.image.image, c.image ?? '')) {
        actions.containersToKill.push({
          containerId: latest.id,
          name: c.name,
          reason: 'ImageChanged',
          message: `Container ${c.name} definition changed, will be restarted`,
          gracePeriodSeconds: grace,
          runPreStop: latest.state === 'CONTAINER_RUNNING',
        });
        actions.containersToStart.push(start(c, 'app', 'imageChanged'));
      } else if (latest.state === 'CONTAINER_CREATED') {
        actions.containersToStart.push(start(c, 'app', 'startCreated', { containerId: latest.id }));
      } else {
        const failed = opts.probeFailure?.(c.name, latest.id);
        if (!failed) continue;
        // Kubernetes: restarted unless the policy is Never, whatever the exit code the kill gives.
        const restarts = policy !== 'Never';
        const probe = failed === 'liveness' ? c.livenessProbe : c.startupProbe;
        actions.containersToKill.push({
          containerId: latest.id,
          name: c.name,
          reason: failed === 'liveness' ? 'LivenessProbe' : 'StartupProbe',
          message: `Container ${c.name} failed ${failed} probe${restarts ? ', will be restarted' : ''}`,
          gracePeriodSeconds: probe?.terminationGracePeriodSeconds ?? grace,
          runPreStop: true,
        });
        if (!restarts) continue;
        const next = restart(c, 'app', now);
        if (next) actions.containersToStart.push(next);
      }
      continue;
    }
    if (latest.state !== 'CONTAINER_EXITED') continue;
    if (!sameImage(latest.image.image, c.image ?? '')) {
      actions.containersToStart.push(start(c, 'app', 'imageChanged'));
    } else if (policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0)) {
      const next = restart(c, 'app', finishedAt(latest, now));
      if (next) actions.containersToStart.push(next);
    } else {
      actions.containersDone.push(c.name);
    }
  }
  return actions;
}

/** The CrashLoopBackOff key of a pod's container: a new image starts a new backoff. */
export function restartBackoffKey(podUid: string, c: Container): string {
  return `${podUid}/${c.name}/${c.image ?? ''}`;
}

export function isTerminalPhase(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Whether nothing of the pod will ever run again, judged from the runtime:
 * an init container failed under Never, or every app container has exited
 * and restartPolicy will not restart any (Never; OnFailure with all zero).
 */
export function podFinished(pod: Pod, rs: RuntimePodStatus): boolean {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return false;
  const latest = (name: string): ContainerStatus | undefined => containersNamed(rs, name)[0];
  if (policy === 'Never') {
    for (const c of spec.initContainers ?? []) {
      const l = latest(c.name);
      if (l?.state === 'CONTAINER_EXITED' && l.exitCode !== 0) return true;
    }
  }
  if (spec.containers.length === 0) return false;
  return spec.containers.every((c) => {
    const l = latest(c.name);
    return l?.state === 'CONTAINER_EXITED' && (policy === 'Never' || l.exitCode === 0);
  });
}

/** Image references compare as Docker reads them (no tag = :latest, docker.io/library implied). */
export function sameImage(a: string, b: string): boolean {
  return normalizeImage(a) === normalizeImage(b);
}

function normalizeImage(ref: string): string {
  let r = ref.trim();
  if (r.startsWith('docker.io/library/')) r = r.slice('docker.io/library/'.length);
  else if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  const last = r.slice(r.lastIndexOf('/') + 1);
  return r.includes('@') || last.includes(':') ? r : `${r}:latest`;
}

function nameOf(c: RuntimeContainer): string {
  return c.labels[LABEL_CONTAINER_NAME] ?? c.metadata.name;
}

/** When an exited instance ended (ms), or `now` when the runtime does not say. */
function finishedAt(c: ContainerStatus, now: number): number {
  return nsToMs(c.finishedAt) || now;
}
