import type { Container, ContainerState, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from '@mk8s/api';
import type { ContainerStatus as CriContainerStatus } from '@mk8s/cri';
import { containersNamed, readySandbox, type RuntimePodStatus } from './runtime-pod.js';
import { nsToMs, rfc3339 } from './time.js';

/** Why a container is waiting, as the syncer last decided (CrashLoopBackOff, ErrImagePull...). */
export interface WaitingReason {
  reason: string;
  message?: string;
}

/**
 * Readiness of a running container (the prober's answer); the default treats
 * running as ready. `containerId` is the running container's runtime ID: a
 * verdict about an earlier container of the same name (before a restart)
 * must not count for it.
 */
export type ReadinessFn = (podUid: string, containerName: string, containerId?: string) => boolean;

export interface StatusInputs {
  pod: Pod;
  runtimeStatus: RuntimePodStatus;
  /** Milliseconds since the epoch (from the kubelet's Clock). */
  now: number;
  /** Prefix of containerIDs: `<runtimeName>://<id>` (e.g. docker, containerd, mk8s-fake). */
  runtimeName: string;
  hostIP?: string;
  readiness?: ReadinessFn;
  /** Waiting reasons recorded by the syncer, by container name. */
  waiting?: (containerName: string) => WaitingReason | undefined;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/**
 * The API PodStatus of a pod from what the runtime holds plus the spec
 * (Kubernetes' generateAPIPodStatus + getPhase). Pure: same inputs, same
 * output. Fields the kubelet does not own (qosClass, nominatedNodeName,
 * PodScheduled and other conditions) are carried over from the pod's status;
 * condition lastTransitionTime moves only when the condition's status changes;
 * a terminal phase never changes again.
 */
export function generatePodStatus(inp: StatusInputs): PodStatus {
  const { pod, runtimeStatus, now } = inp;
  const old = pod.status ?? {};
  const spec = pod.spec ?? { containers: [] };
  const readiness = inp.readiness ?? (() => true);
  const initContainers = spec.initContainers ?? [];
  const initStatuses = initContainers.map((c) => containerStatus(c, runtimeStatus, inp, 'init', false, () => false));
  const initDone = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
  const appStatuses = spec.containers.map((c) => containerStatus(c, runtimeStatus, inp, 'app', !initDone, readiness));

  const oldPhase = old.phase ?? 'Pending';
  const phase = TERMINAL.has(oldPhase) ? oldPhase : podPhase(pod, initStatuses, appStatuses);

  const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const incomplete = initStatuses.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const completed = phase === 'Succeeded';
  const containersReady: PodCondition =
    unready.length === 0 && !TERMINAL.has(phase)
      ? { type: 'ContainersReady', status: 'True' }
      : {
          type: 'ContainersReady',
          status: 'False',
          reason: completed ? 'PodCompleted' : 'ContainersNotReady',
          message: completed ? undefined : `containers with unready status: [${unready.join(' ')}]`,
        };
  const gatesUnready = (spec.readinessGates ?? []).map((g) => g.conditionType).filter((t) => old.conditions?.find((c) => c.type === t)?.status !== 'True');
  let ready: PodCondition = { ...containersReady, type: 'Ready' };
  if (ready.status === 'True' && gatesUnready.length > 0) {
    ready = {
      type: 'Ready',
      status: 'False',
      reason: 'ReadinessGatesNotReady',
      message: `corresponding condition of pod readiness gate "${gatesUnready.join(' ')}" does not exist.`,
    };
  }
  const initialized: PodCondition =
    incomplete.length === 0
      ? { type: 'Initialized', status: 'True' }
      : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` };
  const scheduled: PodCondition = old.conditions?.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True' };

  const owned = new Set(['Initialized', 'ContainersReady', 'Ready', 'PodScheduled']);
  const conditions = [
    withTransition(scheduled, old.conditions, now),
    withTransition(initialized, old.conditions, now),
    withTransition(containersReady, old.conditions, now),
    withTransition(ready, old.conditions, now),
    ...(old.conditions ?? []).filter((c) => !owned.has(c.type)),
  ];

  const sandbox = readySandbox(runtimeStatus);
  const hostIP = inp.hostIP ?? old.hostIP;
  // A hostNetwork pod has the node's address, as in Kubernetes (its sandbox has none of its own).
  const ip = spec.hostNetwork && sandbox && hostIP ? hostIP : (sandbox?.network?.ip ?? '');
  const podIPs = ip
    ? [{ ip }, ...(spec.hostNetwork ? [] : (sandbox?.network?.additionalIps ?? []).map((a) => ({ ip: a.ip })))]
    : (old.podIPs ?? (old.podIP ? [{ ip: old.podIP }] : []));
  const podIP = ip || old.podIP;

  // Members stay absent rather than undefined: the pod lifecycle spreads this
  // status over the API's (knownStatus), where an undefined member would erase
  // the API's value. An empty IP is no IP.
  const status: PodStatus = {
    phase,
    conditions,
    ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
    ...(podIP ? { podIP, podIPs } : {}),
    startTime: old.startTime ?? rfc3339(now),
    ...(initContainers.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
    ...(old.qosClass !== undefined ? { qosClass: old.qosClass } : {}),
    ...(old.nominatedNodeName !== undefined ? { nominatedNodeName: old.nominatedNodeName } : {}),
  };
  return status;
}

/**
 * Kubernetes' getPhase: init containers that failed under restartPolicy Never
 * fail the pod, pending ones keep it Pending; then Running while any app
 * container runs; when all have stopped, Always keeps Running, all-zero exits
 * give Succeeded, Never gives Failed otherwise, OnFailure stays Running.
 * A container waiting after having terminated counts as stopped.
 */
export function podPhase(pod: Pod, initStatuses: ApiContainerStatus[], appStatuses: ApiContainerStatus[]): string {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = false;
  for (const s of initStatuses) {
    const t = s.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t || s.lastState?.terminated) {
      if ((t?.exitCode ?? s.lastState?.terminated?.exitCode ?? 0) !== 0) failedInit = true;
    }
    pendingInit++;
  }
  if (failedInit && policy === 'Never') return 'Failed';
  if (pendingInit > 0) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  let unknown = 0;
  for (const s of appStatuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function containerStatus(
  c: Container,
  rs: RuntimePodStatus,
  inp: StatusInputs,
  kind: 'init' | 'app',
  initPending: boolean,
  readiness: ReadinessFn,
): ApiContainerStatus {
  const [latest, previous] = containersNamed(rs, c.name);
  const waiting = inp.waiting?.(c.name);
  const base = {
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    restartCount: latest?.metadata.attempt ?? 0,
    ready: false,
    started: false,
  };
  if (!latest) {
    const reason = waiting?.reason ?? (kind === 'app' && initPending ? 'PodInitializing' : kind === 'init' ? 'PodInitializing' : 'ContainerCreating');
    return { ...base, state: { waiting: { reason, message: waiting?.message } }, lastState: {} };
  }
  const ids = {
    image: latest.image.image || base.image,
    imageID: latest.imageRef || latest.imageId || '',
    containerID: `${inp.runtimeName}://${latest.id}`,
  };
  const prevState: ContainerState = previous && previous.state === 'CONTAINER_EXITED' ? { terminated: terminated(previous, inp.runtimeName) } : {};
  switch (latest.state) {
    case 'CONTAINER_RUNNING': {
      const ready = readiness(inp.pod.metadata?.uid ?? '', c.name, latest.id);
      return { ...base, ...ids, state: { running: { startedAt: rfc3339(nsToMs(latest.startedAt)) } }, lastState: prevState, ready, started: true };
    }
    case 'CONTAINER_EXITED':
      if (waiting) {
        return {
          ...base,
          ...ids,
          state: { waiting: { reason: waiting.reason, message: waiting.message } },
          lastState: { terminated: terminated(latest, inp.runtimeName) },
        };
      }
      return { ...base, ...ids, state: { terminated: terminated(latest, inp.runtimeName) }, lastState: prevState };
    default:
      return {
        ...base,
        ...ids,
        state: { waiting: { reason: waiting?.reason ?? 'ContainerCreating', message: waiting?.message } },
        lastState: prevState,
      };
  }
}

/** The CRI has no absent fields, only zero values: '' and 0 here mean "not set". */
function terminated(c: CriContainerStatus, runtimeName: string): NonNullable<ContainerState['terminated']> {
  return {
    exitCode: c.exitCode,
    reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
    message: c.message || undefined,
    startedAt: c.startedAt ? rfc3339(nsToMs(c.startedAt)) : undefined,
    finishedAt: c.finishedAt ? rfc3339(nsToMs(c.finishedAt)) : undefined,
    containerID: `${runtimeName}://${c.id}`,
  };
}

function withTransition(c: PodCondition, old: PodCondition[] | undefined, now: number): PodCondition {
  const prev = old?.find((o) => o.type === c.type);
  const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
  return { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime };
}
