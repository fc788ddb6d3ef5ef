// CustomResourceDefinitions as a user drives them with stock kubectl
// (v1.32) against a real kube-apiserver process: apply a CRD from YAML, use
// its kind (get, short names, explain, apply, scale), see invalid objects
// refused with the field, and delete it with its objects.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { eventually, requireTool, startApiServerProcess, type ComponentProcess } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlAt, type KubectlResult } from './support/cluster.js';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
requireTool('kubectl', KUBECTL, ['version', '--client']);

const CRD_YAML = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
        scale:
          specReplicasPath: .spec.replicas
          statusReplicasPath: .status.replicas
      additionalPrinterColumns:
        - name: Size
          type: integer
          jsonPath: .spec.size
        - name: Replicas
          type: integer
          jsonPath: .spec.replicas
      schema:
        openAPIV3Schema:
          type: object
          description: A widget of some size.
          properties:
            spec:
              type: object
              description: What the widget should be.
              required: [size]
              properties:
                size:
                  type: integer
                  description: How big the widget is, from 1 to 10.
                  minimum: 1
                  maximum: 10
                replicas:
                  type: integer
                  default: 1
            status:
              type: object
              properties:
                replicas:
                  type: integer
`;

function widgetYaml(name: string, size: number | string): string {
  return `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n  size: ${size}\n`;
}

describe('CustomResourceDefinitions with kubectl', () => {
  let api: { proc: ComponentProcess; url: string };
  let dir: string;

  const kubectl = (...args: string[]): Promise<KubectlResult> => kubectlAt(KUBECTL, api.url, path.join(dir, 'cache'), ...args);

  async function file(name: string, text: string): Promise<string> {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-crd-'));
    api = await startApiServerProcess();
  });
  afterAll(async () => {
    await api?.proc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a CRD and waits for it to be established', async () => {
    const applied = await kubectl('apply', '-f', await file('crd.yaml', CRD_YAML));
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    const waited = await kubectl('wait', '--for', 'condition=Established', '--timeout=10s', 'crd/widgets.example.com');
    expect(waited.code, waited.stderr).toBe(0);
    const resources = await kubectl('api-resources', '--api-group', 'example.com');
    expect(resources.stdout).toMatch(/widgets\s+wd\s+example\.com\/v1\s+true\s+Widget/);
  });

  it('creates, lists by short name and prints the CRD columns', async () => {
    const applied = await kubectl('apply', '-f', await file('w1.yaml', widgetYaml('w1', 3)));
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('widget.example.com/w1 created');
    const got = await kubectl('get', 'wd');
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(/^NAME\s+SIZE\s+REPLICAS\s*$/m);
    expect(got.stdout).toMatch(/^w1\s+3\s+1\s*$/m);
    // Applying a change again patches it (client-side apply sends a merge patch for custom kinds).
    const again = await kubectl('apply', '-f', await file('w1b.yaml', widgetYaml('w1', 4)));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('widget.example.com/w1 configured');
    const size = await kubectl('get', 'widget', 'w1', '-o', 'jsonpath={.spec.size}');
    expect(size.stdout).toBe('4');
  });

  it('explains the custom kind from its schema', async () => {
    const r = await kubectl('explain', 'widgets.spec');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('What the widget should be.');
    expect(r.stdout).toMatch(/size\s+<integer> -required-/);
    expect(r.stdout).toContain('How big the widget is, from 1 to 10.');
  });

  it('refuses an invalid object with the field at fault (422)', async () => {
    const r = await kubectl('apply', '-f', await file('bad.yaml', widgetYaml('w2', 11)));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10');
    const typed = await kubectl('apply', '-f', await file('bad2.yaml', widgetYaml('w3', '"big"')));
    expect(typed.code).not.toBe(0);
    expect(typed.stderr).toContain('spec.size');
    expect((await kubectl('get', 'widget', 'w2')).stderr).toContain('NotFound');
  });

  it('scales a custom resource through its scale subresource', async () => {
    const r = await kubectl('scale', 'widget/w1', '--replicas=3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('widget.example.com/w1 scaled');
    expect((await kubectl('get', 'widget', 'w1', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('3');
  });

  it('applies a custom object server-side: fields owned, a conflict with the scale subresource, forced', async () => {
    const yaml = (replicas: number) => `${widgetYaml('w1', 4)}  replicas: ${replicas}\n`;
    const conflict = await kubectl('apply', '--server-side', '-f', await file('w1-ssa.yaml', yaml(1)));
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using example\.com\/v1: \.spec\.replicas/);
    const forced = await kubectl('apply', '--server-side', '--force-conflicts', '-f', await file('w1-ssa.yaml', yaml(1)));
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout.trim()).toBe('widget.example.com/w1 serverside-applied');
    expect((await kubectl('get', 'widget', 'w1', '-o', 'jsonpath={.spec.size} {.spec.replicas}')).stdout).toBe('4 1');
    const owners = await kubectl(
      'get',
      'widget',
      'w1',
      '--show-managed-fields',
      '-o',
      'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}',
    );
    expect(owners.stdout).toContain('kubectl/Apply');
  });

  it('deletes the CRD and its objects', async () => {
    const r = await kubectl('delete', 'crd', 'widgets.example.com', '--timeout=20s');
    expect(r.code, r.stderr).toBe(0);
    // With its discovery cache from before, kubectl still knows the kind, and the server answers 404 as Kubernetes does.
    const stale = await kubectl('get', 'widgets');
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('the server could not find the requested resource');
    const fresh = await kubectlAt(KUBECTL, api.url, path.join(dir, 'fresh-cache'), 'get', 'widgets');
    expect(fresh.stderr).toMatch(/the server doesn't have a resource type "widgets"/);
  });
});

describe('a controller written with @kubernetes/client-node, unchanged, on a custom resource', () => {
  let api: { proc: ComponentProcess; url: string };
  let kc: k8s.KubeConfig;
  const stops: Array<() => void | Promise<void>> = [];

  beforeAll(async () => {
    api = await startApiServerProcess();
    kc = new k8s.KubeConfig();
    // client-node refuses http:// servers unless TLS verification is skipped (docs/api-server.md, Using it).
    kc.loadFromOptions({
      clusters: [{ name: 'mk8s', server: api.url, skipTLSVerify: true }],
      users: [{ name: 'me' }],
      contexts: [{ name: 'mk8s', cluster: 'mk8s', user: 'me', namespace: 'default' }],
      currentContext: 'mk8s',
    });
  });
  afterAll(async () => {
    for (const stop of stops.splice(0)) await stop();
    await api?.proc.stop();
  });

  it('watches widgets through an informer and keeps their status in line with their spec', async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const crd = (await import('yaml')).parse(CRD_YAML) as k8s.V1CustomResourceDefinition;
    await ext.createCustomResourceDefinition({ body: crd });
    await eventually(async () => {
      const got = await ext.readCustomResourceDefinition({ name: 'widgets.example.com' });
      return got.status?.conditions?.find((c) => c.type === 'Established')?.status === 'True';
    });

    // The controller: an informer on widgets; each add or update converges status.replicas to spec.replicas.
    type Widget = k8s.KubernetesObject & { spec: { size: number; replicas?: number }; status?: { replicas?: number } };
    const path = '/apis/example.com/v1/namespaces/default/widgets';
    const informer = k8s.makeInformer<Widget>(kc, path, () =>
      custom.listNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets' }),
    );
    const deleted: string[] = [];
    const reconcile = async (w: Widget): Promise<void> => {
      if (w.status?.replicas === w.spec.replicas) return;
      await custom.patchNamespacedCustomObjectStatus(
        {
          group: 'example.com',
          version: 'v1',
          namespace: 'default',
          plural: 'widgets',
          name: w.metadata!.name!,
          body: { status: { replicas: w.spec.replicas } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    };
    informer.on('add', (w) => void reconcile(w));
    informer.on('update', (w) => void reconcile(w));
    informer.on('delete', (w) => deleted.push(w.metadata!.name!));
    await informer.start();
    stops.push(() => informer.stop());

    const body = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'cw' }, spec: { size: 2, replicas: 2 } };
    await custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', body });
    const read = () =>
      custom.getNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'cw' }) as Promise<Widget>;
    await eventually(async () => (await read()).status?.replicas === 2, { message: 'status.replicas 2' });
    await custom.patchNamespacedCustomObject(
      { group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'cw', body: { spec: { replicas: 5 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually(async () => (await read()).status?.replicas === 5, { message: 'status.replicas 5' });
    expect(informer.list().map((w) => w.metadata?.name)).toEqual(['cw']);
    await custom.deleteNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'cw' });
    await eventually(() => deleted.includes('cw'), { message: 'the informer to see the delete' });
    expect(deleted).toEqual(['cw']);
  });
});
