// The garbage collector against a real API server: background, foreground and
// orphan cascading deletion by ownerReferences, across built-in kinds and
// custom resources. Pods are left unbound so the
// API server deletes them at once (no kubelet runs here to confirm).
import type { ConfigMap, Deployment, ReplicaSet } from '@mk8s/api';
import { type Clientset, type KubeObject } from '@mk8s/client';
import { buildDeployment, buildPod, buildReplicaSet } from '@mk8s/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { WIDGET, buildWidget, createWidgetCrd, widgets } from '../testing/helpers.js';
import { GarbageCollector } from './garbage-collector.js';

const WAIT = { timeout: 15_000, interval: 100 };

function ownerRef(owner: KubeObject, kind: string, apiVersion: string, block = true) {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: block };
}

describe('GarbageCollector (integration)', () => {
  const bed = controllerTestBed();
  let client: Clientset;
  beforeEach(() => {
    client = bed.client;
  });

  function start(): void {
    bed.start(({ client, factory }) => new GarbageCollector({ client, factory }));
  }

  const pods = () => client.pods.inNamespace('default');
  const rss = () => client.replicaSets.inNamespace('default');
  const cms = () => client.configMaps.inNamespace('default');
  const gone = (p: Promise<unknown>) =>
    p.then(
      () => false,
      () => true,
    );

  async function rsWithPods(name: string, n: number, owner?: Deployment): Promise<ReplicaSet> {
    const rs = buildReplicaSet(name);
    if (owner) rs.metadata!.ownerReferences = [ownerRef(owner, 'Deployment', 'apps/v1')];
    const created = await rss().create(rs);
    for (let i = 0; i < n; i++) {
      await pods().create(buildPod(`${name}-${i}`, { labels: { app: name }, ownerReferences: [ownerRef(created, 'ReplicaSet', 'apps/v1')] }));
    }
    return created;
  }

  it('background: deletes dependents whose owners are all gone, keeps those with another live owner, and never touches owned objects whose owner exists', async () => {
    start();
    const rs = await rsWithPods('web', 2);
    const keeper = await cms().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keeper' } } as ConfigMap);
    const shared = await cms().create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'shared',
        ownerReferences: [
          { ...ownerRef(rs, 'ReplicaSet', 'apps/v1'), controller: false },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'keeper', uid: keeper.metadata!.uid! },
        ],
      },
    } as ConfigMap);
    const live = await rsWithPods('other', 1);
    await pods().create(buildPod('stray', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'never', uid: 'no-such-uid' }] }));

    await vi.waitFor(async () => expect(await gone(pods().get('stray'))).toBe(true), WAIT);
    await rss().delete('web');
    await vi.waitFor(async () => {
      expect(await gone(pods().get('web-0'))).toBe(true);
      expect(await gone(pods().get('web-1'))).toBe(true);
      expect((await cms().get('shared')).metadata?.ownerReferences?.map((r) => r.name)).toEqual(['keeper']);
    }, WAIT);
    expect((await cms().get('shared')).metadata?.uid).toBe(shared.metadata?.uid);
    expect((await pods().get('other-0')).metadata?.ownerReferences?.[0]?.uid).toBe(live.metadata?.uid);
  });

  it('foreground: the owner stays until its blocking dependents are gone, through a tree', async () => {
    start();
    const deploy = await client.deployments.inNamespace('default').create(buildDeployment('app'));
    await rsWithPods('app-1', 2, deploy);
    // A finalizer the test holds keeps one pod, and so the whole tree, from going.
    await pods().patch('app-1-0', { metadata: { finalizers: ['example.com/hold'] } }, 'merge');

    await client.deployments.inNamespace('default').delete('app', { propagationPolicy: 'Foreground' });
    await vi.waitFor(async () => {
      expect(await gone(pods().get('app-1-1'))).toBe(true);
      expect((await pods().get('app-1-0')).metadata?.deletionTimestamp).toBeDefined();
    }, WAIT);
    const held = await client.deployments.inNamespace('default').get('app');
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    expect(held.metadata?.finalizers).toContain('foregroundDeletion');
    expect((await rss().get('app-1')).metadata?.finalizers).toContain('foregroundDeletion');

    await pods().patch('app-1-0', { metadata: { finalizers: null } }, 'merge');
    await vi.waitFor(async () => {
      expect(await gone(pods().get('app-1-0'))).toBe(true);
      expect(await gone(rss().get('app-1'))).toBe(true);
      expect(await gone(client.deployments.inNamespace('default').get('app'))).toBe(true);
    }, WAIT);
  });

  it('orphan: dependents live on without the reference, and the owner goes', async () => {
    start();
    await rsWithPods('lone', 2);
    await rss().delete('lone', { propagationPolicy: 'Orphan' });
    await vi.waitFor(async () => expect(await gone(rss().get('lone'))).toBe(true), WAIT);
    for (const name of ['lone-0', 'lone-1']) {
      const p = await pods().get(name);
      expect(p.metadata?.deletionTimestamp).toBeUndefined();
      expect(p.metadata?.ownerReferences ?? []).toEqual([]);
    }
  });

  it('custom resources, served after the collector started: a widget whose owner goes is collected, and so is a ConfigMap whose widget goes', async () => {
    bed.start(({ client, factory }) => new GarbageCollector({ client, factory, discoveryResyncMs: 200 }));
    await createWidgetCrd(client);
    const ws = widgets(client, 'default');
    const owner = await cms().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } } as ConfigMap);
    await ws.create(buildWidget('owned', 'default', { ownerReferences: [ownerRef(owner, 'ConfigMap', 'v1')] }));
    const boss = await ws.create(buildWidget('boss', 'default'));
    await cms().create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'minion', ownerReferences: [ownerRef(boss, WIDGET.kind, WIDGET.apiVersion)] },
    } as ConfigMap);
    const keeper = await ws.create(buildWidget('keeper', 'default'));
    await cms().create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kept', ownerReferences: [ownerRef(keeper, WIDGET.kind, WIDGET.apiVersion)] },
    } as ConfigMap);

    await cms().delete('owner');
    await vi.waitFor(async () => expect(await gone(ws.get('owned'))).toBe(true), WAIT);
    await ws.delete('boss');
    await vi.waitFor(async () => expect(await gone(cms().get('minion'))).toBe(true), WAIT);
    // A widget that is there keeps what it owns.
    expect((await cms().get('kept')).metadata?.ownerReferences?.[0]?.uid).toBe(keeper.metadata?.uid);
  });

  it('foreground deletion of a widget waits for the ConfigMaps it owns', async () => {
    await createWidgetCrd(client);
    start();
    const ws = widgets(client, 'default');
    const boss = await ws.create(buildWidget('boss', 'default'));
    await cms().create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', finalizers: ['example.com/hold'], ownerReferences: [ownerRef(boss, WIDGET.kind, WIDGET.apiVersion)] },
    } as ConfigMap);
    await ws.delete('boss', { propagationPolicy: 'Foreground' });
    await vi.waitFor(async () => expect((await cms().get('held')).metadata?.deletionTimestamp).toBeDefined(), WAIT);
    expect((await ws.get('boss')).metadata?.finalizers).toContain('foregroundDeletion');
    await cms().patch('held', { metadata: { finalizers: null } }, 'merge');
    await vi.waitFor(async () => expect(await gone(ws.get('boss'))).toBe(true), WAIT);
  });

  it('a restarted collector changes nothing converged', async () => {
    await rsWithPods('steady', 2);
    const before = (await pods().list()).items.map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).sort();
    start();
    await new Promise((r) => setTimeout(r, 1_000));
    const after = (await pods().list()).items.map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).sort();
    expect(after).toEqual(before);
  });
});
