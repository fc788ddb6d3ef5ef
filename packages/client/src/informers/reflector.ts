/**
 * The reflector keeps a store in step with one resource on the API server:
 * LIST, hand the whole result to the store, then WATCH from the list's
 * resourceVersion and hand over each change. It owns the reconnect policy:
 *
 * - the server ends the stream: watch again at once from the last
 *   resourceVersion seen (events and BOOKMARKs both move it);
 * - a 410 (an ERROR event whose Status is 410 / Expired / Gone, or a thrown
 *   ApiError that says so): the history is gone, LIST again;
 * - any other ERROR event: LIST again after the backoff;
 * - a transport failure or other error while watching: watch again from
 *   the last resourceVersion after a jittered exponential backoff;
 * - a failed LIST: retry it after the backoff.
 *
 * Resuming from exactly the last resourceVersion seen is what makes the
 * sequence of store calls lose nothing and repeat nothing across reconnects.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { realClock } from '../clock.js';
import { isGone } from '../errors.js';
import type { KubeObject, ListerWatcher, ObjectList, WatchEvent } from '../types.js';
import { JitteredBackoff } from './backoff.js';
import { silentLogger, type Logger } from '../logger.js';

/**
 * Where the reflector delivers. Calls arrive one at a time, in the order of
 * the server's history; `replace` carries a complete LIST (the store must
 * drop whatever is not in it). A throwing callback is logged and skipped.
 */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  replace(list: T[], resourceVersion: string): void;
  /** Periodic resync (when `resyncMs` is set), only after the first `replace`. */
  resync?(): void;
}

export interface ReflectorOptions {
  /** Names the reflector in logs, e.g. the resource. */
  name?: string;
  clock?: Clock;
  logger?: Logger;
  /** Calls `store.resync()` this often once synced; 0 or unset: never. */
  resyncMs?: number;
  /** LIST in pages of this many objects (limit + continue); unset: one request. */
  pageSize?: number;
  /** Reconnect backoff: first delay (default 800 ms), doubling up to `maxBackoffMs` (default 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Fraction of random stretch on each delay (default 1: up to double). */
  jitter?: number;
  /** Failures further apart than this restart the backoff from its minimum (default 2 min). */
  backoffResetMs?: number;
  /** Asks the server to end each watch after this many seconds (then the reflector resumes). */
  watchTimeoutSeconds?: number;
  /** Randomness for the jitter; tests pin it. */
  random?: () => number;
}

/** A watch that ends this soon without delivering anything counts as a failure (backoff), not a normal end. */
const SHORT_WATCH_MS = 1000;

type WatchOutcome =
  | { kind: 'ended'; events: number }
  | { kind: 'gone'; events: number }
  | { kind: 'error-event'; status: unknown; events: number }
  | { kind: 'failed'; error: unknown; events: number }
  | { kind: 'aborted' };

export class Reflector<T extends KubeObject> {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly name: string;
  private readonly backoff: JitteredBackoff;
  private lastRV = '';
  private synced = false;
  private running = false;
  /** Whether no watch has run since the last LIST. */
  private justListed = false;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    private readonly opts: ReflectorOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? silentLogger;
    this.name = opts.name ?? 'reflector';
    this.backoff = new JitteredBackoff(this.clock, {
      minMs: opts.minBackoffMs,
      maxMs: opts.maxBackoffMs,
      jitter: opts.jitter,
      resetAfterMs: opts.backoffResetMs,
      random: opts.random,
    });
  }

  /** The resourceVersion the next watch would resume from ('' before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** True once the first LIST has been handed to the store (stays true across relists). */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Lists and watches until `signal` aborts, then resolves. Never rejects for
   * server or transport trouble (it retries); rejects only if already running.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`${this.name}: run() called while already running`);
    this.running = true;
    const resync = this.startResync(signal);
    try {
      await this.loop(signal);
    } finally {
      resync?.cancel();
      this.running = false;
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.listIntoStore(signal);
          needList = false;
        } catch (err) {
          if (signal.aborted) return;
          this.log.warn({ err, reflector: this.name }, 'list failed; retrying after backoff');
          if (!(await this.sleep(this.backoff.next(), signal))) return;
          continue;
        }
      }
      // A 410 straight after a fresh LIST, before any event, means relisting at once would spin.
      const afterList = this.justListed;
      this.justListed = false;
      const startedAt = this.clock.now();
      const outcome = await this.watchOnce(signal);
      let delay = false;
      switch (outcome.kind) {
        case 'aborted':
          return;
        case 'ended':
          if (outcome.events === 0 && this.clock.now() - startedAt < SHORT_WATCH_MS) {
            this.log.warn({ reflector: this.name, resourceVersion: this.lastRV }, 'watch ended at once without events; rewatching after backoff');
            delay = true;
          }
          break;
        case 'gone':
          this.log.warn({ reflector: this.name, resourceVersion: this.lastRV }, 'watch resourceVersion expired (410); relisting');
          needList = true;
          delay = afterList && outcome.events === 0;
          break;
        case 'error-event':
          this.log.warn({ reflector: this.name, status: outcome.status }, 'watch ERROR event; relisting after backoff');
          needList = true;
          delay = true;
          break;
        case 'failed':
          if (isGone(outcome.error)) {
            this.log.warn({ reflector: this.name, resourceVersion: this.lastRV }, 'watch refused with 410; relisting');
            needList = true;
            delay = afterList && outcome.events === 0;
          } else {
            this.log.warn({ err: outcome.error, reflector: this.name, resourceVersion: this.lastRV }, 'watch failed; rewatching after backoff');
            delay = true;
          }
          break;
      }
      if (delay && !(await this.sleep(this.backoff.next(), signal))) return;
    }
  }

  private async listIntoStore(signal: AbortSignal): Promise<void> {
    const list = await untilAborted(this.listAll(signal), signal);
    if (signal.aborted) return;
    const rv = list.metadata.resourceVersion ?? '';
    this.call('replace', () => this.store.replace(list.items, rv));
    this.lastRV = rv;
    this.synced = true;
    this.justListed = true;
  }

  /** One consistent snapshot: a single LIST, or pages that all share the first page's revision. */
  private async listAll(signal: AbortSignal): Promise<ObjectList<T>> {
    const pageSize = this.opts.pageSize;
    if (!pageSize || pageSize <= 0) return this.lw.list({});
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    for (;;) {
      let page: ObjectList<T>;
      try {
        page = await this.lw.list({ limit: pageSize, continue: cont });
      } catch (err) {
        // The snapshot behind a continue token was compacted away: fall back to one full LIST.
        if (cont && isGone(err)) return this.lw.list({});
        throw err;
      }
      if (signal.aborted) return { metadata: {}, items: [] };
      items.push(...page.items);
      rv ??= page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
      if (!cont) return { metadata: { resourceVersion: rv ?? page.metadata.resourceVersion ?? '' }, items };
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    // The watch gets its own controller so a `return` from it always closes the stream.
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let events = 0;
    try {
      const stream = this.lw.watch({
        resourceVersion: this.lastRV,
        allowWatchBookmarks: true,
        signal: ac.signal,
        // 0 asks for no timeout, as none does: the server's default.
        timeoutSeconds: this.opts.watchTimeoutSeconds || undefined,
      });
      for await (const ev of stream) {
        if (signal.aborted) return { kind: 'aborted' };
        const verdict = this.handleEvent(ev);
        if (verdict === 'gone') return { kind: 'gone', events };
        if (verdict === 'error') return { kind: 'error-event', status: ev.object, events };
        events++;
      }
      return signal.aborted ? { kind: 'aborted' } : { kind: 'ended', events };
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      return { kind: 'failed', error, events };
    } finally {
      signal.removeEventListener('abort', onAbort);
      ac.abort();
    }
  }

  /** Applies one event; a verdict means the watch must stop. */
  private handleEvent(ev: WatchEvent<T>): 'gone' | 'error' | undefined {
    const rv = ev.object?.metadata?.resourceVersion;
    switch (ev.type) {
      case 'ADDED':
        this.call('add', () => this.store.add(ev.object));
        break;
      case 'MODIFIED':
        this.call('update', () => this.store.update(ev.object));
        break;
      case 'DELETED':
        this.call('delete', () => this.store.delete(ev.object));
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR':
        return statusIsGone(ev.object) ? 'gone' : 'error';
      default:
        this.log.warn({ reflector: this.name, type: (ev as { type?: unknown }).type }, 'ignoring watch event of unknown type');
        return undefined;
    }
    if (rv) this.lastRV = rv;
    return undefined;
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, reflector: this.name, call: what }, 'store callback threw');
    }
  }

  /** Resolves true after `ms`, false when the signal aborted first. */
  private async sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }

  private startResync(signal: AbortSignal): TimerHandle | undefined {
    const every = this.opts.resyncMs;
    if (!every || every <= 0 || !this.store.resync) return undefined;
    let handle: TimerHandle;
    const tick = (): void => {
      if (signal.aborted) return;
      if (this.synced) this.call('resync', () => this.store.resync!());
      handle = this.clock.after(every, tick);
    };
    handle = this.clock.after(every, tick);
    return { cancel: () => handle.cancel() };
  }
}

/**
 * The promise's outcome, or a rejection as soon as `signal` aborts: LIST
 * takes no signal, so a stopped reflector must not wait for a slow one.
 */
function untilAborted<V>(p: Promise<V>, signal: AbortSignal): Promise<V> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<V>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Whether a watch ERROR event's object is a Status saying the resourceVersion is too old. */
export function statusIsGone(obj: unknown): boolean {
  if (!obj || typeof obj !== 'object') return false;
  const s = obj as { code?: unknown; reason?: unknown };
  return s.code === 410 || s.reason === 'Expired' || s.reason === 'Gone';
}
