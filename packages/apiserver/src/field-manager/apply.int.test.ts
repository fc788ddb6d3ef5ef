// Server-side apply over HTTP, as kubectl and client libraries drive it:
// PATCH with application/apply-patch+yaml, fieldManager and force, the
// managedFields every write leaves, conflicts as Kubernetes reports them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, type TestServer } from '../testing/test-support.js';

type Obj = Record<string, any>;
const CMS = '/api/v1/namespaces/default/configmaps';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const APPLY = { contentType: 'application/apply-patch+yaml' };

const owners = (obj: Obj) => (obj.metadata.managedFields ?? []).map((e: Obj) => `${e.manager}/${e.operation}`);
const fieldsOf = (obj: Obj, manager: string) => obj.metadata.managedFields.find((e: Obj) => e.manager === manager)?.fieldsV1;

describe('API server: server-side apply', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('creates from YAML with 201 and owns exactly the applied fields; applying again converges and removes what was dropped', async () => {
    const yaml = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: app', '  labels: {tier: web}', 'data:', '  a: "1"', '  b: "2"', ''].join('\n');
    const created = await call<Obj>(s.url, 'PATCH', `${CMS}/app?fieldManager=ops`, undefined, { ...APPLY, raw: yaml });
    expect(created.status, created.text).toBe(201);
    expect(created.body.data).toEqual({ a: '1', b: '2' });
    expect(owners(created.body)).toEqual(['ops/Apply']);
    expect(fieldsOf(created.body, 'ops')).toEqual({ 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:tier': {} } } });

    const again = await call<Obj>(s.url, 'PATCH', `${CMS}/app?fieldManager=ops`, undefined, { ...APPLY, raw: yaml });
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);

    const dropped = await call<Obj>(
      s.url,
      'PATCH',
      `${CMS}/app?fieldManager=ops`,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { a: '1' } },
      APPLY,
    );
    expect(dropped.status).toBe(200);
    expect(dropped.body.data).toEqual({ a: '1' });
    expect(dropped.body.metadata.labels).toBeUndefined();
  });

  it('credits ordinary writes to fieldManager or the User-Agent, and an apply that changes their fields conflicts until forced', async () => {
    await call(s.url, 'POST', `${CMS}?fieldManager=creator`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { mode: 'slow' } });
    const edited = await call<Obj>(
      s.url,
      'PATCH',
      `${CMS}/shared?fieldManager=editor`,
      { data: { mode: 'fast' } },
      { contentType: 'application/merge-patch+json' },
    );
    // The creator keeps the map itself; the changed key moves to the editor.
    expect(owners(edited.body)).toEqual(['creator/Update', 'editor/Update']);
    expect(fieldsOf(edited.body, 'creator')).toEqual({ 'f:data': {} });
    expect(fieldsOf(edited.body, 'editor')).toEqual({ 'f:data': { 'f:mode': {} } });

    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { mode: 'turbo' } };
    const refused = await call<Obj>(s.url, 'PATCH', `${CMS}/shared?fieldManager=kubectl&force=false`, config, APPLY);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "editor" using v1: .data.mode',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "editor" using v1', field: '.data.mode' }] },
    });
    expect((await call<Obj>(s.url, 'GET', `${CMS}/shared`)).body.data.mode).toBe('fast');

    const forced = await call<Obj>(s.url, 'PATCH', `${CMS}/shared?fieldManager=kubectl&force=true`, config, APPLY);
    expect(forced.status).toBe(200);
    expect(forced.body.data.mode).toBe('turbo');
    expect(owners(forced.body)).toEqual(['kubectl/Apply', 'creator/Update']);

    // Same value, no conflict: both own it.
    const agreed = await call<Obj>(s.url, 'PATCH', `${CMS}/shared?fieldManager=other`, config, APPLY);
    expect(agreed.status).toBe(200);
    expect(fieldsOf(agreed.body, 'other')).toEqual({ 'f:data': { 'f:mode': {} } });

    // No fieldManager: the User-Agent's product names the manager.
    const res = await fetch(`${s.url}${CMS}/shared`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json', 'user-agent': 'my-operator/v0.3 (linux/amd64)' },
      body: JSON.stringify({ metadata: { labels: { touched: 'yes' } } }),
    });
    expect(owners((await res.json()) as Obj)).toContain('my-operator/Update');
  });

  it('applies to a Deployment: keyed lists merge by name, replicas conflict with the creator, dry run stores nothing', async () => {
    const deploy = (image: string, replicas?: number): Obj => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        ...(replicas === undefined ? {} : { replicas }),
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
      },
    });
    const created = await call<Obj>(s.url, 'POST', `${DEPLOYS}?fieldManager=kubectl-create`, deploy('nginx:1', 2));
    expect(created.status).toBe(201);
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'log', image: 'busybox' }] } } },
    };
    const injected = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/web?fieldManager=injector`, sidecar, APPLY);
    expect(injected.status, injected.text).toBe(200);
    expect(injected.body.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['app', 'log']);

    const scaled = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/web?fieldManager=kubectl`, deploy('nginx:1', 5), APPLY);
    expect(scaled.status).toBe(409);
    expect(scaled.body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas');

    const dry = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/web?fieldManager=kubectl&force=true&dryRun=All`, deploy('nginx:2', 5), APPLY);
    expect(dry.status).toBe(200);
    expect(dry.body.spec.replicas).toBe(5);
    const stored = (await call<Obj>(s.url, 'GET', `${DEPLOYS}/web`)).body;
    expect(stored.spec.replicas).toBe(2);
    expect(stored.metadata.resourceVersion).toBe(injected.body.metadata.resourceVersion);

    // A write through /scale is credited at subresource scale, and an apply of other replicas conflicts with it.
    const taken = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/web?fieldManager=kubectl&force=true`, deploy('nginx:1', 5), APPLY);
    expect(taken.status).toBe(200);
    const scale = await call<Obj>(
      s.url,
      'PATCH',
      `${DEPLOYS}/web/scale?fieldManager=hpa`,
      { spec: { replicas: 7 } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(scale.status).toBe(200);
    const afterScale = (await call<Obj>(s.url, 'GET', `${DEPLOYS}/web`)).body;
    expect(afterScale.metadata.managedFields.find((e: Obj) => e.manager === 'hpa')).toMatchObject({
      operation: 'Update',
      subresource: 'scale',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    const back = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/web?fieldManager=kubectl`, deploy('nginx:1', 5), APPLY);
    expect(back.status).toBe(409);
    expect(back.body.message).toBe('Apply failed with 1 conflict: conflict with "hpa" with subresource "scale" using apps/v1: .spec.replicas');
  });

  it('applies a Scale through /scale: owned at subresource scale, conflicting with the other managers of the replicas until forced', async () => {
    const deploy = (replicas: number): Obj => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scaled' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'scaled' } },
        template: { metadata: { labels: { app: 'scaled' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
      },
    });
    expect((await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled?fieldManager=kubectl`, deploy(2), APPLY)).status).toBe(201);
    const scale = (replicas: number) => ({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled' }, spec: { replicas } });
    const conflict = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled/scale?fieldManager=autoscaler`, scale(4), APPLY);
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    const forced = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled/scale?fieldManager=autoscaler&force=true`, scale(4), APPLY);
    expect(forced.status, forced.text).toBe(200);
    expect(forced.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 } });
    const live = (await call<Obj>(s.url, 'GET', `${DEPLOYS}/scaled`)).body;
    expect(live.spec.replicas).toBe(4);
    expect(live.metadata.managedFields.find((e: Obj) => e.manager === 'autoscaler')).toMatchObject({
      operation: 'Apply',
      subresource: 'scale',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    // kubectl lost .spec.replicas to the forced apply; re-applying its manifest with other replicas conflicts with the scale subresource.
    const back = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled?fieldManager=kubectl`, deploy(2), APPLY);
    expect(back.status).toBe(409);
    expect(back.body.message).toBe('Apply failed with 1 conflict: conflict with "autoscaler" with subresource "scale": .spec.replicas');
    // Applying again converges; the apply of a Scale of another kind, version or name is refused.
    expect((await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled/scale?fieldManager=autoscaler`, scale(4), APPLY)).status).toBe(200);
    const wrongVersion = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled/scale?fieldManager=autoscaler`, { ...scale(3), apiVersion: 'apps/v1' }, APPLY);
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.message).toBe('Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: autoscaling/v1');
    const negative = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled/scale?fieldManager=autoscaler`, scale(-1), APPLY);
    expect(negative.status).toBe(422);
    const missing = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/nope/scale?fieldManager=autoscaler`, { ...scale(1), metadata: { name: 'nope' } }, APPLY);
    expect(missing.status).toBe(404);
    const noManager = await call<Obj>(s.url, 'PATCH', `${DEPLOYS}/scaled/scale`, scale(1), APPLY);
    expect(noManager.status).toBe(422);
  });

  it('refuses what Kubernetes refuses, with the same codes', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { a: 'b' } };
    const noManager = await call<Obj>(s.url, 'PATCH', `${CMS}/bad`, cm, APPLY);
    expect(noManager.status).toBe(422);
    expect(noManager.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const forceOnMerge = await call<Obj>(s.url, 'PATCH', `${CMS}/app?force=true`, { data: {} }, { contentType: 'application/merge-patch+json' });
    expect(forceOnMerge.status).toBe(422);
    expect(forceOnMerge.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');

    const empty = await call<Obj>(s.url, 'PATCH', `${CMS}/bad?fieldManager=m`, undefined, { ...APPLY, raw: '' });
    expect(empty.status).toBe(400);
    const yamlError = await call<Obj>(s.url, 'PATCH', `${CMS}/bad?fieldManager=m`, undefined, { ...APPLY, raw: 'a: [1, 2' });
    expect(yamlError.status).toBe(400);
    expect(yamlError.body.message).toMatch(/^error decoding YAML: /);
    const version = await call<Obj>(s.url, 'PATCH', `${CMS}/bad?fieldManager=m`, { ...cm, apiVersion: 'v2' }, APPLY);
    expect(version.status).toBe(400);
    expect(version.body.message).toBe('Incorrect version specified in apply patch. Specified patch version: v2, expected: v1');
    const managed = await call<Obj>(s.url, 'PATCH', `${CMS}/bad?fieldManager=m`, { ...cm, metadata: { name: 'bad', managedFields: [] } }, APPLY);
    expect(managed.status).toBe(400);
    expect(managed.body.message).toBe('metadata.managedFields must be nil');
    const name = await call<Obj>(s.url, 'PATCH', `${CMS}/bad?fieldManager=m`, { ...cm, metadata: { name: 'other' } }, APPLY);
    expect(name.status).toBe(400);
    const keyless = await call<Obj>(
      s.url,
      'PATCH',
      `${DEPLOYS}/web?fieldManager=m`,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      APPLY,
    );
    expect(keyless.status).toBe(400);
    expect(keyless.body.message).toContain('associative list with keys has an element that omits key field "name"');
    const deep = await call<Obj>(s.url, 'PATCH', `${CMS}/bad?fieldManager=m`, undefined, { ...APPLY, raw: '['.repeat(5000) + ']'.repeat(5000) });
    expect(deep.status).toBe(400);
    expect((await call(s.url, 'GET', `${CMS}/bad`)).status).toBe(404);
  });

  it('strips managedFields on [{}] and keeps them when a client sends none', async () => {
    const current = (await call<Obj>(s.url, 'GET', `${CMS}/app`)).body;
    const put = await call<Obj>(s.url, 'PUT', `${CMS}/app?fieldManager=editor`, {
      ...current,
      metadata: { ...current.metadata, managedFields: undefined },
      data: { a: '1', c: '3' },
    });
    expect(owners(put.body)).toEqual(['ops/Apply', 'editor/Update']);
    const reset = await call<Obj>(s.url, 'PATCH', `${CMS}/app`, { metadata: { managedFields: [{}] } }, { contentType: 'application/merge-patch+json' });
    expect(reset.status).toBe(200);
    expect(reset.body.metadata.managedFields).toBeUndefined();
  });
});
