/**
 * `EtcdStore`: the `Store` interface over a real etcd v3 cluster (npm
 * `etcd3`), for several API servers sharing one state (docs/ha.md).
 *
 * The mapping is etcd's own model, which the interface copies:
 *
 * - resourceVersion = the key's `mod_revision`; the store's revision is the
 *   cluster's revision, learned from the header of every response and watch
 *   message (other API servers' writes advance it too);
 * - `create` = txn(create_revision == 0 ? put), `update`/`delete` with an
 *   expected revision = txn(mod_revision == N ? put/delete : range), without
 *   one txn(version > 0 ? ...): one round trip, exact compare-and-swap;
 * - `list` = one range at a fixed revision (the first page's, passed back
 *   for the next), `limit` + `more` from etcd, `after` = range start key + NUL;
 * - `watch` = an etcd watch from `afterRevision + 1` with `prev_kv`, on its
 *   own gRPC stream (etcd-watch.ts), resumed on another member after a
 *   failure; compaction ends it with CompactedError;
 * - `compact` = etcd's Compact RPC (logical; etcd frees space itself).
 *
 * Failover: the client holds every endpoint. Reads are retried on another
 * member for transient errors (no leader, member gone) until
 * `retryTimeoutMs`. Writes are retried only when etcd cannot have received
 * them (no connection, no leader): an ambiguous failure (timeout, leader
 * changed mid-request) is reported, never replayed, like etcd's Go client.
 *
 * `compactedRevision()` is the best knowledge of this process: its own
 * compactions, etcd's "compacted" answers and watch cancellations. etcd has
 * no call that reports it; a stale value only changes the number printed in
 * a 410 message, not which requests fail.
 *
 * Keys are stored as `prefix + key` (default prefix: none, so keys are
 * exactly `/registry/...` as in Kubernetes). Keep other writers out of the
 * API servers' keyspace: every revision should belong to a `/registry/` key
 * (the API server's watch cache waits for the revisions it hears about).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Etcd3, type IOptions, type IKeyValue, type IResponseHeader, type IRequestOp, type ICompare } from 'etcd3';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions } from './store.js';
import { CompactedError, ConflictError, FutureRevisionError, KeyExistsError, KeyNotFoundError, StoreClosedError } from './errors.js';
import { checkKey } from './layout.js';
import { WatchChannel } from './watch-channel.js';
import { EtcdWatchStream, keyRange } from './etcd-watch.js';

export interface EtcdStoreOptions {
  /** Client URLs of the etcd members, e.g. `http://127.0.0.1:2379` (at least one). */
  endpoints: string[];
  /** Prepended to every key in etcd (default: none). */
  prefix?: string;
  /** Deadline of one unary call (default 10 s). */
  requestTimeoutMs?: number;
  /** How long transient failures are retried before a call fails (default 15 s). */
  retryTimeoutMs?: number;
  /** How long `open` waits for the cluster to answer (default 30 s). */
  openTimeoutMs?: number;
  /** Events a watcher may fall behind before it ends with WatchOverflowError (default 10,000). */
  watchBufferSize?: number;
}

const DEFAULT_WATCH_BUFFER = 10_000;

/** A policy that runs the call once: the store does its own retries (see the file comment). */
const RUN_ONCE = {
  execute: <T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T): Promise<T> =>
    Promise.resolve(fn({ signal: new AbortController().signal, attempt: 0 })),
} as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

const COMPACTED_RE = /required revision has been compacted/;
const FUTURE_RE = /required revision is a future revision/;
/** etcd certainly did not apply the request: safe to send it again, even a write. */
const NOT_SENT_RE =
  /No connection established|ECONNREFUSED|failed to connect|no address available|no connection available|etcdserver: no leader|not capable|Connection dropped|ClientClosed|circuit/i;
/** Worth another try for a read (the member may be gone or electing). */
const TRANSIENT_RE =
  /UNAVAILABLE|leader changed|request timed out|too many requests|DEADLINE_EXCEEDED|ECONNRESET|EPIPE|stream removed|RST_STREAM|Broken circuit|GOAWAY/i;

export function isNotSent(err: unknown): boolean {
  return err instanceof Error && (NOT_SENT_RE.test(err.message) || NOT_SENT_RE.test(err.constructor.name));
}

export function isTransient(err: unknown): boolean {
  return isNotSent(err) || (err instanceof Error && (TRANSIENT_RE.test(err.message) || /GRPCUnavailable|GRPCDeadline/.test(err.constructor.name)));
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rev(value: string | number | undefined): number {
  return value === undefined || value === '' ? 0 : Number(value);
}

/** What EtcdStore.saveSnapshot writes: etcd's own snapshot format. */
export const ETCD_SNAPSHOT_FORMAT = 'etcd-snapshot';

export class EtcdStore implements Store {
  private revision = 0;
  private compacted = 0;
  private closing = false;
  private closed: Promise<void> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly watchers = new Set<{ channel: WatchChannel; stream: EtcdWatchStream }>();
  private readonly prefix: Buffer;
  private readonly retryTimeoutMs: number;
  private readonly watchBufferSize: number;

  private constructor(
    private readonly client: Etcd3,
    opts: EtcdStoreOptions,
  ) {
    this.prefix = Buffer.from(opts.prefix ?? '');
    this.retryTimeoutMs = opts.retryTimeoutMs ?? 15_000;
    this.watchBufferSize = opts.watchBufferSize ?? DEFAULT_WATCH_BUFFER;
  }

  /** Connects and reads the cluster's current revision, retrying until `openTimeoutMs`. */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    if (opts.endpoints.length === 0) throw new Error('etcd: at least one endpoint is required');
    const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    const client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: Math.min(requestTimeoutMs, 5_000),
      faultHandling: { global: RUN_ONCE },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    });
    const store = new EtcdStore(client, opts);
    const deadline = Date.now() + (opts.openTimeoutMs ?? 30_000);
    for (let attempt = 0; ; attempt++) {
      try {
        const [start, end] = store.range('');
        const res = await client.kv.range({ key: start, range_end: end, count_only: true });
        store.observe(res.header);
        return store;
      } catch (err) {
        if (Date.now() > deadline) {
          client.close();
          throw new Error(`etcd: no answer from ${opts.endpoints.join(',')}: ${(err as Error).message}`, { cause: err });
        }
        await delay(Math.min(100 * 2 ** attempt, 1_000));
      }
    }
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  // ---- helpers -------------------------------------------------------------

  private observe(header: IResponseHeader | undefined): void {
    const r = rev(header?.revision);
    if (r > this.revision) this.revision = r;
  }

  private noteCompacted(r: number): void {
    if (r > this.compacted) this.compacted = r;
  }

  private etcdKey(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key)]);
  }

  /** [start, end) of every etcd key for store keys starting with `prefix`. */
  private range(prefix: string): [Buffer, Buffer] {
    return keyRange(this.etcdKey(prefix));
  }

  private toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.subarray(this.prefix.length).toString(),
      value: kv.value.toString(),
      createRevision: rev(kv.create_revision),
      modRevision: rev(kv.mod_revision),
    };
  }

  private ensureOpen(): void {
    if (this.closing) throw new StoreClosedError();
  }

  /** Maps etcd's revision errors to the store's; other errors pass through. */
  private mapError(err: unknown, requested: number): unknown {
    if (!(err instanceof Error)) return err;
    if (COMPACTED_RE.test(err.message)) {
      this.noteCompacted(requested + 1);
      return new CompactedError(requested, this.compacted);
    }
    if (FUTURE_RE.test(err.message)) return new FutureRevisionError(requested, this.revision);
    return err;
  }

  /**
   * Runs one etcd call, retrying transient failures (reads) or failures etcd
   * cannot have seen (writes) until `retryTimeoutMs`. Tracked so `close()`
   * can wait for it.
   */
  private call<T>(kind: 'read' | 'write', fn: () => Promise<T>): Promise<T> {
    const run = (async () => {
      const deadline = Date.now() + this.retryTimeoutMs;
      for (let attempt = 0; ; attempt++) {
        try {
          return await fn();
        } catch (err) {
          const retry = kind === 'read' ? isTransient(err) : isNotSent(err);
          if (!retry || Date.now() > deadline || this.closed !== undefined) throw err;
          await delay(Math.min(50 * 2 ** attempt, 1_000));
        }
      }
    })();
    this.inflight.add(run);
    void run.then(
      () => this.inflight.delete(run),
      () => this.inflight.delete(run),
    );
    return run;
  }

  // ---- reads ---------------------------------------------------------------

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    this.ensureOpen();
    const res = await this.call('read', () => this.client.kv.range({ key: this.etcdKey(key) }));
    this.observe(res.header);
    const kv = res.kvs[0];
    return kv ? this.toKeyValue(kv) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const requested = opts.revision !== undefined && opts.revision > 0 ? opts.revision : 0;
    if (requested > 0 && requested < this.compacted) throw new CompactedError(requested, this.compacted);
    const [start, end] = this.range(prefix);
    let from = start;
    if (opts.after !== undefined) {
      const pastAfter = Buffer.concat([this.etcdKey(opts.after), Buffer.from([0])]);
      if (Buffer.compare(pastAfter, from) > 0) from = pastAfter;
    }
    const open = end.length === 1 && end[0] === 0; // range_end "\0": every key >= start
    if (!open && Buffer.compare(from, end) >= 0) {
      return { items: [], revision: requested || this.revision, more: false };
    }
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;
    let res;
    try {
      res = await this.call('read', () =>
        this.client.kv.range({ key: from, range_end: end, ...(requested ? { revision: requested } : {}), ...(limit ? { limit } : {}) }),
      );
    } catch (err) {
      throw this.mapError(err, requested);
    }
    this.observe(res.header);
    return {
      items: res.kvs.map((kv) => this.toKeyValue(kv)),
      revision: requested || rev(res.header.revision),
      more: res.more,
    };
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    const [start, end] = this.range(prefix);
    const res = await this.call('read', () => this.client.kv.range({ key: start, range_end: end, count_only: true }));
    this.observe(res.header);
    return Number(res.count);
  }

  // ---- writes --------------------------------------------------------------

  async create(key: string, value: string): Promise<KeyValue> {
    checkKey(key);
    this.ensureOpen();
    const k = this.etcdKey(key);
    const res = await this.call('write', () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
        failure: [],
      }),
    );
    this.observe(res.header);
    if (!res.succeeded) throw new KeyExistsError(key);
    const r = rev(res.header.revision);
    return { key, value, createRevision: r, modRevision: r };
  }

  async update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue> {
    checkKey(key);
    this.ensureOpen();
    const k = this.etcdKey(key);
    const res = await this.guarded(key, expectedModRevision, { request_put: { key: k, value: Buffer.from(value), prev_kv: true } });
    const prev = res.responses[0]?.response_put?.prev_kv;
    return { key, value, createRevision: prev ? rev(prev.create_revision) : 0, modRevision: rev(res.header.revision) };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    checkKey(key);
    this.ensureOpen();
    const k = this.etcdKey(key);
    const res = await this.guarded(key, expectedModRevision, { request_delete_range: { key: k, prev_kv: true } });
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new KeyNotFoundError(key); // deleted by another writer between compare and delete: cannot happen in a txn
    return { ...this.toKeyValue(prev), modRevision: rev(res.header.revision) };
  }

  /** txn(key exists [and mod_revision == expected] ? op : get key), with the interface's errors. */
  private async guarded(key: string, expected: number | undefined, op: IRequestOp) {
    const k = this.etcdKey(key);
    if (expected !== undefined && expected <= 0) {
      // No key has such a modRevision: a conflict if it exists at all.
      const kv = await this.get(key);
      if (!kv) throw new KeyNotFoundError(key);
      throw new ConflictError(key, expected, kv.modRevision);
    }
    const compare: ICompare =
      expected === undefined
        ? { key: k, target: 'Version', result: 'Greater', version: 0 }
        : { key: k, target: 'Mod', result: 'Equal', mod_revision: expected };
    const res = await this.call('write', () => this.client.kv.txn({ compare: [compare], success: [op], failure: [{ request_range: { key: k } }] }));
    this.observe(res.header);
    if (res.succeeded) return res;
    const current = res.responses[0]?.response_range?.kvs[0];
    if (!current || expected === undefined) throw new KeyNotFoundError(key);
    throw new ConflictError(key, expected, rev(current.mod_revision));
  }

  // ---- watch ---------------------------------------------------------------

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    return { [Symbol.asyncIterator]: () => this.runWatch(prefix, opts) };
  }

  private async *runWatch(prefix: string, opts: WatchOptions): AsyncGenerator<WatchEvent, void, undefined> {
    const { signal, afterRevision } = opts;
    if (signal?.aborted) return;
    this.ensureOpen();
    if (afterRevision < this.compacted) throw new CompactedError(afterRevision, this.compacted);

    let failure: Error | undefined;
    const channel = new WatchChannel(prefix, this.watchBufferSize, () => stream.stop());
    const [start, end] = this.range(prefix);
    const stream: EtcdWatchStream = new EtcdWatchStream(this.client, start, end, afterRevision, {
      header: (h) => this.observe(h),
      events: (events) => {
        for (const e of events) {
          const kv = this.toKeyValue(e.kv);
          const prevKv = e.prev_kv ? this.toKeyValue(e.prev_kv) : undefined;
          if (e.type === 'Delete') {
            // etcd's delete event carries an empty kv: the last value is prev_kv's.
            channel.push({
              type: 'delete',
              kv: { key: kv.key, value: prevKv?.value ?? '', createRevision: prevKv?.createRevision ?? 0, modRevision: kv.modRevision },
              ...(prevKv ? { prevKv } : {}),
            });
          } else if (kv.createRevision === kv.modRevision) {
            channel.push({ type: 'create', kv });
          } else {
            channel.push({ type: 'update', kv, ...(prevKv ? { prevKv } : {}) });
          }
        }
      },
      compacted: (compactRevision) => {
        this.noteCompacted(compactRevision);
        failure = new CompactedError(afterRevision, compactRevision);
        channel.end();
      },
      failed: (err) => {
        failure = err;
        channel.end();
      },
    });
    const entry = { channel, stream };
    this.watchers.add(entry);
    const onAbort = (): void => channel.end();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.start();
    try {
      for (;;) {
        const event = channel.shift();
        if (event !== undefined) {
          yield event;
          continue;
        }
        if (channel.ended) {
          if (failure && !this.closing && !signal?.aborted) throw failure;
          return;
        }
        await channel.wait();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.watchers.delete(entry);
      channel.end();
      stream.stop();
    }
  }

  // ---- compaction ----------------------------------------------------------

  /**
   * etcd's Compact RPC at `revision` (logical: reads and watches below it
   * fail at once; etcd frees the space in the background). Idempotent; fails
   * with FutureRevisionError above the cluster's revision.
   */
  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    if (revision <= this.compacted) return;
    try {
      const res = await this.call('write', () => this.client.kv.compact({ revision, physical: false }));
      this.observe(res.header);
      this.noteCompacted(revision);
    } catch (err) {
      const mapped = this.mapError(err, revision);
      if (mapped instanceof CompactedError) {
        // Already compacted at or past it (another API server's compactor).
        this.noteCompacted(revision);
        return;
      }
      throw mapped;
    }
  }

  /**
   * etcd's own snapshot (the Maintenance API's Snapshot stream: the member's
   * bbolt database with its sha256 appended), the file `etcdctl snapshot
   * save` writes; `etcdctl snapshot restore` turns it into a data folder.
   * Written to a stream (not ended) or a file (mode 0600, removed on failure).
   * Resolves to the revision it holds (at least; `etcdctl snapshot status`
   * tells the exact one).
   */
  async saveSnapshot(out: NodeJS.WritableStream | string): Promise<{ format: string; revision: number; bytes: number }> {
    this.ensureOpen();
    const file = typeof out === 'string' ? out : undefined;
    const sink = file !== undefined ? createWriteStream(file, { mode: 0o600 }) : (out as NodeJS.WritableStream);
    try {
      // etcd 3.4 leaves the stream's header revision at 0: the revision read just before is a lower bound.
      const [start, end] = this.range('');
      const before = Number((await this.call('read', () => this.client.kv.range({ key: start, range_end: end, count_only: true }))).header.revision);
      let bytes = 0;
      // The client picks a member per call: one that is down fails the stream before any byte, and the call
      // is retried on another. Once bytes went out a retry would append a second copy: that failure is final.
      const result = await this.call('read', async () => {
        const stream = await this.client.maintenance.snapshot();
        return new Promise<{ format: string; revision: number; bytes: number }>((resolve, reject) => {
          let revision = before;
          stream.on('data', (chunk) => {
            if (chunk.header) revision = Math.max(revision, Number(chunk.header.revision));
            bytes += chunk.blob.length;
            sink.write(chunk.blob);
          });
          stream.on('error', (err) => reject(bytes === 0 ? err : new Error(`etcd snapshot interrupted after ${bytes} bytes (see cause)`, { cause: err })));
          stream.on('end', () => resolve({ format: ETCD_SNAPSHOT_FORMAT, revision, bytes }));
        });
      });
      if (file !== undefined) await new Promise<void>((resolve, reject) => (sink as WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
      return result;
    } catch (err) {
      if (file !== undefined) {
        (sink as WriteStream).destroy();
        await rm(file, { force: true });
      }
      throw err;
    }
  }

  // ---- lifecycle -----------------------------------------------------------

  /** Stops accepting work, waits for calls in flight, ends every watch and closes the client. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      for (const { channel, stream } of this.watchers) {
        channel.end();
        stream.stop();
      }
      this.watchers.clear();
      await Promise.allSettled([...this.inflight]);
      this.client.close();
    })();
    return this.closed;
  }
}
