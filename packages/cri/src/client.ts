import { resolve } from 'node:path';
import { credentials, Metadata, status, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { UnavailableError, criErrorFromCode } from './errors.js';
import { loadCriServices } from './proto.js';
import { CRI_MAX_MESSAGE_BYTES } from './server.js';
import type { CriRpc, CriRuntime } from './runtime.js';
import type * as t from './types.js';

export interface CriClientOptions {
  /** Deadline of an ordinary call (default 10 s). */
  timeoutMs?: number;
  /** Deadline of PullImage (default 5 min: images are big, registries slow). */
  pullTimeoutMs?: number;
}

/** Per-call override of the deadline. */
export interface CallOptions {
  timeoutMs?: number;
}

type Unary = (req: unknown, metadata: Metadata, options: { deadline: Date }, callback: (err: ServiceError | null, res?: unknown) => void) => unknown;

/**
 * CRI over gRPC on a unix socket, as a CriRuntime: the kubelet holds one of
 * these and cannot tell it from an in-process runtime. Every call has a
 * deadline; gRPC status codes come back as the typed errors of errors.ts
 * (an unreachable socket is UnavailableError, a passed deadline
 * DeadlineExceededError). Calls that wait on the runtime by design
 * (StopContainer's grace period, ExecSync's timeout) get that time on top.
 */
export class CriClient implements CriRuntime {
  readonly socketPath: string;
  private readonly runtime: Client;
  private readonly images: Client;
  private readonly timeoutMs: number;
  private readonly pullTimeoutMs: number;
  private closed = false;

  constructor(socketPath: string, options: CriClientOptions = {}) {
    this.socketPath = resolve(socketPath);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 300_000;
    const { RuntimeService, ImageService } = loadCriServices();
    const channelOptions = {
      'grpc.max_receive_message_length': CRI_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': CRI_MAX_MESSAGE_BYTES,
    };
    const address = `unix:${this.socketPath}`;
    this.runtime = new RuntimeService(address, credentials.createInsecure(), channelOptions);
    // One connection for both services.
    this.images = new ImageService(address, credentials.createInsecure(), {
      ...channelOptions,
      channelOverride: this.runtime.getChannel(),
    });
  }

  /** Closes the connection; later calls fail with UnavailableError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.images.close();
    this.runtime.close();
  }

  version(req: t.VersionRequest, opts?: CallOptions): Promise<t.VersionResponse> {
    return this.call(this.runtime, 'Version', req, opts);
  }

  runPodSandbox(req: t.RunPodSandboxRequest, opts?: CallOptions): Promise<t.RunPodSandboxResponse> {
    return this.call(this.runtime, 'RunPodSandbox', req, opts);
  }

  stopPodSandbox(req: t.StopPodSandboxRequest, opts?: CallOptions): Promise<t.StopPodSandboxResponse> {
    return this.call(this.runtime, 'StopPodSandbox', req, opts);
  }

  removePodSandbox(req: t.RemovePodSandboxRequest, opts?: CallOptions): Promise<t.RemovePodSandboxResponse> {
    return this.call(this.runtime, 'RemovePodSandbox', req, opts);
  }

  podSandboxStatus(req: t.PodSandboxStatusRequest, opts?: CallOptions): Promise<t.PodSandboxStatusResponse> {
    return this.call(this.runtime, 'PodSandboxStatus', req, opts);
  }

  listPodSandbox(req: t.ListPodSandboxRequest, opts?: CallOptions): Promise<t.ListPodSandboxResponse> {
    return this.call(this.runtime, 'ListPodSandbox', req, opts);
  }

  createContainer(req: t.CreateContainerRequest, opts?: CallOptions): Promise<t.CreateContainerResponse> {
    return this.call(this.runtime, 'CreateContainer', req, opts);
  }

  startContainer(req: t.StartContainerRequest, opts?: CallOptions): Promise<t.StartContainerResponse> {
    return this.call(this.runtime, 'StartContainer', req, opts);
  }

  stopContainer(req: t.StopContainerRequest, opts?: CallOptions): Promise<t.StopContainerResponse> {
    const grace = Math.max(0, req.timeout ?? 0) * 1000;
    return this.call(this.runtime, 'StopContainer', req, opts, grace);
  }

  removeContainer(req: t.RemoveContainerRequest, opts?: CallOptions): Promise<t.RemoveContainerResponse> {
    return this.call(this.runtime, 'RemoveContainer', req, opts);
  }

  listContainers(req: t.ListContainersRequest, opts?: CallOptions): Promise<t.ListContainersResponse> {
    return this.call(this.runtime, 'ListContainers', req, opts);
  }

  containerStatus(req: t.ContainerStatusRequest, opts?: CallOptions): Promise<t.ContainerStatusResponse> {
    return this.call(this.runtime, 'ContainerStatus', req, opts);
  }

  execSync(req: t.ExecSyncRequest, opts?: CallOptions): Promise<t.ExecSyncResponse> {
    const limit = Math.max(0, req.timeout ?? 0) * 1000;
    return this.call(this.runtime, 'ExecSync', req, opts, limit);
  }

  containerStats(req: t.ContainerStatsRequest, opts?: CallOptions): Promise<t.ContainerStatsResponse> {
    return this.call(this.runtime, 'ContainerStats', req, opts);
  }

  listContainerStats(req: t.ListContainerStatsRequest, opts?: CallOptions): Promise<t.ListContainerStatsResponse> {
    return this.call(this.runtime, 'ListContainerStats', req, opts);
  }

  status(req: t.StatusRequest, opts?: CallOptions): Promise<t.StatusResponse> {
    return this.call(this.runtime, 'Status', req, opts);
  }

  listImages(req: t.ListImagesRequest, opts?: CallOptions): Promise<t.ListImagesResponse> {
    return this.call(this.images, 'ListImages', req, opts);
  }

  imageStatus(req: t.ImageStatusRequest, opts?: CallOptions): Promise<t.ImageStatusResponse> {
    return this.call(this.images, 'ImageStatus', req, opts);
  }

  pullImage(req: t.PullImageRequest, opts?: CallOptions): Promise<t.PullImageResponse> {
    return this.call(this.images, 'PullImage', req, { timeoutMs: opts?.timeoutMs ?? this.pullTimeoutMs });
  }

  removeImage(req: t.RemoveImageRequest, opts?: CallOptions): Promise<t.RemoveImageResponse> {
    return this.call(this.images, 'RemoveImage', req, opts);
  }

  imageFsInfo(req: t.ImageFsInfoRequest, opts?: CallOptions): Promise<t.ImageFsInfoResponse> {
    return this.call(this.images, 'ImageFsInfo', req, opts);
  }

  /**
   * The runtime's container event stream (GetContainerEvents), until `signal`
   * aborts (then it ends quietly) or the stream fails (then it throws a typed
   * CriError: UnimplementedError from a runtime without events,
   * UnavailableError when the runtime goes away).
   */
  async *getContainerEvents(req: t.GetEventsRequest, signal: AbortSignal): AsyncIterable<t.ContainerEventResponse> {
    if (this.closed) throw new UnavailableError(`CRI client for ${this.socketPath} is closed`);
    const method = (this.runtime as unknown as Record<string, (req: unknown, md: Metadata) => ClientReadableStream<t.ContainerEventResponse>>)[
      'GetContainerEvents'
    ];
    if (typeof method !== 'function') throw new Error('no rpc GetContainerEvents in proto/api.proto');
    const call = method.call(this.runtime, req ?? {}, new Metadata());
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for await (const ev of call as AsyncIterable<t.ContainerEventResponse>) yield ev;
    } catch (err) {
      const e = err as { code?: number; details?: string; message?: string };
      if (signal.aborted || e.code === status.CANCELLED) return;
      throw criErrorFromCode(e.code ?? status.UNKNOWN, e.details || e.message || String(err), err);
    } finally {
      signal.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  private call<Res>(client: Client, rpc: CriRpc, req: unknown, opts: CallOptions | undefined, extraMs = 0): Promise<Res> {
    if (this.closed) return Promise.reject(new UnavailableError(`CRI client for ${this.socketPath} is closed`));
    const method = (client as unknown as Record<string, Unary>)[rpc];
    if (typeof method !== 'function') return Promise.reject(new Error(`no rpc ${rpc} in proto/api.proto`));
    const deadline = new Date(Date.now() + (opts?.timeoutMs ?? this.timeoutMs) + extraMs);
    return new Promise<Res>((ok, fail) => {
      method.call(client, req ?? {}, new Metadata(), { deadline }, (err, res) => {
        if (err) fail(criErrorFromCode(err.code, err.details || err.message, err));
        else ok(res as Res);
      });
    });
  }
}
