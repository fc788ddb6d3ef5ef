// The API server's object lifecycle and error contract over HTTP:
// create/get/list/update/delete, server-set metadata, concurrency, and the
// Status replies Kubernetes clients rely on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, pod, startServer, type TestServer } from './testing/test-support.js';

type Obj = Record<string, any>;
const PODS = '/api/v1/namespaces/default/pods';

describe('API server: objects', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('creates a pod with server-set metadata, defaults and Pending status', async () => {
    const r = await call<Obj>(s.url, 'POST', PODS, { ...pod('p1'), status: { phase: 'Running' } });
    expect(r.status).toBe(201);
    const m = r.body.metadata;
    expect(m.namespace).toBe('default');
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(m.resourceVersion)).toBeGreaterThan(0);
    expect(r.body.spec.restartPolicy).toBe('Always');
    expect(r.body.spec.terminationGracePeriodSeconds).toBe(30);
    expect(r.body.spec.containers[0].imagePullPolicy).toBe('Always');
    // Status is reset on create: clients cannot create a Running pod.
    expect(r.body.status.phase).toBe('Pending');
    // DefaultTolerationSeconds admission, as in Kubernetes.
    expect(r.body.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);

    const got = await call<Obj>(s.url, 'GET', `${PODS}/p1`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(r.body);
  });

  it('DefaultTolerationSeconds is a server setting; a pod that names its own toleration keeps it', async () => {
    const fast = await startServer({ admission: { defaultNotReadyTolerationSeconds: 0, defaultUnreachableTolerationSeconds: 5 } });
    try {
      const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 };
      const a = await call<Obj>(fast.url, 'POST', PODS, pod('a'));
      expect(a.body.spec.tolerations).toEqual([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      ]);
      const withOwn = pod('b');
      withOwn['spec'] = { ...(withOwn['spec'] as Obj), tolerations: [own] };
      const b = await call<Obj>(fast.url, 'POST', PODS, withOwn);
      expect(b.body.spec.tolerations).toEqual([own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }]);
    } finally {
      await fast.close();
    }
  });

  it('answers 409 AlreadyExists for a second create', async () => {
    const r = await call<Obj>(s.url, 'POST', PODS, pod('p1'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409, details: { name: 'p1', kind: 'pods' } });
    expect(r.body.message).toBe('pods "p1" already exists');
  });

  it('generates names from generateName', async () => {
    const body = pod('');
    body['metadata'] = { generateName: 'web-' };
    const a = await call<Obj>(s.url, 'POST', PODS, body);
    const b = await call<Obj>(s.url, 'POST', PODS, body);
    expect(a.status).toBe(201);
    expect(a.body.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(b.body.metadata.name).not.toBe(a.body.metadata.name);
  });

  it('updates with optimistic concurrency: a stale resourceVersion gets 409 Conflict', async () => {
    const created = (await call<Obj>(s.url, 'POST', PODS, pod('p2', { labels: { v: '1' } }))).body;
    const first = structuredClone(created);
    first.metadata.labels.v = '2';
    const ok = await call<Obj>(s.url, 'PUT', `${PODS}/p2`, first);
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.labels.v).toBe('2');
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(ok.body.metadata.uid).toBe(created.metadata.uid);

    const stale = structuredClone(created);
    stale.metadata.labels.v = '3';
    const conflict = await call<Obj>(s.url, 'PUT', `${PODS}/p2`, stale);
    expect(conflict.status).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');
    expect(conflict.body.message).toContain('the object has been modified');
  });

  it('keeps resourceVersion on a no-op update', async () => {
    const cur = (await call<Obj>(s.url, 'GET', `${PODS}/p2`)).body;
    const again = await call<Obj>(s.url, 'PUT', `${PODS}/p2`, cur);
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(cur.metadata.resourceVersion);
  });

  it('N clients incrementing one counter with retry-on-conflict end at exactly N', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { n: '0' } };
    expect((await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', cm)).status).toBe(201);
    const N = 40;
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: N }, async () => {
        for (;;) {
          const cur = (await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/configmaps/counter')).body;
          cur.data.n = String(Number(cur.data.n) + 1);
          const r = await call(s.url, 'PUT', '/api/v1/namespaces/default/configmaps/counter', cur);
          if (r.status === 200) return;
          expect(r.status).toBe(409);
          conflicts++;
        }
      }),
    );
    const final = (await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/configmaps/counter')).body;
    expect(final.data.n).toBe(String(N));
    expect(conflicts).toBeGreaterThan(0);
  });

  it('keeps status out of main-resource updates and spec out of status updates', async () => {
    const cur = (await call<Obj>(s.url, 'GET', `${PODS}/p1`)).body;
    const withStatus = structuredClone(cur);
    withStatus.status.phase = 'Running';
    const r1 = await call<Obj>(s.url, 'PUT', `${PODS}/p1`, withStatus);
    expect(r1.status).toBe(200);
    expect(r1.body.status.phase).toBe('Pending');

    const statusUpdate = structuredClone(r1.body);
    statusUpdate.status.phase = 'Running';
    statusUpdate.status.podIP = '172.17.0.9';
    statusUpdate.spec.containers[0].image = 'busybox:2';
    const r2 = await call<Obj>(s.url, 'PUT', `${PODS}/p1/status`, statusUpdate);
    expect(r2.status).toBe(200);
    expect(r2.body.status).toMatchObject({ phase: 'Running', podIP: '172.17.0.9' });
    expect(r2.body.spec.containers[0].image).toBe('busybox:latest');
  });

  it('bumps generation on spec changes only, for resources that track it', async () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs1' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'a' } },
        template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox:latest' }] } },
      },
    };
    const c = await call<Obj>(s.url, 'POST', '/apis/apps/v1/namespaces/default/replicasets', rs);
    expect(c.status).toBe(201);
    expect(c.body.metadata.generation).toBe(1);
    const labelled = structuredClone(c.body);
    labelled.metadata.labels = { x: 'y' };
    const l = await call<Obj>(s.url, 'PUT', '/apis/apps/v1/namespaces/default/replicasets/rs1', labelled);
    expect(l.body.metadata.generation).toBe(1);
    const scaled = structuredClone(l.body);
    scaled.spec.replicas = 3;
    const sc = await call<Obj>(s.url, 'PUT', '/apis/apps/v1/namespaces/default/replicasets/rs1', scaled);
    expect(sc.body.metadata.generation).toBe(2);
  });

  it('serves the scale subresource', async () => {
    const g = await call<Obj>(s.url, 'GET', '/apis/apps/v1/namespaces/default/replicasets/rs1/scale');
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { selector: 'app=a' } });
    const p = await call<Obj>(
      s.url,
      'PATCH',
      '/apis/apps/v1/namespaces/default/replicasets/rs1/scale',
      { spec: { replicas: 5 } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(p.status).toBe(200);
    expect(p.body.spec.replicas).toBe(5);
    expect((await call<Obj>(s.url, 'GET', '/apis/apps/v1/namespaces/default/replicasets/rs1')).body.spec.replicas).toBe(5);
    const bad = await call<Obj>(s.url, 'PUT', '/apis/apps/v1/namespaces/default/replicasets/rs1/scale', {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'rs1' },
      spec: { replicas: -1 },
    });
    expect(bad.status).toBe(422);
  });

  it('binds a pod once; a second binding is a 409', async () => {
    await call(s.url, 'POST', PODS, pod('tobind'));
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'tobind' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } };
    const b1 = await call<Obj>(s.url, 'POST', `${PODS}/tobind/binding`, binding);
    expect(b1.status).toBe(201);
    const p = (await call<Obj>(s.url, 'GET', `${PODS}/tobind`)).body;
    expect(p.spec.nodeName).toBe('node-1');
    expect(p.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    const b2 = await call<Obj>(s.url, 'POST', `${PODS}/tobind/binding`, { ...binding, target: { name: 'node-2' } });
    expect(b2.status).toBe(409);
    expect(b2.body.message).toContain('already assigned to node "node-1"');
  });

  it('deletes a bound pod gracefully: deletionTimestamp first, gone when grace 0 confirms', async () => {
    const d1 = await call<Obj>(s.url, 'DELETE', `${PODS}/tobind`);
    expect(d1.status).toBe(200);
    expect(d1.body.metadata.deletionTimestamp).toBeDefined();
    expect(d1.body.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await call(s.url, 'GET', `${PODS}/tobind`)).status).toBe(200);
    const d2 = await call<Obj>(s.url, 'DELETE', `${PODS}/tobind`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
    expect(d2.status).toBe(200);
    expect((await call(s.url, 'GET', `${PODS}/tobind`)).status).toBe(404);
  });

  it('deletes an unbound pod at once', async () => {
    await call(s.url, 'POST', PODS, pod('unbound'));
    expect((await call(s.url, 'DELETE', `${PODS}/unbound`)).status).toBe(200);
    const gone = await call<Obj>(s.url, 'GET', `${PODS}/unbound`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message: 'pods "unbound" not found' });
  });

  it('holds an object with finalizers until the last one is removed', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] }, data: {} };
    await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', cm);
    const d = await call<Obj>(s.url, 'DELETE', '/api/v1/namespaces/default/configmaps/held');
    expect(d.body.metadata.deletionTimestamp).toBeDefined();
    expect((await call(s.url, 'GET', '/api/v1/namespaces/default/configmaps/held')).status).toBe(200);
    const p = await call(
      s.url,
      'PATCH',
      '/api/v1/namespaces/default/configmaps/held',
      { metadata: { finalizers: null } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(p.status).toBe(200);
    expect((await call(s.url, 'GET', '/api/v1/namespaces/default/configmaps/held')).status).toBe(404);
  });

  it('honours delete preconditions', async () => {
    const c = (await call<Obj>(s.url, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre' } }))
      .body;
    const wrong = await call<Obj>(s.url, 'DELETE', '/api/v1/namespaces/default/configmaps/pre', { preconditions: { uid: 'nope' } });
    expect(wrong.status).toBe(409);
    const right = await call<Obj>(s.url, 'DELETE', '/api/v1/namespaces/default/configmaps/pre', { preconditions: { uid: c.metadata.uid } });
    expect(right.status).toBe(200);
  });

  it('lists with label and field selectors', async () => {
    await call(s.url, 'POST', PODS, pod('sel-a', { labels: { app: 'a', tier: 'web' }, nodeName: 'n1' }));
    await call(s.url, 'POST', PODS, pod('sel-b', { labels: { app: 'b', tier: 'web' }, nodeName: 'n2' }));
    const names = (r: { body: Obj }) => (r.body.items as Obj[]).map((p) => p.metadata.name).sort();
    expect(names(await call<Obj>(s.url, 'GET', `${PODS}?labelSelector=${encodeURIComponent('tier=web,app!=b')}`))).toEqual(['sel-a']);
    expect(names(await call<Obj>(s.url, 'GET', `${PODS}?labelSelector=${encodeURIComponent('app in (a,b)')}`))).toEqual(['sel-a', 'sel-b']);
    expect(names(await call<Obj>(s.url, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName%3Dn2`))).toEqual(['sel-b']);
    const bad = await call<Obj>(s.url, 'GET', `${PODS}?fieldSelector=spec.bogus%3Dx`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('field label not supported: spec.bogus');
    const badLabel = await call<Obj>(s.url, 'GET', `${PODS}?labelSelector=${encodeURIComponent('a in (')}`);
    expect(badLabel.status).toBe(400);
  });

  it('pages lists with limit and continue over one snapshot', async () => {
    for (let i = 0; i < 7; i++) {
      await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `page-${i}`, labels: { paged: 'yes' } },
      });
    }
    const seen: string[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    let pages = 0;
    do {
      const q = `labelSelector=paged%3Dyes&limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
      const r = await call<Obj>(s.url, 'GET', `/api/v1/namespaces/default/configmaps?${q}`);
      expect(r.status).toBe(200);
      rv ??= r.body.metadata.resourceVersion;
      expect(r.body.metadata.resourceVersion).toBe(rv);
      seen.push(...(r.body.items as Obj[]).map((i) => i.metadata.name));
      cont = r.body.metadata.continue;
      pages++;
      // A write between pages must not show up in later pages of the same list.
      if (pages === 1)
        await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'page-9', labels: { paged: 'yes' } },
        });
    } while (cont);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    expect(pages).toBe(3);
    const badToken = await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/configmaps?limit=1&continue=garbage');
    expect(badToken.status).toBe(400);
  });

  it('serves cluster-scoped resources without a namespace', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } };
    const r = await call<Obj>(s.url, 'POST', '/api/v1/nodes', node);
    expect(r.status).toBe(201);
    expect(r.body.metadata.namespace).toBeUndefined();
    // Nodes, unlike pods, keep the status given on create (a kubelet registers with it).
    const withStatus = await call<Obj>(s.url, 'POST', '/api/v1/nodes', { ...node, metadata: { name: 'node-b' }, status: { capacity: { cpu: '2' } } });
    expect(withStatus.body.status.capacity).toEqual({ cpu: '2' });
    expect((await call(s.url, 'GET', '/api/v1/namespaces/default/nodes/node-a')).status).toBe(404);
  });

  it('creates through PUT where Kubernetes allows it (leases), only in a live namespace', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1' },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 10 },
    };
    const r = await call<Obj>(s.url, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1', lease);
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toBeTruthy();
    const again = await call<Obj>(s.url, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1', {
      ...lease,
      spec: { ...lease.spec, leaseDurationSeconds: 20 },
    });
    expect(again.status).toBe(200);
    expect(again.body.metadata.uid).toBe(r.body.metadata.uid);
    const missing = await call<Obj>(s.url, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/nowhere/leases/node-1', lease);
    expect(missing.status).toBe(404);
    // Pods are not created by PUT.
    expect((await call<Obj>(s.url, 'PUT', `${PODS}/never`, pod('never'))).status).toBe(404);
  });

  it('dry-run validates and answers without writing', async () => {
    const before = s.store.currentRevision();
    const r = await call<Obj>(s.url, 'POST', `${PODS}?dryRun=All`, pod('dry'));
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toBeTruthy();
    expect(s.store.currentRevision()).toBe(before);
    expect((await call(s.url, 'GET', `${PODS}/dry`)).status).toBe(404);
    const bad = await call<Obj>(s.url, 'POST', `${PODS}?dryRun=Some&fieldValidation=Loose`, pod('dry'));
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: [dryRun: Unsupported value: []string{"Some"}: supported values: "All", fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"]',
    );
    const del = await call<Obj>(s.url, 'DELETE', `${PODS}/dry?dryRun=Some`);
    expect(del.status).toBe(422);
    expect(del.body.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"');
  });

  it('has default and kube-system namespaces, and refuses writes into a missing one', async () => {
    const list = (await call<Obj>(s.url, 'GET', '/api/v1/namespaces')).body;
    expect((list.items as Obj[]).map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
    const r = await call<Obj>(s.url, 'POST', '/api/v1/namespaces/nope/pods', pod('x'));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "nope" not found');
  });
});

describe('API server: bad input', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('400 for malformed JSON, and nothing is written', async () => {
    const before = s.store.currentRevision();
    const r = await call<Obj>(s.url, 'POST', PODS, undefined, { raw: '{"kind": "Pod", ' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(s.store.currentRevision()).toBe(before);
  });

  it('400 for a kind or apiVersion that does not match the path', async () => {
    const wrongKind = await call<Obj>(s.url, 'POST', PODS, { ...pod('x'), kind: 'Service' });
    expect(wrongKind.status).toBe(400);
    const wrongVersion = await call<Obj>(s.url, 'POST', PODS, { ...pod('x'), apiVersion: 'apps/v1' });
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.message).toContain('does not match the expected API version');
  });

  it('422 Invalid with field paths as causes', async () => {
    const bad = pod('Bad_Name');
    (bad['spec'] as Obj).containers = [{ name: 'c' }];
    const r = await call<Obj>(s.url, 'POST', PODS, bad);
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.details.kind).toBe('Pod');
    const fields = (r.body.details.causes as Obj[]).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.containers[0].image']));
    expect(r.body.message).toMatch(/^Pod "Bad_Name" is invalid: /);
  });

  it('400 when the URL name and the body name differ', async () => {
    await call(s.url, 'POST', PODS, pod('named'));
    const cur = (await call<Obj>(s.url, 'GET', `${PODS}/named`)).body;
    const r = await call<Obj>(s.url, 'PUT', `${PODS}/other`, cur);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('does not match the name on the URL');
  });

  it('404 for unknown resources and paths', async () => {
    expect((await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/widgets')).body).toMatchObject({ kind: 'Status', code: 404 });
    expect((await call<Obj>(s.url, 'GET', '/apis/nope.io/v1/things')).status).toBe(404);
    expect((await call<Obj>(s.url, 'GET', '/nothing/here')).body).toMatchObject({ kind: 'Status', code: 404 });
  });

  it('413 for a body over 3 MiB', async () => {
    const big = pod('big');
    (big['metadata'] as Obj).annotations = { big: 'x'.repeat(3 * 1024 * 1024 + 10) };
    const r = await call<Obj>(s.url, 'POST', PODS, big);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
  });

  it('415 for an unsupported media type; an apply patch is a PATCH, not a body for POST', async () => {
    const r = await call<Obj>(s.url, 'POST', PODS, undefined, { raw: 'kind: Pod', contentType: 'application/yaml' });
    expect(r.status).toBe(415);
    expect(r.body.kind).toBe('Status');
    const post = await call<Obj>(s.url, 'POST', PODS, undefined, { raw: 'kind: Pod', contentType: 'application/apply-patch+yaml' });
    expect(post.status).toBe(400);
    expect(post.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('400 for a protobuf body that is not Kubernetes protobuf', async () => {
    const r = await call<Obj>(s.url, 'POST', '/api/v1/namespaces/default/configmaps', undefined, {
      raw: Buffer.from('not protobuf'),
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('400 for strict field validation of unknown fields; a warning otherwise', async () => {
    const odd = pod('odd');
    (odd['spec'] as Obj).bogusField = 1;
    const strict = await call<Obj>(s.url, 'POST', `${PODS}?fieldValidation=Strict`, odd);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.bogusField"');
    const warn = await call<Obj>(s.url, 'POST', PODS, odd);
    expect(warn.status).toBe(201);
    expect(String(warn.headers['warning'])).toContain('unknown field \\"spec.bogusField\\"');
    expect(warn.body.spec.bogusField).toBeUndefined();
  });

  it('405 for a method a path does not support', async () => {
    const r = await call<Obj>(s.url, 'POST', `${PODS}/named`, pod('named'));
    expect(r.status).toBe(405);
    expect(r.body.reason).toBe('MethodNotAllowed');
  });

  it('never crashes on hostile input', async () => {
    const inputs = ['null', '[]', '"str"', '42', '{"metadata": "x"}', '{"metadata": {"name": 5}}', '{"spec": {"containers": "no"}}', '{"__proto__": {"x": 1}}'];
    for (const raw of inputs) {
      const r = await call<Obj>(s.url, 'POST', PODS, undefined, { raw });
      expect(r.status, raw).toBeGreaterThanOrEqual(400);
      expect(r.status, raw).toBeLessThan(500);
      expect(r.body.kind, raw).toBe('Status');
    }
    expect((await call(s.url, 'GET', '/healthz')).status).toBe(200);
  });
});
