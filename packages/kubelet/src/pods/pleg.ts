import type { Clock, TimerHandle } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { silentLogger, type Logger } from '@mk8s/client';
import { LABEL_POD_UID, podUidOf } from './labels.js';
import { errorMessage } from '@mk8s/api';

export type PodLifecycleEventType = 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved';

export interface PodLifecycleEvent {
  podUid: string;
  type: PodLifecycleEventType;
  /** The container (or sandbox) whose state changed. */
  containerId: string;
}

/** Any runtime event stream (e.g. DockerRuntime.events()); an event only triggers a relist, so its shape barely matters. */
export interface ExternalRuntimeEvent {
  podUid?: string;
}

/** How soon after a runtime event PLEG relists a second time. */
export const EVENT_RECHECK_MS = 50;

export interface PlegOptions {
  runtime: CriRuntime;
  clock: Clock;
  /** Relist period (default 1 s). */
  relistPeriodMs?: number;
  /** Runtime events that trigger an immediate relist. */
  events?: AsyncIterable<ExternalRuntimeEvent>;
  log?: Logger;
}

type State = 'running' | 'exited' | 'created' | 'unknown';

/** What one relist saw: every pod uid in the runtime, with the metadata needed to find it in the API. */
export interface RelistResult {
  pods: Map<string, { name: string; namespace: string }>;
}

/**
 * The pod lifecycle event generator (Kubernetes' GenericPLEG): relists the
 * runtime's sandboxes and containers every period and compares each one's
 * state with the previous relist, emitting one event per change so the pod's
 * worker resyncs at once. Sandboxes count as containers (a sandbox that stops
 * is a ContainerDied of its pod). The first relist reports what runs as
 * ContainerStarted. An external event stream only makes the next relist
 * happen now; the relist stays the source of truth, so lost events cost at
 * most one period.
 */
export class Pleg {
  private readonly handlers: Array<(e: PodLifecycleEvent) => void> = [];
  private readonly relistHandlers: Array<(r: RelistResult) => void> = [];
  private last = new Map<string, { podUid: string; state: State }>();
  private relisting: Promise<void> | undefined;
  private again = false;
  private readonly log: Logger;

  constructor(private readonly opts: PlegOptions) {
    this.log = opts.log ?? silentLogger;
  }

  onEvent(handler: (e: PodLifecycleEvent) => void): void {
    this.handlers.push(handler);
  }

  /** Called after every successful relist with all pods the runtime holds (for orphan cleanup). */
  onRelist(handler: (r: RelistResult) => void): void {
    this.relistHandlers.push(handler);
  }

  /** Relists until the signal aborts; resolves after. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.opts.relistPeriodMs ?? 1000;
    if (this.opts.events) void this.follow(this.opts.events, signal);
    while (!signal.aborted) {
      await this.relist();
      try {
        await this.opts.clock.sleep(period, signal);
      } catch {
        break;
      }
    }
  }

  /**
   * One relist; concurrent callers share it, and a call during a relist
   * causes exactly one more afterwards (so it sees changes made meanwhile).
   * Never throws: a runtime error is logged and the next relist tries again.
   */
  relist(): Promise<void> {
    if (this.relisting) {
      this.again = true;
      return this.relisting;
    }
    this.relisting = (async () => {
      do {
        this.again = false;
        try {
          await this.relistOnce();
        } catch (err) {
          this.log.warn({ error: errorMessage(err) }, 'relist failed');
        }
      } while (this.again);
    })().finally(() => {
      this.relisting = undefined;
    });
    return this.relisting;
  }

  private async relistOnce(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([this.opts.runtime.listPodSandbox({}), this.opts.runtime.listContainers({})]);
    const now = new Map<string, { podUid: string; state: State }>();
    const pods = new Map<string, { name: string; namespace: string }>();
    for (const s of sandboxes.items) {
      const uid = podUidOf(s.labels) ?? s.metadata.uid;
      if (!uid) continue;
      now.set(s.id, { podUid: uid, state: s.state === 'SANDBOX_READY' ? 'running' : 'exited' });
      pods.set(uid, { name: s.metadata.name, namespace: s.metadata.namespace });
    }
    for (const c of containers.containers) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid) continue;
      now.set(c.id, { podUid: uid, state: stateOf(c.state) });
    }
    const events: PodLifecycleEvent[] = [];
    for (const [id, cur] of now) {
      const prev = this.last.get(id);
      if (prev?.state === cur.state) continue;
      if (cur.state === 'running') events.push({ podUid: cur.podUid, type: 'ContainerStarted', containerId: id });
      else if (cur.state === 'exited' && prev) events.push({ podUid: cur.podUid, type: 'ContainerDied', containerId: id });
      else if (cur.state === 'exited' && !prev && this.primed) events.push({ podUid: cur.podUid, type: 'ContainerDied', containerId: id });
    }
    for (const [id, prev] of this.last) {
      if (now.has(id)) continue;
      if (prev.state === 'running') events.push({ podUid: prev.podUid, type: 'ContainerDied', containerId: id });
      events.push({ podUid: prev.podUid, type: 'ContainerRemoved', containerId: id });
    }
    this.last = now;
    this.primed = true;
    for (const e of events) for (const h of this.handlers) h(e);
    for (const h of this.relistHandlers) h({ pods });
  }

  private primed = false;

  private async follow(events: AsyncIterable<ExternalRuntimeEvent>, signal: AbortSignal): Promise<void> {
    let recheck: TimerHandle | undefined;
    signal.addEventListener('abort', () => recheck?.cancel(), { once: true });
    try {
      for await (const _e of events) {
        if (signal.aborted) break;
        void this.relist();
        // Docker announces a death a moment before its container list shows
        // it (the list is a replica updated after the event), so an immediate
        // relist can still see the container running: look once more shortly.
        recheck ??= this.opts.clock.after(EVENT_RECHECK_MS, () => {
          recheck = undefined;
          if (!signal.aborted) void this.relist();
        });
      }
    } catch (err) {
      if (!signal.aborted) this.log.warn({ error: errorMessage(err) }, 'runtime event stream failed; relisting only');
    }
  }
}

function stateOf(s: string): State {
  switch (s) {
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    case 'CONTAINER_CREATED':
      return 'created';
    default:
      return 'unknown';
  }
}
