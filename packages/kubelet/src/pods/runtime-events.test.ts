import { UnavailableError, UnimplementedError, type ContainerEventResponse } from '@mk8s/cri';
import { describe, expect, it } from 'vitest';
import { criContainerEvents } from './runtime-events.js';

const event = (uid: string): ContainerEventResponse => ({
  containerId: 'c1',
  containerEventType: 'CONTAINER_STOPPED_EVENT',
  createdAt: 1,
  podSandboxStatus: {
    id: 's1',
    metadata: { name: 'p', uid, namespace: 'default', attempt: 0 },
    state: 'SANDBOX_READY',
    createdAt: 1,
  } as ContainerEventResponse['podSandboxStatus'],
});

async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) {
    out.push(v);
    if (out.length === n) break;
  }
  return out;
}

describe('criContainerEvents', () => {
  it('turns CRI events into PLEG triggers, with a relist trigger after every (re)subscription', async () => {
    let subscriptions = 0;
    const runtime = {
      async *getContainerEvents(): AsyncGenerator<ContainerEventResponse> {
        subscriptions++;
        yield event(`uid-${subscriptions}`);
        if (subscriptions === 1) throw new UnavailableError('runtime restarted');
      },
    };
    const ac = new AbortController();
    const got = await take(criContainerEvents(runtime, ac.signal, { retryMs: 1 }), 4);
    ac.abort();
    expect(got).toEqual([{}, { podUid: 'uid-1' }, {}, { podUid: 'uid-2' }]);
    expect(subscriptions).toBe(2);
  });

  it('ends for good when the runtime has no event stream, and at once without the method', async () => {
    const ac = new AbortController();
    const unimplemented = {
      async *getContainerEvents(): AsyncGenerator<ContainerEventResponse> {
        throw new UnimplementedError('no events');
      },
    };
    expect(await take(criContainerEvents(unimplemented, ac.signal, { retryMs: 1 }), 10)).toEqual([{}]);
    expect(await take(criContainerEvents({}, ac.signal), 10)).toEqual([]);
  });
});
