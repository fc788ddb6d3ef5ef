/**
 * One informer per (resource, namespace, selectors) per process: every
 * controller that asks for pods gets the same SharedInformer, so the process
 * holds one LIST+WATCH and one cache of pods however many loops read them.
 *
 * ```ts
 * const factory = new SharedInformerFactory((resource, scope) => client.listerWatcher(resource, scope));
 * const pods = factory.informerFor<Pod>('pods');
 * pods.addEventHandler({ onAdd: (p) => queue.add(objectKey(p)) });
 * factory.start(signal);
 * if (!(await factory.waitForCacheSync(signal))) return;
 * ```
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { KubeObject, ListerWatcher } from '../types.js';
import { silentLogger } from '../logger.js';
import { SharedInformer, type SharedInformerOptions } from './shared-informer.js';

/** Which objects of a resource an informer follows. */
export interface InformerScope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Supplied by the REST client: a ListerWatcher for a resource (e.g. 'pods', 'deployments.apps'), narrowed by `scope`. */
export type ListerWatcherFactory = (resource: string, scope: InformerScope) => ListerWatcher<KubeObject>;

/** Applied to every informer the factory makes (resync period, clock, logger, backoff, paging). */
export type SharedInformerFactoryOptions = Omit<SharedInformerOptions, 'name' | 'indexers'>;

interface Entry {
  informer: SharedInformer<KubeObject>;
  done?: Promise<void>;
}

export class SharedInformerFactory {
  private readonly entries = new Map<string, Entry>();
  private signal: AbortSignal | undefined;

  constructor(
    private readonly newListerWatcher: ListerWatcherFactory,
    private readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  /**
   * The process-wide informer for this resource and scope, created on first
   * use. `T` is the caller's view of the objects; callers asking for the
   * same resource must agree on it. Created after `start`, it starts at once.
   */
  informerFor<T extends KubeObject = KubeObject>(resource: string, scope: InformerScope = {}): SharedInformer<T> {
    const key = scopeKey(resource, scope);
    let entry = this.entries.get(key);
    if (!entry) {
      // '' is no namespace, no selector: left out of what the lister-watcher factory is given.
      const clean: InformerScope = {
        ...(scope.namespace ? { namespace: scope.namespace } : {}),
        ...(scope.labelSelector ? { labelSelector: scope.labelSelector } : {}),
        ...(scope.fieldSelector ? { fieldSelector: scope.fieldSelector } : {}),
      };
      const informer = new SharedInformer<KubeObject>(this.newListerWatcher(resource, clean), { ...this.opts, name: displayName(resource, clean) });
      entry = { informer };
      this.entries.set(key, entry);
      if (this.signal) this.runEntry(entry, this.signal);
    }
    return entry.informer as unknown as SharedInformer<T>;
  }

  /**
   * Runs every informer created so far, and each one created later, until
   * `signal` aborts. Calling it again (with any signal) changes nothing.
   */
  start(signal: AbortSignal): void {
    if (this.signal) return;
    this.signal = signal;
    for (const entry of this.entries.values()) this.runEntry(entry, signal);
  }

  /**
   * Resolves true once every informer created so far has synced (false when
   * `signal` aborts first). Informers that were never started count as not
   * synced: call `start` first.
   */
  async waitForCacheSync(signal: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.entries.values()].map((e) => e.informer.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Resolves when every started informer has stopped (after the `start` signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all([...this.entries.values()].flatMap((e) => (e.done ? [e.done] : [])));
  }

  private runEntry(entry: Entry, signal: AbortSignal): void {
    if (entry.done) return;
    // Each informer listens for the abort (those created after `start` too): many informers on one signal are expected, not a leak.
    setMaxListeners(Math.max(getMaxListeners(signal), this.entries.size * 2 + 10), signal);
    entry.done = entry.informer.run(signal).catch((err: unknown) => {
      (this.opts.logger ?? silentLogger).error({ err }, 'informer stopped with an error');
    });
  }
}

function scopeKey(resource: string, scope: InformerScope): string {
  return JSON.stringify([resource, scope.namespace ?? '', scope.labelSelector ?? '', scope.fieldSelector ?? '']);
}

function displayName(resource: string, scope: InformerScope): string {
  const parts = [resource];
  if (scope.namespace) parts.push(`namespace=${scope.namespace}`);
  if (scope.labelSelector) parts.push(`labels=${scope.labelSelector}`);
  if (scope.fieldSelector) parts.push(`fields=${scope.fieldSelector}`);
  return parts.join(' ');
}
