// Informers against a real API server: the event sequence a handler sees
// matches the writes exactly, across a server restart (resume from the last
// resourceVersion, nothing lost or repeated) and across compaction (410,
// relist, tombstones for what was deleted meanwhile).
//
// The REST client is written elsewhere; a minimal ListerWatcher over
// node:http lives here so this test depends only on the informers.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  apiErrorFrom,
  isDeletedFinalStateUnknown,
  SharedInformer,
  silentLogger,
  type KubeObject,
  type ListOptions,
  type ListerWatcher,
  type ObjectList,
  type ResourceEventHandler,
  type WatchEvent,
  type WatchOptions,
} from '@mk8s/client';
import { eventually } from '../eventually.js';
import { startTestCluster, type TestCluster } from '../test-cluster.js';

const CMS = '/api/v1/namespaces/default/configmaps';

interface Reply {
  status: number;
  body: any;
}

/** One request on a fresh connection (no keep-alive pool to go stale across restarts). */
function request(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(base + path, { method, agent: false, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * list = GET JSON; watch = GET ?watch=true read as newline-delimited JSON.
 * `hold()` makes new watches wait (the informer is "offline") until
 * `release()`; `disconnect()` breaks the open watch connections.
 */
class HttpListerWatcher implements ListerWatcher<KubeObject> {
  lists = 0;
  readonly watchFrom: string[] = [];
  private gate: { promise: Promise<void>; open: () => void } | undefined;
  private readonly open = new Set<http.ClientRequest>();
  private readonly cut = new WeakSet<http.ClientRequest>();

  constructor(
    private readonly base: string,
    private readonly path: string,
  ) {}

  hold(): void {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  /** Watch connections currently open. */
  get connections(): number {
    return this.open.size;
  }

  disconnect(): void {
    for (const req of this.open) {
      this.cut.add(req);
      req.destroy();
    }
  }

  async list(opts: ListOptions): Promise<ObjectList<KubeObject>> {
    this.lists++;
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.continue) q.set('continue', opts.continue);
    if (opts.resourceVersion) q.set('resourceVersion', opts.resourceVersion);
    const r = await request(this.base, 'GET', `${this.path}?${q}`);
    if (r.status >= 300) throw apiErrorFrom(r.status, r.body);
    return r.body as ObjectList<KubeObject>;
  }

  async *watch(opts: WatchOptions): AsyncGenerator<WatchEvent<KubeObject>> {
    this.watchFrom.push(opts.resourceVersion ?? '');
    if (this.gate) await Promise.race([this.gate.promise, aborted(opts.signal)]);
    if (opts.signal?.aborted) return;
    const q = new URLSearchParams({ watch: 'true' });
    if (opts.resourceVersion) q.set('resourceVersion', opts.resourceVersion);
    if (opts.allowWatchBookmarks) q.set('allowWatchBookmarks', 'true');
    const req = http.get(`${this.base}${this.path}?${q}`, { agent: false });
    this.open.add(req);
    const onAbort = (): void => void req.destroy();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        req.on('response', resolve);
        req.on('error', reject);
      });
      if ((res.statusCode ?? 0) >= 300) {
        let text = '';
        for await (const c of res) text += String(c);
        throw apiErrorFrom(res.statusCode ?? 0, JSON.parse(text));
      }
      res.setEncoding('utf8');
      let buf = '';
      for await (const chunk of res as AsyncIterable<string>) {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent<KubeObject>;
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (this.cut.has(req)) throw new Error('connection cut by the test');
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.open.delete(req);
      req.destroy();
    }
  }
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal || signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

const at = (o: KubeObject): string => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;

function recorder(): ResourceEventHandler<KubeObject> & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    onAdd: (o) => void log.push(`add ${at(o)}`),
    onUpdate: (a, b) => void log.push(`update ${at(a)} -> ${at(b)}`),
    onDelete: (o) => void log.push(isDeletedFinalStateUnknown(o) ? `tombstone ${o.key} ${at(o.obj)}` : `delete ${o.metadata?.name}`),
  };
}

const quiet = silentLogger;

function configMap(name: string, value: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } };
}

/** Writes that return what a handler should be told about them. */
function writer(c: TestCluster) {
  const current = new Map<string, string>();
  const ok = (r: Reply, what: string): any => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    async create(name: string): Promise<string> {
      const o = ok(await request(c.url, 'POST', CMS, configMap(name, 'v0')), `create ${name}`);
      current.set(name, o.metadata.resourceVersion);
      return `add ${at(o)}`;
    },
    async update(name: string, value: string): Promise<string> {
      const before = current.get(name)!;
      const o = ok(await request(c.url, 'PUT', `${CMS}/${name}`, configMap(name, value)), `update ${name}`);
      current.set(name, o.metadata.resourceVersion);
      return `update ${name}@${before} -> ${at(o)}`;
    },
    async remove(name: string): Promise<string> {
      ok(await request(c.url, 'DELETE', `${CMS}/${name}`), `delete ${name}`);
      current.delete(name);
      return `delete ${name}`;
    },
  };
}

describe('informers against a real API server', () => {
  let cluster: TestCluster | undefined;
  let ac: AbortController | undefined;
  let running: Promise<void> | undefined;
  afterEach(async () => {
    ac?.abort();
    await running;
    await cluster?.stop();
    cluster = ac = running = undefined;
  });

  function startInformer(c: TestCluster) {
    const lw = new HttpListerWatcher(c.url, CMS);
    const informer = new SharedInformer(lw, { logger: quiet, minBackoffMs: 20, maxBackoffMs: 200, name: 'configmaps' });
    const h = recorder();
    informer.addEventHandler(h);
    ac = new AbortController();
    running = informer.run(ac.signal);
    return { lw, informer, h };
  }

  it('sees creates, updates and deletes in the order they were written', async () => {
    const c = (cluster = await startTestCluster());
    const w = writer(c);
    const first = await w.create('pre-existing');
    const { informer, h } = startInformer(c);
    expect(await informer.waitForSync(AbortSignal.timeout(20_000))).toBe(true);
    expect(h.log).toEqual([first]);
    const expected = [
      first,
      await w.create('a'),
      await w.update('a', 'v1'),
      await w.create('b'),
      await w.update('a', 'v2'),
      await w.remove('a'),
      await w.remove('b'),
    ];
    await eventually(() => h.log.length >= expected.length, { message: 'all events', intervalMs: 10 });
    expect(h.log).toEqual(expected);
    expect(informer.getStore().keys()).toEqual(['default/pre-existing']);
  });

  it('loses and repeats nothing across an API server restart', async () => {
    const c = (cluster = await startTestCluster());
    const w = writer(c);
    const { lw, informer, h } = startInformer(c);
    expect(await informer.waitForSync(AbortSignal.timeout(20_000))).toBe(true);
    const expected = [await w.create('a'), await w.create('b'), await w.update('a', 'v1')];
    await eventually(() => h.log.length >= 3, { message: 'events before the restart', intervalMs: 10 });
    const rvBefore = informer.lastSyncResourceVersion();
    const watchesBefore = lw.watchFrom.length;
    await c.restart();
    expected.push(await w.create('c'), await w.remove('b'), await w.update('c', 'v1'), await w.update('a', 'v2'));
    await eventually(() => h.log.length >= expected.length, { message: 'events after the restart', intervalMs: 10 });
    // Give a stray duplicate the chance to show up before comparing.
    await eventually(() => informer.lastSyncResourceVersion() === String(c.store.currentRevision()), { message: 'caught up', intervalMs: 10 });
    expect(h.log).toEqual(expected);
    expect(lw.lists).toBe(1);
    // Every reconnect resumed from the resourceVersion reached before the restart (or later), never from scratch.
    const resumes = lw.watchFrom.slice(watchesBefore);
    expect(resumes.length).toBeGreaterThan(0);
    expect(resumes[0]).toBe(rvBefore);
    for (const rv of resumes) expect(Number(rv)).toBeGreaterThanOrEqual(Number(rvBefore));
    const server = (await request(c.url, 'GET', CMS)).body as ObjectList<KubeObject>;
    expect(informer.lister.list().map(at).sort()).toEqual(server.items.map(at).sort());
  });

  it('relists after its resourceVersion was compacted away, tombstoning what it missed', async () => {
    const c = (cluster = await startTestCluster({ watchCacheWindow: 2 }));
    const w = writer(c);
    await w.create('keep');
    await w.create('doomed');
    await w.create('changes');
    const { lw, informer, h } = startInformer(c);
    expect(await informer.waitForSync(AbortSignal.timeout(20_000))).toBe(true);
    const stale = informer.getStore().get('default/doomed')!;
    const changesBefore = informer.getStore().get('default/changes')!;
    // Take the informer offline, write more than the watch cache holds, compact history.
    await eventually(() => lw.connections === 1, { message: 'the watch to connect', intervalMs: 10 });
    lw.hold();
    lw.disconnect();
    await eventually(() => lw.watchFrom.length >= 2, { message: 'the informer to try to reconnect', intervalMs: 10 });
    const offline = [await w.remove('doomed'), await w.update('changes', 'v1'), await w.create('new1'), await w.create('new2'), await w.update('new1', 'v1')];
    expect(offline).toHaveLength(5);
    await c.store.compact(c.store.currentRevision());
    lw.release();
    await eventually(() => lw.lists >= 2, { message: 'a relist', intervalMs: 10 });
    const server = (await request(c.url, 'GET', CMS)).body as ObjectList<KubeObject>;
    await eventually(() => informer.lastSyncResourceVersion() === server.metadata.resourceVersion, { message: 'the relist to land', intervalMs: 10 });
    expect(informer.lister.list().map(at).sort()).toEqual(server.items.map(at).sort());
    const byName = new Map(server.items.map((o) => [o.metadata!.name!, o]));
    expect(h.log.slice(3).sort()).toEqual(
      [
        `add ${at(byName.get('new1')!)}`,
        `add ${at(byName.get('new2')!)}`,
        `tombstone default/doomed ${at(stale)}`,
        `update ${at(changesBefore)} -> ${at(byName.get('changes')!)}`,
      ].sort(),
    );
  });
});
