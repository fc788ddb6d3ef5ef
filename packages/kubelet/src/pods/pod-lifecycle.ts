import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, PodStatus } from '@mk8s/api';
import type { Clientset, Clock } from '@mk8s/client';
import { isNotFound, realClock } from '@mk8s/client';
import { mountsUnder } from '@mk8s/component-base';
import type { CriRuntime } from '@mk8s/cri';
import type { BackoffOptions } from './backoff.js';
import { containerFieldPath, type EventRecorder } from '../events/recorder.js';
import { ANNOTATION_GRACE_PERIOD } from './labels.js';
import { silentLogger, type PodLogger } from './logger.js';
import { Pleg, type ExternalRuntimeEvent, type RelistResult } from './pleg.js';
import { podsWithMounts, releasePodMounts } from './subpath.js';
import { PodWorkers } from './pod-workers.js';
import { getRuntimePodStatus, type RuntimePodStatus } from './runtime-pod.js';
import { generatePodStatus, type ReadinessFn } from './status.js';
import type { ServiceLister } from './env.js';
import { StatusManager } from './status-manager.js';
import { PodSyncer, type SyncResult } from './sync-pod.js';
import { confirmDeletion, killPod, removePod, terminationGraceSeconds } from './termination.js';

export interface PodLifecycleOptions {
  client: Clientset;
  runtime: CriRuntime;
  nodeName: string;
  /** The kubelet's root directory; container logs go to `<rootDir>/pods/<uid>/<container>/<attempt>.log`. */
  rootDir: string;
  clock?: Clock;
  /** Readiness of running containers (the prober); default: running = ready. */
  readiness?: ReadinessFn;
  /** CrashLoopBackOff and image pull backoff (default 10 s doubling to 300 s, reset after 10 min). */
  backoff?: Partial<BackoffOptions>;
  log?: PodLogger;
  /** The node's IP, reported as status.hostIP and usable by fieldRef status.hostIP. */
  hostIP?: string;
  /** PLEG relist period (default 1 s). */
  relistPeriodMs?: number;
  /** Every known pod is synced this often regardless of events (default 10 s). */
  resyncPeriodMs?: number;
  /** Runtime events (e.g. DockerRuntime.events()) that make PLEG relist at once. */
  runtimeEvents?: AsyncIterable<ExternalRuntimeEvent>;
  /** Records pod Events (Pulled, Created, Started, BackOff...). */
  recorder?: EventRecorder;
  /** Services for containers' `<SVC>_SERVICE_HOST`/`_PORT` variables; without it there are none. */
  services?: ServiceLister;
}

const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']);
const DIR_SWEEP_PERIOD_MS = 60_000;

/**
 * The kubelet's pod lifecycle: pod workers + syncer + PLEG + status manager +
 * termination. The pod source (a watch of pods with spec.nodeName=<me>) calls
 * handlePodAdd/Update/Delete; `run` drives PLEG relists, periodic resyncs and
 * orphan cleanup. Contracts:
 * - each pod is synced by its own worker, never twice at once, always with
 *   the newest object; runtime changes (PLEG) and backoff ends resync it;
 * - a pod with a deletionTimestamp is killed with its grace period, its
 *   sandboxes removed, and its deletion confirmed (DELETE grace 0, uid
 *   precondition); a pod gone from the API (handlePodDelete) is killed and
 *   removed; runtime pods no pod owns (checked against the API server) are
 *   removed on relist;
 * - what already runs is adopted: nothing running is restarted and restart
 *   counts continue from the runtime's attempt numbers.
 */
export class PodLifecycle {
  readonly workers: PodWorkers;
  readonly syncer: PodSyncer;
  readonly pleg: Pleg;
  readonly statusManager: StatusManager;
  private readonly clock: Clock;
  private readonly log: PodLogger;
  private readonly gone = new Set<string>();
  private readonly cleaning = new Set<string>();
  private runtimeName: string | undefined;
  private lastDirSweep: number | undefined;

  constructor(private readonly opts: PodLifecycleOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? silentLogger;
    this.syncer = new PodSyncer({
      runtime: opts.runtime,
      client: opts.client,
      rootDir: opts.rootDir,
      clock: this.clock,
      ...(opts.hostIP ? { hostIP: opts.hostIP } : {}),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      ...(opts.recorder ? { recorder: opts.recorder } : {}),
      ...(opts.services ? { services: opts.services } : {}),
      log: this.log,
    });
    this.statusManager = new StatusManager({ client: opts.client, log: this.log });
    this.workers = new PodWorkers({ sync: (pod) => this.syncPod(pod), clock: this.clock, log: this.log });
    this.pleg = new Pleg({
      runtime: opts.runtime,
      clock: this.clock,
      ...(opts.relistPeriodMs ? { relistPeriodMs: opts.relistPeriodMs } : {}),
      ...(opts.runtimeEvents ? { events: opts.runtimeEvents } : {}),
      log: this.log,
    });
    this.pleg.onEvent((e) => this.workers.resync(e.podUid));
    this.pleg.onRelist((r) => {
      void this.cleanupOrphans(r);
      void this.cleanupPodDirs(r);
    });
  }

  handlePodAdd(pod: Pod): void {
    if (!this.mine(pod)) return;
    this.gone.delete(pod.metadata?.uid ?? '');
    this.workers.update(pod);
  }

  handlePodUpdate(pod: Pod): void {
    this.handlePodAdd(pod);
  }

  /** The pod is gone from the API: its containers are killed and removed, then its worker ends. */
  handlePodDelete(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (!uid) return;
    this.gone.add(uid);
    this.workers.update(pod);
  }

  /** Syncs a pod again now (e.g. the prober saw its readiness change). */
  resyncPod(uid: string): void {
    this.workers.resync(uid);
  }

  /** Resolves when no pod sync runs or waits to run. For tests and shutdown. */
  idle(): Promise<void> {
    return this.workers.idle();
  }

  /** PLEG, periodic resync and orphan cleanup until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.ensureRuntimeName();
    const resync = async (): Promise<void> => {
      const period = this.opts.resyncPeriodMs ?? 10_000;
      while (!signal.aborted) {
        try {
          await this.clock.sleep(period, signal);
        } catch {
          return;
        }
        for (const uid of this.workers.uids()) this.workers.resync(uid);
      }
    };
    await Promise.all([this.pleg.run(signal), resync()]);
    // No backoff timer may outlive the kubelet (it would hold the process open).
    this.workers.stop();
  }

  private mine(pod: Pod): boolean {
    return !!pod.metadata?.uid && pod.spec?.nodeName === this.opts.nodeName;
  }

  private async ensureRuntimeName(): Promise<string> {
    this.runtimeName ??= (await this.opts.runtime.version({})).runtimeName;
    return this.runtimeName;
  }

  /** The pod worker's sync function. */
  private async syncPod(pod: Pod): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    const runtime = this.opts.runtime;
    const rs = await getRuntimePodStatus(runtime, uid);
    if (this.gone.has(uid)) {
      this.recordKilling(pod, rs);
      await killPod(runtime, rs, terminationGraceSeconds(pod), pod, this.clock);
      await removePod(runtime, await getRuntimePodStatus(runtime, uid));
      await this.removePodDir(uid);
      this.forget(uid);
      this.workers.remove(uid);
      this.log.info('removed pod gone from the API', { uid });
      return {};
    }
    if (pod.metadata?.deletionTimestamp) {
      this.recordKilling(pod, rs);
      await killPod(runtime, rs, terminationGraceSeconds(pod), pod, this.clock);
      await this.writeStatus(pod, await getRuntimePodStatus(runtime, uid));
      await removePod(runtime, await getRuntimePodStatus(runtime, uid));
      await this.removePodDir(uid);
      await confirmDeletion(this.opts.client, pod);
      this.log.info('pod terminated, deletion confirmed', { pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
      return {};
    }
    const res = await this.syncer.sync(pod, rs);
    await this.writeStatus(pod, await getRuntimePodStatus(runtime, uid));
    return res;
  }

  /** A Killing event per running container of a pod being stopped, as Kubernetes records them. */
  private recordKilling(pod: Pod, rs: RuntimePodStatus): void {
    for (const c of rs.containers) {
      if (c.state !== 'CONTAINER_RUNNING') continue;
      this.opts.recorder?.event(pod, 'Normal', 'Killing', `Stopping container ${c.metadata.name}`, containerFieldPath(pod, c.metadata.name));
    }
  }

  /**
   * The pod's folder (logs and volumes) goes with the pod. Only a uid-named
   * folder under rootDir/pods is removed, after its mount points (subPaths,
   * Secret tmpfs) are unmounted, and never while anything is still mounted under it (a
   * recursive delete would go through the mount into the volume).
   */
  private async removePodDir(uid: string): Promise<void> {
    if (!/^[A-Za-z0-9-]+$/.test(uid)) return;
    const dir = join(this.opts.rootDir, 'pods', uid);
    try {
      if (!(await releasePodMounts(dir))) {
        this.log.warn('not removing the pod folder: something is still mounted under it', { uid, mounts: await mountsUnder(dir) });
        return;
      }
      await rm(dir, { recursive: true, force: true });
    } catch (err) {
      this.log.warn('removing the pod folder failed', { uid, error: (err as Error).message });
    }
  }

  /**
   * Leftovers of pods that are gone (the kubelet was down or failed while
   * removing them): pod folders with mount points, of pods that have
   * no worker, no runtime pod, and are not on this node in the API, are
   * unmounted and removed. At most once a minute, from the first relist on.
   */
  private async cleanupPodDirs(r: RelistResult): Promise<void> {
    const now = this.clock.now();
    if (this.lastDirSweep !== undefined && now - this.lastDirSweep < DIR_SWEEP_PERIOD_MS) return;
    this.lastDirSweep = now;
    try {
      const candidates = (await podsWithMounts(this.opts.rootDir)).filter((uid) => !this.workers.has(uid) && !r.pods.has(uid) && !this.cleaning.has(uid));
      if (candidates.length === 0) return;
      const onNode = await this.opts.client.pods.list({ fieldSelector: `spec.nodeName=${this.opts.nodeName}` });
      const known = new Set(onNode.items.map((p) => p.metadata?.uid));
      for (const uid of candidates) {
        if (known.has(uid) || this.workers.has(uid) || this.cleaning.has(uid)) continue;
        await this.removePodDir(uid);
        this.log.info('removed the folder of a gone pod', { uid });
      }
    } catch (err) {
      this.log.warn('pod folder cleanup failed', { error: (err as Error).message });
    }
  }

  private async writeStatus(pod: Pod, rs: RuntimePodStatus): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const status = generatePodStatus({
      pod: { ...pod, status: this.knownStatus(pod) },
      runtimeStatus: rs,
      now: this.clock.now(),
      runtimeName: await this.ensureRuntimeName(),
      ...(this.opts.hostIP ? { hostIP: this.opts.hostIP } : {}),
      ...(this.opts.readiness ? { readiness: this.opts.readiness } : {}),
      waiting: (name) => this.syncer.waitingReason(uid, name),
    });
    await this.statusManager.setPodStatus(pod, status);
  }

  /**
   * The pod's status as best known: the informer's copy may lag behind what
   * this kubelet last wrote, so kubelet-owned fields come from the last write.
   */
  private knownStatus(pod: Pod): PodStatus {
    const api = pod.status ?? {};
    const mine = this.statusManager.getPodStatus(pod.metadata?.uid ?? '');
    if (!mine) return api;
    const conditions = [
      ...(mine.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type)),
      ...(api.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)),
    ];
    return { ...api, ...mine, conditions };
  }

  private forget(uid: string): void {
    this.syncer.forget(uid);
    this.statusManager.forget(uid);
    this.gone.delete(uid);
  }

  /**
   * Removes runtime pods no pod object owns any more (deleted while the
   * kubelet was down, or force-deleted). A uid without a worker is checked
   * against the API server first, so a pod the watch has not delivered yet
   * is left alone.
   */
  private async cleanupOrphans(r: RelistResult): Promise<void> {
    for (const [uid, ref] of r.pods) {
      if (this.workers.has(uid) || this.cleaning.has(uid)) continue;
      this.cleaning.add(uid);
      try {
        let exists = false;
        try {
          const p = await this.opts.client.pods.inNamespace(ref.namespace).get(ref.name);
          exists = p.metadata?.uid === uid;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        if (exists || this.workers.has(uid)) continue;
        const rs = await getRuntimePodStatus(this.opts.runtime, uid);
        const graces = rs.containers.map((c) => Number(c.annotations[ANNOTATION_GRACE_PERIOD])).filter((g) => Number.isFinite(g) && g >= 0);
        await killPod(this.opts.runtime, rs, graces.length > 0 ? Math.min(...graces) : 30);
        await removePod(this.opts.runtime, await getRuntimePodStatus(this.opts.runtime, uid));
        await this.removePodDir(uid);
        this.log.info('removed orphaned pod', { uid, pod: `${ref.namespace}/${ref.name}` });
      } catch (err) {
        this.log.warn('orphan cleanup failed', { uid, error: (err as Error).message });
      } finally {
        this.cleaning.delete(uid);
      }
    }
  }
}
