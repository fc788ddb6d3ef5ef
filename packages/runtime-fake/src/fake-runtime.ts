import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import {
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnknownError,
  formatCriLogRecords,
  type ContainerConfig,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type CriMethod,
  type CriRuntime,
  type Labels,
  type PodSandboxConfig,
  type PodSandboxState,
  type RuntimeCondition,
} from '@mk8s/cri';
import type * as t from '@mk8s/cri';
import {
  argvOf,
  matchesContainer,
  matchesExec,
  scriptsProcess,
  type ContainerBehavior,
  type ContainerMatch,
  type ExecMatch,
  type ExecResult,
} from './behavior.js';
import { ImageStore, normalizeImageRef } from './images.js';
import { IpPool } from './ip-pool.js';
import { CAPABILITIES, DEFAULT_CAPABILITIES, interpret, type ProcessContext, type Step } from './shell.js';
import { realTimer, type Timer } from './timer.js';

export interface FakeRuntimeOptions {
  /** Time source for timestamps and scripted delays (default: the real clock). */
  timer?: Timer;
  /** Images present from the start (default: busybox:latest and registry.k8s.io/pause:3.9). */
  images?: string[];
  /** Images PullImage can fetch, as if a registry had them. Anything else fails like a registry-less host. */
  pullableImages?: string[];
  /** How long a successful pull takes (default 0). */
  pullDelayMs?: number;
  /**
   * Pod CIDR to take sandbox IPs from (e.g. the node's spec.podCIDR). Default:
   * one 10.244.0.0/16 pool shared by every FakeRuntime in the process, so
   * hundreds of hollow nodes still hand out distinct IPs.
   */
  podCidr?: string;
  runtimeName?: string;
  runtimeVersion?: string;
  /** Usage reported for a running container without a script saying otherwise. */
  defaultCpuNanoCores?: number;
  defaultMemoryWorkingSetBytes?: number;
  /** Write container output to log files (default true). Hollow nodes may turn it off. */
  writeLogs?: boolean;
}

const DEFAULT_IMAGES = ['busybox:latest', 'registry.k8s.io/pause:3.9'];

let sharedPool: IpPool | undefined;

interface Run {
  cancelled: boolean;
  /** Wakes a pending scripted sleep (on cancel). */
  wake?: () => void;
}

interface FakeSandbox {
  id: string;
  config: PodSandboxConfig;
  runtimeHandler: string;
  state: PodSandboxState;
  createdAt: number;
  ip: string;
}

interface FakeContainer {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  imageRef: string;
  imageId: string;
  logPath: string;
  /** Who its processes are (from the security context and the image's user). */
  process: ProcessContext;
  behavior: ContainerBehavior | undefined;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  run: Run | undefined;
  cpuNanoCores: number;
  memoryBytes: number;
  /** CPU time (core-ns) accumulated before `cpuSince` (ms). */
  cpuAccum: number;
  cpuSince: number;
}

/**
 * An in-memory CRI runtime for unit tests and hollow nodes: no processes, no
 * network, a few objects per container, timers only while a script waits.
 *
 * Containers behave as their argv says for the commands shell.ts knows
 * (`sh -c "echo hello; exit 3"`, `sleep 5`...); anything else runs until
 * stopped. Scripts (scriptContainer, scriptExec) override that per image,
 * argv, container or pod; the other controls below inject failures, change
 * usage and end containers from the outside.
 */
export class FakeRuntime implements CriRuntime {
  private readonly timer: Timer;
  private readonly images: ImageStore;
  private readonly pullable: Set<string>;
  private readonly pool: IpPool;
  private readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly containerScripts: Array<{ match: ContainerMatch; behavior: ContainerBehavior }> = [];
  private readonly execScripts: Array<{ match: ExecMatch; result: ExecResult }> = [];
  private readonly injected = new Map<CriMethod, Array<{ error: Error; times: number }>>();
  private readonly calls = new Map<CriMethod, number>();
  private readonly conditions = new Map<string, RuntimeCondition>([
    ['RuntimeReady', { type: 'RuntimeReady', status: true, reason: '', message: '' }],
    ['NetworkReady', { type: 'NetworkReady', status: true, reason: '', message: '' }],
  ]);
  private readonly opts: FakeRuntimeOptions;
  private closed = false;

  constructor(options: FakeRuntimeOptions = {}) {
    this.opts = options;
    this.timer = options.timer ?? realTimer;
    this.images = new ImageStore(options.images ?? DEFAULT_IMAGES);
    this.pullable = new Set((options.pullableImages ?? []).map(normalizeImageRef));
    this.pool = options.podCidr ? new IpPool(options.podCidr) : (sharedPool ??= new IpPool('10.244.0.0/16'));
  }

  // ---- controls ----

  /** Containers created from now on that match `match` follow `behavior`; the latest matching script wins. */
  scriptContainer(match: ContainerMatch, behavior: ContainerBehavior): void {
    this.containerScripts.push({ match, behavior });
  }

  /** ExecSync calls matching `match` answer `result`; the latest matching script wins. */
  scriptExec(match: ExecMatch, result: ExecResult): void {
    this.execScripts.push({ match, result });
  }

  /** The next `times` calls of `method` reject with `error` (before doing anything). */
  injectError(method: CriMethod, error: Error, times = 1): void {
    const list = this.injected.get(method) ?? [];
    list.push({ error, times });
    this.injected.set(method, list);
  }

  /** How many times `method` was called (including calls that failed). */
  callCount(method: CriMethod): number {
    return this.calls.get(method) ?? 0;
  }

  /** Sets a runtime condition reported by Status (e.g. NetworkReady false). */
  setCondition(type: string, status: boolean, reason = '', message = ''): void {
    this.conditions.set(type, { type, status, reason, message });
  }

  /** Makes an image present, as if pulled or loaded; `user` is its configured user ('1000', 'app'; default root). */
  addImage(ref: string, size?: number, user?: string): void {
    this.images.add(ref, size, user);
  }

  /** Lets PullImage fetch `ref`. */
  allowPull(ref: string): void {
    this.pullable.add(normalizeImageRef(ref));
  }

  /** Changes what a container's stats report from now on. */
  setUsage(containerId: string, usage: { cpuNanoCores?: number; memoryWorkingSetBytes?: number }): void {
    const c = this.mustContainer(containerId);
    this.foldCpu(c);
    if (usage.cpuNanoCores !== undefined) c.cpuNanoCores = usage.cpuNanoCores;
    if (usage.memoryWorkingSetBytes !== undefined) c.memoryBytes = usage.memoryWorkingSetBytes;
  }

  /** Ends a running container now, as if its process exited or was OOM-killed. */
  exitContainer(containerId: string, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error', message = ''): void {
    const c = this.mustContainer(containerId);
    if (c.state !== 'CONTAINER_RUNNING') throw new FailedPreconditionError(`container ${containerId} is not running`);
    this.finish(c, exitCode, reason, message);
  }

  /** The config a container was created with (what the kubelet asked for), or undefined. */
  containerConfig(containerId: string): ContainerConfig | undefined {
    return this.containers.get(containerId)?.config;
  }

  /** The config a sandbox was run with, or undefined. */
  sandboxConfig(podSandboxId: string): PodSandboxConfig | undefined {
    return this.sandboxes.get(podSandboxId)?.config;
  }

  /**
   * Stops every scripted timer and releases the sandboxes' IPs. The runtime
   * answers nothing afterwards; call it when a test or hollow node ends.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.containers.values()) this.cancelRun(c);
    for (const s of this.sandboxes.values()) this.releaseIp(s);
  }

  // ---- RuntimeService ----

  async version(_req: t.VersionRequest): Promise<t.VersionResponse> {
    this.enter('version');
    return {
      version: '0.1.0',
      runtimeName: this.opts.runtimeName ?? 'mk8s-fake',
      runtimeVersion: this.opts.runtimeVersion ?? '0.1.0',
      runtimeApiVersion: 'v1',
    };
  }

  async status(_req: t.StatusRequest): Promise<t.StatusResponse> {
    this.enter('status');
    return { status: { conditions: [...this.conditions.values()].map((c) => ({ ...c })) }, info: {} };
  }

  async runPodSandbox(req: t.RunPodSandboxRequest): Promise<t.RunPodSandboxResponse> {
    this.enter('runPodSandbox');
    const config = req.config;
    const md = config?.metadata;
    if (!md?.name || !md.uid || !md.namespace) {
      throw new InvalidArgumentError('sandbox config needs metadata with name, uid and namespace');
    }
    for (const s of this.sandboxes.values()) {
      const o = s.config.metadata;
      if (o.name === md.name && o.namespace === md.namespace && o.uid === md.uid && (o.attempt ?? 0) === (md.attempt ?? 0)) {
        throw new AlreadyExistsError(`sandbox ${md.namespace}/${md.name} attempt ${md.attempt ?? 0} already exists as ${s.id}`);
      }
    }
    const sandbox: FakeSandbox = {
      id: newId(),
      config: structuredClone(config),
      runtimeHandler: req.runtimeHandler ?? '',
      state: 'SANDBOX_READY',
      createdAt: this.nowNs(),
      // A sandbox in the node's network namespace has no address of its own.
      ip: config.linux?.securityContext?.namespaceOptions?.network === 'NODE' ? '' : this.pool.allocate(),
    };
    this.sandboxes.set(sandbox.id, sandbox);
    return { podSandboxId: sandbox.id };
  }

  async stopPodSandbox(req: t.StopPodSandboxRequest): Promise<t.StopPodSandboxResponse> {
    this.enter('stopPodSandbox');
    const s = this.mustSandbox(req.podSandboxId);
    this.stopSandbox(s);
    return {};
  }

  async removePodSandbox(req: t.RemovePodSandboxRequest): Promise<t.RemovePodSandboxResponse> {
    this.enter('removePodSandbox');
    const s = this.sandboxes.get(req.podSandboxId);
    if (!s) return {};
    this.stopSandbox(s);
    for (const c of [...this.containers.values()]) {
      if (c.sandboxId === s.id) this.containers.delete(c.id);
    }
    this.sandboxes.delete(s.id);
    return {};
  }

  async podSandboxStatus(req: t.PodSandboxStatusRequest): Promise<t.PodSandboxStatusResponse> {
    this.enter('podSandboxStatus');
    const s = this.mustSandbox(req.podSandboxId);
    return {
      status: {
        id: s.id,
        metadata: { ...s.config.metadata },
        state: s.state,
        createdAt: s.createdAt,
        network: { ip: s.ip, additionalIps: [] },
        labels: { ...s.config.labels },
        annotations: { ...s.config.annotations },
        runtimeHandler: s.runtimeHandler,
      },
      info: {},
      containersStatuses: [],
      timestamp: this.nowNs(),
    };
  }

  async listPodSandbox(req: t.ListPodSandboxRequest): Promise<t.ListPodSandboxResponse> {
    this.enter('listPodSandbox');
    const f = req.filter;
    const items: t.PodSandbox[] = [];
    for (const s of this.sandboxes.values()) {
      if (f?.id && f.id !== s.id) continue;
      if (f?.state && f.state.state !== s.state) continue;
      if (!selects(f?.labelSelector, s.config.labels)) continue;
      items.push({
        id: s.id,
        metadata: { ...s.config.metadata },
        state: s.state,
        createdAt: s.createdAt,
        labels: { ...s.config.labels },
        annotations: { ...s.config.annotations },
        runtimeHandler: s.runtimeHandler,
      });
    }
    return { items };
  }

  async createContainer(req: t.CreateContainerRequest): Promise<t.CreateContainerResponse> {
    this.enter('createContainer');
    const config = req.config;
    if (!config?.metadata?.name) throw new InvalidArgumentError('container config needs metadata.name');
    if (!config.image?.image) throw new InvalidArgumentError('container config needs image.image');
    const s = this.mustSandbox(req.podSandboxId);
    if (s.state !== 'SANDBOX_READY') throw new FailedPreconditionError(`sandbox ${s.id} is not ready`);
    const image = this.images.get(config.image.image);
    if (!image) throw new NotFoundError(`image "${config.image.image}" not found`);
    const attempt = config.metadata.attempt ?? 0;
    for (const c of this.containers.values()) {
      if (c.sandboxId === s.id && c.config.metadata.name === config.metadata.name && (c.config.metadata.attempt ?? 0) === attempt) {
        throw new AlreadyExistsError(`container ${config.metadata.name} attempt ${attempt} already exists in sandbox ${s.id} as ${c.id}`);
      }
    }
    const stored = structuredClone(config);
    const process = processContext(stored, image);
    const behavior = [...this.containerScripts].reverse().find((sc) => matchesContainer(sc.match, stored, s.config))?.behavior;
    const c: FakeContainer = {
      id: newId(),
      sandboxId: s.id,
      config: stored,
      imageRef: image.id,
      imageId: image.id,
      logPath: resolveLogPath(s.config.logDirectory, config.logPath),
      process,
      behavior,
      state: 'CONTAINER_CREATED',
      createdAt: this.nowNs(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: '',
      message: '',
      run: undefined,
      cpuNanoCores: behavior?.cpuNanoCores ?? this.opts.defaultCpuNanoCores ?? 1_000_000,
      memoryBytes: behavior?.memoryWorkingSetBytes ?? this.opts.defaultMemoryWorkingSetBytes ?? 4 * 1024 * 1024,
      cpuAccum: 0,
      cpuSince: 0,
    };
    this.containers.set(c.id, c);
    return { containerId: c.id };
  }

  async startContainer(req: t.StartContainerRequest): Promise<t.StartContainerResponse> {
    this.enter('startContainer');
    const c = this.mustContainer(req.containerId);
    if (c.state !== 'CONTAINER_CREATED') {
      throw new FailedPreconditionError(`container ${c.id} is ${c.state}, only a created container can start`);
    }
    const s = this.sandboxes.get(c.sandboxId);
    if (!s || s.state !== 'SANDBOX_READY') throw new FailedPreconditionError(`sandbox ${c.sandboxId} is not ready`);
    if (c.behavior?.failStart !== undefined) {
      this.finish(c, 128, 'StartError', c.behavior.failStart);
      throw new UnknownError(`failed to start container ${c.id}: ${c.behavior.failStart}`);
    }
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.nowNs();
    c.cpuSince = this.timer.now();
    const run: Run = { cancelled: false };
    c.run = run;
    const steps = scriptsProcess(c.behavior) ? scriptedSteps(c.behavior ?? {}) : interpret(argvOf(c.config), { unknown: 'block', process: c.process });
    // The process runs after StartContainer answers, as a real one would.
    void Promise.resolve().then(() => this.play(c, run, steps));
    return {};
  }

  async stopContainer(req: t.StopContainerRequest): Promise<t.StopContainerResponse> {
    this.enter('stopContainer');
    const c = this.mustContainer(req.containerId);
    if (c.state !== 'CONTAINER_RUNNING') return {};
    const grace = Math.max(0, req.timeout ?? 0) * 1000;
    if (grace > 0 && c.behavior?.ignoreSigterm) {
      await new Promise<void>((resolve) => this.timer.after(grace, resolve));
      if (c.state === 'CONTAINER_RUNNING') this.finish(c, 137, 'Error');
      return {};
    }
    // SIGTERM honoured at once (143), or SIGKILL without a grace period (137).
    this.finish(c, grace > 0 ? 143 : 137, 'Error');
    return {};
  }

  async removeContainer(req: t.RemoveContainerRequest): Promise<t.RemoveContainerResponse> {
    this.enter('removeContainer');
    const c = this.containers.get(req.containerId);
    if (!c) return {};
    if (c.state === 'CONTAINER_RUNNING') this.finish(c, 137, 'Error');
    this.containers.delete(c.id);
    return {};
  }

  async listContainers(req: t.ListContainersRequest): Promise<t.ListContainersResponse> {
    this.enter('listContainers');
    const f = req.filter;
    const containers: t.Container[] = [];
    for (const c of this.containers.values()) {
      if (f?.id && f.id !== c.id) continue;
      if (f?.podSandboxId && f.podSandboxId !== c.sandboxId) continue;
      if (f?.state && f.state.state !== c.state) continue;
      if (!selects(f?.labelSelector, c.config.labels)) continue;
      containers.push({
        id: c.id,
        podSandboxId: c.sandboxId,
        metadata: { ...c.config.metadata },
        image: { ...c.config.image },
        imageRef: c.imageRef,
        state: c.state,
        createdAt: c.createdAt,
        labels: { ...c.config.labels },
        annotations: { ...c.config.annotations },
        imageId: c.imageId,
      });
    }
    return { containers };
  }

  async containerStatus(req: t.ContainerStatusRequest): Promise<t.ContainerStatusResponse> {
    this.enter('containerStatus');
    return { status: this.statusOf(this.mustContainer(req.containerId)), info: {} };
  }

  async execSync(req: t.ExecSyncRequest): Promise<t.ExecSyncResponse> {
    this.enter('execSync');
    const c = this.mustContainer(req.containerId);
    if (c.state !== 'CONTAINER_RUNNING') throw new FailedPreconditionError(`container ${c.id} is not running`);
    const cmd = req.cmd ?? [];
    const limitMs = Math.max(0, req.timeout ?? 0) * 1000;
    const scripted = [...this.execScripts].reverse().find((s) => matchesExec(s.match, c.id, c.config.metadata.name, cmd))?.result;
    let stdout = '';
    let stderr = '';
    let exitCode = 0;
    let waitMs = 0;
    if (scripted) {
      waitMs = scripted.delayMs ?? 0;
      stdout = scripted.stdout ?? '';
      stderr = scripted.stderr ?? '';
      exitCode = scripted.exitCode ?? 0;
    } else {
      for (const step of interpret(cmd, { unknown: 'succeed', process: c.process })) {
        if (step.kind === 'out') {
          if (step.stream === 'stdout') stdout += step.text;
          else stderr += step.text;
        } else if (step.kind === 'sleep') waitMs += step.ms;
        else if (step.kind === 'exit') exitCode = step.code;
      }
    }
    if (limitMs > 0 && waitMs > limitMs) {
      await this.sleep(limitMs);
      throw new DeadlineExceededError(`command ${JSON.stringify(cmd)} timed out after ${req.timeout}s`);
    }
    if (waitMs > 0) await this.sleep(waitMs);
    if (scripted?.error) throw scripted.error;
    return { stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), exitCode };
  }

  async containerStats(req: t.ContainerStatsRequest): Promise<t.ContainerStatsResponse> {
    this.enter('containerStats');
    return { stats: this.statsOf(this.mustContainer(req.containerId)) };
  }

  async listContainerStats(req: t.ListContainerStatsRequest): Promise<t.ListContainerStatsResponse> {
    this.enter('listContainerStats');
    const f = req.filter;
    const stats: ContainerStats[] = [];
    for (const c of this.containers.values()) {
      if (c.state !== 'CONTAINER_RUNNING') continue;
      if (f?.id && f.id !== c.id) continue;
      if (f?.podSandboxId && f.podSandboxId !== c.sandboxId) continue;
      if (!selects(f?.labelSelector, c.config.labels)) continue;
      stats.push(this.statsOf(c));
    }
    return { stats };
  }

  // ---- ImageService ----

  async listImages(req: t.ListImagesRequest): Promise<t.ListImagesResponse> {
    this.enter('listImages');
    const want = req.filter?.image?.image;
    const images = want ? [this.images.get(want)].filter((i) => i !== undefined) : this.images.list();
    return { images: images.map((i) => structuredClone(i)) };
  }

  async imageStatus(req: t.ImageStatusRequest): Promise<t.ImageStatusResponse> {
    this.enter('imageStatus');
    const image = this.images.get(req.image?.image ?? '');
    return { image: image ? structuredClone(image) : null, info: {} };
  }

  async pullImage(req: t.PullImageRequest): Promise<t.PullImageResponse> {
    this.enter('pullImage');
    const ref = req.image?.image ?? '';
    if (!ref) throw new InvalidArgumentError('PullImage needs image.image');
    const present = this.images.get(ref);
    if (present) return { imageRef: present.id };
    if (!this.pullable.has(normalizeImageRef(ref))) {
      const host = registryHost(ref);
      // What containerd says on a host without a registry: fails at once.
      throw new UnknownError(`failed to pull image "${ref}": failed to resolve reference: dial tcp: lookup ${host}: no such host`);
    }
    if (this.opts.pullDelayMs) await this.sleep(this.opts.pullDelayMs);
    return { imageRef: this.images.add(ref).id };
  }

  async removeImage(req: t.RemoveImageRequest): Promise<t.RemoveImageResponse> {
    this.enter('removeImage');
    this.images.remove(req.image?.image ?? '');
    return {};
  }

  async imageFsInfo(_req: t.ImageFsInfoRequest): Promise<t.ImageFsInfoResponse> {
    this.enter('imageFsInfo');
    const used = this.images.list().reduce((sum, i) => sum + i.size, 0);
    return {
      imageFilesystems: [
        {
          timestamp: this.nowNs(),
          fsId: { mountpoint: '/var/lib/mk8s-fake/images' },
          usedBytes: { value: used },
          inodesUsed: { value: this.images.list().length },
        },
      ],
      containerFilesystems: [],
    };
  }

  // ---- internals ----

  private enter(method: CriMethod): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (this.closed) throw new FailedPreconditionError('fake runtime is closed');
    const list = this.injected.get(method);
    const next = list?.[0];
    if (list && next) {
      if (--next.times <= 0) list.shift();
      throw next.error;
    }
  }

  private nowNs(): number {
    return this.timer.now() * 1_000_000;
  }

  private mustSandbox(id: string): FakeSandbox {
    const s = this.sandboxes.get(id);
    if (!s) throw new NotFoundError(`pod sandbox ${JSON.stringify(id)} not found`);
    return s;
  }

  private mustContainer(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError(`container ${JSON.stringify(id)} not found`);
    return c;
  }

  private stopSandbox(s: FakeSandbox): void {
    for (const c of this.containers.values()) {
      if (c.sandboxId === s.id && c.state === 'CONTAINER_RUNNING') this.finish(c, 137, 'Error');
    }
    s.state = 'SANDBOX_NOTREADY';
    this.releaseIp(s);
  }

  private releaseIp(s: FakeSandbox): void {
    if (s.ip === '') return;
    this.pool.release(s.ip);
    s.ip = '';
  }

  /** Plays a container's steps until it exits, blocks or is stopped. */
  private async play(c: FakeContainer, run: Run, steps: Step[]): Promise<void> {
    for (const step of steps) {
      if (run.cancelled) return;
      switch (step.kind) {
        case 'out':
          await this.writeLog(c, step.stream, step.text);
          break;
        case 'sleep':
          await new Promise<void>((resolve) => {
            const handle = this.timer.after(step.ms, resolve);
            run.wake = () => {
              handle.cancel();
              resolve();
            };
          });
          run.wake = undefined;
          break;
        case 'block':
          return;
        case 'exit':
          this.finish(c, step.code, c.behavior?.reason ?? (step.code === 0 ? 'Completed' : 'Error'));
          return;
      }
    }
  }

  private async writeLog(c: FakeContainer, stream: 'stdout' | 'stderr', text: string): Promise<void> {
    if (c.logPath === '' || this.opts.writeLogs === false) return;
    try {
      await mkdir(dirname(c.logPath), { recursive: true });
      await appendFile(c.logPath, formatCriLogRecords(this.timer.now(), stream, text));
    } catch {
      // A log directory that vanished (the kubelet removed the pod) must not
      // break the pretend process; real runtimes drop such output too.
    }
  }

  private finish(c: FakeContainer, exitCode: number, reason: string, message = ''): void {
    this.foldCpu(c);
    this.cancelRun(c);
    c.state = 'CONTAINER_EXITED';
    c.finishedAt = this.nowNs();
    c.exitCode = exitCode;
    c.reason = reason;
    c.message = message;
  }

  private cancelRun(c: FakeContainer): void {
    if (!c.run) return;
    c.run.cancelled = true;
    c.run.wake?.();
    c.run = undefined;
  }

  /** Moves CPU time used so far into cpuAccum (before a rate change or exit). */
  private foldCpu(c: FakeContainer): void {
    if (c.state !== 'CONTAINER_RUNNING') return;
    const now = this.timer.now();
    c.cpuAccum += (c.cpuNanoCores * (now - c.cpuSince)) / 1000;
    c.cpuSince = now;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timer.after(ms, resolve));
  }

  private statusOf(c: FakeContainer): ContainerStatus {
    return {
      id: c.id,
      metadata: { ...c.config.metadata },
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      image: { ...c.config.image },
      imageRef: c.imageRef,
      reason: c.reason,
      message: c.message,
      labels: { ...c.config.labels },
      annotations: { ...c.config.annotations },
      mounts: structuredClone(c.config.mounts ?? []),
      logPath: c.logPath,
      resources: c.config.linux?.resources ? { linux: { ...c.config.linux.resources } } : null,
      imageId: c.imageId,
    };
  }

  private statsOf(c: FakeContainer): ContainerStats {
    const running = c.state === 'CONTAINER_RUNNING';
    const now = this.timer.now();
    const cumulative = c.cpuAccum + (running ? (c.cpuNanoCores * (now - c.cpuSince)) / 1000 : 0);
    const timestamp = now * 1_000_000;
    const limit = c.config.linux?.resources?.memoryLimitInBytes ?? 0;
    const memory = running ? c.memoryBytes : 0;
    return {
      attributes: {
        id: c.id,
        metadata: { ...c.config.metadata },
        labels: { ...c.config.labels },
        annotations: { ...c.config.annotations },
      },
      cpu: {
        timestamp,
        usageCoreNanoSeconds: { value: Math.round(cumulative) },
        usageNanoCores: { value: running ? c.cpuNanoCores : 0 },
      },
      memory: {
        timestamp,
        workingSetBytes: { value: memory },
        usageBytes: { value: memory },
        // Kept: a CRI reply (it may go through the protobuf encoder); no limit means no available_bytes at all.
        ...(limit > 0 ? { availableBytes: { value: Math.max(0, limit - memory) } } : {}),
      },
    };
  }
}

function scriptedSteps(b: ContainerBehavior): Step[] {
  const steps: Step[] = [];
  for (const line of b.stdout ?? []) steps.push({ kind: 'out', stream: 'stdout', text: `${line}\n` });
  for (const line of b.stderr ?? []) steps.push({ kind: 'out', stream: 'stderr', text: `${line}\n` });
  if (b.exitCode === undefined) {
    steps.push({ kind: 'block' });
    return steps;
  }
  if (b.runForMs && b.runForMs > 0) steps.push({ kind: 'sleep', ms: b.runForMs });
  steps.push({ kind: 'exit', code: b.exitCode });
  return steps;
}

/** Every pair of the selector is in `labels` (CRI's MatchLabels semantics). */
function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** CRI: ContainerConfig.logPath is relative to the sandbox's logDirectory. */
function resolveLogPath(logDirectory: string | undefined, logPath: string | undefined): string {
  if (!logPath) return '';
  if (logDirectory) return join(logDirectory, logPath);
  return isAbsolute(logPath) ? logPath : '';
}

/** The registry a pull would contact: the first path segment if it looks like a host, else Docker Hub. */
function registryHost(ref: string): string {
  const parts = ref.split('/');
  const first = parts[0] ?? '';
  const isHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'registry-1.docker.io';
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

/** Users the fake knows by name, as busybox's /etc/passwd lists them. */
const PASSWD: Record<string, { uid: number; gid: number }> = { root: { uid: 0, gid: 0 }, nobody: { uid: 65534, gid: 65534 } };

function capabilityName(name: string): string {
  const n = name.toUpperCase().replace(/^CAP_/, '');
  if (n !== 'ALL' && !(CAPABILITIES as readonly string[]).includes(n)) throw new InvalidArgumentError(`unknown capability ${JSON.stringify(name)}`);
  return n;
}

/**
 * Who a container's processes are, from its security context (the fake's
 * part of applying it): user and groups, capabilities (Docker's default set,
 * minus drops, plus adds; none for a non-root user), no_new_privs and a
 * read-only root. Refuses, as real runtimes do, what cannot be applied: an
 * unknown capability, a group without a user, a user name the image does
 * not have, a Localhost seccomp profile that does not exist.
 */
function processContext(config: ContainerConfig, image: t.Image): ProcessContext {
  const sc = config.linux?.securityContext;
  let uid = 0;
  let gid = 0;
  const name = sc?.runAsUsername || (!sc?.runAsUser ? (image.username ?? '') : '');
  if (sc?.runAsUser) {
    uid = sc.runAsUser.value;
  } else if (name) {
    const known = PASSWD[name];
    if (!known) throw new FailedPreconditionError(`no user ${JSON.stringify(name)} found in the image's /etc/passwd`);
    ({ uid, gid } = known);
  } else if (image.uid) {
    uid = image.uid.value;
  }
  if (sc?.runAsGroup) {
    if (!sc.runAsUser && !sc.runAsUsername)
      throw new InvalidArgumentError(`run_as_group ${sc.runAsGroup.value} is specified without run_as_user or run_as_username`);
    gid = sc.runAsGroup.value;
  }
  const seccomp = sc?.seccomp;
  if (seccomp?.profileType === 'Localhost' && !(seccomp.localhostRef && existsSync(seccomp.localhostRef))) {
    throw new InvalidArgumentError(`seccomp profile ${JSON.stringify(seccomp.localhostRef ?? '')} not found`);
  }
  const caps = new Set<string>(sc?.privileged ? CAPABILITIES : DEFAULT_CAPABILITIES);
  const add = (sc?.capabilities?.addCapabilities ?? []).map(capabilityName);
  const drop = (sc?.capabilities?.dropCapabilities ?? []).map(capabilityName);
  if (!sc?.privileged) {
    if (drop.includes('ALL')) caps.clear();
    for (const d of drop) caps.delete(d);
    for (const a of add)
      if (a === 'ALL') CAPABILITIES.forEach((x) => caps.add(x));
      else caps.add(a);
  }
  const mounts = config.mounts ?? [];
  const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
  const readOnly = (path: string): boolean => {
    const abs = path.startsWith('/') ? path : `${config.workingDir || '/'}/${path}`;
    const mount = mounts.filter((m) => under(abs, m.containerPath)).sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
    return mount ? mount.readonly === true : sc?.readonlyRootfs === true;
  };
  return {
    uid,
    gid,
    groups: [...(sc?.supplementalGroups ?? [])],
    noNewPrivs: sc?.noNewPrivs === true,
    capabilities: uid === 0 ? caps : new Set(),
    readOnly,
  };
}
