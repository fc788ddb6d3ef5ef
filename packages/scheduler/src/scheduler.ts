/**
 * The Scheduler: watches pods and nodes, keeps the queue and the cache
 * current, and runs one scheduling cycle after another:
 *
 *   pop -> PreFilter/Filter/Score (synchronous, on the cache as it is) ->
 *   assume in the cache -> bind through `pods/binding` asynchronously
 *
 * so the next pod is being placed while the previous bind is in flight,
 * and sees it. A failed bind forgets the assumed pod and retries with
 * backoff (a 409 is dropped: the pod is already bound, gone or replaced,
 * and the informer reports what it is now). A pod that fits nowhere gets a
 * `FailedScheduling` Warning event and a `PodScheduled=False` condition
 * (reason `Unschedulable`) saying why, and waits in the unschedulable queue.
 *
 * Event handlers only move pods between queues and keep the cache: the
 * decision is always taken in the cycle, from current state.
 *
 * Only pods for this profile's scheduler name (or none), without a node,
 * not terminal and not being deleted are scheduled. A restarted scheduler
 * is safe: bound pods are never picked up again, and a bind of an already
 * bound pod fails with 409.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { deepEqual, errorMessage, isPodTerminal, metaTime, type Node, type Pod } from '@mk8s/api';
import {
  ApiEventRecorder,
  SharedInformerFactory,
  deletedObject,
  isConflict,
  isNotFound,
  listerWatchersFor,
  realClock,
  type Clientset,
  type Clock,
  type EventRecorder,
  type SharedInformer,
  silentLogger,
  type Logger,
} from '@mk8s/client';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { SchedulerCache } from './cache/scheduler-cache.js';
import { buildFramework, resolveConfig, type ResolvedConfig, type SchedulerConfiguration } from './config.js';
import { FitError } from './framework/fit-error.js';
import type { Framework } from './framework/framework.js';
import { newPodInfo, podKey, type PodInfo } from './framework/pod-info.js';
import { SchedulerMetrics } from './metrics.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue/scheduling-queue.js';
import { NoNodesAvailableError, PodScheduler } from './schedule-pod.js';

export interface SchedulerOptions {
  client: Clientset;
  /** The configuration file's contents; defaults for everything missing. */
  config?: SchedulerConfiguration;
  /** Shares informers with other loops of the process; a private factory by default. */
  informerFactory?: SharedInformerFactory;
  clock?: Clock;
  /** Where metrics are registered; by default a private registry, with the process metrics. */
  registry?: Registry;
  /**
   * Where Events are written; default through `eventClient`, as component
   * `default-scheduler` (the profile's scheduler name).
   */
  recorder?: EventRecorder;
  /**
   * The client for Events, default `client`. kube-scheduler uses a separate
   * one (own connections and rate limit), so event writes never hold up binds.
   */
  eventClient?: Clientset;
  log?: Logger;
  /** Tie-breaking among equally scored nodes; default Math.random. */
  random?: () => number;
  /** Bind requests allowed in flight at once before the loop waits (default 128). */
  maxInFlightBinds?: number;
  /** Longest run of synchronous scheduling cycles before yielding to I/O (default 10 ms). */
  yieldAfterMs?: number;
}

export class Scheduler {
  readonly config: ResolvedConfig;
  readonly queue: SchedulingQueue;
  readonly cache = new SchedulerCache();
  readonly framework: Framework;
  readonly metrics: SchedulerMetrics;
  readonly registry: Registry;
  private readonly client: Clientset;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly recorder: EventRecorder;
  private readonly factory: SharedInformerFactory;
  private readonly podScheduler: PodScheduler;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly maxInFlightBinds: number;
  private readonly yieldAfterMs: number;
  private readonly binds = new Set<Promise<void>>();
  private slotWaiter: (() => void) | undefined;
  private synced = false;

  constructor(opts: SchedulerOptions) {
    this.client = opts.client;
    this.config = resolveConfig(opts.config);
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? silentLogger;
    this.framework = buildFramework(this.config);
    this.queue = new SchedulingQueue({
      clock: this.clock,
      initialBackoffMs: this.config.initialBackoffMs,
      maxBackoffMs: this.config.maxBackoffMs,
      maxUnschedulableMs: this.config.maxUnschedulableMs,
    });
    this.podScheduler = new PodScheduler(this.framework, this.cache, this.config.percentageOfNodesToScore, opts.random);
    if (opts.registry) this.registry = opts.registry;
    else collectDefaultMetrics({ register: (this.registry = new Registry()) });
    this.metrics = new SchedulerMetrics(this.registry, this.config.schedulerName, () => this.queue.lengths());
    this.recorder =
      opts.recorder ??
      new ApiEventRecorder({
        client: opts.eventClient ?? this.client,
        component: this.config.schedulerName,
        clock: this.clock,
        log: { warn: (o, m) => this.log.warn(o, m) },
      });
    this.factory = opts.informerFactory ?? new SharedInformerFactory(listerWatchersFor(this.client), { clock: this.clock, logger: this.log });
    this.maxInFlightBinds = opts.maxInFlightBinds ?? 128;
    this.yieldAfterMs = opts.yieldAfterMs ?? 10;
    this.podInformer = this.factory.informerFor<Pod>('pods');
    this.nodeInformer = this.factory.informerFor<Node>('nodes');
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (oldPod, pod) => this.onPodUpdate(oldPod, pod),
      onDelete: (obj) => this.onPodDelete(deletedObject(obj)),
    });
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.moveAllToActiveOrBackoff('NodeAdd');
      },
      onUpdate: (oldNode, node) => {
        this.cache.updateNode(node);
        if (schedulingPropertiesChanged(oldNode, node)) this.queue.moveAllToActiveOrBackoff('NodeUpdate');
      },
      onDelete: (obj) => this.cache.removeNode(deletedObject(obj)),
    });
  }

  /** True once the pod and node caches have synced (readiness). */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Schedules until `signal` aborts; resolves after in-flight binds have
   * settled. Starts the informers (of its own factory, or of the shared one).
   */
  async run(signal: AbortSignal): Promise<void> {
    this.factory.start(signal);
    if (!(await this.factory.waitForCacheSync(signal))) return;
    this.synced = true;
    this.log.info(
      { profile: this.config.schedulerName, nodes: this.cache.nodeCount, filter: this.config.filter, score: this.config.score },
      'scheduler started',
    );
    const queueDone = this.queue.run(signal);
    try {
      await this.loop(signal);
    } finally {
      await queueDone;
      await Promise.allSettled([...this.binds]);
    }
  }

  /** Whether this scheduler should place the pod now. */
  responsibleFor(pod: Pod): boolean {
    const name = pod.spec?.schedulerName;
    if (name && name !== this.config.schedulerName) return false;
    return !pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && !isPodTerminal(pod);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let sliceStart = performance.now();
    while (!signal.aborted) {
      let q = this.queue.tryPop();
      if (!q) {
        q = await this.queue.pop();
        if (!q) return;
        sliceStart = performance.now();
      }
      try {
        this.scheduleOne(q);
      } catch (err) {
        // A bug, not a verdict on the pod: keep scheduling others, retry this one later.
        this.log.error({ pod: q.key, err: errorMessage(err) }, 'scheduling cycle threw');
        this.queue.addBackoff(q);
      }
      if (this.binds.size >= this.maxInFlightBinds) {
        await new Promise<void>((resolve) => (this.slotWaiter = resolve));
        sliceStart = performance.now();
      } else if (performance.now() - sliceStart > this.yieldAfterMs) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
  }

  /** One scheduling cycle, synchronous up to the bind it starts. */
  scheduleOne(q: QueuedPodInfo): void {
    const pod = q.pod;
    const uid = pod.metadata?.uid ?? '';
    if (!this.responsibleFor(pod) || this.cache.isAssumed(uid)) {
      this.queue.done(q.key);
      return;
    }
    const start = performance.now();
    const info = newPodInfo(pod);
    let nodeName: string;
    try {
      nodeName = this.podScheduler.schedule(info).nodeName;
    } catch (err) {
      this.metrics.algorithmDuration(performance.now() - start);
      this.onFailure(q, err, start);
      return;
    }
    this.metrics.algorithmDuration(performance.now() - start);
    this.cache.assumePod(info, nodeName);
    const bind = this.bind(q, info, nodeName, start);
    this.binds.add(bind);
    void bind.finally(() => {
      this.binds.delete(bind);
      const w = this.slotWaiter;
      this.slotWaiter = undefined;
      w?.();
    });
  }

  private async bind(q: QueuedPodInfo, info: PodInfo, nodeName: string, start: number): Promise<void> {
    const ns = info.pod.metadata?.namespace ?? 'default';
    const name = info.pod.metadata?.name ?? '';
    try {
      await this.client.pods.bind(ns, name, nodeName, info.pod.metadata?.uid ? { uid: info.pod.metadata.uid } : {});
    } catch (err) {
      this.cache.forgetPod(info.uid);
      // The resources assumed for this pod are free again.
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      this.metrics.attempt('error', performance.now() - start);
      if (isConflict(err) || isNotFound(err)) {
        // Already bound (e.g. by a previous scheduler instance), deleted or replaced: the informer says what it is now.
        this.log.info({ pod: q.key, node: nodeName, err: errorMessage(err) }, 'bind refused; dropping the assumed pod');
        this.queue.done(q.key);
        this.requeueIfPending(q.key);
      } else {
        this.log.warn({ pod: q.key, node: nodeName, err: errorMessage(err) }, 'bind failed; retrying with backoff');
        this.recorder.event(info.pod, 'Warning', 'FailedScheduling', `Binding rejected: ${errorMessage(err)}`);
        this.queue.addBackoff(q);
      }
      return;
    }
    const now = performance.now();
    this.metrics.attempt('scheduled', now - start);
    if (q.initialAttemptTimestamp !== undefined) this.metrics.podScheduled(q.attempts, this.clock.now() - q.initialAttemptTimestamp);
    this.queue.done(q.key);
    this.recorder.event(info.pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
    this.log.debug({ pod: q.key, node: nodeName }, 'bound');
  }

  private onFailure(q: QueuedPodInfo, err: unknown, start: number): void {
    const unschedulable = err instanceof FitError || err instanceof NoNodesAvailableError;
    const message = errorMessage(err);
    this.metrics.attempt(unschedulable ? 'unschedulable' : 'error', performance.now() - start);
    if (unschedulable) {
      this.queue.addUnschedulable(q);
      this.log.debug({ pod: q.key, reason: message }, 'unschedulable');
    } else {
      this.queue.addBackoff(q);
      this.log.error({ pod: q.key, err: message }, 'scheduling attempt failed');
    }
    this.recorder.event(q.pod, 'Warning', 'FailedScheduling', message);
    this.setPodScheduledFalse(q.pod, unschedulable ? 'Unschedulable' : 'SchedulerError', message);
  }

  /** Writes PodScheduled=False through pods/status, unless the pod already says exactly that. */
  private setPodScheduledFalse(pod: Pod, reason: string, message: string): void {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === reason && current.message === message) return;
    const now = metaTime(this.clock.now());
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null,
      lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : now,
    };
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    this.client.pods
      .inNamespace(ns)
      .patch(name, { status: { conditions: [condition] } }, 'strategic', { status: true })
      .catch((err: unknown) => {
        if (!isNotFound(err)) this.log.warn({ pod: `${ns}/${name}`, err: errorMessage(err) }, 'updating the PodScheduled condition failed');
      });
  }

  private requeueIfPending(key: string): void {
    const pod = this.podInformer.lister.get(key);
    if (pod && this.responsibleFor(pod) && !this.cache.isAssumed(pod.metadata?.uid ?? '')) this.queue.add(pod);
  }

  // Event handlers: keep the cache, move pods between queues; never decide.

  private onPodAdd(pod: Pod): void {
    if (pod.spec?.nodeName) this.cache.addPod(pod);
    else if (this.responsibleFor(pod)) this.queue.add(pod);
  }

  private onPodUpdate(oldPod: Pod, pod: Pod): void {
    if (pod.spec?.nodeName) {
      const freed = isPodTerminal(pod) && !isPodTerminal(oldPod);
      this.cache.updatePod(pod);
      if (!oldPod.spec?.nodeName) this.queue.delete(pod);
      if (freed) this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      return;
    }
    if (!this.responsibleFor(pod)) {
      this.queue.delete(pod);
      return;
    }
    if (this.cache.isAssumed(pod.metadata?.uid ?? '')) return; // our bind is in flight
    this.queue.update(pod, schedulingRelevantChange(oldPod, pod));
  }

  private onPodDelete(pod: Pod): void {
    const wasOnNode = this.cache.isAssumed(pod.metadata?.uid ?? '') || !!pod.spec?.nodeName;
    this.cache.removePod(pod);
    this.queue.delete(podKey(pod));
    if (wasOnNode) this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
  }
}

/** A pending pod's change that may change where it fits: its spec or labels (not status, not resourceVersion). */
function schedulingRelevantChange(oldPod: Pod, pod: Pod): boolean {
  if (oldPod === pod) return false;
  return !deepEqual(oldPod.spec, pod.spec) || !deepEqual(oldPod.metadata?.labels, pod.metadata?.labels);
}

/** A node change that may let pending pods fit: not heartbeats. */
function schedulingPropertiesChanged(oldNode: Node, node: Node): boolean {
  if (oldNode === node) return false;
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    oldNode.spec?.unschedulable !== node.spec?.unschedulable ||
    ready(oldNode) !== ready(node) ||
    !deepEqual(oldNode.spec?.taints, node.spec?.taints) ||
    !deepEqual(oldNode.metadata?.labels, node.metadata?.labels) ||
    !deepEqual(oldNode.status?.allocatable, node.status?.allocatable)
  );
}
