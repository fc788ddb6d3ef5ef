/**
 * events.k8s.io/v1 Events and autoscaling/v1 HPAs: versions served over
 * another version's storage through a real conversion (ResourceDefinition.conversion).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openWatch, startServer, type TestServer } from '../../testing/test-support.js';

type Obj = Record<string, any>;

const CORE = '/api/v1/namespaces/default/events';
const V1 = '/apis/events.k8s.io/v1/namespaces/default/events';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

const coreEvent = (name: string, pod: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name },
  involvedObject: { kind: 'Pod', namespace: 'default', name: pod, uid: 'u-1', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
  reason: 'Pulled',
  message: 'image pulled',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:01:00Z',
  count: 3,
  type: 'Normal',
});

const v1Event = (name: string, pod: string): Obj => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name },
  eventTime: '2026-01-01T00:00:00.123456Z',
  series: { count: 2, lastObservedTime: '2026-01-01T00:02:00.000000Z' },
  reportingController: 'example.com/controller',
  reportingInstance: 'controller-1',
  action: 'Scaling',
  reason: 'Scaled',
  regarding: { kind: 'Deployment', namespace: 'default', name: pod, apiVersion: 'apps/v1' },
  related: { kind: 'ReplicaSet', namespace: 'default', name: `${pod}-1` },
  note: 'scaled up',
  type: 'Normal',
});

describe('events.k8s.io/v1 Events (a conversion of core/v1 Events)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('shows an Event created through core/v1 with the events.k8s.io/v1 fields', async () => {
    expect((await call(s.url, 'POST', CORE, coreEvent('c1', 'web'))).status).toBe(201);
    const r = await call<Obj>(s.url, 'GET', `${V1}/c1`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'c1', namespace: 'default' },
      regarding: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{web}' },
      reason: 'Pulled',
      note: 'image pulled',
      type: 'Normal',
      deprecatedSource: { component: 'kubelet', host: 'node-1' },
      deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
      deprecatedLastTimestamp: '2026-01-01T00:01:00Z',
      deprecatedCount: 3,
    });
    for (const f of ['involvedObject', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count']) expect(r.body).not.toHaveProperty(f);
  });

  it('stores an Event created through events.k8s.io/v1 as core/v1 shows it', async () => {
    const created = await call<Obj>(s.url, 'POST', V1, v1Event('e1', 'api'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'scaled up', reportingController: 'example.com/controller' });
    const core = (await call<Obj>(s.url, 'GET', `${CORE}/e1`)).body;
    expect(core).toMatchObject({
      apiVersion: 'v1',
      involvedObject: { kind: 'Deployment', name: 'api' },
      related: { kind: 'ReplicaSet', name: 'api-1' },
      message: 'scaled up',
      reportingComponent: 'example.com/controller',
      reportingInstance: 'controller-1',
      action: 'Scaling',
      reason: 'Scaled',
      eventTime: '2026-01-01T00:00:00.123456Z',
      series: { count: 2 },
    });
    expect(core).not.toHaveProperty('note');
    expect(core).not.toHaveProperty('regarding');
    // Core validation runs on the stored form: an eventTime needs the reporting fields.
    const bad = v1Event('e2', 'api');
    delete bad['reportingController'];
    const refused = await call<Obj>(s.url, 'POST', V1, bad);
    expect(refused.status).toBe(422);
  });

  it('updates and patches through the events.k8s.io/v1 view', async () => {
    await call(s.url, 'POST', V1, v1Event('p1', 'api'));
    const current = (await call<Obj>(s.url, 'GET', `${V1}/p1`)).body;
    current['note'] = 'put note';
    const put = await call<Obj>(s.url, 'PUT', `${V1}/p1`, current);
    expect(put.status).toBe(200);
    expect(put.body['note']).toBe('put note');
    const patched = await call<Obj>(s.url, 'PATCH', `${V1}/p1`, { note: 'patched note' }, { contentType: 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'patched note', regarding: { name: 'api' } });
    expect((await call<Obj>(s.url, 'GET', `${CORE}/p1`)).body['message']).toBe('patched note');
  });

  it('lists, prints and selects by the events.k8s.io/v1 field labels', async () => {
    await call(s.url, 'POST', CORE, coreEvent('sel-a', 'sel-pod'));
    await call(s.url, 'POST', V1, v1Event('sel-b', 'sel-deploy'));
    const list = (await call<Obj>(s.url, 'GET', V1)).body;
    expect(list).toMatchObject({ kind: 'EventList', apiVersion: 'events.k8s.io/v1' });
    for (const item of list['items'] as Obj[]) expect(item).toMatchObject({ apiVersion: 'events.k8s.io/v1', regarding: expect.any(Object) });

    const names = async (selector: string) =>
      ((await call<Obj>(s.url, 'GET', `${V1}?fieldSelector=${encodeURIComponent(selector)}`)).body['items'] as Obj[]).map((e) => e['metadata']['name']);
    expect(await names('regarding.name=sel-pod')).toEqual(['sel-a']);
    expect(await names('regarding.kind=Deployment,regarding.name=sel-deploy')).toEqual(['sel-b']);
    expect(await names('reportingController=example.com/controller,regarding.name=sel-deploy')).toEqual(['sel-b']);
    expect(await names('source=kubelet,regarding.name=sel-pod')).toEqual(['sel-a']);
    expect(await names('metadata.name=sel-b')).toEqual(['sel-b']);
    // core/v1's spellings are not field labels of events.k8s.io/v1 (nor the other way round).
    const bad = await call<Obj>(s.url, 'GET', `${V1}?fieldSelector=involvedObject.name%3Dsel-pod`);
    expect(bad.status).toBe(400);
    expect(bad.body['message']).toBe('field label not supported: involvedObject.name');
    expect((await call<Obj>(s.url, 'GET', `${CORE}?fieldSelector=regarding.name%3Dsel-pod`)).status).toBe(400);

    const table = (await call<Obj>(s.url, 'GET', `${V1}?fieldSelector=metadata.name%3Dsel-a&includeObject=Object`, undefined, { accept: TABLE })).body;
    expect(table['kind']).toBe('Table');
    expect(table['rows']).toHaveLength(1);
    expect(table['rows'][0].cells).toContain('Pulled');
    expect(table['rows'][0].object).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'image pulled' });
  });

  it('watches through events.k8s.io/v1, converted and selected', async () => {
    const rv = (await call<Obj>(s.url, 'GET', V1)).body['metadata']['resourceVersion'];
    const w = openWatch(s.url, `${V1}?watch=true&resourceVersion=${rv}&fieldSelector=${encodeURIComponent('regarding.name=watched')}`);
    await call(s.url, 'POST', CORE, coreEvent('w-other', 'other'));
    await call(s.url, 'POST', CORE, coreEvent('w1', 'watched'));
    await call(s.url, 'PATCH', `${CORE}/w1`, { message: 'again' }, { contentType: 'application/merge-patch+json' });
    await call(s.url, 'DELETE', `${V1}/w1`);
    const events = await w.waitFor(3);
    w.close();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    for (const e of events) expect(e.object).toMatchObject({ apiVersion: 'events.k8s.io/v1', metadata: { name: 'w1' }, regarding: { name: 'watched' } });
    expect((events[1]!.object as Obj)['note']).toBe('again');
    expect((await call(s.url, 'GET', `${CORE}/w1`)).status).toBe(404);
  });

  it('is listed in discovery with its short name', async () => {
    const doc = (await call<Obj>(s.url, 'GET', '/apis/events.k8s.io/v1')).body;
    expect(doc['resources']).toEqual([
      expect.objectContaining({ name: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], verbs: expect.arrayContaining(['watch', 'create']) }),
    ]);
    const groups = ((await call<Obj>(s.url, 'GET', '/apis')).body['groups'] as Obj[]).map((g) => g['name']);
    expect(groups).toContain('events.k8s.io');
  });
});

describe('autoscaling/v1 HorizontalPodAutoscalers (a conversion of autoscaling/v2)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });
  const HPA_V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
  const hpa = (name: string): Obj => ({
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, maxReplicas: 4, targetCPUUtilizationPercentage: 60 },
  });

  it('watches autoscaling/v1 HPAs (converted events), as Kubernetes serves', async () => {
    const rv = (await call<Obj>(s.url, 'GET', HPA_V1)).body['metadata']['resourceVersion'];
    const w = openWatch(s.url, `${HPA_V1}?watch=true&resourceVersion=${rv}`);
    expect((await call(s.url, 'POST', HPA_V1, hpa('watched'))).status).toBe(201);
    const events = await w.waitFor(1);
    w.close();
    expect(w.status).toBe(200);
    expect(events[0]).toMatchObject({
      type: 'ADDED',
      object: { apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 60, maxReplicas: 4, minReplicas: 1 } },
    });
  });

  it('updates status through autoscaling/v1 and lists v1 in discovery after the preferred v2', async () => {
    await call(s.url, 'POST', HPA_V1, hpa('st'));
    const current = (await call<Obj>(s.url, 'GET', `${HPA_V1}/st`)).body;
    current['status'] = { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 80 };
    const r = await call<Obj>(s.url, 'PUT', `${HPA_V1}/st/status`, current);
    expect(r.status).toBe(200);
    expect(r.body['status']).toMatchObject({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 80 });
    const v2 = (await call<Obj>(s.url, 'GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/st')).body;
    expect(v2['status']['currentMetrics']).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 80 } } }]);

    const group = (await call<Obj>(s.url, 'GET', '/apis/autoscaling')).body;
    expect(group['versions'].map((v: Obj) => v['version'])).toEqual(['v2', 'v1']);
    expect(group['preferredVersion']['version']).toBe('v2');
    const list = (await call<Obj>(s.url, 'GET', '/apis/autoscaling/v1')).body;
    expect(list['resources'].map((x: Obj) => x['name'])).toEqual(['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
    expect(list['resources'][0]['verbs']).toContain('watch');
    // A v2 body is not an autoscaling/v1 one.
    const wrong = await call<Obj>(s.url, 'POST', HPA_V1, { ...hpa('wrong'), apiVersion: 'autoscaling/v2' });
    expect(wrong.status).toBe(400);
  });
});
