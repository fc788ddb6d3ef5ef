// CustomResourceDefinitions through the real API server: a CRD is served
// once created, custom objects are validated, pruned, defaulted and printed
// from its schema, status and scale subresources work, several versions
// share one storage, and deleting the CRD deletes its objects.
import { afterEach, describe, expect, it } from 'vitest';
import { openMemoryStore, type Store } from '@mk8s/storage';
import { call, openWatch, startServer, type TestServer } from '../../testing/test-support.js';

type Obj = Record<string, any>;
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';

function crd(extra: Obj = {}): Obj {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['size'],
        properties: {
          size: { type: 'integer', minimum: 1, maximum: 10 },
          color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
          replicas: { type: 'integer' },
          port: { 'x-kubernetes-int-or-string': true },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          selectableFields: [{ jsonPath: '.spec.color' }],
          additionalPrinterColumns: [
            { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
            { name: 'Color', type: 'string', jsonPath: '.spec.color' },
          ],
        },
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: schema } },
      ],
      ...extra,
    },
  };
}

function widget(name: string, spec: Obj, apiVersion = 'example.com/v1'): Obj {
  return { apiVersion, kind: 'Widget', metadata: { name }, spec };
}

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('API server: CustomResourceDefinitions', () => {
  const servers: TestServer[] = [];
  let store: Store | undefined;
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    await store?.close();
    store = undefined;
  });
  async function start(): Promise<TestServer> {
    store ??= await openMemoryStore();
    const s = await startServer({ store, keepStore: true });
    servers.push(s);
    return s;
  }
  async function established(s: TestServer): Promise<Obj> {
    return until(async () => {
      const r = await call<Obj>(s.url, 'GET', `${CRDS}/widgets.example.com`);
      const c = (r.body.status?.conditions ?? []).find((x: Obj) => x.type === 'Established');
      return c?.status === 'True' ? r.body : undefined;
    }, 'Established');
  }

  it('serves a new CRD: discovery, CRUD, validation, pruning, defaults, tables (the time it takes is measured by npm run bench)', async () => {
    const s = await start();
    const created = await call<Obj>(s.url, 'POST', CRDS, crd());
    expect(created.status, created.text).toBe(201);
    expect(created.body.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    const body = await established(s);
    expect(body.status.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget', listKind: 'WidgetList', singular: 'widget' });
    expect(body.status.storedVersions).toEqual(['v1']);
    expect(body.status.conditions.find((c: Obj) => c.type === 'NamesAccepted').status).toBe('True');

    const group = await call<Obj>(s.url, 'GET', '/apis/example.com');
    expect(group.body.preferredVersion.version).toBe('v1');
    expect(group.body.versions.map((v: Obj) => v.version)).toEqual(['v1', 'v1beta1']);
    const resources = await call<Obj>(s.url, 'GET', '/apis/example.com/v1');
    expect(resources.body.resources.map((r: Obj) => r.name)).toEqual(['widgets', 'widgets/status', 'widgets/scale']);
    expect(resources.body.resources[0]).toMatchObject({ kind: 'Widget', namespaced: true, shortNames: ['wd'], categories: ['all'] });

    // OpenAPI publishes the schema (kubectl explain) and a PATCH without strategic merge (kubectl apply then merge-patches).
    const doc = await call<Obj>(s.url, 'GET', '/openapi/v3/apis/example.com/v1');
    expect(doc.body.components.schemas['com.example.v1.Widget'].properties.spec.properties.size).toMatchObject({ type: 'integer', minimum: 1 });
    const patchOp = doc.body.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
    expect(Object.keys(patchOp.requestBody.content)).not.toContain('application/strategic-merge-patch+json');
    expect(Object.keys(patchOp.requestBody.content)).toContain('application/merge-patch+json');

    const w = await call<Obj>(s.url, 'POST', WIDGETS, widget('w1', { size: 3, port: 'http', extra: { anything: [1] }, unknown: true }));
    expect(w.status).toBe(201);
    expect(w.body.spec).toEqual({ size: 3, color: 'red', port: 'http', extra: { anything: [1] } });
    expect(w.body.metadata.generation).toBe(1);
    expect(w.headers['warning']).toContain('unknown field \\"spec.unknown\\"');

    const bad = await call<Obj>(s.url, 'POST', WIDGETS, widget('w2', { size: 0, color: 'green' }));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.details.causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'spec.size', message: 'Invalid value: 0: spec.size in body should be greater than or equal to 1' }),
        expect.objectContaining({ field: 'spec.color', message: 'Unsupported value: "green": supported values: "red", "blue"' }),
      ]),
    );
    const typeErr = await call<Obj>(s.url, 'POST', WIDGETS, widget('w3', { size: 'big' }));
    expect(typeErr.status).toBe(422);
    expect(typeErr.body.details.causes[0].field).toBe('spec.size');
    const missing = await call<Obj>(s.url, 'POST', WIDGETS, widget('w4', {}));
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain('spec.size: Required value');

    const table = await call<Obj>(s.url, 'GET', WIDGETS, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((c: Obj) => c.name)).toEqual(['Name', 'Size', 'Color']);
    expect(table.body.rows[0].cells).toEqual(['w1', 3, 'red']);

    const patched = await call<Obj>(s.url, 'PATCH', `${WIDGETS}/w1`, { spec: { size: 4 } }, { contentType: 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect(patched.body.spec.size).toBe(4);
    expect(patched.body.metadata.generation).toBe(2);
    const badPatch = await call<Obj>(s.url, 'PATCH', `${WIDGETS}/w1`, { spec: { size: 11 } }, { contentType: 'application/merge-patch+json' });
    expect(badPatch.status).toBe(422);

    const selected = await call<Obj>(s.url, 'GET', `${WIDGETS}?fieldSelector=metadata.name=w1`);
    expect(selected.body.items.map((i: Obj) => i.metadata.name)).toEqual(['w1']);
    expect((await call<Obj>(s.url, 'GET', `${WIDGETS}?fieldSelector=spec.size=4`)).status).toBe(400);
    // selectableFields add field labels.
    expect((await call<Obj>(s.url, 'GET', `${WIDGETS}?fieldSelector=spec.color=red`)).body.items).toHaveLength(1);
    expect((await call<Obj>(s.url, 'GET', `${WIDGETS}?fieldSelector=spec.color=blue`)).body.items).toHaveLength(0);
    // Strategic merge patch does not apply to custom resources (415, as Kubernetes).
    const smp = await call<Obj>(s.url, 'PATCH', `${WIDGETS}/w1`, { spec: { size: 5 } }, { contentType: 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(415);
    expect((await call<Obj>(s.url, 'GET', '/apis/example.com/v1/widgets')).body.items).toHaveLength(1);
  });

  it('serves status and scale, and several versions over one storage', async () => {
    const s = await start();
    await call(s.url, 'POST', CRDS, crd());
    await established(s);
    await call(s.url, 'POST', WIDGETS, widget('w1', { size: 2, replicas: 1 }));
    // The main resource ignores status; /status takes only status.
    const withStatus = await call<Obj>(s.url, 'PUT', `${WIDGETS}/w1/status`, { ...widget('w1', { size: 9 }), status: { replicas: 1, selector: 'app=w' } });
    expect(withStatus.status).toBe(200);
    expect(withStatus.body.spec.size).toBe(2);
    expect(withStatus.body.status).toEqual({ replicas: 1, selector: 'app=w' });

    const scale = await call<Obj>(s.url, 'GET', `${WIDGETS}/w1/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=w' } });
    const scaled = await call<Obj>(s.url, 'PATCH', `${WIDGETS}/w1/scale`, { spec: { replicas: 5 } }, { contentType: 'application/merge-patch+json' });
    expect(scaled.status).toBe(200);
    expect((await call<Obj>(s.url, 'GET', `${WIDGETS}/w1`)).body.spec.replicas).toBe(5);
    // A server-side apply of a Scale sets the CRD's replicas path, owned at the scale subresource.
    const applied = await call<Obj>(
      s.url,
      'PATCH',
      `${WIDGETS}/w1/scale?fieldManager=autoscaler&force=true`,
      { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w1' }, spec: { replicas: 3 } },
      { contentType: 'application/apply-patch+yaml' },
    );
    expect(applied.status, applied.text).toBe(200);
    const afterApply = (await call<Obj>(s.url, 'GET', `${WIDGETS}/w1`)).body;
    expect(afterApply.spec.replicas).toBe(3);
    expect(afterApply.metadata.managedFields.find((e: Obj) => e.manager === 'autoscaler')).toMatchObject({ operation: 'Apply', subresource: 'scale' });

    const beta = await call<Obj>(s.url, 'GET', '/apis/example.com/v1beta1/namespaces/default/widgets/w1');
    expect(beta.body.apiVersion).toBe('example.com/v1beta1');
    const viaBeta = await call<Obj>(s.url, 'POST', '/apis/example.com/v1beta1/namespaces/default/widgets', widget('w2', { size: 1 }, 'example.com/v1beta1'));
    expect(viaBeta.status).toBe(201);
    expect(viaBeta.body.apiVersion).toBe('example.com/v1beta1');
    expect((await call<Obj>(s.url, 'GET', `${WIDGETS}/w2`)).body.apiVersion).toBe('example.com/v1');
    const watch = openWatch(s.url, '/apis/example.com/v1beta1/namespaces/default/widgets?watch=true');
    const [first] = await watch.waitFor(1);
    expect(first!.object['apiVersion']).toBe('example.com/v1beta1');
    watch.close();
  });

  it('refuses invalid CRDs and names another CRD or a built-in kind holds', async () => {
    const s = await start();
    const wrongName = await call<Obj>(s.url, 'POST', CRDS, { ...crd(), metadata: { name: 'gadgets.example.com' } });
    expect(wrongName.status).toBe(422);
    expect(wrongName.body.message).toContain('metadata.name');
    const twoStorage = crd();
    twoStorage['spec'].versions[1].storage = true;
    expect((await call<Obj>(s.url, 'POST', CRDS, twoStorage)).body.message).toContain('must have exactly one version marked as storage version');
    const cel = crd();
    cel['spec'].versions[0].schema.openAPIV3Schema['x-kubernetes-validations'] = [{ rule: 'self.spec.size > 0' }];
    const celReply = await call<Obj>(s.url, 'POST', CRDS, cel);
    expect(celReply.status).toBe(422);
    expect(celReply.body.message).toContain('CEL validation rules are not supported');
    const webhook = crd({ conversion: { strategy: 'Webhook' } });
    expect((await call<Obj>(s.url, 'POST', CRDS, webhook)).status).toBe(422);
    const untyped = crd();
    untyped['spec'].versions[0].schema.openAPIV3Schema.properties.spec.properties.size = {};
    expect((await call<Obj>(s.url, 'POST', CRDS, untyped)).body.message).toContain('type: Required value');

    await call(s.url, 'POST', CRDS, crd());
    await established(s);
    const other: Obj = { ...crd(), metadata: { name: 'widgets.example.org' } };
    other['spec'] = { ...other['spec'], group: 'example.org' };
    expect((await call<Obj>(s.url, 'POST', CRDS, other)).status).toBe(201);
    // A CRD named like a built-in kind in its own group does not shadow the built-in one.
    const pods: Obj = { ...crd(), metadata: { name: 'pods.example.net' } };
    pods['spec'] = { ...pods['spec'], group: 'example.net', names: { plural: 'pods', kind: 'Pod' } };
    expect((await call<Obj>(s.url, 'POST', CRDS, pods)).status).toBe(201);
    expect((await call<Obj>(s.url, 'GET', '/api/v1/namespaces/default/pods')).body.kind).toBe('PodList');
    // One that would take a built-in resource's place is stored but not served: NamesAccepted=False.
    const leases: Obj = { ...crd(), metadata: { name: 'leases.coordination.k8s.io' } };
    leases['spec'] = { ...leases['spec'], group: 'coordination.k8s.io', names: { plural: 'leases', kind: 'Lease' } };
    expect((await call<Obj>(s.url, 'POST', CRDS, leases)).status).toBe(201);
    const refused = await until(async () => {
      const r = await call<Obj>(s.url, 'GET', `${CRDS}/leases.coordination.k8s.io`);
      return (r.body.status?.conditions ?? []).find((c: Obj) => c.type === 'NamesAccepted');
    }, 'NamesAccepted');
    expect(refused).toMatchObject({ status: 'False', reason: 'NameConflict' });
    expect((await call<Obj>(s.url, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases')).body.kind).toBe('LeaseList');
  });

  it('serves custom resources again after a restart, and deleting the CRD deletes its objects', async () => {
    let s = await start();
    await call(s.url, 'POST', CRDS, crd());
    await established(s);
    expect((await call(s.url, 'POST', WIDGETS, widget('w1', { size: 1 }))).status).toBe(201);
    await s.close();
    servers.splice(0);
    s = await start();
    expect((await call<Obj>(s.url, 'GET', `${WIDGETS}/w1`)).body.spec.size).toBe(1);

    const del = await call<Obj>(s.url, 'DELETE', `${CRDS}/widgets.example.com`);
    expect(del.status).toBe(200);
    await until(async () => ((await call(s.url, 'GET', `${CRDS}/widgets.example.com`)).status === 404 ? true : undefined), 'the CRD to go');
    expect((await call(s.url, 'GET', WIDGETS)).status).toBe(404);
    expect((await store!.list('/registry/widgets.example.com/')).items).toEqual([]);
    // A new CRD of the same name starts empty.
    await call(s.url, 'POST', CRDS, crd());
    await established(s);
    expect((await call<Obj>(s.url, 'GET', WIDGETS)).body.items).toEqual([]);
  });
});
