// @kubernetes/client-node, unchanged, against the API server: typed calls,
// patches, errors and its Watch helper.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './testing/test-support.js';

describe('@kubernetes/client-node against the API server', () => {
  let s: TestServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  beforeAll(async () => {
    s = await startServer();
    kc = new k8s.KubeConfig();
    // client-node refuses http:// servers unless TLS verification is skipped (docs/api-server.md, Using it).
    kc.loadFromOptions({
      clusters: [{ name: 'mk8s', server: s.url, skipTLSVerify: true }],
      users: [{ name: 'me' }],
      contexts: [{ name: 'mk8s', cluster: 'mk8s', user: 'me', namespace: 'default' }],
      currentContext: 'mk8s',
    });
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });
  afterAll(async () => {
    await s.close();
  });

  const pod = (name: string): k8s.V1Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'cn' } },
    spec: { containers: [{ name: 'c', image: 'busybox:latest', command: ['sleep', '3600'] }] },
  });

  it('creates, reads, lists, patches and deletes a pod', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('cn-1') });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.status?.phase).toBe('Pending');
    const read = await core.readNamespacedPod({ name: 'cn-1', namespace: 'default' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=cn' });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['cn-1']);
    const patched = await core.patchNamespacedPod(
      { name: 'cn-1', namespace: 'default', body: { metadata: { labels: { patched: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ app: 'cn', patched: 'yes' });
    await core.deleteNamespacedPod({ name: 'cn-1', namespace: 'default' });
    await expect(core.readNamespacedPod({ name: 'cn-1', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('surfaces a 409 for a duplicate and a 422 for an invalid object', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('cn-dup') });
    await expect(core.createNamespacedPod({ namespace: 'default', body: pod('cn-dup') })).rejects.toMatchObject({ code: 409 });
    const bad = pod('cn-bad');
    bad.spec!.containers[0]!.image = undefined;
    await expect(core.createNamespacedPod({ namespace: 'default', body: bad })).rejects.toMatchObject({ code: 422 });
  });

  it('scales a deployment through the scale subresource', async () => {
    const deployment: k8s.V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cn-web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'cn-web' } },
        template: { metadata: { labels: { app: 'cn-web' } }, spec: { containers: [{ name: 'c', image: 'busybox:latest' }] } },
      },
    };
    const d = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment });
    expect(d.spec?.strategy?.type).toBe('RollingUpdate');
    expect(d.spec?.strategy?.rollingUpdate?.maxSurge).toBe('25%');
    const scale = await apps.readNamespacedDeploymentScale({ name: 'cn-web', namespace: 'default' });
    expect(scale.spec?.replicas).toBe(1);
    scale.spec = { replicas: 4 };
    await apps.replaceNamespacedDeploymentScale({ name: 'cn-web', namespace: 'default', body: scale });
    expect((await apps.readNamespacedDeployment({ name: 'cn-web', namespace: 'default' })).spec?.replicas).toBe(4);
  });

  it('watches with the Watch helper', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const req = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: list.metadata?.resourceVersion },
      (type, obj: k8s.V1ConfigMap) => {
        seen.push(`${type}:${obj.metadata?.name}`);
        if (seen.length === 2) done();
      },
      () => undefined,
    );
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn-cm' }, data: { a: '1' } } });
    await core.deleteNamespacedConfigMap({ name: 'cn-cm', namespace: 'default' });
    await finished;
    req.abort();
    expect(seen).toEqual(['ADDED:cn-cm', 'DELETED:cn-cm']);
  });
});
