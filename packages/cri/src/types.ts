/**
 * CRI v1 messages as TypeScript sees them: the shapes @grpc/proto-loader
 * yields with { keepCase: false, longs: Number, enums: String, defaults: true }
 * (proto/api.proto is the source of truth; names are its fields in camelCase).
 *
 * Conventions:
 * - Requests: the identifying fields are required, everything else optional,
 *   so callers write only what they mean. Runtimes must treat a missing field
 *   as its proto3 default ('' / 0 / false / [] / {}).
 * - Responses: fields every runtime must fill are required. Nested messages
 *   that may be absent are `?: T | null`: over gRPC an absent message decodes
 *   as null, in process a runtime may leave it undefined.
 * - int64/uint64 are JS numbers (timestamps in nanoseconds since the epoch
 *   exceed 2^53 and so lose their last bits; they stay ordered and within a
 *   microsecond).
 * - Enums are their proto names as strings.
 */

export type Labels = Record<string, string>;

// ---- enums ----

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

// ---- building blocks ----

export interface Int64Value {
  value: number;
}

export interface UInt64Value {
  value: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface DNSConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

export interface PortMapping {
  protocol?: Protocol;
  containerPort?: number;
  /** 0 or absent: not exposed on the host. */
  hostPort?: number;
  hostIp?: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: MountPropagation;
  recursiveReadOnly?: boolean;
}

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  targetId?: string;
}

export interface ImageSpec {
  /** Image reference (name[:tag], name@digest) or image id. */
  image: string;
  annotations?: Labels;
  userSpecifiedImage?: string;
  runtimeHandler?: string;
}

/** 0 (or absent) means "not specified" for every numeric field. */
export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  unified?: Labels;
  memorySwapLimitInBytes?: number;
}

// ---- version and runtime status ----

export interface VersionRequest {
  /** The kubelet's runtime API version, e.g. '0.1.0'. */
  version?: string;
}

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  /** 'v1' for this protocol. */
  runtimeApiVersion: string;
}

export interface RuntimeCondition {
  /** 'RuntimeReady' and 'NetworkReady' are the two the kubelet requires. */
  type: string;
  status: boolean;
  reason?: string;
  message?: string;
}

export interface RuntimeStatus {
  conditions: RuntimeCondition[];
}

export interface StatusRequest {
  verbose?: boolean;
}

export interface StatusResponse {
  status: RuntimeStatus;
  info?: Labels;
}

// ---- security ----

export interface SELinuxOption {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

export type SecurityProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';

/** A seccomp or AppArmor profile; absent (null) means "not specified", which is not RuntimeDefault. */
export interface SecurityProfile {
  profileType?: SecurityProfileType;
  /** Localhost only: seccomp, the absolute path of a profile file on the node; AppArmor, the profile's name. */
  localhostRef?: string;
}

// ---- pod sandboxes ----

export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption | null;
  selinuxOptions?: SELinuxOption | null;
  runAsUser?: Int64Value | null;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  /** True when a container of the pod is privileged (containerd refuses privileged containers otherwise). */
  privileged?: boolean;
  runAsGroup?: Int64Value | null;
  seccomp?: SecurityProfile | null;
  apparmor?: SecurityProfile | null;
}

export interface LinuxPodSandboxConfig {
  cgroupParent?: string;
  securityContext?: LinuxSandboxSecurityContext | null;
  sysctls?: Labels;
  overhead?: LinuxContainerResources | null;
  resources?: LinuxContainerResources | null;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  /** Host directory under which ContainerConfig.logPath is resolved. */
  logDirectory?: string;
  dnsConfig?: DNSConfig | null;
  portMappings?: PortMapping[];
  labels?: Labels;
  annotations?: Labels;
  linux?: LinuxPodSandboxConfig | null;
}

export interface RunPodSandboxRequest {
  config: PodSandboxConfig;
  runtimeHandler?: string;
}

export interface RunPodSandboxResponse {
  podSandboxId: string;
}

export interface StopPodSandboxRequest {
  podSandboxId: string;
}

export type StopPodSandboxResponse = Record<string, never>;

export interface RemovePodSandboxRequest {
  podSandboxId: string;
}

export type RemovePodSandboxResponse = Record<string, never>;

export interface PodSandboxStatusRequest {
  podSandboxId: string;
  verbose?: boolean;
}

export interface PodIP {
  ip: string;
}

export interface PodSandboxNetworkStatus {
  /** '' when the runtime does not manage the network or the sandbox is stopped. */
  ip: string;
  additionalIps?: PodIP[];
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  network?: PodSandboxNetworkStatus | null;
  labels: Labels;
  annotations: Labels;
  runtimeHandler?: string;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus;
  info?: Labels;
  containersStatuses?: ContainerStatus[];
  timestamp?: number;
}

export interface PodSandboxStateValue {
  state: PodSandboxState;
}

/** Fields are ANDed; an empty or absent field does not filter. */
export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxStateValue | null;
  /** Every pair must be present in the sandbox's labels. */
  labelSelector?: Labels;
}

export interface ListPodSandboxRequest {
  filter?: PodSandboxFilter | null;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  labels: Labels;
  annotations: Labels;
  runtimeHandler?: string;
}

export interface ListPodSandboxResponse {
  items: PodSandbox[];
}

// ---- containers ----

export interface Capability {
  addCapabilities?: string[];
  dropCapabilities?: string[];
}

/**
 * How a container runs. `runAsUser` {value: 0} is root, absent is "the
 * image's user". The kubelet always fills `maskedPaths`/`readonlyPaths`: an
 * empty list means nothing is masked (procMount Unmasked), as in Kubernetes;
 * runtimes apply their own defaults only when the whole security context is
 * absent.
 */
export interface LinuxContainerSecurityContext {
  capabilities?: Capability | null;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption | null;
  selinuxOptions?: SELinuxOption | null;
  runAsUser?: Int64Value | null;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
  runAsGroup?: Int64Value | null;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: SecurityProfile | null;
  apparmor?: SecurityProfile | null;
}

export interface LinuxContainerConfig {
  resources?: LinuxContainerResources | null;
  securityContext?: LinuxContainerSecurityContext | null;
}

/** (name, attempt) is unique within a sandbox for the sandbox's lifetime. */
export interface ContainerMetadata {
  name: string;
  attempt?: number;
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  /** Entrypoint (Docker's Entrypoint); empty: the image's. */
  command?: string[];
  /** Arguments (Docker's Cmd); empty: the image's. */
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: Labels;
  annotations?: Labels;
  /** Relative to PodSandboxConfig.logDirectory; '' means no log file. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig | null;
}

export interface CreateContainerRequest {
  podSandboxId: string;
  config: ContainerConfig;
  /** The same config the sandbox was run with. */
  sandboxConfig?: PodSandboxConfig | null;
}

export interface CreateContainerResponse {
  containerId: string;
}

export interface StartContainerRequest {
  containerId: string;
}

export type StartContainerResponse = Record<string, never>;

export interface StopContainerRequest {
  containerId: string;
  /** Grace period in seconds before a forced kill; 0 kills at once. */
  timeout?: number;
}

export type StopContainerResponse = Record<string, never>;

export interface RemoveContainerRequest {
  containerId: string;
}

export type RemoveContainerResponse = Record<string, never>;

export interface ContainerStateValue {
  state: ContainerState;
}

/** Fields are ANDed; an empty or absent field does not filter. */
export interface ContainerFilter {
  id?: string;
  state?: ContainerStateValue | null;
  podSandboxId?: string;
  labelSelector?: Labels;
}

export interface ListContainersRequest {
  filter?: ContainerFilter | null;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: ImageSpec;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Labels;
  annotations: Labels;
  imageId?: string;
}

export interface ListContainersResponse {
  containers: Container[];
}

export interface ContainerStatusRequest {
  containerId: string;
  verbose?: boolean;
}

export interface ContainerResources {
  linux?: LinuxContainerResources | null;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  /** Nanoseconds since the epoch; startedAt/finishedAt are 0 until they happen. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  /** Meaningful only when finishedAt != 0. */
  exitCode: number;
  image: ImageSpec;
  imageRef: string;
  /** CamelCase: 'Completed', 'Error', 'OOMKilled', 'StartError'... */
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  mounts?: Mount[];
  /** Absolute path of the container's CRI-format log file ('' if none). */
  logPath: string;
  resources?: ContainerResources | null;
  imageId?: string;
}

export interface ContainerStatusResponse {
  status: ContainerStatus;
  info?: Labels;
}

export interface ExecSyncRequest {
  containerId: string;
  cmd: string[];
  /** Seconds; 0 or absent: no limit. */
  timeout?: number;
}

export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

// ---- stats ----

export interface ContainerAttributes {
  id: string;
  metadata: ContainerMetadata;
  labels: Labels;
  annotations: Labels;
}

export interface CpuUsage {
  /** Nanoseconds since the epoch at which the sample was taken. */
  timestamp: number;
  /** Cumulative CPU time, all cores, since the container started. */
  usageCoreNanoSeconds?: UInt64Value | null;
  /** Average usage over the sample window (1e9 = one core). */
  usageNanoCores?: UInt64Value | null;
}

export interface MemoryUsage {
  timestamp: number;
  workingSetBytes?: UInt64Value | null;
  availableBytes?: UInt64Value | null;
  usageBytes?: UInt64Value | null;
  rssBytes?: UInt64Value | null;
  pageFaults?: UInt64Value | null;
  majorPageFaults?: UInt64Value | null;
}

export interface FilesystemIdentifier {
  mountpoint: string;
}

export interface FilesystemUsage {
  timestamp: number;
  fsId?: FilesystemIdentifier | null;
  usedBytes?: UInt64Value | null;
  inodesUsed?: UInt64Value | null;
}

export interface ContainerStats {
  attributes: ContainerAttributes;
  cpu?: CpuUsage | null;
  memory?: MemoryUsage | null;
  writableLayer?: FilesystemUsage | null;
}

export interface ContainerStatsRequest {
  containerId: string;
}

export interface ContainerStatsResponse {
  stats: ContainerStats;
}

export interface ContainerStatsFilter {
  id?: string;
  podSandboxId?: string;
  labelSelector?: Labels;
}

export interface ListContainerStatsRequest {
  filter?: ContainerStatsFilter | null;
}

export interface ListContainerStatsResponse {
  stats: ContainerStats[];
}

// ---- images ----

export interface ImageFilter {
  image?: ImageSpec | null;
}

export interface ListImagesRequest {
  filter?: ImageFilter | null;
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: Int64Value | null;
  username?: string;
  spec?: ImageSpec | null;
  pinned?: boolean;
}

export interface ListImagesResponse {
  images: Image[];
}

export interface ImageStatusRequest {
  image: ImageSpec;
  verbose?: boolean;
}

export interface ImageStatusResponse {
  /** Absent (null/undefined) when the image is not present: not an error. */
  image?: Image | null;
  info?: Labels;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface PullImageRequest {
  image: ImageSpec;
  auth?: AuthConfig | null;
  sandboxConfig?: PodSandboxConfig | null;
}

export interface PullImageResponse {
  /** Image id or digest of what was pulled. */
  imageRef: string;
}

export interface RemoveImageRequest {
  image: ImageSpec;
}

export type RemoveImageResponse = Record<string, never>;

export type ImageFsInfoRequest = Record<string, never>;

export interface ImageFsInfoResponse {
  imageFilesystems: FilesystemUsage[];
  containerFilesystems?: FilesystemUsage[];
}

// ---- container events ----

export type GetEventsRequest = Record<string, never>;

/** One lifecycle change of a container (or a pod sandbox's own container). */
export interface ContainerEventResponse {
  containerId: string;
  containerEventType: ContainerEventType;
  /** When it happened, ns since the epoch. */
  createdAt: number;
  /** The pod's sandbox; runtimes fill at least `id` and `metadata.uid`. */
  podSandboxStatus?: PodSandboxStatus | null;
  containersStatuses?: ContainerStatus[];
}
