// Watch over HTTP as Kubernetes clients use it: event types, resume from a
// resourceVersion, selectors, bookmarks, timeouts, compaction (410) and
// resuming across an API server restart on the same store.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LevelStore } from '@mk8s/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openWatch, pod, startServer, type TestServer } from './testing/test-support.js';

type Obj = Record<string, any>;
const PODS = '/api/v1/namespaces/default/pods';

describe('API server: watch', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ bookmarkIntervalMs: 100 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('streams ADDED, MODIFIED and DELETED from a list resourceVersion', async () => {
    const list = (await call<Obj>(s.url, 'GET', PODS)).body;
    const w = openWatch(s.url, `${PODS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    const created = (await call<Obj>(s.url, 'POST', PODS, pod('w1'))).body;
    const upd = structuredClone(created);
    upd.metadata.labels = { x: '1' };
    await call(s.url, 'PUT', `${PODS}/w1`, upd);
    await call(s.url, 'DELETE', `${PODS}/w1`);
    const events = await w.waitFor(3);
    w.close();
    expect(w.status).toBe(200);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events.map((e) => e.object.metadata.name)).toEqual(['w1', 'w1', 'w1']);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[0]).toBe(Number(created.metadata.resourceVersion));
    expect(rvs[1]).toBeGreaterThan(rvs[0]!);
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
  });

  it('resumes from an older resourceVersion without gaps', async () => {
    const start = (await call<Obj>(s.url, 'GET', PODS)).body.metadata.resourceVersion;
    await call(s.url, 'POST', PODS, pod('r1'));
    await call(s.url, 'POST', PODS, pod('r2'));
    const w = openWatch(s.url, `${PODS}?watch=1&resourceVersion=${start}`);
    await call(s.url, 'POST', PODS, pod('r3'));
    const events = await w.waitFor(3);
    w.close();
    expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:r1', 'ADDED:r2', 'ADDED:r3']);
  });

  it('without a resourceVersion, starts with the current state as ADDED', async () => {
    const w = openWatch(s.url, `${PODS}?watch=true&labelSelector=${encodeURIComponent('start=now')}`);
    await call(s.url, 'POST', PODS, pod('s1', { labels: { start: 'now' } }));
    const events = await w.waitFor(1);
    expect(events[0]).toMatchObject({ type: 'ADDED' });
    w.close();
    const w2 = openWatch(s.url, `${PODS}?watch=true&labelSelector=${encodeURIComponent('start=now')}`);
    const initial = await w2.waitFor(1);
    w2.close();
    expect(initial[0]!.object.metadata.name).toBe('s1');
  });

  it('turns selector changes into ADDED and DELETED for the watcher', async () => {
    const rv = (await call<Obj>(s.url, 'GET', PODS)).body.metadata.resourceVersion;
    const w = openWatch(s.url, `${PODS}?watch=true&resourceVersion=${rv}&labelSelector=role%3Dfront`);
    const p = (await call<Obj>(s.url, 'POST', PODS, pod('sel', { labels: { role: 'back' } }))).body;
    p.metadata.labels.role = 'front';
    const p2 = (await call<Obj>(s.url, 'PUT', `${PODS}/sel`, p)).body;
    p2.metadata.labels.role = 'back';
    await call(s.url, 'PUT', `${PODS}/sel`, p2);
    const events = await w.waitFor(2);
    w.close();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('filters by namespace and field selector (the kubelet watch)', async () => {
    await call(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const rv = (await call<Obj>(s.url, 'GET', '/api/v1/pods')).body.metadata.resourceVersion;
    const w = openWatch(s.url, `/api/v1/pods?watch=true&resourceVersion=${rv}&fieldSelector=spec.nodeName%3Dnode-7`);
    await call(s.url, 'POST', PODS, pod('elsewhere', { nodeName: 'node-1' }));
    await call(s.url, 'POST', '/api/v1/namespaces/other/pods', pod('mine', { nodeName: 'node-7' }));
    const events = await w.waitFor(1);
    await new Promise((r) => setTimeout(r, 100));
    w.close();
    expect(events.map((e) => `${e.object.metadata.namespace}/${e.object.metadata.name}`)).toEqual(['other/mine']);
  });

  it('sends bookmarks when allowed, and ends at timeoutSeconds', async () => {
    const rv = (await call<Obj>(s.url, 'GET', PODS)).body.metadata.resourceVersion;
    const w = openWatch(s.url, `${PODS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1`);
    const events = await w.waitFor(1);
    expect(events[0]).toMatchObject({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1' } });
    expect(Number(events[0]!.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
    await w.waitEnd(15_000);
  });

  it('reads watch and allowWatchBookmarks as Kubernetes reads booleans (True, t and 1 are true; False and 0 false)', async () => {
    const rv = (await call<Obj>(s.url, 'GET', PODS)).body.metadata.resourceVersion;
    for (const v of ['True', 't', '1']) {
      const w = openWatch(s.url, `${PODS}?watch=${v}&resourceVersion=${rv}&allowWatchBookmarks=${v}&timeoutSeconds=1`);
      const events = await w.waitFor(1);
      expect(events[0]?.type, v).toBe('BOOKMARK');
      w.close();
    }
    for (const v of ['False', 'FALSE', '0']) {
      const r = await call<Obj>(s.url, 'GET', `${PODS}?watch=${v}&allowWatchBookmarks=${v}`);
      expect(r.body.kind, v).toBe('PodList');
    }
  });

  it('serves watch events as Table rows for kubectl get -w', async () => {
    const rv = (await call<Obj>(s.url, 'GET', PODS)).body.metadata.resourceVersion;
    const w = openWatch(s.url, `${PODS}?watch=true&resourceVersion=${rv}`, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
    await call(s.url, 'POST', PODS, pod('tabled'));
    const [ev] = await w.waitFor(1);
    w.close();
    expect(ev!.type).toBe('ADDED');
    expect(ev!.object.kind).toBe('Table');
    expect(ev!.object.rows[0].cells[0]).toBe('tabled');
  });

  it('many watchers each get every event', async () => {
    const rv = (await call<Obj>(s.url, 'GET', PODS)).body.metadata.resourceVersion;
    const watchers = Array.from({ length: 30 }, () => openWatch(s.url, `${PODS}?watch=true&resourceVersion=${rv}&labelSelector=fan%3Dout`));
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 5; i++) await call(s.url, 'POST', PODS, pod(`fan-${i}`, { labels: { fan: 'out' } }));
    for (const w of watchers) {
      const evs = await w.waitFor(5);
      expect(evs.map((e) => e.object.metadata.name)).toEqual(['fan-0', 'fan-1', 'fan-2', 'fan-3', 'fan-4']);
      w.close();
    }
  });
});

describe('API server: watch across compaction and restarts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-apiserver-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes a watch from a resourceVersion taken before the restart', async () => {
    const store1 = await LevelStore.open({ path: dir });
    const s1 = await startServer({ store: store1 });
    const c = (await call<Obj>(s1.url, 'POST', PODS, pod('before'))).body;
    const rv = c.metadata.resourceVersion;
    await call(s1.url, 'POST', PODS, pod('during-1'));
    await s1.close();

    const store2 = await LevelStore.open({ path: dir });
    const s2 = await startServer({ store: store2 });
    try {
      await call(s2.url, 'POST', PODS, pod('after'));
      const w = openWatch(s2.url, `${PODS}?watch=true&resourceVersion=${rv}`);
      const events = await w.waitFor(2);
      w.close();
      expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:during-1', 'ADDED:after']);
      expect((await call<Obj>(s2.url, 'GET', `${PODS}/before`)).body.metadata.uid).toBe(c.metadata.uid);
    } finally {
      await s2.close();
    }
  });

  it('answers a watch from a compacted resourceVersion with a 410 Expired ERROR event', async () => {
    const s = await startServer({ watchCacheWindow: 2 });
    try {
      const rv = (await call<Obj>(s.url, 'POST', PODS, pod('c0'))).body.metadata.resourceVersion;
      for (let i = 1; i < 6; i++) await call(s.url, 'POST', PODS, pod(`c${i}`));
      await s.store.compact(s.store.currentRevision() - 1);
      const w = openWatch(s.url, `${PODS}?watch=true&resourceVersion=${rv}`);
      const [ev] = await w.waitFor(1);
      await w.waitEnd();
      expect(ev).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
      // A paged list whose snapshot was compacted away is also 410.
      const page = await call<Obj>(s.url, 'GET', `${PODS}?limit=1&resourceVersion=${rv}&resourceVersionMatch=Exact`);
      expect(page.status).toBe(410);
    } finally {
      await s.close();
    }
  });
});
