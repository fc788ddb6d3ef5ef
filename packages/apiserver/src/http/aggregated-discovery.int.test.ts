// Aggregated discovery: /api and /apis answer the apidiscovery.k8s.io form
// kubectl and client-go ask for first, with the same resources as the plain
// documents, and custom resources as soon as they are served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, type TestServer } from '../testing/test-support.js';

type Obj = Record<string, any>;
const V2 =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

function resourcesOf(doc: Obj): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const item of doc.items as Obj[]) {
    for (const v of item.versions as Obj[]) for (const r of v.resources as Obj[]) out.set(`${item.metadata.name ?? ''}/${v.version}/${r.resource}`, r);
  }
  return out;
}

describe('API server: aggregated discovery', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers /apis and /api in the aggregated form when asked, the plain form otherwise, and varies on Accept', async () => {
    const apis = await call<Obj>(s.url, 'GET', '/apis', undefined, { accept: V2 });
    expect(apis.status).toBe(200);
    expect(apis.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(apis.headers['vary']).toBe('Accept');
    expect(apis.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const resources = resourcesOf(apis.body);
    expect(resources.get('apps/v1/deployments')).toEqual({
      resource: 'deployments',
      responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      scope: 'Namespaced',
      singularResource: 'deployment',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: [
        { subresource: 'status', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
        { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      ],
    });
    expect(resources.get('metrics.k8s.io/v1beta1/pods')).toMatchObject({ scope: 'Namespaced', responseKind: { kind: 'PodMetrics' } });
    const autoscaling = (apis.body.items as Obj[]).find((i) => i.metadata.name === 'autoscaling')!;
    expect(autoscaling.versions.map((v: Obj) => v.version)).toEqual(['v2', 'v1']);
    expect(autoscaling.versions.every((v: Obj) => v.freshness === 'Current')).toBe(true);

    const core = await call<Obj>(s.url, 'GET', '/api', undefined, { accept: V2 });
    expect(core.body.items).toHaveLength(1);
    expect(core.body.items[0].metadata).toEqual({ creationTimestamp: null });
    expect(
      resourcesOf(core.body)
        .get('/v1/pods')
        ?.subresources.map((x: Obj) => x.subresource),
    ).toEqual(expect.arrayContaining(['status', 'log', 'exec', 'binding', 'eviction']));

    const beta = await call<Obj>(s.url, 'GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList' });
    expect(beta.body.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    const plain = await call<Obj>(s.url, 'GET', '/apis', undefined, { accept: 'application/json' });
    expect(plain.body.kind).toBe('APIGroupList');
    expect(plain.headers['vary']).toBe('Accept');
  });

  it('lists exactly what the plain documents list', async () => {
    const aggregated = new Map([
      ...resourcesOf((await call<Obj>(s.url, 'GET', '/apis', undefined, { accept: V2 })).body),
      ...resourcesOf((await call<Obj>(s.url, 'GET', '/api', undefined, { accept: V2 })).body),
    ]);
    const plain = new Set<string>();
    const versions = (await call<Obj>(s.url, 'GET', '/api')).body.versions as string[];
    const gvs = [
      ...versions.map((v) => ['', v]),
      ...((await call<Obj>(s.url, 'GET', '/apis')).body.groups as Obj[]).flatMap((g) => (g.versions as Obj[]).map((v) => [g.name, v.version])),
    ];
    for (const [g, v] of gvs) {
      const list = (await call<Obj>(s.url, 'GET', g ? `/apis/${g}/${v}` : `/api/${v}`)).body;
      for (const r of list.resources as Obj[]) if (!String(r.name).includes('/')) plain.add(`${g}/${v}/${r.name}`);
    }
    expect([...aggregated.keys()].sort()).toEqual([...plain].sort());
  });

  it('shows a custom resource once its CRD is served', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.disco.example.com' },
      spec: {
        group: 'disco.example.com',
        scope: 'Cluster',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', shortNames: ['gd'] },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    expect((await call(s.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    const deadline = Date.now() + 10_000;
    let gadget: Obj | undefined;
    while (!gadget && Date.now() < deadline) {
      gadget = resourcesOf((await call<Obj>(s.url, 'GET', '/apis', undefined, { accept: V2 })).body).get('disco.example.com/v1/gadgets');
      if (!gadget) await new Promise((r) => setTimeout(r, 50));
    }
    expect(gadget).toEqual({
      resource: 'gadgets',
      responseKind: { group: 'disco.example.com', version: 'v1', kind: 'Gadget' },
      scope: 'Cluster',
      singularResource: 'gadget',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['gd'],
    });
  });
});
