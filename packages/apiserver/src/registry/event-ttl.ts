/**
 * Event retention (`--event-ttl`, default 1 h, as Kubernetes): Events expire
 * a TTL after they were last written, so a cluster that records Events
 * forever does not grow its store forever.
 *
 * Kubernetes attaches each Event's etcd key to a lease of that TTL, renewed
 * by every write, and etcd deletes the key when the lease runs out; no
 * finalizer or admission step is involved, and watchers see a DELETED
 * event. The store here has no leases, so a reaper does the same from the
 * outside: every `intervalMs` it scans the Events in the store and deletes
 * (conditionally on the revision it read, so a write that lands meanwhile
 * wins) each one whose last activity is older than the TTL.
 *
 * The last activity is the newest of the Event's own timestamps
 * (creationTimestamp, firstTimestamp, lastTimestamp, eventTime,
 * series.lastObservedTime), which every recorder update refreshes. A write
 * that changes none of them (a label edit) is noticed too: the reaper keeps
 * each Event's revision from one pass to the next, and a revision that
 * changed (or a key that appeared) since the previous pass counts as
 * activity at this pass. So an Event lives at least a TTL after its last
 * occurrence, also across a restart of the API server (the first pass after
 * a start credits nothing: it cannot know when those revisions were
 * written). Several API servers on one store may each reap: a conditional
 * delete that lost the race is a no-op.
 */
import { ConflictError, KeyNotFoundError, type Store } from '@mk8s/storage';
import { errorMessage } from '@mk8s/api';
import { listPrefix } from './keys.js';

export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;
/** Events read per page of a scan. */
const PAGE = 500;

export interface EventTtlOptions {
  /** How long an Event lives after its last activity. */
  ttlMs: number;
  /** How often to scan (default: a tenth of the TTL, between 1 s and 60 s). */
  intervalMs?: number;
  now?: () => number;
  /** Called with each failed scan (the next one retries). */
  onError?: (err: unknown) => void;
  /** Called with the number of Events each scan deleted. */
  onExpired?: (count: number) => void;
}

/** The newest timestamp an Event carries, in ms since the epoch (NaN when it has none). */
export function lastActivity(event: Record<string, unknown>): number {
  const meta = (event['metadata'] ?? {}) as Record<string, unknown>;
  const series = (event['series'] ?? {}) as Record<string, unknown>;
  const stamps = [meta['creationTimestamp'], event['firstTimestamp'], event['lastTimestamp'], event['eventTime'], series['lastObservedTime']];
  let newest = Number.NaN;
  for (const s of stamps) {
    if (typeof s !== 'string') continue;
    const t = Date.parse(s);
    if (Number.isFinite(t) && !(t <= newest)) newest = t;
  }
  return newest;
}

export class EventReaper {
  private readonly ttlMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  /** Each Event's revision at the previous pass, and when a pass first saw that revision (-Infinity: unknown, the first pass). */
  private seen = new Map<string, { rev: number; at: number }>();
  private passes = 0;

  constructor(
    private readonly store: Store,
    private readonly opts: EventTtlOptions,
  ) {
    if (!(opts.ttlMs > 0)) throw new Error('the event TTL must be positive');
    this.ttlMs = opts.ttlMs;
    this.intervalMs = opts.intervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(opts.ttlMs / 10)));
    this.now = opts.now ?? Date.now;
  }

  /** Starts the periodic scan; the timer does not keep the process alive. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.scan().catch((err: unknown) => this.opts.onError?.(err)), this.intervalMs);
    this.timer.unref();
  }

  /** Stops scanning and waits for a scan in progress. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass: deletes every expired Event; resolves to how many. One pass at a time. */
  scan(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const now = this.now();
    const firstPass = this.passes++ === 0;
    const next = new Map<string, { rev: number; at: number }>();
    let expired = 0;
    let after: string | undefined;
    let revision: number | undefined;
    for (;;) {
      // Pages at one revision: a consistent scan however many Events there are.
      const page = await this.store.list(listPrefix('events'), { limit: PAGE, after, revision });
      revision = page.revision;
      for (const kv of page.items) {
        if (this.stopped) return expired;
        const before = this.seen.get(kv.key);
        const seen = before && before.rev === kv.modRevision ? before : { rev: kv.modRevision, at: firstPass ? -Infinity : now };
        let last = seen.at;
        try {
          last = Math.max(last, lastActivity(JSON.parse(kv.value) as Record<string, unknown>) || -Infinity);
        } catch (err) {
          this.opts.onError?.(new Error(`event ${kv.key} is not JSON: ${errorMessage(err)}`));
        }
        // Nothing tells when it was written (no timestamp, first pass): its life counts from now.
        if (last === -Infinity) seen.at = last = now;
        if (now - last < this.ttlMs) {
          next.set(kv.key, seen);
          continue;
        }
        try {
          await this.store.delete(kv.key, kv.modRevision);
          expired++;
        } catch (err) {
          // Written or deleted meanwhile: the newer state wins, and the next pass looks again.
          if (!(err instanceof ConflictError) && !(err instanceof KeyNotFoundError)) throw err;
        }
      }
      if (!page.more || page.items.length === 0) break;
      after = page.items[page.items.length - 1]!.key;
    }
    this.seen = next;
    if (expired > 0) this.opts.onExpired?.(expired);
    return expired;
  }
}
