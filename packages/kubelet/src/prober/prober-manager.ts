/**
 * The kubelet's probe manager (Kubernetes' pkg/kubelet/prober/prober_manager.go):
 * one ProbeWorker per probe per running container, a shared results cache,
 * and the answers the status manager needs (ready? started?) plus the
 * liveness verdict the pod's planner acts on (failedProbe: kill the container,
 * restart it per policy). The prober itself never touches a container: a
 * result change (onChange) and a failure threshold (onLivenessFailure) are
 * inputs of the pod lifecycle, which resyncs the pod.
 *
 * The kubelet tells it which containers are running with addPod (called on
 * every sync; idempotent) and forgets pods with removePod. A container absent
 * from the latest addPod call is not running: its workers stop and it is
 * neither started nor ready.
 */
import type { Logger } from '@mk8s/client';
import type { Container, Pod } from '@mk8s/api';
import { realClock, type Clock } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { ProbeWorker } from './probe-worker.js';
import { ProbeResults, type ProbeResult, type ProbeType, type ResultListener } from './results.js';

export interface ProberManagerOptions {
  runtime: CriRuntime;
  clock?: Clock;
  log?: Logger;
}

/** A running container instance as the kubelet sees it. */
export interface ProbedContainer {
  name: string;
  containerId: string;
  /** When it started, ms since the epoch (initialDelaySeconds counts from here). */
  startedAt: number;
}

/**
 * A liveness (or startup) probe reached its failure threshold: the kubelet
 * records Unhealthy and resyncs the pod, whose plan kills the container (and
 * restarts it per restartPolicy). Fired once per container ID, after the
 * failure is in the results (failedProbe says so).
 */
export type LivenessFailureListener = (podUid: string, containerName: string, containerId: string, message: string, type: 'liveness' | 'startup') => void;

interface ContainerEntry {
  containerId: string;
  workers: Map<ProbeType, ProbeWorker>;
}

interface PodEntry {
  podIP: string | undefined;
  containers: Map<string, ContainerEntry>;
}

const PROBE_FIELDS: ReadonlyArray<[ProbeType, 'startupProbe' | 'livenessProbe' | 'readinessProbe']> = [
  ['startup', 'startupProbe'],
  ['liveness', 'livenessProbe'],
  ['readiness', 'readinessProbe'],
];

export class ProberManager {
  /** The verdicts, for callers that want more than readiness()/isStarted(). */
  readonly results = new ProbeResults();
  private readonly runtime: CriRuntime;
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly pods = new Map<string, PodEntry>();
  private readonly livenessListeners = new Set<LivenessFailureListener>();
  private stopped = false;

  constructor(opts: ProberManagerOptions) {
    this.runtime = opts.runtime;
    this.clock = opts.clock ?? realClock;
    this.log = opts.log;
    // Once a container has started, check readiness at once rather than a period later.
    this.results.onChange((u) => {
      if (u.type !== 'startup' || u.result !== 'success') return;
      const c = this.pods.get(u.podUid)?.containers.get(u.containerName);
      if (c?.containerId === u.containerId) c.workers.get('readiness')?.trigger();
    });
  }

  /**
   * Declares the pod's running containers (those of spec.containers; others
   * are ignored). Idempotent: containers whose ID is unchanged keep their
   * workers; a new ID replaces the workers (fresh thresholds, results reset
   * to their initial values); a container no longer listed stops being probed.
   */
  addPod(pod: Pod, containers: ProbedContainer[], podIP?: string): void {
    if (this.stopped) return;
    const podUid = pod.metadata?.uid;
    if (!podUid) throw new Error('ProberManager.addPod: pod has no metadata.uid');
    const specs = new Map<string, Container>((pod.spec?.containers ?? []).map((c) => [c.name, c]));
    let entry = this.pods.get(podUid);
    if (!entry) this.pods.set(podUid, (entry = { podIP, containers: new Map() }));
    if (podIP) entry.podIP = podIP;

    const listed = new Map<string, ProbedContainer>();
    for (const c of containers) if (specs.has(c.name)) listed.set(c.name, c);

    for (const [name, existing] of entry.containers) {
      if (listed.get(name)?.containerId !== existing.containerId) this.dropContainer(podUid, entry, name);
    }
    for (const [name, running] of listed) {
      if (entry.containers.has(name)) continue;
      const spec = specs.get(name)!;
      const ce: ContainerEntry = { containerId: running.containerId, workers: new Map() };
      entry.containers.set(name, ce);
      for (const [type, field] of PROBE_FIELDS) {
        const probe = spec[field];
        if (!probe) continue;
        const podEntry = entry;
        ce.workers.set(
          type,
          new ProbeWorker({
            type,
            podUid,
            container: spec,
            probe,
            containerId: running.containerId,
            startedAt: running.startedAt,
            podIP: () => podEntry.podIP,
            runtime: this.runtime,
            clock: this.clock,
            results: this.results,
            started: () => this.isStarted(podUid, name),
            onFailureThreshold: type === 'readiness' ? undefined : (message) => this.emitLivenessFailure(podUid, name, running.containerId, message, type),
            log: this.log,
          }),
        );
      }
      // Start after all workers exist, so the startup gate sees the startup worker.
      for (const w of ce.workers.values()) w.start();
    }
  }

  /** Stops every worker of the pod and forgets its results. */
  removePod(podUid: string): void {
    const entry = this.pods.get(podUid);
    if (!entry) return;
    for (const name of [...entry.containers.keys()]) this.dropContainer(podUid, entry, name);
    this.pods.delete(podUid);
    this.results.removePod(podUid);
  }

  /**
   * containerStatuses[].started: running, and its startup probe (if any) has
   * succeeded for this container ID.
   */
  isStarted(podUid: string, containerName: string): boolean {
    const c = this.pods.get(podUid)?.containers.get(containerName);
    if (!c) return false;
    if (!c.workers.has('startup')) return true;
    return this.resultFor(podUid, containerName, c.containerId, 'startup') === 'success';
  }

  /**
   * containerStatuses[].ready: started, and either without a readiness probe
   * or with one whose current verdict for this container ID is success. With
   * `containerId`, a container the prober does not follow yet (just
   * restarted: it learns of it from the next pod update) is not ready.
   */
  readiness(podUid: string, containerName: string, containerId?: string): boolean {
    const c = this.pods.get(podUid)?.containers.get(containerName);
    if (!c || !this.isStarted(podUid, containerName)) return false;
    if (containerId !== undefined && c.containerId !== containerId) return false;
    if (!c.workers.has('readiness')) return true;
    return this.resultFor(podUid, containerName, c.containerId, 'readiness') === 'success';
  }

  /**
   * The probe that condemns this container instance, if any: its startup or
   * liveness probe reached its failure threshold (Kubernetes' startupManager
   * and livenessManager verdicts). The pod's planner then kills it, with the
   * pod's or the probe's grace period, and the restart policy decides the rest.
   */
  failedProbe(podUid: string, containerName: string, containerId: string): 'liveness' | 'startup' | undefined {
    if (this.resultFor(podUid, containerName, containerId, 'startup') === 'failure') return 'startup';
    if (this.resultFor(podUid, containerName, containerId, 'liveness') === 'failure') return 'liveness';
    return undefined;
  }

  /** Every result change (all three probe types); returns the unsubscribe function. */
  onChange(fn: ResultListener): () => void {
    return this.results.onChange(fn);
  }

  /** Returns the unsubscribe function. */
  onLivenessFailure(fn: LivenessFailureListener): () => void {
    this.livenessListeners.add(fn);
    return () => void this.livenessListeners.delete(fn);
  }

  /** Stops every worker; later addPod calls are ignored. */
  stop(): void {
    this.stopped = true;
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  private resultFor(podUid: string, name: string, containerId: string, type: ProbeType): ProbeResult | undefined {
    const r = this.results.get(podUid, name, type);
    return r?.containerId === containerId ? r.result : undefined;
  }

  private dropContainer(podUid: string, entry: PodEntry, name: string): void {
    const c = entry.containers.get(name);
    if (!c) return;
    for (const [type, w] of c.workers) {
      w.stop();
      this.results.remove(podUid, name, type);
    }
    entry.containers.delete(name);
  }

  private emitLivenessFailure(podUid: string, name: string, containerId: string, message: string, type: 'liveness' | 'startup'): void {
    for (const fn of [...this.livenessListeners]) {
      try {
        fn(podUid, name, containerId, message, type);
      } catch (err) {
        this.log?.warn({ err, podUid, container: name }, 'liveness failure listener failed');
      }
    }
  }
}
