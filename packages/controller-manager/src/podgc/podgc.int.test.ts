// The pod garbage collector against a real API server: pods bound to a node
// that is deleted go (force-deleted), pods on live nodes stay.
import { isNotFound } from '@mk8s/client';
import { buildNode, buildPod } from '@mk8s/testing';
import { describe, expect, it, vi } from 'vitest';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { PodGCController } from './pod-gc-controller.js';

describe('PodGCController (integration)', () => {
  const bed = controllerTestBed();

  it('force-deletes pods bound to a deleted node after the quarantine, keeps the others', async () => {
    const client = bed.client;
    await client.nodes.create(buildNode('alive'));
    await client.nodes.create(buildNode('doomed'));
    const pods = client.pods.inNamespace('default');
    await pods.create(buildPod('on-alive', { nodeName: 'alive' }));
    await pods.create(buildPod('on-doomed', { nodeName: 'doomed' }));
    bed.start(({ client, factory }) => new PodGCController({ client, factory, quarantineMs: 300 }));
    await new Promise((r) => setTimeout(r, 500));
    expect((await pods.list()).items.map((p) => p.metadata?.name).sort()).toEqual(['on-alive', 'on-doomed']);

    await client.nodes.delete('doomed');
    await vi.waitFor(
      async () =>
        expect(
          await pods.get('on-doomed').then(
            () => 'there',
            (e: unknown) => (isNotFound(e) ? 'gone' : String(e)),
          ),
        ).toBe('gone'),
      { timeout: 15_000, interval: 100 },
    );
    expect((await pods.get('on-alive')).metadata?.name).toBe('on-alive');
  });
});
