/**
 * A scripted ListerWatcher for tests of informers and the controllers built
 * on them. Each `list()` takes the next scripted result (waiting for one if
 * none is queued); each `watch()` opens a `FakeWatchStream` that the test
 * drives: emit events, end the stream, or fail it. Every call's options are
 * recorded, so a test can assert which resourceVersion a watch resumed from.
 */
import type { KubeObject, ListOptions, ListerWatcher, ObjectList, WatchEvent, WatchOptions } from '../types.js';

type StreamItem<T> = { kind: 'event'; ev: WatchEvent<T> } | { kind: 'end' } | { kind: 'error'; error: unknown };

export class FakeWatchStream<T> {
  private readonly items: StreamItem<T>[] = [];
  private wake: (() => void) | undefined;
  private finished = false;

  constructor(readonly opts: WatchOptions) {
    opts.signal?.addEventListener('abort', () => this.poke(), { once: true });
  }

  /** Queues events for the consumer. */
  emit(...events: WatchEvent<T>[]): this {
    for (const ev of events) this.items.push({ kind: 'event', ev });
    this.poke();
    return this;
  }

  /** The server ends the stream normally (after the events queued so far). */
  end(): void {
    this.items.push({ kind: 'end' });
    this.poke();
  }

  /** The connection breaks (after the events queued so far): the iterator throws `error`. */
  fail(error: unknown): void {
    this.items.push({ kind: 'error', error });
    this.poke();
  }

  /** Whether the consumer has stopped reading (stream ended, failed, aborted or abandoned). */
  get closed(): boolean {
    return this.finished;
  }

  async *iterate(): AsyncGenerator<WatchEvent<T>> {
    try {
      for (;;) {
        while (this.items.length === 0) {
          if (this.opts.signal?.aborted) return;
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
        if (this.opts.signal?.aborted) return;
        const item = this.items.shift()!;
        if (item.kind === 'end') return;
        if (item.kind === 'error') throw item.error;
        yield item.ev;
      }
    } finally {
      this.finished = true;
    }
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

type ListResult<T> = ObjectList<T> | { error: unknown };

export class FakeListerWatcher<T extends KubeObject = KubeObject> implements ListerWatcher<T> {
  /** Options of every list() call, in order. */
  readonly lists: ListOptions[] = [];
  /** Every watch() call's stream, in order. */
  readonly watches: FakeWatchStream<T>[] = [];
  private readonly listResults: ListResult<T>[] = [];
  private readonly watchErrors: unknown[] = [];
  private readonly listWaiters: Array<() => void> = [];

  /** Scripts the next list() result: a list, or `{ error }` to make it reject. */
  pushList(...results: ListResult<T>[]): this {
    this.listResults.push(...results);
    for (const w of this.listWaiters.splice(0)) w();
    return this;
  }

  /** Makes the next watch() call throw `error` (as a refused request does). */
  failNextWatch(error: unknown): this {
    this.watchErrors.push(error);
    return this;
  }

  async list(opts: ListOptions): Promise<ObjectList<T>> {
    this.lists.push(opts);
    while (this.listResults.length === 0) await new Promise<void>((r) => this.listWaiters.push(r));
    const result = this.listResults.shift()!;
    if ('error' in result) throw result.error;
    return structuredClone(result);
  }

  watch(opts: WatchOptions): AsyncIterable<WatchEvent<T>> {
    const stream = new FakeWatchStream<T>(opts);
    this.watches.push(stream);
    const error = this.watchErrors.length > 0 ? { e: this.watchErrors.shift() } : undefined;
    if (error) {
      return {
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error.e) }),
      };
    }
    return stream.iterate();
  }

  /** Resolves with the n-th (0-based) watch stream once it has been opened. */
  async watchNo(n: number, maxTurns = 2000): Promise<FakeWatchStream<T>> {
    await this.until(() => this.watches.length > n, `watch #${n}`, maxTurns);
    return this.watches[n]!;
  }

  /** Resolves once list() has been called at least `count` times. */
  async listCalls(count: number, maxTurns = 2000): Promise<void> {
    await this.until(() => this.lists.length >= count, `${count} list calls`, maxTurns);
  }

  private async until(cond: () => boolean, what: string, maxTurns: number): Promise<void> {
    for (let i = 0; !cond(); i++) {
      if (i >= maxTurns) throw new Error(`FakeListerWatcher: gave up waiting for ${what}`);
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}

/** A list result at `resourceVersion`. */
export function listOf<T>(resourceVersion: string, items: T[], cont?: string): ObjectList<T> {
  return { metadata: { resourceVersion, continue: cont || undefined }, items };
}
