/**
 * Docker's view of a container (list entry or inspect) to CRI messages.
 * Pure functions: everything comes from the Docker object and its labels.
 */
import type Dockerode from 'dockerode';
import type {
  Container,
  ContainerAttributes,
  ContainerMetadata,
  ContainerState,
  ContainerStatus,
  ImageSpec,
  Mount,
  MountPropagation,
  PodSandbox,
  PodSandboxMetadata,
  PodSandboxState,
  PodSandboxStatus,
} from '@mk8s/cri';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_CREATED_AT,
  LABEL_CRI_ANNOTATIONS,
  LABEL_CRI_LABELS,
  LABEL_IMAGE,
  LABEL_LOG_PATH,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RUNTIME_HANDLER,
  LABEL_SANDBOX_ID,
  decodeMap,
  parseAttempt,
} from './labels.js';
import { rfc3339ToNs } from './time.js';

type DockerLabels = Record<string, string> | undefined | null;

/** Docker status words: created, running, paused, restarting, removing, exited, dead. */
export function containerState(dockerState: string | undefined): ContainerState {
  switch (dockerState) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'CONTAINER_RUNNING';
    case 'exited':
    case 'dead':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

export function sandboxState(dockerState: string | undefined): PodSandboxState {
  return dockerState === 'running' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
}

/** Our creation label, falling back to Docker's creation time. */
function createdAt(labels: DockerLabels, fallbackNs: number): number {
  const n = Number(labels?.[LABEL_CREATED_AT]);
  return Number.isFinite(n) && n > 0 ? n : fallbackNs;
}

export function imageSpec(image: string): ImageSpec {
  return { image, annotations: {}, userSpecifiedImage: image, runtimeHandler: '' };
}

export function sandboxMetadata(labels: DockerLabels): PodSandboxMetadata {
  return {
    name: labels?.[LABEL_POD_NAME] ?? '',
    uid: labels?.[LABEL_POD_UID] ?? '',
    namespace: labels?.[LABEL_POD_NAMESPACE] ?? '',
    attempt: parseAttempt(labels?.[LABEL_ATTEMPT]),
  };
}

export function containerMetadata(labels: DockerLabels): ContainerMetadata {
  return { name: labels?.[LABEL_CONTAINER_NAME] ?? '', attempt: parseAttempt(labels?.[LABEL_ATTEMPT]) };
}

export function criLabels(labels: DockerLabels): { labels: Record<string, string>; annotations: Record<string, string> } {
  return { labels: decodeMap(labels?.[LABEL_CRI_LABELS]), annotations: decodeMap(labels?.[LABEL_CRI_ANNOTATIONS]) };
}

export function podSandboxFromList(info: Dockerode.ContainerInfo): PodSandbox {
  return {
    id: info.Id,
    metadata: sandboxMetadata(info.Labels),
    state: sandboxState(info.State),
    createdAt: createdAt(info.Labels, info.Created * 1e9),
    ...criLabels(info.Labels),
    runtimeHandler: info.Labels?.[LABEL_RUNTIME_HANDLER] ?? '',
  };
}

/** The pod IP: the sandbox's address on Docker's bridge (or any network it joined). */
export function sandboxIp(inspect: Dockerode.ContainerInspectInfo): string {
  const networks = inspect.NetworkSettings?.Networks ?? {};
  const bridge = networks['bridge']?.IPAddress;
  if (bridge) return bridge;
  for (const n of Object.values(networks)) if (n?.IPAddress) return n.IPAddress;
  return '';
}

export function podSandboxStatus(inspect: Dockerode.ContainerInspectInfo): PodSandboxStatus {
  const labels = inspect.Config?.Labels;
  const ready = inspect.State?.Running === true;
  const ip = ready ? sandboxIp(inspect) : '';
  return {
    id: inspect.Id,
    metadata: sandboxMetadata(labels),
    state: ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    createdAt: createdAt(labels, rfc3339ToNs(inspect.Created)),
    network: { ip, additionalIps: [] },
    ...criLabels(labels),
    runtimeHandler: labels?.[LABEL_RUNTIME_HANDLER] ?? '',
  };
}

export function containerFromList(info: Dockerode.ContainerInfo): Container {
  const labels = info.Labels;
  const image = labels?.[LABEL_IMAGE] || info.Image;
  return {
    id: info.Id,
    podSandboxId: labels?.[LABEL_SANDBOX_ID] ?? '',
    metadata: containerMetadata(labels),
    image: imageSpec(image),
    imageRef: info.ImageID,
    state: containerState(info.State),
    createdAt: createdAt(labels, info.Created * 1e9),
    ...criLabels(labels),
    imageId: info.ImageID,
  };
}

/**
 * Kubernetes' reasons: OOMKilled for the cgroup OOM killer, Completed for
 * exit 0, Error otherwise; ContainerCannotRun when Docker could not start it.
 */
function exitReason(state: Dockerode.ContainerInspectInfo['State']): { reason: string; message: string } {
  if (state.OOMKilled) return { reason: 'OOMKilled', message: '' };
  if (state.Error) return { reason: 'ContainerCannotRun', message: state.Error };
  return { reason: state.ExitCode === 0 ? 'Completed' : 'Error', message: '' };
}

const PROPAGATION_BACK: Record<string, MountPropagation> = {
  rslave: 'PROPAGATION_HOST_TO_CONTAINER',
  slave: 'PROPAGATION_HOST_TO_CONTAINER',
  rshared: 'PROPAGATION_BIDIRECTIONAL',
  shared: 'PROPAGATION_BIDIRECTIONAL',
};

export function containerStatus(inspect: Dockerode.ContainerInspectInfo): ContainerStatus {
  const labels = inspect.Config?.Labels;
  const state = containerState(inspect.State?.Status);
  const exited = state === 'CONTAINER_EXITED';
  const { reason, message } = exited ? exitReason(inspect.State) : { reason: '', message: '' };
  const hc = inspect.HostConfig ?? {};
  const startedAt = state === 'CONTAINER_CREATED' ? 0 : rfc3339ToNs(inspect.State?.StartedAt);
  // Docker records StartedAt after the process began, so a process that exits
  // at once can show a FinishedAt a little before it; never report that.
  const finishedAt = exited ? Math.max(rfc3339ToNs(inspect.State?.FinishedAt), startedAt) : 0;
  const mounts: Mount[] = (inspect.Mounts ?? [])
    .filter((m) => m.Type === 'bind')
    .map((m) => ({
      containerPath: m.Destination,
      hostPath: m.Source,
      readonly: !m.RW,
      selinuxRelabel: false,
      propagation: PROPAGATION_BACK[m.Propagation] ?? 'PROPAGATION_PRIVATE',
    }));
  return {
    id: inspect.Id,
    metadata: containerMetadata(labels),
    state,
    createdAt: createdAt(labels, rfc3339ToNs(inspect.Created)),
    startedAt,
    finishedAt,
    exitCode: exited ? (inspect.State?.ExitCode ?? 0) : 0,
    image: imageSpec(labels?.[LABEL_IMAGE] || inspect.Config?.Image || ''),
    imageRef: inspect.Image,
    reason,
    message,
    ...criLabels(labels),
    mounts,
    logPath: labels?.[LABEL_LOG_PATH] ?? '',
    resources: {
      linux: {
        cpuPeriod: hc.CpuPeriod ?? 0,
        cpuQuota: hc.CpuQuota ?? 0,
        cpuShares: hc.CpuShares ?? 0,
        memoryLimitInBytes: hc.Memory ?? 0,
        oomScoreAdj: hc.OomScoreAdj ?? 0,
        cpusetCpus: hc.CpusetCpus ?? '',
        cpusetMems: hc.CpusetMems ?? '',
      },
    },
    imageId: inspect.Image,
  };
}

export function containerAttributes(id: string, labels: DockerLabels): ContainerAttributes {
  return { id, metadata: containerMetadata(labels), ...criLabels(labels) };
}
