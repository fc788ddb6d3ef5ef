import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './labels.js';
import { EVENT_RECHECK_MS, Pleg, type ExternalRuntimeEvent, type PodLifecycleEvent } from './pleg.js';

const runtimes: FakeRuntime[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

async function startPod(runtime: FakeRuntime, uid: string): Promise<{ sandboxId: string; containerId: string }> {
  const labels = { [LABEL_POD_UID]: uid };
  const { podSandboxId } = await runtime.runPodSandbox({ config: { metadata: { name: uid, namespace: 'default', uid }, labels } });
  const { containerId } = await runtime.createContainer({
    podSandboxId,
    config: {
      metadata: { name: 'main' },
      image: { image: 'busybox:latest' },
      command: ['sleep', '3600'],
      labels: { ...labels, [LABEL_CONTAINER_NAME]: 'main' },
    },
  });
  await runtime.startContainer({ containerId });
  return { sandboxId: podSandboxId, containerId };
}

describe('Pleg', () => {
  it('emits started, died and removed events from relists', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime({ timer: clock, podCidr: '10.98.0.0/24', writeLogs: false });
    runtimes.push(runtime);
    const pleg = new Pleg({ runtime, clock });
    const events: PodLifecycleEvent[] = [];
    const relisted: string[][] = [];
    pleg.onEvent((e) => events.push(e));
    pleg.onRelist((r) => relisted.push([...r.pods.keys()]));

    const { sandboxId, containerId } = await startPod(runtime, 'p1');
    await pleg.relist();
    expect(events).toEqual([
      { podUid: 'p1', type: 'ContainerStarted', containerId: sandboxId },
      { podUid: 'p1', type: 'ContainerStarted', containerId },
    ]);
    expect(relisted).toEqual([['p1']]);
    events.length = 0;
    await pleg.relist();
    expect(events).toEqual([]);

    runtime.exitContainer(containerId, 1);
    await pleg.relist();
    expect(events).toEqual([{ podUid: 'p1', type: 'ContainerDied', containerId }]);
    events.length = 0;

    await runtime.removeContainer({ containerId });
    await pleg.relist();
    expect(events).toEqual([{ podUid: 'p1', type: 'ContainerRemoved', containerId }]);
  });

  it('relists every period on its clock and at once on an external event', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime({ timer: clock, podCidr: '10.98.1.0/24', writeLogs: false });
    runtimes.push(runtime);
    let push: ((e: ExternalRuntimeEvent) => void) | undefined;
    const queue: ExternalRuntimeEvent[] = [];
    const events: AsyncIterable<ExternalRuntimeEvent> = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = queue.shift() ?? (await new Promise<ExternalRuntimeEvent>((r) => (push = r)));
          yield next;
        }
      },
    };
    const pleg = new Pleg({ runtime, clock, relistPeriodMs: 1000, events });
    const seen: PodLifecycleEvent[] = [];
    pleg.onEvent((e) => seen.push(e));
    const ac = new AbortController();
    const done = pleg.run(ac.signal);
    await clock.advance(0);
    const listsAfterStart = runtime.callCount('listContainers');
    expect(listsAfterStart).toBe(1);
    await clock.advance(1000);
    expect(runtime.callCount('listContainers')).toBe(2);

    const { containerId } = await startPod(runtime, 'p2');
    push?.({ podUid: 'p2' });
    await clock.advance(0);
    expect(runtime.callCount('listContainers')).toBe(3);
    expect(seen.some((e) => e.containerId === containerId && e.type === 'ContainerStarted')).toBe(true);

    // The runtime's list can lag its event (Docker's does): the relist shortly after an event catches it.
    runtime.exitContainer(containerId, 1);
    push?.({ podUid: 'p2' });
    await clock.advance(0);
    expect(runtime.callCount('listContainers')).toBe(4);
    await clock.advance(EVENT_RECHECK_MS);
    expect(runtime.callCount('listContainers')).toBe(5);
    ac.abort();
    await done;
  });

  it('survives runtime errors: the next relist tries again', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime({ timer: clock, podCidr: '10.98.2.0/24', writeLogs: false });
    runtimes.push(runtime);
    const pleg = new Pleg({ runtime, clock });
    const seen: PodLifecycleEvent[] = [];
    pleg.onEvent((e) => seen.push(e));
    await startPod(runtime, 'p3');
    runtime.injectError('listContainers', new Error('runtime down'));
    await pleg.relist();
    expect(seen).toEqual([]);
    await pleg.relist();
    expect(seen).toHaveLength(2);
  });
});
