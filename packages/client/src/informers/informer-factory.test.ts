import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { KubeObject } from '../types.js';
import { FakeListerWatcher, listOf } from './fake-lister-watcher.js';
import { SharedInformerFactory, type InformerScope } from './informer-factory.js';
import { silentLogger, type Logger } from '../logger.js';

const quiet: Logger = silentLogger;

function obj(name: string, rv: string): KubeObject {
  return { metadata: { namespace: 'default', name, resourceVersion: rv } };
}

/** A factory whose lister-watchers are fakes the test can reach by resource. */
function fakeFactory() {
  const made: Array<{ resource: string; scope: InformerScope; lw: FakeListerWatcher }> = [];
  const factory = new SharedInformerFactory(
    (resource, scope) => {
      const lw = new FakeListerWatcher();
      made.push({ resource, scope, lw });
      return lw;
    },
    { clock: new FakeClock(), logger: quiet },
  );
  return { factory, made };
}

describe('SharedInformerFactory', () => {
  let ac: AbortController | undefined;
  let stopped: Promise<void> | undefined;
  afterEach(async () => {
    ac?.abort();
    await stopped;
    ac = undefined;
    stopped = undefined;
  });

  it('hands out one informer (and one lister-watcher) per resource and scope', () => {
    const { factory, made } = fakeFactory();
    const a = factory.informerFor('pods');
    const b = factory.informerFor('pods', {});
    const c = factory.informerFor('pods', { namespace: 'kube-system' });
    const d = factory.informerFor('pods', { fieldSelector: 'spec.nodeName=n1' });
    const e = factory.informerFor('nodes');
    expect(b).toBe(a);
    expect(factory.informerFor('pods', { namespace: 'kube-system' })).toBe(c);
    expect(new Set([a, c, d, e]).size).toBe(4);
    expect(made.map((m) => [m.resource, m.scope])).toEqual([
      ['pods', {}],
      ['pods', { namespace: 'kube-system' }],
      ['pods', { fieldSelector: 'spec.nodeName=n1' }],
      ['nodes', {}],
    ]);
  });

  it('starts every informer, including ones created after start, and waits for their caches', async () => {
    const { factory, made } = fakeFactory();
    const pods = factory.informerFor('pods');
    ac = new AbortController();
    factory.start(ac.signal);
    factory.start(ac.signal); // idempotent: still one watch
    const nodes = factory.informerFor('nodes');
    expect(pods.isStarted()).toBe(true);
    expect(nodes.isStarted()).toBe(true);
    const synced = factory.waitForCacheSync(ac.signal);
    made[0]!.lw.pushList(listOf('5', [obj('p', '4')]));
    await made[0]!.lw.watchNo(0);
    expect(pods.hasSynced()).toBe(true);
    expect(nodes.hasSynced()).toBe(false);
    made[1]!.lw.pushList(listOf('6', []));
    await expect(synced).resolves.toBe(true);
    expect(made[0]!.lw.lists).toHaveLength(1);
    expect(pods.lister.namespace('default').get('p')?.metadata?.resourceVersion).toBe('4');
    stopped = factory.stopped();
  });

  it('waitForCacheSync answers false when its signal aborts before the caches sync', async () => {
    const { factory } = fakeFactory();
    factory.informerFor('pods');
    ac = new AbortController();
    factory.start(ac.signal);
    const wait = new AbortController();
    const p = factory.waitForCacheSync(wait.signal);
    wait.abort();
    await expect(p).resolves.toBe(false);
  });

  it('stops every informer when the start signal aborts', async () => {
    const { factory, made } = fakeFactory();
    factory.informerFor('pods');
    ac = new AbortController();
    factory.start(ac.signal);
    made[0]!.lw.pushList(listOf('5', []));
    const w = await made[0]!.lw.watchNo(0);
    ac.abort();
    await factory.stopped();
    expect(w.closed).toBe(true);
  });
});
