// Interoperability: @kubernetes/client-node's makeInformer and our
// SharedInformer, watching the same API server, see the same add/update/delete
// sequence; and a controller built from our pieces converges on real writes.
import * as k8s from '@kubernetes/client-node';
import { Clientset, SharedInformerFactory, createController, listerWatchersFor, objectKey, type KubeObject } from '@mk8s/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../eventually.js';
import { startTestCluster, type TestCluster } from '../test-cluster.js';

describe('informer interoperability', () => {
  let c: TestCluster;
  let client: Clientset;
  const ac = new AbortController();

  beforeAll(async () => {
    c = await startTestCluster();
    client = new Clientset({ server: c.url });
  });
  afterAll(async () => {
    ac.abort();
    client.close();
    await c.stop();
  });

  it('client-node makeInformer and our informer see the same sequence', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: c.url, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const theirs: string[] = [];
    const theirInformer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    theirInformer.on(k8s.ADD, (o: k8s.V1ConfigMap) => theirs.push(`add:${o.metadata?.name}`));
    theirInformer.on(k8s.UPDATE, (o: k8s.V1ConfigMap) => theirs.push(`update:${o.metadata?.name}`));
    theirInformer.on(k8s.DELETE, (o: k8s.V1ConfigMap) => theirs.push(`delete:${o.metadata?.name}`));
    await theirInformer.start();

    const ours: string[] = [];
    const factory = new SharedInformerFactory(listerWatchersFor(client));
    const informer = factory.informerFor('configmaps', { namespace: 'default' });
    informer.addEventHandler({
      onAdd: (o) => ours.push(`add:${o.metadata?.name}`),
      onUpdate: (_old, o) => ours.push(`update:${o.metadata?.name}`),
      onDelete: (o) => ours.push(`delete:${('obj' in o ? (o.obj as KubeObject) : o).metadata?.name}`),
    });
    factory.start(ac.signal);
    expect(await factory.waitForCacheSync(ac.signal)).toBe(true);

    const cms = client.configMaps.inNamespace('default');
    const a = await cms.create({ metadata: { name: 'a' }, data: { v: '1' } });
    await cms.create({ metadata: { name: 'b' } });
    await cms.update({ ...a, data: { v: '2' } });
    await cms.delete('b');
    await cms.create({ metadata: { name: 'c' } });
    await cms.patch('c', { data: { x: 'y' } }, 'merge');
    await cms.delete('a');
    const expected = ['add:a', 'add:b', 'update:a', 'delete:b', 'add:c', 'update:c', 'delete:a'];
    await eventually(() => ours.length >= expected.length && theirs.length >= expected.length, {
      message: 'both informers to see every write',
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    await theirInformer.stop();
    expect(ours).toEqual(expected);
    expect(theirs).toEqual(expected);
    expect(
      informer.lister
        .namespace('default')
        .list()
        .map((o) => o.metadata?.name),
    ).toEqual(['c']);
  });

  it('a controller built from the client converges on real writes', async () => {
    const factory = new SharedInformerFactory(listerWatchersFor(client));
    const informer = factory.informerFor('configmaps', { namespace: 'default', labelSelector: 'mirror=yes' });
    // A tiny level-triggered controller: every labelled ConfigMap gets a "<name>-copy" with the same data.
    const controller = createController({
      name: 'mirror',
      informers: [informer],
      workers: 2,
      sync: async (key) => {
        const src = informer.getStore().get(key) as { metadata: { name: string; namespace: string }; data?: Record<string, string> } | undefined;
        if (!src) return;
        const copies = client.configMaps.inNamespace(src.metadata.namespace);
        const name = `${src.metadata.name}-copy`;
        try {
          const cur = await copies.get(name);
          if (JSON.stringify(cur.data ?? {}) !== JSON.stringify(src.data ?? {})) await copies.update({ ...cur, data: src.data ?? {} });
        } catch {
          await copies.create({ metadata: { name }, data: src.data ?? {} });
        }
      },
    });
    informer.addEventHandler({ onAdd: (o) => controller.enqueue(objectKey(o)), onUpdate: (_o, n) => controller.enqueue(objectKey(n)) });
    factory.start(ac.signal);
    const running = controller.run(ac.signal);
    const cms = client.configMaps.inNamespace('default');
    for (let i = 0; i < 5; i++) await cms.create({ metadata: { name: `src-${i}`, labels: { mirror: 'yes' } }, data: { i: String(i) } });
    const s0 = await cms.get('src-0');
    await cms.update({ ...s0, data: { i: 'changed' } });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const copies = (await cms.list({})).items.filter((i) => i.metadata?.name?.endsWith('-copy'));
      const changed = copies.find((i) => i.metadata?.name === 'src-0-copy')?.data?.['i'] === 'changed';
      if (copies.length === 5 && changed) break;
      if (Date.now() > deadline) throw new Error(`controller did not converge: ${copies.length} copies`);
      await new Promise((r) => setTimeout(r, 50));
    }
    ac.abort();
    await running;
  });
});
