/**
 * Follows a watch for the whole run and rebuilds the resource's state from
 * its events, as an informer does: ADDED/MODIFIED set an object, DELETED
 * removes it, BOOKMARK advances the resourceVersion. When the server ends the
 * stream the recorder resumes from the last resourceVersion; on `410 Gone`
 * it relists (and counts it), which is the protocol, not a finding.
 *
 * The consistency check (consistency-checks.ts) compares this state with a
 * fresh list at the end: a missed, duplicated or out-of-order event shows up
 * as a difference.
 */
import http from 'node:http';
import { sendJson, type Target } from './raw-http.js';

export interface WatchedObject {
  resourceVersion: string;
}

interface Meta {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
}

export function objectKey(meta: Meta): string {
  return `${meta.namespace ?? ''}/${meta.name ?? ''}`;
}

export class WatchRecorder {
  readonly state = new Map<string, WatchedObject>();
  /** Problems seen on the stream itself (unparsable lines, ERROR events other than 410, failed reconnects). */
  readonly problems: string[] = [];
  relists = 0;
  reconnects = 0;
  events = 0;
  private lastRv: string | undefined;
  /** Set by a 410 ERROR event: the next connection must relist first. */
  private needRelist = false;
  private running = true;
  private req: http.ClientRequest | undefined;

  constructor(
    private readonly target: Target,
    /** Collection path, e.g. `/api/v1/configmaps` (all namespaces). */
    readonly path: string,
  ) {}

  /** Starts following; resolves once the first stream is open. */
  async start(): Promise<void> {
    await this.open();
  }

  stop(): void {
    this.running = false;
    this.req?.destroy();
  }

  private async relist(): Promise<void> {
    const { outcome, json } = await sendJson(this.target, 'GET', this.path);
    if (outcome.kind !== 'response' || outcome.res.status !== 200) {
      this.problems.push(`relist of ${this.path} failed: ${outcome.kind === 'response' ? outcome.res.status : outcome.detail}`);
      return;
    }
    const list = json as { metadata?: { resourceVersion?: string }; items?: Array<{ metadata?: Meta }> };
    this.state.clear();
    for (const item of list.items ?? []) this.state.set(objectKey(item.metadata ?? {}), { resourceVersion: item.metadata?.resourceVersion ?? '' });
    this.lastRv = list.metadata?.resourceVersion;
    this.relists++;
  }

  private onEvent(line: string): void {
    let ev: { type?: string; object?: { metadata?: Meta; code?: number; message?: string } };
    try {
      ev = JSON.parse(line) as typeof ev;
    } catch {
      this.problems.push(`unparsable watch line on ${this.path}: ${line.slice(0, 120)}`);
      return;
    }
    this.events++;
    const meta = ev.object?.metadata ?? {};
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.state.set(objectKey(meta), { resourceVersion: meta.resourceVersion ?? '' });
        break;
      case 'DELETED':
        this.state.delete(objectKey(meta));
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR':
        if (ev.object?.code === 410) {
          this.lastRv = undefined;
          this.needRelist = true;
        } else this.problems.push(`watch ERROR event on ${this.path}: ${ev.object?.code} ${ev.object?.message}`);
        return;
      default:
        this.problems.push(`unknown watch event type ${JSON.stringify(ev.type)} on ${this.path}`);
        return;
    }
    if (meta.resourceVersion) this.lastRv = meta.resourceVersion;
  }

  private open(): Promise<void> {
    const fresh = this.lastRv === undefined;
    // A watch without resourceVersion starts with ADDED events for the current state: start from empty.
    if (fresh) this.state.clear();
    const query = `?watch=1&allowWatchBookmarks=true${fresh ? '' : `&resourceVersion=${this.lastRv}`}`;
    return new Promise<void>((resolve) => {
      const req = http.get({ host: this.target.host, port: this.target.port, path: this.path + query, headers: { Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          this.problems.push(`watch ${this.path}${query} answered ${res.statusCode}`);
          res.resume();
          resolve();
          return;
        }
        resolve();
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (line) this.onEvent(line);
          }
        });
        res.on('end', () => void this.resume());
        res.on('error', () => void this.resume());
      });
      req.on('error', (err) => {
        if (this.running) this.problems.push(`watch ${this.path}: ${err.message}`);
        resolve();
      });
      this.req = req;
    });
  }

  private async resume(): Promise<void> {
    if (!this.running) return;
    this.reconnects++;
    if (this.needRelist) {
      this.needRelist = false;
      await this.relist();
    }
    if (this.running) await this.open();
  }
}
