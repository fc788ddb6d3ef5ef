import type * as t from './types.js';

/**
 * The runtime half of CRI v1 (runtime.v1.RuntimeService): one async method
 * per RPC, named like the RPC in lowerCamelCase. Every runtime implements it
 * (runtime-docker, runtime-fake; containerd through CriClient) and the
 * kubelet calls nothing else.
 *
 * Error contract (errors.ts): a missing sandbox or container is a
 * NotFoundError for the *Status, Start*, Create*, Exec and Stats calls; an
 * operation that does not fit the current state is a FailedPreconditionError;
 * anything else may be any Error (it travels as INTERNAL/UNKNOWN).
 */
export interface RuntimeService {
  version(req: t.VersionRequest): Promise<t.VersionResponse>;

  /** Creates and starts a sandbox; it is SANDBOX_READY when this resolves. */
  runPodSandbox(req: t.RunPodSandboxRequest): Promise<t.RunPodSandboxResponse>;
  /**
   * Kills the sandbox's containers and releases its network (IP); the sandbox
   * becomes SANDBOX_NOTREADY. Idempotent for a sandbox that is already stopped.
   */
  stopPodSandbox(req: t.StopPodSandboxRequest): Promise<t.StopPodSandboxResponse>;
  /** Kills and removes the sandbox and its containers. Idempotent: a missing sandbox is success. */
  removePodSandbox(req: t.RemovePodSandboxRequest): Promise<t.RemovePodSandboxResponse>;
  /** NotFoundError when the sandbox does not exist. */
  podSandboxStatus(req: t.PodSandboxStatusRequest): Promise<t.PodSandboxStatusResponse>;
  listPodSandbox(req: t.ListPodSandboxRequest): Promise<t.ListPodSandboxResponse>;

  /** Creates a container (CONTAINER_CREATED) in a ready sandbox; the image must be present. */
  createContainer(req: t.CreateContainerRequest): Promise<t.CreateContainerResponse>;
  /** CONTAINER_CREATED -> CONTAINER_RUNNING. A container is started at most once. */
  startContainer(req: t.StartContainerRequest): Promise<t.StartContainerResponse>;
  /**
   * Stops a running container, killing it after `timeout` seconds. Idempotent
   * for a container that has already exited.
   */
  stopContainer(req: t.StopContainerRequest): Promise<t.StopContainerResponse>;
  /** Removes a container, killing it first if running. Idempotent: a missing container is success. */
  removeContainer(req: t.RemoveContainerRequest): Promise<t.RemoveContainerResponse>;
  listContainers(req: t.ListContainersRequest): Promise<t.ListContainersResponse>;
  /** NotFoundError when the container does not exist. */
  containerStatus(req: t.ContainerStatusRequest): Promise<t.ContainerStatusResponse>;

  /** Runs a command in a running container; a non-zero exit is a result, not an error. */
  execSync(req: t.ExecSyncRequest): Promise<t.ExecSyncResponse>;

  containerStats(req: t.ContainerStatsRequest): Promise<t.ContainerStatsResponse>;
  /** Stats of running containers matching the filter. */
  listContainerStats(req: t.ListContainerStatsRequest): Promise<t.ListContainerStatsResponse>;

  /** Runtime conditions; the kubelet needs RuntimeReady and NetworkReady. */
  status(req: t.StatusRequest): Promise<t.StatusResponse>;

  /**
   * Optional: container lifecycle events as they happen, so the kubelet reacts
   * at once instead of at its next relist (Kubernetes' evented PLEG). The
   * stream ends when `signal` aborts; events may be missed across a
   * reconnect, so consumers still relist. A runtime without it answers
   * UNIMPLEMENTED over gRPC.
   */
  getContainerEvents?(req: t.GetEventsRequest, signal: AbortSignal): AsyncIterable<t.ContainerEventResponse>;
}

/** The image half of CRI v1 (runtime.v1.ImageService). */
export interface ImageService {
  listImages(req: t.ListImagesRequest): Promise<t.ListImagesResponse>;
  /** A missing image is `image` absent in the response, never an error. */
  imageStatus(req: t.ImageStatusRequest): Promise<t.ImageStatusResponse>;
  /**
   * Makes the image present. Must fail promptly (not hang) when it cannot be
   * fetched, e.g. on a host without a registry.
   */
  pullImage(req: t.PullImageRequest): Promise<t.PullImageResponse>;
  /** Idempotent: a missing image is success. */
  removeImage(req: t.RemoveImageRequest): Promise<t.RemoveImageResponse>;
  /** Optional; a runtime without it answers UNIMPLEMENTED over gRPC. */
  imageFsInfo?(req: t.ImageFsInfoRequest): Promise<t.ImageFsInfoResponse>;
}

/** THE interface every runtime implements and the kubelet calls. */
export type CriRuntime = RuntimeService & ImageService;

/** RPC name -> method name, for the gRPC glue (server.ts, client.ts). */
export const RUNTIME_SERVICE_RPCS = [
  'Version',
  'RunPodSandbox',
  'StopPodSandbox',
  'RemovePodSandbox',
  'PodSandboxStatus',
  'ListPodSandbox',
  'CreateContainer',
  'StartContainer',
  'StopContainer',
  'RemoveContainer',
  'ListContainers',
  'ContainerStatus',
  'ExecSync',
  'ContainerStats',
  'ListContainerStats',
  'Status',
] as const;

export const IMAGE_SERVICE_RPCS = ['ListImages', 'ImageStatus', 'PullImage', 'RemoveImage', 'ImageFsInfo'] as const;

export type RuntimeServiceRpc = (typeof RUNTIME_SERVICE_RPCS)[number];
export type ImageServiceRpc = (typeof IMAGE_SERVICE_RPCS)[number];
export type CriRpc = RuntimeServiceRpc | ImageServiceRpc;
export type CriMethod = keyof CriRuntime;

/** 'RunPodSandbox' -> 'runPodSandbox'. */
export function methodName(rpc: CriRpc): CriMethod {
  return (rpc.charAt(0).toLowerCase() + rpc.slice(1)) as CriMethod;
}
