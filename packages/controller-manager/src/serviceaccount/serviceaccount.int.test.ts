// The service-account controller against a real API server: every namespace
// gets a `default` ServiceAccount, re-created when deleted.
import type { ServiceAccount } from '@mk8s/api';
import { describe, expect, it, vi } from 'vitest';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { ServiceAccountsController } from './serviceaccounts-controller.js';

describe('ServiceAccountsController (integration)', () => {
  const bed = controllerTestBed();

  it('creates the default ServiceAccount in every namespace and re-creates it when deleted', async () => {
    const client = bed.client;
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    bed.start(({ client, factory }) => new ServiceAccountsController({ client, factory }));
    const sas = (ns: string) => client.resource<ServiceAccount>('', 'v1', 'serviceaccounts').inNamespace(ns);
    await vi.waitFor(async () => expect((await sas('team-a').get('default')).metadata?.name).toBe('default'), { timeout: 10_000, interval: 100 });
    await vi.waitFor(async () => expect((await sas('default').get('default')).metadata?.name).toBe('default'), { timeout: 10_000, interval: 100 });
    const uid = (await sas('team-a').get('default')).metadata?.uid;

    await sas('team-a').delete('default');
    await vi.waitFor(async () => expect((await sas('team-a').get('default')).metadata?.uid).not.toBe(uid), { timeout: 10_000, interval: 100 });

    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    await vi.waitFor(async () => expect((await sas('team-b').get('default')).metadata?.name).toBe('default'), { timeout: 10_000, interval: 100 });
  });
});
