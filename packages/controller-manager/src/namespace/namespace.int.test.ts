// The namespace controller against a real API server: deleting a namespace
// empties it of everything discovery lists (custom resources included),
// reports what holds it, and finalizes it once empty.
import type { ConfigMap, Namespace } from '@mk8s/api';
import { type Clientset } from '@mk8s/client';
import { buildPod, buildReplicaSet, buildService } from '@mk8s/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { buildWidget, createWidgetCrd, widgets } from '../testing/helpers.js';
import { discoverResources } from '../util/discovery.js';
import { NamespaceController } from './namespace-controller.js';

const WAIT = { timeout: 15_000, interval: 100 };

describe('NamespaceController (integration)', () => {
  const bed = controllerTestBed();
  let client: Clientset;
  beforeEach(() => {
    client = bed.client;
  });

  function start(): void {
    bed.start(({ client, factory }) => new NamespaceController({ client, factory, recheckMs: 200 }));
  }

  const gone = (p: Promise<unknown>) =>
    p.then(
      () => false,
      () => true,
    );

  it('deletes everything in a deleted namespace, waits for held content, then the namespace goes', async () => {
    start();
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } } as Namespace);
    await client.pods.inNamespace('doomed').create(buildPod('p', { namespace: 'doomed' }));
    await client.replicaSets.inNamespace('doomed').create(buildReplicaSet('rs', { namespace: 'doomed' }));
    await client.services.inNamespace('doomed').create(buildService('svc', { namespace: 'doomed' }));
    const cm = (name: string, finalizers?: string[]) =>
      ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'doomed', finalizers }, data: {} }) as ConfigMap;
    await client.configMaps.inNamespace('doomed').create(cm('plain'));
    await client.configMaps.inNamespace('doomed').create(cm('held', ['example.com/hold']));
    // Another namespace is untouched.
    await client.configMaps.inNamespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bystander' } } as ConfigMap);

    await client.namespaces.delete('doomed');
    await vi.waitFor(async () => {
      const ns = await client.namespaces.get('doomed');
      expect(ns.status?.phase).toBe('Terminating');
      expect(ns.status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({
        status: 'True',
        message: 'Some resources are remaining: configmaps. has 1 resource instances',
      });
      expect(ns.status?.conditions?.find((c) => c.type === 'NamespaceFinalizersRemaining')).toMatchObject({
        status: 'True',
        message: expect.stringContaining('example.com/hold'),
      });
    }, WAIT);
    expect(await gone(client.pods.inNamespace('doomed').get('p'))).toBe(true);
    expect(await gone(client.replicaSets.inNamespace('doomed').get('rs'))).toBe(true);
    expect(await gone(client.services.inNamespace('doomed').get('svc'))).toBe(true);
    expect(await gone(client.configMaps.inNamespace('doomed').get('plain'))).toBe(true);

    await client.configMaps.inNamespace('doomed').patch('held', { metadata: { finalizers: null } }, 'merge');
    await vi.waitFor(async () => expect(await gone(client.namespaces.get('doomed'))).toBe(true), WAIT);
    expect(await gone(client.configMaps.inNamespace('default').get('bystander'))).toBe(false);
  });

  it('deletes the custom objects of a CRD created after the controller started, waiting for those held', async () => {
    start();
    await createWidgetCrd(client);
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'custom' } } as Namespace);
    await widgets(client, 'custom').create(buildWidget('plain', 'custom'));
    await widgets(client, 'custom').create(buildWidget('held', 'custom', { finalizers: ['example.com/hold'] }));
    await widgets(client, 'default').create(buildWidget('bystander', 'default'));

    await client.namespaces.delete('custom');
    await vi.waitFor(async () => {
      const ns = await client.namespaces.get('custom');
      expect(ns.status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({
        status: 'True',
        message: 'Some resources are remaining: widgets.example.com has 1 resource instances',
      });
    }, WAIT);
    expect(await gone(widgets(client, 'custom').get('plain'))).toBe(true);

    await widgets(client, 'custom').patch('held', { metadata: { finalizers: null } }, 'merge');
    await vi.waitFor(async () => expect(await gone(client.namespaces.get('custom'))).toBe(true), WAIT);
    expect((await widgets(client, 'custom').list()).items).toEqual([]);
    expect(await gone(widgets(client, 'default').get('bystander'))).toBe(false);
  });

  it('keeps a namespace while discovery fails for some group, reporting it, and empties it once discovery works', async () => {
    let failing = true;
    bed.start(
      ({ client, factory }) =>
        new NamespaceController({
          client,
          factory,
          recheckMs: 200,
          discover: async (signal) => {
            const found = await discoverResources(client, signal);
            return failing
              ? { ...found, failures: [{ group: 'example.com', version: 'v1', message: 'the server is currently unable to handle the request' }] }
              : found;
          },
        }),
    );
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'unsure' } } as Namespace);
    await client.configMaps.inNamespace('unsure').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as ConfigMap);
    await client.namespaces.delete('unsure');
    await vi.waitFor(async () => {
      const ns = await client.namespaces.get('unsure');
      expect(ns.status?.conditions?.find((c) => c.type === 'NamespaceDeletionDiscoveryFailure')).toMatchObject({
        status: 'True',
        reason: 'DiscoveryFailed',
        message: 'Discovery failed for some groups, 1 failing: example.com/v1: the server is currently unable to handle the request',
      });
    }, WAIT);
    // What discovery did list is deleted all the same.
    expect(await gone(client.configMaps.inNamespace('unsure').get('c'))).toBe(true);
    failing = false;
    await vi.waitFor(async () => expect(await gone(client.namespaces.get('unsure'))).toBe(true), WAIT);
  });

  it('leaves live namespaces alone', async () => {
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'alive' } } as Namespace);
    await client.configMaps.inNamespace('alive').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as ConfigMap);
    const rv = (await client.namespaces.get('alive')).metadata?.resourceVersion;
    start();
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await client.namespaces.get('alive')).metadata?.resourceVersion).toBe(rv);
    expect(await gone(client.configMaps.inNamespace('alive').get('c'))).toBe(false);
  });
});
