/**
 * One etcd watch on its own gRPC stream, for `EtcdStore.watch`. etcd3's
 * built-in Watcher hides the compaction revision of a canceled watch, so the
 * store drives the raw Watch RPC:
 *
 * - create_request from `last + 1` with `prev_kv` (the store's events carry
 *   the previous version);
 * - every response's header revision is reported (it keeps the store's
 *   revision current), events in etcd's order;
 * - a canceled watch with `compact_revision` means history is gone:
 *   `compacted(rev)`; any other cancel is a failure;
 * - a broken stream (member killed, network) reconnects with backoff through
 *   the client's pool (another member) and resumes after the last delivered
 *   revision: no gap, no duplicate.
 */
import type { Etcd3, IDuplexStream, IEvent, IResponseHeader, IWatchRequest, IWatchResponse } from 'etcd3';

export interface EtcdWatchHandlers {
  header(header: IResponseHeader): void;
  events(events: IEvent[]): void;
  compacted(compactRevision: number): void;
  failed(err: Error): void;
}

/** [start, end) of every etcd key starting with `prefix` (etcd's prefix range; "\0" end = no upper bound). */
export function keyRange(prefix: Buffer): [Buffer, Buffer] {
  const start = prefix.length === 0 ? Buffer.from([0]) : prefix;
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i]!;
    if (byte < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = byte + 1;
      return [start, end];
    }
  }
  return [start, Buffer.from([0])];
}

export class EtcdWatchStream {
  private last: number;
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Etcd3,
    private readonly key: Buffer,
    private readonly rangeEnd: Buffer,
    afterRevision: number,
    private readonly handlers: EtcdWatchHandlers,
  ) {
    this.last = afterRevision;
  }

  /** The revision of the last event delivered (or the starting point). */
  get lastRevision(): number {
    return this.last;
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      try {
        s.cancel();
      } catch {
        // already gone
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    try {
      stream = await this.client.watchClient.watch();
    } catch (err) {
      this.retry(err);
      return;
    }
    if (this.stopped) {
      stream.on('error', () => {});
      stream.cancel();
      return;
    }
    this.stream = stream;
    let done = false;
    const finish = (): void => {
      done = true;
      if (this.stream === stream) this.stream = undefined;
      stream.on('error', () => {});
      try {
        stream.cancel();
      } catch {
        // already gone
      }
    };
    stream.on('data', (res) => {
      if (done || this.stopped) return;
      if (res.header) this.handlers.header(res.header);
      const compactRevision = Number(res.compact_revision || 0);
      if (compactRevision > 0) {
        finish();
        this.stopped = true;
        this.handlers.compacted(compactRevision);
        return;
      }
      if (res.canceled) {
        finish();
        this.stopped = true;
        this.handlers.failed(new Error(`etcd: watch canceled: ${res.cancel_reason || 'no reason given'}`));
        return;
      }
      if (res.created) this.attempt = 0;
      if (res.events.length > 0) {
        this.attempt = 0;
        const fresh = res.events.filter((e) => Number(e.kv.mod_revision) > this.last);
        if (fresh.length === 0) return;
        this.last = Number(fresh[fresh.length - 1]!.kv.mod_revision);
        this.handlers.events(fresh);
      }
    });
    const broken = (err: unknown): void => {
      if (done) return;
      finish();
      this.retry(err);
    };
    stream.on('error', broken);
    stream.on('end', () => broken(new Error('etcd: watch stream ended')));
    stream.write({
      create_request: { key: this.key, range_end: this.rangeEnd, start_revision: this.last + 1, prev_kv: true, progress_notify: true },
    });
  }

  private retry(_err: unknown): void {
    if (this.stopped) return;
    const wait = Math.min(100 * 2 ** this.attempt, 2_000);
    this.attempt++;
    this.timer = setTimeout(() => void this.connect(), wait);
  }
}
