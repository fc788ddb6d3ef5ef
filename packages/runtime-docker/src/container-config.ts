/**
 * Translation of CRI configs into Docker create options. Pure functions, so
 * the mapping is unit-tested without Docker.
 *
 * Sandbox: a pause container that owns the pod's network (and IPC)
 * namespace and hostname. App containers join it with `container:<id>`
 * network/IPC modes (and PID when the pod shares its process namespace),
 * which is how Kubernetes' dockershim built pods.
 */
import type Dockerode from 'dockerode';
import type { ContainerConfig, Labels, LinuxContainerResources, Mount, PodSandboxConfig } from '@mk8s/cri';
import { FailedPreconditionError, InvalidArgumentError } from '@mk8s/cri';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_CREATED_AT,
  LABEL_CRI_ANNOTATIONS,
  LABEL_CRI_LABELS,
  LABEL_IMAGE,
  LABEL_LOG_DIRECTORY,
  LABEL_LOG_PATH,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RUNTIME_HANDLER,
  LABEL_SANDBOX_ID,
  LABEL_TYPE,
  TYPE_CONTAINER,
  TYPE_SANDBOX,
  encodeMap,
} from './labels.js';

/** Loose view of a sandbox's or container's security context (both CRI messages). */
interface SecurityContextView {
  namespaceOptions?: { network?: string; pid?: string; ipc?: string } | null;
  privileged?: boolean;
  readonlyRootfs?: boolean;
  runAsUser?: { value?: number } | null;
  runAsGroup?: { value?: number } | null;
  runAsUsername?: string;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
  capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] } | null;
  selinuxOptions?: { user?: string; role?: string; type?: string; level?: string } | null;
  seccomp?: { profileType?: string; localhostRef?: string } | null;
  apparmor?: { profileType?: string; localhostRef?: string } | null;
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

function securityContext(value: unknown): SecurityContextView {
  return value && typeof value === 'object' ? (value as SecurityContextView) : {};
}

/** The security modules the Docker engine applies (its `docker info` SecurityOptions). */
export interface DockerSecurityFeatures {
  seccomp: boolean;
  apparmor: boolean;
  selinux: boolean;
}

export function securityFeatures(securityOptions: readonly string[] | undefined): DockerSecurityFeatures {
  const names = new Set((securityOptions ?? []).map((o) => /(?:^|,)name=([^,]+)/.exec(o)?.[1] ?? o));
  return { seccomp: names.has('seccomp'), apparmor: names.has('apparmor'), selinux: names.has('selinux') };
}

/** What the caller looked up for a security context: the engine's features and a Localhost seccomp profile's JSON. */
export interface SecurityEnvironment {
  features: DockerSecurityFeatures;
  /** The content of `seccomp.localhostRef` (compact JSON), when the profile type is Localhost. */
  seccompProfile?: string;
}

const DEFAULT_ENV: SecurityEnvironment = { features: { seccomp: true, apparmor: false, selinux: false } };

/** The `localhostRef` of a Localhost seccomp profile that the caller must load, or undefined. */
export function localhostSeccompRef(value: unknown): string | undefined {
  const sc = securityContext(value);
  return sc.seccomp?.profileType === 'Localhost' ? (sc.seccomp.localhostRef ?? '') : undefined;
}

/** Docker's `User` for a CRI security context (dockershim's rules); '' keeps the image's user. */
export function dockerUser(sc: SecurityContextView): string {
  let user = sc.runAsUser && typeof sc.runAsUser.value === 'number' ? String(sc.runAsUser.value) : '';
  if (sc.runAsUsername) user = sc.runAsUsername;
  if (sc.runAsGroup && typeof sc.runAsGroup.value === 'number') {
    if (!user) throw new InvalidArgumentError(`run_as_group ${sc.runAsGroup.value} is specified without run_as_user or run_as_username`);
    user = `${user}:${sc.runAsGroup.value}`;
  }
  return user;
}

/**
 * The Docker HostConfig fields of a CRI security context. Everything is
 * applied or refused, never dropped: SELinux labels and an AppArmor profile
 * need the engine to have that module (Docker itself ignores them silently
 * otherwise), seccomp profiles need seccomp. For a container (not the
 * sandbox) an absent security context keeps Docker's defaults; a present
 * one sets the masked and read-only paths it lists, none when both are
 * empty (procMount Unmasked), as containerd does.
 */
export function securityHostConfig(value: unknown, env: SecurityEnvironment, kind: 'sandbox' | 'container'): Dockerode.HostConfig {
  if (!value || typeof value !== 'object') return {};
  const sc = securityContext(value);
  const hc: Dockerode.HostConfig = {};
  const opts: string[] = [];
  const privileged = kind === 'container' && sc.privileged === true;
  if (privileged) hc.Privileged = true;
  if (sc.readonlyRootfs) hc.ReadonlyRootfs = true;
  if (sc.supplementalGroups?.length) hc.GroupAdd = sc.supplementalGroups.map(String);
  if (kind === 'container') {
    if (sc.capabilities?.addCapabilities?.length) hc.CapAdd = [...sc.capabilities.addCapabilities];
    if (sc.capabilities?.dropCapabilities?.length) hc.CapDrop = [...sc.capabilities.dropCapabilities];
    if (sc.noNewPrivs) opts.push('no-new-privileges');
    if (!privileged) {
      hc.MaskedPaths = [...(sc.maskedPaths ?? [])];
      hc.ReadonlyPaths = [...(sc.readonlyPaths ?? [])];
    }
  }

  const se = sc.selinuxOptions;
  const labels = se ? (['user', 'role', 'type', 'level'] as const).filter((k) => se[k]).map((k) => `label=${k}:${se[k]}`) : [];
  if (labels.length) {
    if (!env.features.selinux)
      throw new FailedPreconditionError(`SELinux is not enabled in this node's Docker engine: cannot apply selinux_options ${labels.join(' ')}`);
    opts.push(...labels);
  }

  const aa = sc.apparmor;
  if (aa?.profileType === 'Unconfined') opts.push('apparmor=unconfined');
  else if (aa?.profileType === 'Localhost') {
    if (!aa.localhostRef) throw new InvalidArgumentError('apparmor profile type Localhost needs localhost_ref');
    if (!env.features.apparmor)
      throw new FailedPreconditionError(
        `AppArmor is not enabled in this node's Docker engine: cannot apply the AppArmor profile ${JSON.stringify(aa.localhostRef)}`,
      );
    opts.push(`apparmor=${aa.localhostRef}`);
  } else if (aa && aa.profileType !== undefined && aa.profileType !== 'RuntimeDefault') {
    throw new InvalidArgumentError(`unknown apparmor profile type ${JSON.stringify(aa.profileType)}`);
  }

  const sp = sc.seccomp;
  if (sp?.profileType === 'Unconfined') opts.push('seccomp=unconfined');
  else if (sp && !privileged) {
    // Privileged containers run without seccomp in Docker, whatever the profile.
    if (sp.profileType === 'Localhost') {
      if (!env.seccompProfile) throw new InvalidArgumentError(`seccomp profile ${JSON.stringify(sp.localhostRef ?? '')} was not loaded`);
      if (!env.features.seccomp)
        throw new FailedPreconditionError("seccomp is not enabled in this node's Docker engine: cannot apply a Localhost seccomp profile");
      opts.push(`seccomp=${env.seccompProfile}`);
    } else if (sp.profileType === undefined || sp.profileType === 'RuntimeDefault') {
      if (!env.features.seccomp)
        throw new FailedPreconditionError("seccomp is not enabled in this node's Docker engine: cannot apply the RuntimeDefault seccomp profile");
      // Docker applies its default profile by itself.
    } else {
      throw new InvalidArgumentError(`unknown seccomp profile type ${JSON.stringify(sp.profileType)}`);
    }
  }
  if (opts.length) hc.SecurityOpt = opts;
  return hc;
}

/** Docker's own container name, readable in `docker ps`; uniqueness per pod uid and attempt. */
function dockerName(parts: Array<string | number>): string {
  return parts.map((p) => String(p).replace(/[^a-zA-Z0-9_.-]/g, '-')).join('_');
}

export interface SandboxCreateInput {
  config: PodSandboxConfig;
  /** Default: an engine with seccomp only. */
  security?: SecurityEnvironment;
  image: string;
  runtimeHandler: string;
  createdAtNs: number;
  /** Labels every object of this runtime carries (scope, test ids). */
  scopeLabels: Labels;
}

export function sandboxCreateOptions(input: SandboxCreateInput): Dockerode.ContainerCreateOptions {
  const { config } = input;
  const meta = config.metadata;
  const name = meta?.name ?? '';
  const namespace = meta?.namespace ?? '';
  const uid = meta?.uid ?? '';
  const attempt = meta?.attempt ?? 0;
  const sc = securityContext((config.linux as { securityContext?: unknown } | null | undefined)?.securityContext);
  const hostNetwork = sc.namespaceOptions?.network === 'NODE';

  const labels: Labels = {
    ...input.scopeLabels,
    [LABEL_TYPE]: TYPE_SANDBOX,
    [LABEL_POD_NAME]: name,
    [LABEL_POD_NAMESPACE]: namespace,
    [LABEL_POD_UID]: uid,
    [LABEL_ATTEMPT]: String(attempt),
    [LABEL_CREATED_AT]: String(input.createdAtNs),
    [LABEL_CRI_LABELS]: encodeMap(config.labels),
    [LABEL_CRI_ANNOTATIONS]: encodeMap(config.annotations),
    [LABEL_LOG_DIRECTORY]: config.logDirectory ?? '',
    [LABEL_RUNTIME_HANDLER]: input.runtimeHandler,
  };

  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  // With the host's network there is nothing to publish: the ports are the host's.
  for (const pm of hostNetwork ? [] : (config.portMappings ?? [])) {
    if (!pm.containerPort) continue;
    const key = `${pm.containerPort}/${(pm.protocol ?? 'TCP').toLowerCase()}`;
    exposed[key] = {};
    if (pm.hostPort) (bindings[key] ??= []).push({ HostIp: pm.hostIp ?? '', HostPort: String(pm.hostPort) });
  }

  const dns = config.dnsConfig;
  // The conditional spreads below stay: this goes to Docker as is, where an empty list or map is not the same as none.
  const hostConfig: Dockerode.HostConfig = {
    NetworkMode: hostNetwork ? 'host' : 'bridge',
    // Shareable so app containers can join the pod's IPC namespace.
    IpcMode: sc.namespaceOptions?.ipc === 'NODE' ? 'host' : 'shareable',
    ...(sc.namespaceOptions?.pid === 'NODE' ? { PidMode: 'host' } : {}),
    ...(dns?.servers?.length ? { Dns: dns.servers } : {}),
    ...(dns?.searches?.length ? { DnsSearch: dns.searches } : {}),
    ...(dns?.options?.length ? { DnsOptions: dns.options } : {}),
    ...(Object.keys(bindings).length ? { PortBindings: bindings } : {}),
    ...(config.linux?.sysctls && Object.keys(config.linux.sysctls).length ? { Sysctls: config.linux.sysctls } : {}),
    ...securityHostConfig(config.linux?.securityContext, input.security ?? DEFAULT_ENV, 'sandbox'),
  };
  const user = dockerUser(sc);

  return {
    name: dockerName(['k8s', 'POD', name, namespace, uid, attempt]),
    Image: input.image,
    ...(user ? { User: user } : {}),
    // Docker refuses a hostname together with the host's network namespace.
    ...(config.hostname && !hostNetwork ? { Hostname: config.hostname } : {}),
    Labels: labels,
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    HostConfig: hostConfig,
  };
}

const PROPAGATION: Record<string, Dockerode.MountPropagation> = {
  PROPAGATION_PRIVATE: 'rprivate',
  PROPAGATION_HOST_TO_CONTAINER: 'rslave',
  PROPAGATION_BIDIRECTIONAL: 'rshared',
};

export function resourcesHostConfig(r: LinuxContainerResources | null | undefined): Dockerode.HostConfig {
  if (!r) return {};
  const hc: Dockerode.HostConfig = {};
  if (r.cpuQuota && r.cpuQuota > 0) {
    hc.CpuQuota = r.cpuQuota;
    hc.CpuPeriod = r.cpuPeriod && r.cpuPeriod > 0 ? r.cpuPeriod : 100_000;
  }
  if (r.cpuShares && r.cpuShares > 0) hc.CpuShares = r.cpuShares;
  if (r.memoryLimitInBytes && r.memoryLimitInBytes > 0) hc.Memory = r.memoryLimitInBytes;
  // Only raising the OOM score is applied: lowering it needs CAP_SYS_RESOURCE,
  // which root inside some environments (including CI sandboxes) lacks.
  if (r.oomScoreAdj && r.oomScoreAdj > 0) hc.OomScoreAdj = r.oomScoreAdj;
  if (r.cpusetCpus) hc.CpusetCpus = r.cpusetCpus;
  if (r.cpusetMems) hc.CpusetMems = r.cpusetMems;
  return hc;
}

export function dockerMounts(mounts: Mount[] | undefined): Dockerode.MountConfig {
  return (mounts ?? [])
    .filter((m) => m.hostPath && m.containerPath)
    .map((m) => ({
      Type: 'bind' as const,
      Source: m.hostPath ?? '',
      Target: m.containerPath ?? '',
      ReadOnly: m.readonly === true,
      BindOptions: { Propagation: PROPAGATION[m.propagation ?? ''] ?? 'rprivate' },
    }));
}

export interface ContainerCreateInput {
  sandboxId: string;
  /** The sandbox's pod metadata (from its labels), authoritative over the request. */
  pod: { name: string; namespace: string; uid: string };
  config: ContainerConfig;
  /** Absolute log path, or '' for none. */
  logPath: string;
  createdAtNs: number;
  scopeLabels: Labels;
  /** Whether the sandbox uses the host's network namespace. */
  sandboxHostNetwork: boolean;
  /** Default: an engine with seccomp only. */
  security?: SecurityEnvironment;
}

export function containerCreateOptions(input: ContainerCreateInput): Dockerode.ContainerCreateOptions {
  const { config, pod, sandboxId } = input;
  const name = config.metadata?.name ?? '';
  const attempt = config.metadata?.attempt ?? 0;
  const image = config.image?.image ?? '';
  const requested = config.image?.userSpecifiedImage || image;
  const sc = securityContext(config.linux?.securityContext);
  const ns = sc.namespaceOptions;

  const labels: Labels = {
    ...input.scopeLabels,
    [LABEL_TYPE]: TYPE_CONTAINER,
    [LABEL_POD_NAME]: pod.name,
    [LABEL_POD_NAMESPACE]: pod.namespace,
    [LABEL_POD_UID]: pod.uid,
    [LABEL_CONTAINER_NAME]: name,
    [LABEL_SANDBOX_ID]: sandboxId,
    [LABEL_ATTEMPT]: String(attempt),
    [LABEL_CREATED_AT]: String(input.createdAtNs),
    [LABEL_CRI_LABELS]: encodeMap(config.labels),
    [LABEL_CRI_ANNOTATIONS]: encodeMap(config.annotations),
    [LABEL_LOG_PATH]: input.logPath,
    [LABEL_IMAGE]: requested,
  };

  const joined = `container:${sandboxId}`;
  const user = dockerUser(sc);

  // The conditional spreads here and below stay: this goes to Docker as is, where an empty list or string is not the same as none.
  const hostConfig: Dockerode.HostConfig = {
    NetworkMode: input.sandboxHostNetwork ? 'host' : joined,
    IpcMode: ns?.ipc === 'NODE' ? 'host' : joined,
    ...(ns?.pid === 'POD' ? { PidMode: joined } : ns?.pid === 'NODE' ? { PidMode: 'host' } : {}),
    ...resourcesHostConfig(config.linux?.resources),
    ...(config.mounts?.length ? { Mounts: dockerMounts(config.mounts) } : {}),
    ...securityHostConfig(config.linux?.securityContext, input.security ?? DEFAULT_ENV, 'container'),
  };

  return {
    name: dockerName(['k8s', name, pod.name, pod.namespace, pod.uid, attempt]),
    Image: image,
    // CRI command is Docker's entrypoint and CRI args are Docker's cmd; an
    // empty command keeps the image's entrypoint, as in Kubernetes.
    ...(config.command?.length ? { Entrypoint: config.command } : {}),
    ...(config.args?.length ? { Cmd: config.args } : {}),
    ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
    Env: (config.envs ?? []).map((kv) => `${kv.key}=${kv.value}`),
    ...(user ? { User: user } : {}),
    Tty: config.tty === true,
    OpenStdin: config.stdin === true,
    StdinOnce: config.stdinOnce === true,
    Labels: labels,
    HostConfig: hostConfig,
  };
}
