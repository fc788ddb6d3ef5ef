import type { Event } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import { buildPod, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiEventRecorder, containerFieldPath } from './recorder.js';

describe('ApiEventRecorder', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  async function events(): Promise<Event[]> {
    for (let i = 0; i < 100; i++) {
      const list = await c.client.events.inNamespace('default').list({});
      if (list.items.length > 0) return list.items;
      await new Promise((r) => setTimeout(r, 20));
    }
    return [];
  }

  it('records a pod event with its container field path and source, once within the dedupe window', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const recorder = new ApiEventRecorder({ client: c.client, component: 'kubelet', host: 'node-1', clock });
    const pod = await c.client.pods.inNamespace('default').create(buildPod('web'));
    recorder.event(pod, 'Normal', 'Started', 'Started container main', containerFieldPath(pod, 'main'));
    recorder.event(pod, 'Normal', 'Started', 'Started container main', containerFieldPath(pod, 'main'));
    const [ev, ...more] = await events();
    await new Promise((r) => setTimeout(r, 100));
    expect(more).toEqual([]);
    expect(ev).toMatchObject({
      reason: 'Started',
      message: 'Started container main',
      type: 'Normal',
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: pod.metadata?.uid, fieldPath: 'spec.containers{main}' },
      source: { component: 'kubelet', host: 'node-1' },
      count: 1,
    });
    await clock.advance(61_000);
    recorder.event(pod, 'Normal', 'Started', 'Started container main', containerFieldPath(pod, 'main'));
    for (let i = 0; i < 100 && (await c.client.events.inNamespace('default').list({})).items.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await c.client.events.inNamespace('default').list({})).items).toHaveLength(2);
  });
});
