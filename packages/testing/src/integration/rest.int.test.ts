// The REST client against a real API server in process: CRUD, status,
// patch, delete options, subresources (binding, eviction, log, scale), paged
// lists, watches (including 410 after compaction), optimistic concurrency
// with retryOnConflict, and surviving a server restart.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Deployment, Node, Pod } from '@mk8s/api';
import { startTestCluster, type TestCluster } from '../test-cluster.js';
import { ApiError, Clientset, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, retryOnConflict, type WatchEvent } from '@mk8s/client';

function pod(name: string, extra: { labels?: Record<string, string>; containers?: string[] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: extra.labels },
    spec: { containers: (extra.containers ?? ['app']).map((c) => ({ name: c, image: 'busybox:latest', imagePullPolicy: 'IfNotPresent' })) },
  };
}

function deployment(name: string, replicas = 1): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:latest' }] } },
    },
  };
}

function configMap(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

/** Reads events until `n` arrived, then stops the watch. */
async function take<T>(events: AsyncIterable<WatchEvent<T>>, n: number, ac: AbortController): Promise<Array<WatchEvent<T>>> {
  const out: Array<WatchEvent<T>> = [];
  for await (const ev of events) {
    out.push(ev);
    if (out.length === n) ac.abort();
  }
  return out;
}

describe('REST client against the API server', () => {
  let c: TestCluster;
  let cs: Clientset;
  beforeAll(async () => {
    c = await startTestCluster();
    cs = new Clientset({ server: c.url });
  });
  afterAll(async () => {
    cs.close();
    await c.stop();
  });

  it('creates, gets, lists, updates and deletes pods', async () => {
    const pods = cs.pods.inNamespace('default');
    const created = await pods.create(pod('crud-1', { labels: { app: 'crud' } }));
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.namespace).toBe('default');
    expect(created.status?.phase).toBe('Pending');
    const generated = await pods.create({ ...pod(''), metadata: { generateName: 'crud-' } });
    expect(generated.metadata?.name).toMatch(/^crud-.{5}$/);

    expect(await pods.get('crud-1')).toEqual(created);
    const list = await pods.list({ labelSelector: 'app=crud' });
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['crud-1']);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));

    const changed = structuredClone(created);
    changed.metadata!.labels = { app: 'crud', v: '2' };
    const updated = await pods.update(changed);
    expect(updated.metadata?.labels).toEqual({ app: 'crud', v: '2' });
    // The copy we started from is now stale.
    const stale = await pods.update({ ...created, metadata: { ...created.metadata, labels: { v: 'stale' } } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);

    const dup = await pods.create(pod('crud-1')).catch((e: unknown) => e);
    expect(isAlreadyExists(dup)).toBe(true);
    expect(isConflict(dup)).toBe(false);
    const bad = pod('crud-bad');
    delete (bad.spec!.containers[0] as { image?: string }).image;
    const invalid = (await pods.create(bad).catch((e: unknown) => e)) as ApiError;
    expect(isInvalid(invalid)).toBe(true);
    expect(invalid.status.details?.causes?.map((x) => x.field)).toContain('spec.containers[0].image');

    const deleted = await pods.delete('crud-1');
    expect(deleted.metadata?.uid).toBe(created.metadata?.uid);
    expect(isNotFound(await pods.get('crud-1').catch((e: unknown) => e))).toBe(true);
    expect(isNotFound(await pods.delete('crud-1').catch((e: unknown) => e))).toBe(true);
  });

  it('creates, updates and deletes deployments, bumping generation on spec changes', async () => {
    const deps = cs.deployments.inNamespace('default');
    const d = await deps.create(deployment('web-crud'));
    expect(d.metadata?.generation).toBe(1);
    expect(d.spec?.strategy?.type).toBe('RollingUpdate');
    const next = structuredClone(d);
    next.spec!.replicas = 3;
    const u = await deps.update(next);
    expect(u.spec?.replicas).toBe(3);
    expect(u.metadata?.generation).toBe(2);
    expect((await cs.deployments.list()).items.some((x) => x.metadata?.name === 'web-crud')).toBe(true);
    await deps.delete('web-crud');
    expect(isNotFound(await deps.get('web-crud').catch((e: unknown) => e))).toBe(true);
  });

  it('dry-run creates write nothing; Strict field validation rejects unknown fields', async () => {
    const cms = cs.configMaps.inNamespace('default');
    const dry = await cms.create(configMap('dry-1', { a: '1' }), { dryRun: true });
    expect(dry.metadata?.name).toBe('dry-1');
    expect(isNotFound(await cms.get('dry-1').catch((e: unknown) => e))).toBe(true);
    const strict = await cms.create({ ...configMap('strict-1'), bogus: true } as ConfigMap, { fieldValidation: 'Strict' }).catch((e: unknown) => e);
    expect(strict).toBeInstanceOf(ApiError);
    expect((strict as ApiError).code).toBe(400);
  });

  it('updateStatus changes status and keeps spec; update keeps status', async () => {
    const pods = cs.pods.inNamespace('default');
    const created = await pods.create(pod('status-1'));
    const withStatus = structuredClone(created);
    withStatus.status = { ...withStatus.status, phase: 'Running', podIP: '10.0.0.7' };
    withStatus.spec!.containers[0]!.image = 'busybox:changed-through-status';
    const s = await pods.updateStatus(withStatus);
    expect(s.status?.phase).toBe('Running');
    expect(s.status?.podIP).toBe('10.0.0.7');
    expect(s.spec?.containers[0]?.image).toBe('busybox:latest');

    const viaMain = structuredClone(s);
    viaMain.status = { ...viaMain.status, phase: 'Failed' };
    viaMain.metadata!.labels = { touched: 'yes' };
    const m = await pods.update(viaMain);
    expect(m.metadata?.labels).toEqual({ touched: 'yes' });
    expect(m.status?.phase).toBe('Running');
  });

  it('patches with json, merge and strategic merge patches, and patches status', async () => {
    const pods = cs.pods.inNamespace('default');
    await pods.create(pod('patch-1', { labels: { a: '1' }, containers: ['app', 'sidecar'] }));

    const j = await pods.patch('patch-1', [{ op: 'add', path: '/metadata/labels/b', value: '2' }], 'json');
    expect(j.metadata?.labels).toEqual({ a: '1', b: '2' });

    const m = await pods.patch('patch-1', { metadata: { labels: { a: null, c: '3' } } }, 'merge');
    expect(m.metadata?.labels).toEqual({ b: '2', c: '3' });

    // Strategic merge matches containers by name: only the sidecar's image changes, app stays.
    const s = await pods.patch('patch-1', { spec: { containers: [{ name: 'sidecar', image: 'busybox:v2' }] } }, 'strategic');
    expect(s.spec?.containers.map((x) => [x.name, x.image])).toEqual([
      ['app', 'busybox:latest'],
      ['sidecar', 'busybox:v2'],
    ]);
    // A merge patch of the same list replaces it whole (and the server refuses changing a pod's containers).
    const replaced = await pods.patch('patch-1', { spec: { containers: [{ name: 'sidecar', image: 'busybox:v3' }] } }, 'merge').catch((e: unknown) => e);
    expect(replaced).toBeInstanceOf(ApiError);

    const st = await pods.patch('patch-1', { status: { phase: 'Running' }, metadata: { labels: { ignored: 'x' } } }, 'merge', { status: true });
    expect(st.status?.phase).toBe('Running');
    expect(st.metadata?.labels).toEqual({ b: '2', c: '3' });

    const failing = await pods.patch('patch-1', [{ op: 'test', path: '/metadata/labels/b', value: 'nope' }], 'json').catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(ApiError);
  });

  it('deletes with propagationPolicy (finalizers) and preconditions', async () => {
    const cms = cs.configMaps.inNamespace('default');
    await cms.create(configMap('fg-1'));
    const fg = await cms.delete('fg-1', { propagationPolicy: 'Foreground' });
    expect(fg.metadata?.finalizers).toContain('foregroundDeletion');
    expect(fg.metadata?.deletionTimestamp).toBeTruthy();
    await cms.create(configMap('orphan-1'));
    const orphan = await cms.delete('orphan-1', { propagationPolicy: 'Orphan' });
    expect(orphan.metadata?.finalizers).toContain('orphan');
    // Both are held until their finalizers are removed.
    expect((await cms.get('fg-1')).metadata?.deletionTimestamp).toBeTruthy();
    await cms.patch('fg-1', { metadata: { finalizers: null } }, 'merge');
    expect(isNotFound(await cms.get('fg-1').catch((e: unknown) => e))).toBe(true);

    const pre = await cms.create(configMap('pre-1'));
    const wrongUid = await cms.delete('pre-1', { preconditions: { uid: 'not-the-uid' } }).catch((e: unknown) => e);
    expect(isConflict(wrongUid)).toBe(true);
    const wrongRv = await cms.delete('pre-1', { preconditions: { resourceVersion: '1' } }).catch((e: unknown) => e);
    expect(isConflict(wrongRv)).toBe(true);
    expect((await cms.get('pre-1')).metadata?.uid).toBe(pre.metadata?.uid);
    const gone = await cms.delete('pre-1', { preconditions: { uid: pre.metadata!.uid!, resourceVersion: pre.metadata!.resourceVersion! } });
    expect(gone.metadata?.uid).toBe(pre.metadata?.uid);
    expect(isNotFound(await cms.get('pre-1').catch((e: unknown) => e))).toBe(true);
  });

  it('deletes a collection by label', async () => {
    const cms = cs.configMaps.inNamespace('default');
    for (const n of ['dc-1', 'dc-2']) await cms.create(configMap(n, {}, { batch: 'dc' }));
    await cms.create(configMap('dc-keep', {}, { batch: 'other' }));
    const out = await cms.deleteCollection({ labelSelector: 'batch=dc' });
    expect(out.items.map((x) => x.metadata?.name).sort()).toEqual(['dc-1', 'dc-2']);
    expect((await cms.list({ labelSelector: 'batch' })).items.map((x) => x.metadata?.name)).toEqual(['dc-keep']);
  });

  it('binds a pod once, then answers 409', async () => {
    const created = await cs.pods.inNamespace('default').create(pod('bind-1'));
    const ok = await cs.pods.bind('default', 'bind-1', 'node-a');
    expect(ok).toMatchObject({ kind: 'Status', status: 'Success' });
    const bound = await cs.pods.inNamespace('default').get('bind-1');
    expect(bound.spec?.nodeName).toBe('node-a');
    expect(bound.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status).toBe('True');
    const again = (await cs.pods.bind('default', 'bind-1', 'node-b').catch((e: unknown) => e)) as ApiError;
    expect(isConflict(again)).toBe(true);
    expect(again.message).toContain('already assigned');
    // A uid precondition that no longer matches is a conflict too.
    await cs.pods.inNamespace('default').create(pod('bind-2'));
    expect(isConflict(await cs.pods.bind('default', 'bind-2', 'node-a', { uid: created.metadata!.uid! }).catch((e: unknown) => e))).toBe(true);
    expect(isNotFound(await cs.pods.bind('default', 'no-such-pod', 'node-a').catch((e: unknown) => e))).toBe(true);
  });

  it('evicts pods: an unbound one goes at once, a bound one is marked for graceful deletion', async () => {
    const pods = cs.pods.inNamespace('default');
    await pods.create(pod('evict-1'));
    expect(await cs.pods.evict('default', 'evict-1')).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(isNotFound(await pods.get('evict-1').catch((e: unknown) => e))).toBe(true);

    await pods.create(pod('evict-2'));
    await cs.pods.bind('default', 'evict-2', 'node-a');
    await cs.pods.evict('default', 'evict-2', { gracePeriodSeconds: 30 });
    const marked = await pods.get('evict-2');
    expect(marked.metadata?.deletionTimestamp).toBeTruthy();
    expect(marked.metadata?.deletionGracePeriodSeconds).toBe(30);
    expect(isNotFound(await cs.pods.evict('default', 'evict-none').catch((e: unknown) => e))).toBe(true);
  });

  it('gets and updates the scale of deployments and replicasets', async () => {
    await cs.deployments.inNamespace('default').create(deployment('scale-1', 2));
    const scale = await cs.deployments.getScale('default', 'scale-1');
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { selector: 'app=scale-1' } });
    const updated = await cs.deployments.updateScale('default', 'scale-1', 5);
    expect(updated.spec?.replicas).toBe(5);
    expect((await cs.deployments.inNamespace('default').get('scale-1')).spec?.replicas).toBe(5);
    const stale = await cs.deployments.updateScale('default', 'scale-1', 6, { resourceVersion: scale.metadata!.resourceVersion! }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect(isNotFound(await cs.replicaSets.getScale('default', 'none').catch((e: unknown) => e))).toBe(true);
  });

  it('pages lists with limit/continue, and listAll collects every page of one snapshot', async () => {
    const cms = cs.configMaps.inNamespace('default');
    for (let i = 0; i < 7; i++) await cms.create(configMap(`page-${i}`, {}, { paged: 'yes' }));
    const first = await cms.list({ labelSelector: 'paged=yes', limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.metadata.continue).toBeTruthy();
    const all = await cms.listAll({ labelSelector: 'paged=yes', limit: 3 });
    expect(all.items.map((x) => x.metadata?.name)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`));
    expect(all.metadata.continue).toBeUndefined();
    expect(all.metadata.resourceVersion).toBeTruthy();
    // Across namespaces, too.
    expect((await cs.configMaps.listAll({ labelSelector: 'paged=yes', limit: 2 })).items).toHaveLength(7);
  });

  it("watches from a list's resourceVersion and sees ADDED, MODIFIED, DELETED", async () => {
    const cms = cs.configMaps.inNamespace('default');
    const list = await cms.list({ labelSelector: 'w=1' });
    const ac = new AbortController();
    const events = take(cms.watch({ resourceVersion: list.metadata.resourceVersion!, labelSelector: 'w=1', signal: ac.signal }), 3, ac);
    const created = await cms.create(configMap('watch-1', { v: '1' }, { w: '1' }));
    await cms.update({ ...created, data: { v: '2' } });
    await cms.delete('watch-1');
    const seen = await events;
    expect(seen.map((e) => [e.type, e.object.metadata?.name, e.object.data?.['v']])).toEqual([
      ['ADDED', 'watch-1', '1'],
      ['MODIFIED', 'watch-1', '2'],
      ['DELETED', 'watch-1', '2'],
    ]);
  });

  it('watches without a resourceVersion: current objects first as ADDED', async () => {
    const cms = cs.configMaps.inNamespace('default');
    await cms.create(configMap('present-1', {}, { present: 'y' }));
    const ac = new AbortController();
    const seen = await take(cms.watch({ labelSelector: 'present=y', signal: ac.signal }), 1, ac);
    expect(seen.map((e) => [e.type, e.object.metadata?.name])).toEqual([['ADDED', 'present-1']]);
  });

  it('throws ApiError before any event for a bad watch request', async () => {
    const err = await (async () => {
      for await (const _ev of cs.pods.watch({ fieldSelector: 'spec.nope=1' })) throw new Error('no events expected');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
  });

  it('ends a watch when the server ends it (timeoutSeconds)', async () => {
    const seen: string[] = [];
    for await (const ev of cs.namespaces.watch({ timeoutSeconds: 1 })) seen.push(ev.type);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['ADDED']));
  });

  it('N concurrent retryOnConflict incrementers end at exactly N', async () => {
    const N = 12;
    const cms = cs.configMaps.inNamespace('default');
    await cms.create(configMap('counter', { n: '0' }));
    let conflicts = 0;
    // Every worker's first attempt reads before any of them writes (a barrier), so exactly one first write
    // wins and the other N-1 conflict: retries are certain to happen. Each failed attempt means another
    // worker's write landed in between, so N attempts always suffice.
    let firstReads = 0;
    let allRead!: () => void;
    const barrier = new Promise<void>((r) => (allRead = r));
    await Promise.all(
      Array.from({ length: N }, () => {
        let attempt = 0;
        return retryOnConflict(
          async () => {
            const cur = await cms.get('counter');
            if (attempt++ === 0 && ++firstReads === N) allRead();
            if (attempt === 1) await barrier;
            const next = { ...cur, data: { n: String(Number(cur.data?.['n'] ?? '0') + 1) } };
            try {
              return await cms.update(next);
            } catch (err) {
              if (isConflict(err)) conflicts++;
              throw err;
            }
          },
          { steps: N },
        );
      }),
    );
    expect((await cms.get('counter')).data?.['n']).toBe(String(N));
    expect(conflicts).toBeGreaterThanOrEqual(N - 1);
  });

  it('streams pod logs through the API server from the node kubelet, and follows until aborted', async () => {
    let release!: () => void;
    const followEnded = new Promise<void>((r) => (release = r));
    const kubelet = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname !== '/containerLogs/default/log-1/app') return void res.writeHead(404).end('not here');
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      if (u.searchParams.get('follow') === 'true') {
        res.write('line 1\n');
        res.on('close', () => release());
        return;
      }
      res.end(`line 1\nline 2\ntail=${u.searchParams.get('tailLines') ?? ''}\n`);
    });
    await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
    try {
      const port = (kubelet.address() as AddressInfo).port;
      const node = await cs.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'log-node' } } as Node);
      await cs.nodes.updateStatus({
        ...node,
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
      });
      await cs.pods.inNamespace('default').create(pod('log-1'));
      // Unbound: the server answers 400 before any data.
      expect(await cs.pods.logText('default', 'log-1').catch((e: unknown) => (e as ApiError).code)).toBe(400);
      await cs.pods.bind('default', 'log-1', 'log-node');
      expect(await cs.pods.logText('default', 'log-1', { tailLines: 2 })).toBe('line 1\nline 2\ntail=2\n');

      const ac = new AbortController();
      const stream = await cs.pods.log('default', 'log-1', { follow: true, signal: ac.signal });
      const got: string[] = [];
      await (async () => {
        for await (const chunk of stream) {
          got.push(String(chunk));
          ac.abort();
        }
      })().catch(() => undefined);
      expect(got.join('')).toBe('line 1\n');
      await followEnded; // the API server passed the hang-up on to the kubelet
    } finally {
      kubelet.closeAllConnections();
      await new Promise<void>((r) => kubelet.close(() => r()));
    }
  });
});

describe('REST client: compaction and restarts', () => {
  it('gets an ERROR event with code 410 when watching from a compacted resourceVersion', async () => {
    const c = await startTestCluster({ watchCacheWindow: 2 });
    const cs = new Clientset({ server: c.url });
    try {
      const cms = cs.configMaps.inNamespace('default');
      const old = await cms.list();
      for (let i = 0; i < 5; i++) await cms.create(configMap(`compact-${i}`));
      await c.store.compact(c.store.currentRevision() - 1);
      const events: Array<WatchEvent<unknown>> = [];
      for await (const ev of cms.watch({ resourceVersion: old.metadata.resourceVersion! })) events.push(ev);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
      expect(isGone(new ApiError(events[0]!.object as ApiError['status']))).toBe(true);
    } finally {
      cs.close();
      await c.stop();
    }
  });

  it('ends open watches when the server restarts and keeps working afterwards on the same Clientset', async () => {
    const c = await startTestCluster();
    const cs = new Clientset({ server: c.url });
    try {
      const cms = cs.configMaps.inNamespace('default');
      await cms.create(configMap('before'));
      // Established first: the current objects arrive as ADDED before the restart.
      const events = cms.watch()[Symbol.asyncIterator]();
      expect((await events.next()).value?.object.metadata?.name).toBe('before');
      await c.restart();
      const after = await events.next().catch((e: unknown) => e);
      // Ended, cleanly or with a TransportError; never another event.
      if (after instanceof Error) expect(after.name).toBe('TransportError');
      else expect(after).toEqual({ done: true, value: undefined });
      expect((await cms.get('before')).metadata?.name).toBe('before');
      await cms.create(configMap('after'));
      expect((await cms.list()).items.map((x) => x.metadata?.name)).toEqual(expect.arrayContaining(['before', 'after']));
    } finally {
      cs.close();
      await c.stop();
    }
  });

  it('fails with a TransportError naming the server when nothing listens', async () => {
    const c = await startTestCluster();
    const url = c.url;
    await c.stop();
    const cs = new Clientset({ server: url });
    try {
      const err = (await cs.namespaces.list().catch((e: unknown) => e)) as Error;
      expect(err.name).toBe('TransportError');
      expect(err.message).toContain(url);
      expect(err.cause).toBeDefined();
    } finally {
      cs.close();
    }
  });
});
