import { describe, expect, it } from 'vitest';
import { AdmissionChain, UnknownAdmissionPluginError, enabledPlugins } from './chain.js';
import { KeyedMutex } from './namespace-lock.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

const attrs = { operation: 'CREATE', subresource: '', namespace: 'ns', name: 'x', object: {}, dryRun: false } as unknown as AdmissionAttributes;

describe('admission chain', () => {
  it('turns plugins off by Kubernetes name and refuses unknown names', () => {
    expect(enabledPlugins()).toEqual(['LimitRanger', 'DefaultTolerationSeconds', 'PodSecurity', 'ResourceQuota']);
    expect(enabledPlugins({ disable: ['PodSecurity'], enable: ['ResourceQuota'] })).toEqual(['LimitRanger', 'DefaultTolerationSeconds', 'ResourceQuota']);
    expect(() => enabledPlugins({ enable: ['AlwaysPullImages'] })).toThrow(UnknownAdmissionPluginError);
  });

  it('runs mutators then validators in order and settles finishers once, also on refusal', async () => {
    const seen: string[] = [];
    const plugin = (name: string, refuse = false): AdmissionPlugin => ({
      name,
      handles: () => true,
      admit: () => void seen.push(`admit ${name}`),
      validate: () => {
        seen.push(`validate ${name}`);
        if (refuse) throw new Error('no');
        return (committed) => seen.push(`finish ${name} ${committed}`);
      },
    });
    const ok = new AdmissionChain([plugin('a'), plugin('b')]);
    await ok.mutate(attrs);
    const finish = await ok.validate(attrs);
    finish(true);
    finish(true);
    expect(seen).toEqual(['admit a', 'admit b', 'validate a', 'validate b', 'finish b true', 'finish a true']);
    seen.length = 0;
    await expect(new AdmissionChain([plugin('a'), plugin('b', true)]).validate(attrs)).rejects.toThrow('no');
    expect(seen).toEqual(['validate a', 'validate b', 'finish a false']);
  });
});

describe('KeyedMutex', () => {
  it('serializes holders of one key and leaves no entry behind', async () => {
    const m = new KeyedMutex();
    const order: number[] = [];
    const first = await m.acquire('ns');
    const second = m.acquire('ns').then((release) => {
      order.push(2);
      release();
    });
    const other = await m.acquire('other');
    order.push(1);
    other();
    first();
    await second;
    expect(order).toEqual([1, 2]);
    expect(m.size).toBe(0);
  });
});
