/**
 * The constructor half of a controller (the run half is createController):
 * what sample-controller's `NewController` does for every controller. A
 * controller extends `ControllerBase`, registers its informers and event
 * handlers in its constructor (handlers only enqueue keys), lists the
 * informers that must sync before it works, and implements `sync(key)`.
 * The base resolves the shared dependencies once (clock, logger, Event
 * recorder, rate-limited queue, metrics) and runs the workers, plus any
 * periodic loops the controller adds with `every`.
 *
 * @example
 * ```ts
 * class PodGC extends ControllerBase {
 *   protected readonly informers;
 *   private readonly pods: SharedInformer<Pod>;
 *   constructor(deps: ControllerDeps) {
 *     super({ name: 'podgc', eventSource: 'pod-garbage-collector' }, deps);
 *     this.pods = deps.factory.informerFor<Pod>('pods');
 *     this.pods.addEventHandler({ onUpdate: (_o, p) => this.queue.add(objectKey(p)) });
 *     this.informers = [this.pods];
 *   }
 *   protected async sync(key: string): Promise<void> { ... }
 * }
 * ```
 */
import type { Registry } from 'prom-client';
import type { Clientset } from '../rest/clientset.js';
import { realClock, type Clock } from '../clock.js';
import { ApiEventRecorder, type EventRecorder } from '../events/event-recorder.js';
import type { SharedInformerFactory } from '../informers/informer-factory.js';
import { RateLimitingQueue } from '../workqueue/rate-limiting-queue.js';
import { every } from '../wait.js';
import { silentLogger, type Logger } from '../logger.js';
import { createController } from './run-controller.js';
import type { HasSynced } from './wait-for-cache-sync.js';

/**
 * What every controller is built from. A controller manager hands the same
 * client and informer factory to all of its controllers, and starts the
 * factory once every controller has registered its informers.
 */
export interface ControllerDeps {
  client: Clientset;
  factory: SharedInformerFactory;
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: a logger that discards everything. */
  log?: Logger;
  /** Default: Events through the API, with the controller's `eventSource` as their source. */
  recorder?: EventRecorder;
  metrics?: Registry;
}

export interface ControllerIdentity {
  /** Names the controller in logs, metrics and its workqueue. */
  name: string;
  /** `source.component` of the Events it records (default: `name`). */
  eventSource?: string;
  /** The kind Events name when the object carries none (list items often do not), e.g. `Node`. */
  eventKind?: string;
  /** Retries of one failing key before it is dropped (default: forever). */
  maxRetries?: number;
  /** Workers when `run` is given none (default 1; a controller manager always gives its own). */
  defaultWorkers?: number;
}

/** What a controller manager runs. */
export interface RunnableController {
  /** Runs until `signal` aborts; resolves when every worker and loop has stopped. */
  run(signal: AbortSignal, workers?: number): Promise<void>;
}

interface PeriodicLoop {
  periodMs: number;
  fn: () => void | Promise<void>;
}

/** A second queue with its own workers and sync (e.g. node-lifecycle's eviction loop). */
export interface WorkerLoop {
  name: string;
  informers: readonly HasSynced[];
  queue: RateLimitingQueue<string>;
  sync: (key: string, signal: AbortSignal) => Promise<void>;
}

export abstract class ControllerBase implements RunnableController {
  readonly name: string;
  protected readonly client: Clientset;
  protected readonly clock: Clock;
  protected readonly log: Logger;
  protected readonly queue: RateLimitingQueue<string>;
  /** Caches that must have synced before the first sync. */
  protected abstract readonly informers: readonly HasSynced[];
  private readonly metrics: Registry | undefined;
  private readonly maxRetries: number | undefined;
  private readonly defaultWorkers: number;
  private readonly eventSource: string;
  private readonly eventKind: string | undefined;
  private recorderInstance: EventRecorder | undefined;
  private readonly loops: PeriodicLoop[] = [];
  /** The logger given, to which each worker loop adds its own name. */
  private readonly baseLog: Logger;
  private readonly workerLoops: WorkerLoop[] = [];

  constructor(identity: ControllerIdentity, deps: ControllerDeps) {
    this.name = identity.name;
    this.client = deps.client;
    this.clock = deps.clock ?? realClock;
    this.baseLog = deps.log ?? silentLogger;
    this.log = this.baseLog.child({ controller: identity.name });
    this.metrics = deps.metrics;
    this.maxRetries = identity.maxRetries;
    this.defaultWorkers = identity.defaultWorkers ?? 1;
    this.eventSource = identity.eventSource ?? identity.name;
    this.eventKind = identity.eventKind;
    this.recorderInstance = deps.recorder;
    this.queue = this.newQueue(identity.name);
  }

  /** A rate-limited queue on this controller's clock, reporting workqueue metrics under `name`. */
  protected newQueue(name: string): RateLimitingQueue<string> {
    return new RateLimitingQueue<string>({ name, clock: this.clock, metrics: this.metrics });
  }

  /** Adds a second queue with its own sync, run with as many workers as the main one. */
  protected addWorkerLoop(loop: WorkerLoop): void {
    this.workerLoops.push(loop);
  }

  /** Records Events as `eventSource` (made on first use, so controllers that record none make none). */
  protected get recorder(): EventRecorder {
    this.recorderInstance ??= new ApiEventRecorder({
      client: this.client,
      component: this.eventSource,
      clock: this.clock,
      log: this.log,
      defaultKind: this.eventKind,
    });
    return this.recorderInstance;
  }

  /** Brings the object named by `key` to its desired state, reading caches; a throw requeues the key with backoff. */
  protected abstract sync(key: string, signal: AbortSignal): Promise<void>;

  /** Runs `fn` every `periodMs` beside the workers, for as long as the controller runs (a periodic resync). */
  protected everyPeriod(periodMs: number, fn: () => void | Promise<void>): void {
    this.loops.push({ periodMs, fn });
  }

  async run(signal: AbortSignal, workers = this.defaultWorkers): Promise<void> {
    const main: WorkerLoop = { name: this.name, informers: this.informers, queue: this.queue, sync: (key, s) => this.sync(key, s) };
    const controllers = [main, ...this.workerLoops].map((l) =>
      createController({
        name: l.name,
        informers: l.informers,
        sync: l.sync,
        queue: l.queue,
        clock: this.clock,
        log: this.baseLog,
        workers,
        metrics: this.metrics,
        maxRetries: this.maxRetries,
      }),
    );
    await Promise.all([...controllers.map((c) => c.run(signal)), ...this.loops.map((l) => every(l.periodMs, l.fn, signal, { clock: this.clock }))]);
  }
}
