import { FakeRuntime } from '@mk8s/runtime-fake';
import { describe, expect, it } from 'vitest';
import { criRuntimeReadiness, readinessFromConditions } from './runtime-readiness.js';

describe('criRuntimeReadiness', () => {
  it('is ready when RuntimeReady and NetworkReady are true, and names the condition that is not', async () => {
    const runtime = new FakeRuntime();
    const check = criRuntimeReadiness(runtime);
    expect(await check()).toEqual({ ready: true });
    runtime.setCondition('NetworkReady', false, 'NetworkPluginNotReady', 'cni config uninitialized');
    expect(await check()).toEqual({
      ready: false,
      message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni config uninitialized',
    });
    runtime.setCondition('NetworkReady', true);
    expect((await check()).ready).toBe(true);
  });

  it('says the runtime is down when Status fails', async () => {
    const check = criRuntimeReadiness({ status: () => Promise.reject(new Error('connect ENOENT /run/cri.sock')) });
    expect(await check()).toEqual({ ready: false, message: 'container runtime is down: connect ENOENT /run/cri.sock' });
  });

  it('treats a missing condition as not ready', () => {
    expect(readinessFromConditions([{ type: 'RuntimeReady', status: true }])).toEqual({
      ready: false,
      message: 'container runtime network not ready: NetworkReady missing',
    });
  });
});
