/**
 * DockerRuntime: the CRI runtime and image services implemented on Docker
 * ("dockershim"). A pod sandbox is a pause container owning the pod's network
 * namespace and hostname; app containers join it; the pod IP is the
 * sandbox's address on Docker's bridge.
 *
 * All state lives in Docker labels (labels.ts), so a new DockerRuntime (after
 * a restart of the process) adopts what is already there. The only
 * in-memory state is a cache: the previous CPU sample per container (for
 * usage_nano_cores) and the log followers copying output into CRI log files,
 * which are resumed for running containers on the next ListContainers.
 *
 * Scope: objects carry `scopeLabels` (e.g. the node name, or a test id) and a
 * runtime only ever sees and touches objects with all of them plus
 * `io.mk8s.type`, so several runtimes (nodes, tests) can share one Docker.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import Dockerode from 'dockerode';
import type {
  ContainerStats,
  ContainerStatsRequest,
  ContainerStatsResponse,
  ContainerStatusRequest,
  ContainerStatusResponse,
  CreateContainerRequest,
  CreateContainerResponse,
  CriRuntime,
  ExecSyncRequest,
  ExecSyncResponse,
  Labels,
  ListContainerStatsRequest,
  ListContainerStatsResponse,
  ListContainersRequest,
  ListContainersResponse,
  ListImagesRequest,
  ListImagesResponse,
  ListPodSandboxRequest,
  ListPodSandboxResponse,
  PodSandboxStatusRequest,
  PodSandboxStatusResponse,
  PullImageRequest,
  PullImageResponse,
  RemoveContainerRequest,
  RemoveContainerResponse,
  RemoveImageRequest,
  RemoveImageResponse,
  RemovePodSandboxRequest,
  RemovePodSandboxResponse,
  RunPodSandboxRequest,
  RunPodSandboxResponse,
  StartContainerRequest,
  StartContainerResponse,
  StatusRequest,
  StatusResponse,
  StopContainerRequest,
  StopContainerResponse,
  StopPodSandboxRequest,
  StopPodSandboxResponse,
  VersionRequest,
  VersionResponse,
  ImageStatusRequest,
  ImageStatusResponse,
  ContainerEventResponse,
  GetEventsRequest,
} from '@mk8s/cri';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@mk8s/cri';
import { cleanupByLabel } from './cleanup.js';
import {
  containerCreateOptions,
  localhostSeccompRef,
  sandboxCreateOptions,
  securityFeatures,
  type DockerSecurityFeatures,
  type SecurityEnvironment,
} from './container-config.js';
import { errorMessage, isConflict, isNotFound, isNotModified } from './docker-errors.js';
import { dockerEvents, toContainerEvent } from './events.js';
import type { EventsOptions, RuntimeEvent } from './events.js';
import { execSync } from './exec-sync.js';
import * as images from './images.js';
import {
  LABEL_LOG_DIRECTORY,
  LABEL_LOG_PATH,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_SANDBOX_ID,
  LABEL_TYPE,
  TYPE_CONTAINER,
  TYPE_SANDBOX,
  labelFilters,
  matchesSelector,
} from './labels.js';
import type { ObjectType } from './labels.js';
import { LogFollower, ensureLogFile } from './log-follower.js';
import { convertStats } from './stats.js';
import type { CpuSample, DockerStatsSample } from './stats.js';
import { containerAttributes, containerFromList, containerStatus, podSandboxFromList, podSandboxStatus } from './status-mapping.js';
import { nowNs } from './time.js';

export const DEFAULT_SANDBOX_IMAGE = 'mk8s/pause:latest';
export const RUNTIME_NAME = 'docker';
export const RUNTIME_VERSION = '0.1.0';
export const CRI_API_VERSION = 'v1';

export interface DockerRuntimeOptions {
  /** A dockerode client; default: one on `socketPath` (or Docker's default socket). */
  docker?: Dockerode;
  socketPath?: string;
  /** Image of pod sandboxes; default mk8s/pause:latest (images/build.sh builds it). */
  sandboxImage?: string;
  /** Labels put on every object and required of every object this runtime sees. */
  scopeLabels?: Labels;
  /** How long PullImage may try `docker pull` for an absent image; default 5000 ms. */
  pullTimeoutMs?: number;
  /** Grace period in seconds for the pause container on StopPodSandbox; default 2. */
  sandboxStopTimeoutSeconds?: number;
}

/** How long close() waits for the log followers to finish their last writes. */
const CLOSE_GRACE_MS = 5_000;

export class DockerRuntime implements CriRuntime {
  readonly docker: Dockerode;
  readonly sandboxImage: string;
  readonly scopeLabels: Readonly<Labels>;
  private readonly pullTimeoutMs: number;
  private readonly sandboxStopTimeout: number;
  private readonly cpuSamples = new Map<string, CpuSample>();
  private readonly followers = new Map<string, LogFollower>();
  private features: Promise<DockerSecurityFeatures> | undefined;
  private closed = false;

  constructor(options: DockerRuntimeOptions = {}) {
    this.docker = options.docker ?? (options.socketPath ? new Dockerode({ socketPath: options.socketPath }) : new Dockerode());
    this.sandboxImage = options.sandboxImage ?? DEFAULT_SANDBOX_IMAGE;
    this.scopeLabels = { ...(options.scopeLabels ?? {}) };
    this.pullTimeoutMs = options.pullTimeoutMs ?? 5000;
    this.sandboxStopTimeout = options.sandboxStopTimeoutSeconds ?? 2;
  }

  // ---- helpers ------------------------------------------------------------

  private owned(labels: Labels | undefined | null, type: ObjectType): boolean {
    if (!labels || labels[LABEL_TYPE] !== type) return false;
    return matchesSelector(labels, this.scopeLabels);
  }

  /** Inspects a container of ours; NotFoundError when absent or not ours (never touch others). */
  private async inspectOwned(id: string, type: ObjectType): Promise<Dockerode.ContainerInspectInfo> {
    const what = type === TYPE_SANDBOX ? 'pod sandbox' : 'container';
    if (!id) throw new NotFoundError(`${what} id is empty`);
    try {
      const info = await this.docker.getContainer(id).inspect();
      if (this.owned(info.Config?.Labels, type)) return info;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    throw new NotFoundError(`${what} ${JSON.stringify(id)} not found`);
  }

  /** Like inspectOwned, but undefined for an absent object (idempotent stop/remove). */
  private async findOwned(id: string, type: ObjectType): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await this.inspectOwned(id, type);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  private async list(type: ObjectType, extra: Labels, id: string | undefined): Promise<Dockerode.ContainerInfo[]> {
    const filters: Record<string, string[]> = {
      label: labelFilters({ ...this.scopeLabels, ...extra, [LABEL_TYPE]: type }),
    };
    if (id) filters['id'] = [id];
    const found = await this.docker.listContainers({ all: true, filters });
    return found.filter((c) => this.owned(c.Labels, type));
  }

  private stopFollower(id: string): void {
    this.followers.get(id)?.stop();
    this.followers.delete(id);
  }

  /** Starts copying a running container's output into its log file unless already doing so. */
  private follow(id: string, logPath: string | undefined): void {
    if (this.closed || !logPath || this.followers.has(id)) return;
    const follower = new LogFollower(this.docker, id, logPath, true);
    this.followers.set(id, follower);
    void follower.done.then(() => {
      if (this.followers.get(id) === follower) this.followers.delete(id);
    });
  }

  /**
   * What a security context needs from the engine and the node: its
   * security modules (asked once) and a Localhost seccomp profile's content
   * (read at every create, so edits to the file apply to new containers).
   */
  private async securityEnvironment(securityContext: unknown): Promise<SecurityEnvironment> {
    this.features ??= this.docker.info().then(
      (info: { SecurityOptions?: string[] }) => securityFeatures(info.SecurityOptions),
      (err: unknown) => {
        this.features = undefined;
        throw err;
      },
    );
    const env: SecurityEnvironment = { features: await this.features };
    const ref = localhostSeccompRef(securityContext);
    if (ref !== undefined) {
      if (!isAbsolute(ref)) throw new InvalidArgumentError(`seccomp profile ${JSON.stringify(ref)}: localhost_ref must be an absolute path`);
      let text: string;
      try {
        text = await readFile(ref, 'utf8');
      } catch (err) {
        throw new InvalidArgumentError(`seccomp profile ${ref} cannot be read: ${errorMessage(err)}`);
      }
      try {
        env.seccompProfile = JSON.stringify(JSON.parse(text));
      } catch (err) {
        throw new InvalidArgumentError(`seccomp profile ${ref} is not valid JSON: ${errorMessage(err)}`);
      }
    }
    return env;
  }

  // ---- runtime service ----------------------------------------------------

  async version(_req: VersionRequest): Promise<VersionResponse> {
    const v = await this.docker.version();
    return { version: RUNTIME_VERSION, runtimeName: RUNTIME_NAME, runtimeVersion: v.Version, runtimeApiVersion: CRI_API_VERSION };
  }

  async status(_req: StatusRequest): Promise<StatusResponse> {
    let ready = true;
    let message = '';
    try {
      await this.docker.ping();
    } catch (err) {
      ready = false;
      message = `Docker is not reachable: ${errorMessage(err)}`;
    }
    const reason = ready ? '' : 'DockerUnreachable';
    return {
      status: {
        conditions: [
          { type: 'RuntimeReady', status: ready, reason, message },
          { type: 'NetworkReady', status: ready, reason, message },
        ],
      },
      info: {},
    };
  }

  async runPodSandbox(req: RunPodSandboxRequest): Promise<RunPodSandboxResponse> {
    const config = req.config;
    if (!config?.metadata?.uid) throw new InvalidArgumentError('pod sandbox config needs metadata with a uid');
    const options = sandboxCreateOptions({
      config,
      security: await this.securityEnvironment(config.linux?.securityContext),
      image: this.sandboxImage,
      runtimeHandler: req.runtimeHandler ?? '',
      createdAtNs: nowNs(),
      scopeLabels: this.scopeLabels,
    });
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer(options);
    } catch (err) {
      if (isNotFound(err)) {
        throw new FailedPreconditionError(`sandbox image ${this.sandboxImage} is not present (build it with images/build.sh): ${errorMessage(err)}`);
      }
      if (isConflict(err)) throw new AlreadyExistsError(`pod sandbox ${options.name} already exists: ${errorMessage(err)}`);
      throw err;
    }
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new Error(`starting pod sandbox ${options.name}: ${errorMessage(err)}`);
    }
    return { podSandboxId: container.id };
  }

  async stopPodSandbox(req: StopPodSandboxRequest): Promise<StopPodSandboxResponse> {
    const sandbox = await this.findOwned(req.podSandboxId, TYPE_SANDBOX);
    if (!sandbox) return {};
    const members = await this.list(TYPE_CONTAINER, { [LABEL_SANDBOX_ID]: sandbox.Id }, undefined);
    await Promise.all(members.filter((c) => c.State === 'running').map((c) => this.stopDocker(c.Id, 0)));
    await this.stopDocker(sandbox.Id, this.sandboxStopTimeout);
    return {};
  }

  async removePodSandbox(req: RemovePodSandboxRequest): Promise<RemovePodSandboxResponse> {
    const sandbox = await this.findOwned(req.podSandboxId, TYPE_SANDBOX);
    if (!sandbox) return {};
    const members = await this.list(TYPE_CONTAINER, { [LABEL_SANDBOX_ID]: sandbox.Id }, undefined);
    for (const c of members) await this.removeDocker(c.Id);
    await this.removeDocker(sandbox.Id);
    return {};
  }

  async podSandboxStatus(req: PodSandboxStatusRequest): Promise<PodSandboxStatusResponse> {
    const info = await this.inspectOwned(req.podSandboxId, TYPE_SANDBOX);
    return { status: podSandboxStatus(info), info: {}, containersStatuses: [], timestamp: nowNs() };
  }

  async listPodSandbox(req: ListPodSandboxRequest): Promise<ListPodSandboxResponse> {
    const f = req.filter;
    const found = await this.list(TYPE_SANDBOX, {}, f?.id || undefined);
    const items = found
      .map(podSandboxFromList)
      .filter((s) => !f?.state || s.state === f.state.state)
      .filter((s) => matchesSelector(s.labels, f?.labelSelector))
      .sort((a, b) => a.createdAt - b.createdAt);
    return { items };
  }

  async createContainer(req: CreateContainerRequest): Promise<CreateContainerResponse> {
    const config = req.config;
    if (!config?.metadata?.name) throw new InvalidArgumentError('container config needs metadata with a name');
    if (!config.image?.image) throw new InvalidArgumentError('container config needs an image');
    const sandbox = await this.inspectOwned(req.podSandboxId, TYPE_SANDBOX);
    const sl = sandbox.Config.Labels;
    const logDirectory = req.sandboxConfig?.logDirectory || sl[LABEL_LOG_DIRECTORY] || '';
    const logPath = config.logPath ? (isAbsolute(config.logPath) ? config.logPath : logDirectory ? resolve(logDirectory, config.logPath) : '') : '';
    const options = containerCreateOptions({
      sandboxId: sandbox.Id,
      pod: { name: sl[LABEL_POD_NAME] ?? '', namespace: sl[LABEL_POD_NAMESPACE] ?? '', uid: sl[LABEL_POD_UID] ?? '' },
      config,
      logPath,
      createdAtNs: nowNs(),
      scopeLabels: this.scopeLabels,
      sandboxHostNetwork: sandbox.HostConfig?.NetworkMode === 'host',
      security: await this.securityEnvironment(config.linux?.securityContext),
    });
    if (logPath) await ensureLogFile(logPath);
    try {
      const container = await this.docker.createContainer(options);
      return { containerId: container.id };
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`image ${config.image.image} not present: ${errorMessage(err)}`);
      if (isConflict(err)) throw new AlreadyExistsError(`container ${options.name} already exists: ${errorMessage(err)}`);
      throw err;
    }
  }

  async startContainer(req: StartContainerRequest): Promise<StartContainerResponse> {
    const info = await this.inspectOwned(req.containerId, TYPE_CONTAINER);
    try {
      await this.docker.getContainer(info.Id).start();
    } catch (err) {
      if (!isNotModified(err)) throw new Error(`starting container ${info.Id}: ${errorMessage(err)}`);
    }
    this.follow(info.Id, info.Config.Labels[LABEL_LOG_PATH]);
    return {};
  }

  async stopContainer(req: StopContainerRequest): Promise<StopContainerResponse> {
    const info = await this.inspectOwned(req.containerId, TYPE_CONTAINER);
    await this.stopDocker(info.Id, Math.max(0, req.timeout ?? 0));
    return {};
  }

  async removeContainer(req: RemoveContainerRequest): Promise<RemoveContainerResponse> {
    const info = await this.findOwned(req.containerId, TYPE_CONTAINER);
    if (info) await this.removeDocker(info.Id);
    return {};
  }

  private async stopDocker(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds });
    } catch (err) {
      // 304: already stopped; 404: removed meanwhile. Both leave it stopped.
      if (!isNotModified(err) && !isNotFound(err)) throw err;
    }
  }

  private async removeDocker(id: string): Promise<void> {
    this.stopFollower(id);
    this.cpuSamples.delete(id);
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 404: already gone; 409: a removal is already in progress.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async listContainers(req: ListContainersRequest): Promise<ListContainersResponse> {
    const f = req.filter;
    const extra: Labels = f?.podSandboxId ? { [LABEL_SANDBOX_ID]: f.podSandboxId } : {};
    const found = await this.list(TYPE_CONTAINER, extra, f?.id || undefined);
    // Adoption: resume copying logs of running containers nobody follows yet.
    for (const c of found) if (c.State === 'running') this.follow(c.Id, c.Labels[LABEL_LOG_PATH]);
    const containers = found
      .map(containerFromList)
      .filter((c) => !f?.state || c.state === f.state.state)
      .filter((c) => matchesSelector(c.labels, f?.labelSelector))
      .sort((a, b) => a.createdAt - b.createdAt);
    return { containers };
  }

  async containerStatus(req: ContainerStatusRequest): Promise<ContainerStatusResponse> {
    const info = await this.inspectOwned(req.containerId, TYPE_CONTAINER);
    return { status: containerStatus(info), info: {} };
  }

  async execSync(req: ExecSyncRequest): Promise<ExecSyncResponse> {
    if (!req.cmd?.length) throw new InvalidArgumentError('exec needs a command');
    const info = await this.inspectOwned(req.containerId, TYPE_CONTAINER);
    if (!info.State.Running) throw new FailedPreconditionError(`container ${info.Id} is not running`);
    return execSync(this.docker, info.Id, req.cmd, req.timeout ?? 0);
  }

  private async statsOf(id: string, labels: Labels): Promise<ContainerStats> {
    const sample = (await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true })) as DockerStatsSample;
    const { stats, cpuSample } = convertStats(sample, containerAttributes(id, labels), this.cpuSamples.get(id), nowNs());
    if (cpuSample) this.cpuSamples.set(id, cpuSample);
    return stats;
  }

  async containerStats(req: ContainerStatsRequest): Promise<ContainerStatsResponse> {
    const info = await this.inspectOwned(req.containerId, TYPE_CONTAINER);
    return { stats: await this.statsOf(info.Id, info.Config.Labels) };
  }

  async listContainerStats(req: ListContainerStatsRequest): Promise<ListContainerStatsResponse> {
    const f = req.filter;
    const extra: Labels = f?.podSandboxId ? { [LABEL_SANDBOX_ID]: f.podSandboxId } : {};
    const found = (await this.list(TYPE_CONTAINER, extra, f?.id || undefined)).filter((c) => c.State === 'running');
    const present = new Set(found.map((c) => c.Id));
    for (const id of this.cpuSamples.keys()) if (!present.has(id)) this.cpuSamples.delete(id);
    const stats = await Promise.all(
      found.map(async (c) => {
        try {
          return await this.statsOf(c.Id, c.Labels);
        } catch (err) {
          if (isNotFound(err)) return undefined; // removed meanwhile
          throw err;
        }
      }),
    );
    return {
      stats: stats.filter((s): s is ContainerStats => s !== undefined && matchesSelector(s.attributes?.labels ?? {}, f?.labelSelector)),
    };
  }

  // ---- image service ------------------------------------------------------

  async listImages(req: ListImagesRequest): Promise<ListImagesResponse> {
    return images.listImages(this.docker, req.filter?.image);
  }

  async imageStatus(req: ImageStatusRequest): Promise<ImageStatusResponse> {
    return { image: await images.imageStatus(this.docker, req.image), info: {} };
  }

  async pullImage(req: PullImageRequest): Promise<PullImageResponse> {
    return images.pullImage(this.docker, req.image, this.pullTimeoutMs);
  }

  async removeImage(req: RemoveImageRequest): Promise<RemoveImageResponse> {
    await images.removeImage(this.docker, req.image);
    return {};
  }

  /** CRI GetContainerEvents: Docker's events of this runtime's containers, in CRI form. */
  async *getContainerEvents(_req: GetEventsRequest, signal: AbortSignal): AsyncGenerator<ContainerEventResponse> {
    for await (const ev of this.events({ signal })) {
      const cri = toContainerEvent(ev);
      if (cri) yield cri;
    }
  }

  // ---- beyond CRI -----------------------------------------------------------

  /** Lifecycle events (start/die/oom/...) of this runtime's containers; see events.ts. */
  events(options: EventsOptions = {}): AsyncGenerator<RuntimeEvent> {
    return dockerEvents(this.docker, this.scopeLabels, options);
  }

  /**
   * Resolves once the container's output has been copied to its log file:
   * after the container stopped, when its follower has drained. Immediate
   * when nothing is being copied.
   */
  async logsFlushed(containerId: string): Promise<void> {
    await this.followers.get(containerId)?.done;
  }

  /** Removes every object of this runtime's scope (all pods when the scope is empty). */
  async removeAll(): Promise<string[]> {
    for (const id of [...this.followers.keys()]) this.stopFollower(id);
    return cleanupByLabel(this.docker, [LABEL_TYPE, ...labelFilters(this.scopeLabels)]);
  }

  /**
   * Stops log copying; containers keep running and a new runtime adopts them.
   * Bounded: a follower that does not settle within CLOSE_GRACE_MS (its
   * stream already destroyed) is left behind rather than holding close().
   */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.followers.values()];
    for (const f of pending) f.stop();
    this.followers.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending.map((f) => f.done)), new Promise<void>((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
  }
}
