// API aggregation as a user plugs in an extension API server with stock
// kubectl (v1.32) against a real kube-apiserver process started with
// --proxy-client-cert-file: a Service for the backend, an APIService applied
// from YAML, `kubectl wait --for=condition=Available`, then the extension's
// kind used like any other (api-resources, create, get), and gone again with
// its APIService. The backend is the "wardle" sample server, which believes
// the API server's identity headers only over its front-proxy certificate.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  TestPki,
  requireTool,
  startApiServerProcess,
  startExtensionApiServer,
  type ComponentProcess,
  type ExtensionApiServer,
  type KeyPair,
} from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlAt, type KubectlResult } from './support/cluster.js';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
requireTool('kubectl', KUBECTL, ['version', '--client']);

describe('an extension API server plugged in with an APIService', () => {
  let dir: string;
  let api: { proc: ComponentProcess; url: string } | undefined;
  let wardle: ExtensionApiServer | undefined;
  let wardleCA: KeyPair;

  const kubectl = (...args: string[]): Promise<KubectlResult> => kubectlAt(KUBECTL, api!.url, path.join(dir, 'cache'), ...args);
  async function file(name: string, text: string): Promise<string> {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-aggregation-'));
    const pki = new TestPki(dir);
    wardleCA = pki.ca('wardle-ca');
    pki.ca('front-proxy-ca');
    pki.client('front-proxy-client', 'front-proxy-ca', 'front-proxy-client');
    wardle = await startExtensionApiServer({
      serving: pki.server('wardle', 'wardle-ca', ['api.wardle-system.svc']),
      requestHeaderCA: pki.read('front-proxy-ca').cert,
      allowedNames: ['front-proxy-client'],
    });
    api = await startApiServerProcess({
      extraArgs: ['--proxy-client-cert-file', pki.path('front-proxy-client', 'crt'), '--proxy-client-key-file', pki.path('front-proxy-client', 'key')],
    });
  });
  afterAll(async () => {
    await api?.proc.stop();
    await wardle?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the Local APIServices of the built-in groups', async () => {
    const r = await kubectl('wait', '--for=condition=Available', '--timeout=20s', 'apiservice/v1.apps', 'apiservice/v1beta1.metrics.k8s.io');
    expect(r.code, r.stderr).toBe(0);
    const list = await kubectl('get', 'apiservices');
    expect(list.stdout).toMatch(/^v1\.\s+Local\s+True\s+/m);
    expect(list.stdout).toMatch(/^v1beta1\.metrics\.k8s\.io\s+Local\s+True\s+/m);
  });

  it('serves the extension kind once its APIService is Available', async () => {
    expect((await kubectl('create', 'namespace', 'wardle-system')).code).toBe(0);
    const svc = await kubectl('create', 'service', 'externalname', 'api', '-n', 'wardle-system', '--external-name', 'localhost');
    expect(svc.code, svc.stderr).toBe(0);
    const apiService = `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1alpha1.wardle.example.com
spec:
  group: wardle.example.com
  version: v1alpha1
  service:
    namespace: wardle-system
    name: api
    port: ${wardle!.port}
  caBundle: ${wardleCA.cert.toString('base64')}
  groupPriorityMinimum: 1000
  versionPriority: 15
`;
    const applied = await kubectl('apply', '-f', await file('apiservice.yaml', apiService));
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('apiservice.apiregistration.k8s.io/v1alpha1.wardle.example.com created');
    const waited = await kubectl('wait', '--for=condition=Available', '--timeout=20s', 'apiservice/v1alpha1.wardle.example.com');
    expect(waited.code, waited.stderr).toBe(0);
    expect((await kubectl('get', 'apiservice', 'v1alpha1.wardle.example.com')).stdout).toMatch(/v1alpha1\.wardle\.example\.com\s+wardle-system\/api\s+True\s+/);
    const resources = await kubectl('api-resources', '--api-group', 'wardle.example.com');
    expect(resources.stdout).toMatch(/flunders\s+fl\s+wardle\.example\.com\/v1alpha1\s+true\s+Flunder/);
    const made = await kubectl('create', '-f', await file('f1.yaml', 'apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata:\n  name: f1\n'));
    expect(made.code, made.stderr).toBe(0);
    const got = await kubectl('get', 'fl', 'f1', '-o', 'jsonpath={.metadata.name} {.metadata.annotations.wardle\\.example\\.com/created-by}');
    expect(got.stdout).toBe('f1 system:anonymous');
    const created = wardle!.requests.find((r) => r.method === 'POST')!;
    expect(created.clientCN).toBe('front-proxy-client');
  });

  it('stops serving the kind when the APIService is deleted', async () => {
    expect((await kubectl('delete', 'apiservice', 'v1alpha1.wardle.example.com')).code).toBe(0);
    // kubectl's cached discovery still names the kind: the request itself is a 404 now.
    const cached = await kubectl('get', 'flunders');
    expect(cached.stderr).toContain('the server could not find the requested resource');
    // Fresh discovery no longer lists it.
    const fresh = await kubectlAt(KUBECTL, api!.url, path.join(dir, 'fresh-cache'), 'get', 'flunders');
    expect(fresh.code).not.toBe(0);
    expect(fresh.stderr).toContain(`the server doesn't have a resource type "flunders"`);
  });
});
