import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, type Pod, type PodStatus } from '@mk8s/api';
import type { Clientset, Clock } from '@mk8s/client';
import { isNotFound, realClock } from '@mk8s/client';
import { mountsUnder } from '@mk8s/component-base';
import type { CriRuntime } from '@mk8s/cri';
import type { BackoffOptions } from './backoff.js';
import { containerFieldPath, type EventRecorder } from '../events/recorder.js';
import type { LivenessFailureListener, ProbedContainer, ResultListener, ResultUpdate } from '../prober/index.js';
import { ANNOTATION_GRACE_PERIOD } from './labels.js';
import { silentLogger, type Logger } from '@mk8s/client';
import type { FailedProbe } from './pod-actions.js';
import { Pleg, type ExternalRuntimeEvent, type PodLifecycleEvent, type RelistResult } from './pleg.js';
import { podsWithMounts, releasePodMounts } from './subpath.js';
import { PodWorkers } from './pod-workers.js';
import { getRuntimePodStatus, type RuntimePodStatus } from './runtime-pod.js';
import { generatePodStatus, type ReadinessFn } from './status.js';
import type { ServiceLister } from './env.js';
import { StatusManager } from './status-manager.js';
import { PodSyncer, type SyncResult } from './sync-pod.js';
import { confirmDeletion, killPod, removePod } from './termination.js';

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
  log?: Logger;
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
  /**
   * The prober (ProberManager): told which containers run, asked for
   * readiness (unless `readiness` is given) and for liveness verdicts; its
   * result changes and failures are inputs of the dispatcher.
   */
  prober?: PodProber;
}

/** What the pod lifecycle needs of the prober; ProberManager has it. */
export interface PodProber {
  addPod(pod: Pod, containers: ProbedContainer[], podIP?: string): void;
  removePod(podUid: string): void;
  readiness(podUid: string, containerName: string, containerId?: string): boolean;
  failedProbe(podUid: string, containerName: string, containerId: string): FailedProbe | undefined;
  onChange(fn: ResultListener): () => void;
  onLivenessFailure(fn: LivenessFailureListener): () => void;
}

/**
 * Every input of the pod lifecycle (Kubernetes' syncLoopIteration channels),
 * handled in one place by `PodLifecycle.dispatch`:
 * - `add` / `update` / `delete`: the pod source (the informer on this node's
 *   pods); `delete` means gone from the API;
 * - `pleg`: the runtime changed under a pod (PLEG);
 * - `probe`: a probe verdict changed; `probeFailed`: a liveness or startup
 *   probe reached its failure threshold;
 * - `resync`: periodic (every pod) or asked for (one pod);
 * - `housekeeping`: after a PLEG relist, runtime pods and pod folders no pod
 *   owns any more are cleaned up.
 */
export type PodInput =
  | { type: 'add' | 'update' | 'delete'; pod: Pod }
  | { type: 'pleg'; event: PodLifecycleEvent }
  | { type: 'probe'; result: ResultUpdate }
  | { type: 'probeFailed'; podUid: string; containerName: string; containerId: string; probe: FailedProbe; message: string }
  | { type: 'resync'; podUid?: string }
  | { type: 'housekeeping'; relist: RelistResult };

const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']);
const DIR_SWEEP_PERIOD_MS = 60_000;

/**
 * The kubelet's pod lifecycle: pod workers + syncer + PLEG + status manager +
 * termination. Every input reaches it through `dispatch` (PodInput): the pod
 * source (a watch of pods with spec.nodeName=<me>), PLEG events, probe
 * results, periodic resyncs and housekeeping; `run` drives PLEG relists and
 * the periodic resync. Contracts:
 * - each pod is handled by its own worker, never twice at once, always with
 *   the newest object, in one state: syncing -> terminating -> terminated
 *   (-> forgotten), see PodWorkerState;
 * - syncing (syncPod): plan (computePodActions) and execute, then write the
 *   status; a failed liveness or startup probe is one more input of the plan,
 *   so its kill is serialised with the pod's other changes;
 * - a pod with a deletionTimestamp, or gone from the API, is terminating
 *   (syncTerminatingPod): everything is killed with its grace period, its
 *   status written if it is still in the API; then terminated
 *   (syncTerminatedPod): its containers, sandboxes and folder are removed and
 *   its deletion confirmed (DELETE grace 0, uid precondition) if it is still
 *   in the API; the worker is forgotten once the pod has left the API;
 * - runtime pods no pod owns (checked against the API server) are removed on
 *   housekeeping;
 * - what already runs is adopted: nothing running is restarted and restart
 *   counts continue from the runtime's attempt numbers.
 */
export class PodLifecycle {
  readonly workers: PodWorkers;
  readonly syncer: PodSyncer;
  readonly pleg: Pleg;
  readonly statusManager: StatusManager;
  private readonly clock: Clock;
  private readonly log: Logger;
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
      hostIP: opts.hostIP,
      backoff: opts.backoff,
      recorder: opts.recorder,
      services: opts.services,
      probeFailure: (uid, name, id) => opts.prober?.failedProbe(uid, name, id),
      log: this.log,
    });
    this.statusManager = new StatusManager({ client: opts.client, log: this.log });
    this.workers = new PodWorkers({
      sync: (pod) => this.syncPod(pod),
      syncTerminating: (pod, gone) => this.syncTerminatingPod(pod, gone),
      syncTerminated: (pod, gone) => this.syncTerminatedPod(pod, gone),
      onForget: (uid) => this.forget(uid),
      clock: this.clock,
      log: this.log,
    });
    this.pleg = new Pleg({
      runtime: opts.runtime,
      clock: this.clock,
      relistPeriodMs: opts.relistPeriodMs,
      events: opts.runtimeEvents,
      log: this.log,
    });
    this.pleg.onEvent((event) => this.dispatch({ type: 'pleg', event }));
    this.pleg.onRelist((relist) => this.dispatch({ type: 'housekeeping', relist }));
    opts.prober?.onChange((result) => this.dispatch({ type: 'probe', result }));
    opts.prober?.onLivenessFailure((podUid, containerName, containerId, message, probe) =>
      this.dispatch({ type: 'probeFailed', podUid, containerName, containerId, probe, message }),
    );
  }

  /**
   * The one entry point of every input (Kubernetes' syncLoopIteration): each
   * case says what that input does to the pods. Never throws and never waits:
   * the work happens in the pods' workers (or in the background, for
   * housekeeping).
   */
  dispatch(input: PodInput): void {
    switch (input.type) {
      case 'add':
      case 'update': {
        const { pod } = input;
        if (!this.mine(pod)) return;
        this.workers.update(pod);
        const uid = pod.metadata?.uid ?? '';
        if (pod.metadata?.deletionTimestamp) this.opts.prober?.removePod(uid);
        else this.opts.prober?.addPod(pod, runningContainers(pod), pod.status?.podIP);
        return;
      }
      case 'delete': {
        const uid = input.pod.metadata?.uid;
        if (!uid) return;
        this.opts.prober?.removePod(uid);
        this.workers.delete(input.pod);
        return;
      }
      case 'pleg':
        this.workers.resync(input.event.podUid);
        return;
      case 'probe':
        this.workers.resync(input.result.podUid);
        return;
      case 'probeFailed':
        this.recordUnhealthy(input.podUid, input.containerName, input.probe, input.message);
        this.workers.resync(input.podUid);
        return;
      case 'resync':
        for (const uid of input.podUid === undefined ? this.workers.uids() : [input.podUid]) this.workers.resync(uid);
        return;
      case 'housekeeping':
        void this.cleanupOrphans(input.relist);
        void this.cleanupPodDirs(input.relist);
        return;
    }
  }

  /** The pod source's add: `dispatch({ type: 'add', pod })`. */
  handlePodAdd(pod: Pod): void {
    this.dispatch({ type: 'add', pod });
  }

  /** The pod source's update: `dispatch({ type: 'update', pod })`. */
  handlePodUpdate(pod: Pod): void {
    this.dispatch({ type: 'update', pod });
  }

  /** The pod is gone from the API: `dispatch({ type: 'delete', pod })`; it is terminated, cleaned up and forgotten. */
  handlePodDelete(pod: Pod): void {
    this.dispatch({ type: 'delete', pod });
  }

  /** Syncs a pod again now: `dispatch({ type: 'resync', podUid })`. */
  resyncPod(uid: string): void {
    this.dispatch({ type: 'resync', podUid: uid });
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
        this.dispatch({ type: 'resync' });
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

  /** syncing: one plan-and-execute step towards the spec, then the pod's status. */
  private async syncPod(pod: Pod): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    const res = await this.syncer.sync(pod, await getRuntimePodStatus(this.opts.runtime, uid));
    await this.writeStatus(pod, await getRuntimePodStatus(this.opts.runtime, uid));
    return res;
  }

  /**
   * terminating: every container is killed (Killing events, preStop hooks,
   * the pod's termination grace period) and its sandboxes stopped; a pod
   * still in the API gets its final status.
   */
  private async syncTerminatingPod(pod: Pod, gone: boolean): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    await this.syncer.terminate(pod, await getRuntimePodStatus(this.opts.runtime, uid));
    if (!gone) await this.writeStatus(pod, await getRuntimePodStatus(this.opts.runtime, uid));
  }

  /**
   * terminated: the pod's containers, sandboxes and folder are removed; a pod
   * still in the API has its deletion confirmed, so it disappears.
   */
  private async syncTerminatedPod(pod: Pod, gone: boolean): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    await removePod(this.opts.runtime, await getRuntimePodStatus(this.opts.runtime, uid));
    await this.removePodDir(uid);
    if (gone) {
      this.log.info({ uid }, 'removed pod gone from the API');
      return;
    }
    await confirmDeletion(this.opts.client, pod);
    this.log.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` }, 'pod terminated, deletion confirmed');
  }

  /** The Unhealthy event of a probe that reached its failure threshold (the kill's Killing event comes from the plan). */
  private recordUnhealthy(podUid: string, containerName: string, probe: FailedProbe, message: string): void {
    this.log.info({ uid: podUid, container: containerName, probe, message }, 'probe failed; the pod is resynced to kill the container');
    const pod = this.workers.pod(podUid);
    if (!pod) return;
    const what = probe === 'startup' ? 'Startup' : 'Liveness';
    // The prober's message already starts with "<What> probe failed: ".
    const text = message.startsWith(`${what} probe failed: `) ? message : `${what} probe failed: ${message}`;
    this.opts.recorder?.event(pod, 'Warning', 'Unhealthy', text, containerFieldPath(pod, containerName));
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
        this.log.warn({ uid, mounts: await mountsUnder(dir) }, 'not removing the pod folder: something is still mounted under it');
        return;
      }
      await rm(dir, { recursive: true, force: true });
    } catch (err) {
      this.log.warn({ uid, error: errorMessage(err) }, 'removing the pod folder failed');
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
        this.log.info({ uid }, 'removed the folder of a gone pod');
      }
    } catch (err) {
      this.log.warn({ error: errorMessage(err) }, 'pod folder cleanup failed');
    }
  }

  private async writeStatus(pod: Pod, rs: RuntimePodStatus): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const status = generatePodStatus({
      pod: { ...pod, status: this.knownStatus(pod) },
      runtimeStatus: rs,
      now: this.clock.now(),
      runtimeName: await this.ensureRuntimeName(),
      hostIP: this.opts.hostIP,
      readiness: this.readiness,
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

  /** The pod's worker is gone for good: so is everything kept for it. */
  private forget(uid: string): void {
    this.syncer.forget(uid);
    this.statusManager.forget(uid);
  }

  /** Readiness for status: the given function, else the prober's, else running = ready. */
  private get readiness(): ReadinessFn | undefined {
    const prober = this.opts.prober;
    return this.opts.readiness ?? (prober ? (uid, name, id) => prober.readiness(uid, name, id) : undefined);
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
        await killPod(this.opts.runtime, rs, graces.length > 0 ? Math.min(...graces) : 30, this.clock);
        await removePod(this.opts.runtime, await getRuntimePodStatus(this.opts.runtime, uid));
        await this.removePodDir(uid);
        this.log.info({ uid, pod: `${ref.namespace}/${ref.name}` }, 'removed orphaned pod');
      } catch (err) {
        this.log.warn({ uid, error: errorMessage(err) }, 'orphan cleanup failed');
      } finally {
        this.cleaning.delete(uid);
      }
    }
  }
}

/** Containers the pod's status reports running, with their runtime ids, for the prober. */
function runningContainers(pod: Pod): ProbedContainer[] {
  const out: ProbedContainer[] = [];
  for (const cs of pod.status?.containerStatuses ?? []) {
    const running = cs.state?.running;
    if (!running || !cs.containerID) continue;
    const id = cs.containerID.includes('://') ? cs.containerID.slice(cs.containerID.indexOf('://') + 3) : cs.containerID;
    out.push({ name: cs.name, containerId: id, startedAt: running.startedAt ? Date.parse(running.startedAt) : Date.now() });
  }
  return out;
}
