// The resource-quota controller against a real API server (with its
// ResourceQuota admission): status.hard mirrors spec.hard, status.used is
// recounted from the objects, and usage comes back when pods go or finish.
import type { CustomResourceDefinition, ResourceQuota } from '@mk8s/api';
import { buildPod } from '@mk8s/testing';
import { describe, expect, it, vi } from 'vitest';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { ResourceQuotaController } from './resource-quota-controller.js';

describe('ResourceQuotaController (integration)', () => {
  const bed = controllerTestBed();

  it('recounts usage on changes: deletes and finished pods give room back', async () => {
    const client = bed.client;
    const pods = client.pods.inNamespace('default');
    await pods.create(buildPod('before-quota'));
    await client.configMaps.inNamespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    const quotas = client.resource<ResourceQuota & { metadata: { name: string } }>('', 'v1', 'resourcequotas').inNamespace('default');
    await quotas.create({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { pods: '3', 'count/configmaps': '5', 'count/deployments.apps': '2' } },
    });
    bed.start(({ client, factory }) => new ResourceQuotaController({ client, factory, resyncPeriodMs: 60_000 }));
    const used = async () => (await quotas.get('q')).status?.used;
    // Objects created before the quota are counted too.
    await vi.waitFor(async () => expect(await used()).toEqual({ pods: '1', 'count/configmaps': '1', 'count/deployments.apps': '0' }), {
      timeout: 15_000,
      interval: 100,
    });
    expect((await quotas.get('q')).status?.hard).toEqual({ pods: '3', 'count/configmaps': '5', 'count/deployments.apps': '2' });

    await pods.create(buildPod('a'));
    await pods.create(buildPod('b'));
    await vi.waitFor(async () => expect((await used())?.['pods']).toBe('3'), { timeout: 15_000, interval: 100 });
    await expect(pods.create(buildPod('c'))).rejects.toThrow(/exceeded quota: q/);

    await pods.delete('a', { gracePeriodSeconds: 0 });
    await vi.waitFor(async () => expect((await used())?.['pods']).toBe('2'), { timeout: 15_000, interval: 100 });
    const b = await pods.get('b');
    await pods.updateStatus({ ...b, status: { ...b.status, phase: 'Succeeded' } });
    await vi.waitFor(async () => expect((await used())?.['pods']).toBe('1'), { timeout: 15_000, interval: 100 });
    await pods.create(buildPod('c'));
    await pods.create(buildPod('d'));

    // A change of spec.hard is mirrored into status.hard.
    const q = await quotas.get('q');
    await quotas.update({ ...q, spec: { hard: { pods: '10' } } });
    await vi.waitFor(async () => expect((await quotas.get('q')).status).toEqual({ hard: { pods: '10' }, used: { pods: '3' } }), {
      timeout: 15_000,
      interval: 100,
    });
  });

  it('counts custom resources by the version discovery prefers', async () => {
    const client = bed.client;
    await client.resource<CustomResourceDefinition & { metadata: { name: string } }>('apiextensions.k8s.io', 'v1', 'customresourcedefinitions').create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const widgets = client.resource('example.com', 'v1', 'widgets').inNamespace('default');
    await vi.waitFor(async () => widgets.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } }), { timeout: 10_000, interval: 50 });
    await widgets.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2' } });
    const quotas = client.resource<ResourceQuota & { metadata: { name: string } }>('', 'v1', 'resourcequotas').inNamespace('default');
    await quotas.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'widgets' }, spec: { hard: { 'count/widgets.example.com': '5' } } });
    bed.start(({ client, factory }) => new ResourceQuotaController({ client, factory, resyncPeriodMs: 500 }));
    await vi.waitFor(async () => expect((await quotas.get('widgets')).status?.used).toEqual({ 'count/widgets.example.com': '2' }), {
      timeout: 15_000,
      interval: 100,
    });
    await widgets.delete('w1');
    await vi.waitFor(async () => expect((await quotas.get('widgets')).status?.used).toEqual({ 'count/widgets.example.com': '1' }), {
      timeout: 15_000,
      interval: 100,
    });
  });
});
