import type { Container } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { runHook } from './hooks.js';

describe('lifecycle hooks', () => {
  const runtimes: FakeRuntime[] = [];
  afterEach(() => {
    for (const r of runtimes.splice(0)) r.close();
  });

  async function running(): Promise<{ runtime: FakeRuntime; containerId: string }> {
    const runtime = new FakeRuntime();
    runtimes.push(runtime);
    const config = { metadata: { name: 'p', uid: 'u', namespace: 'default' } };
    const { podSandboxId } = await runtime.runPodSandbox({ config });
    const { containerId } = await runtime.createContainer({
      podSandboxId,
      sandboxConfig: config,
      config: { metadata: { name: 'c' }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'] },
    });
    await runtime.startContainer({ containerId });
    return { runtime, containerId };
  }

  const container = { name: 'c', image: 'busybox:latest' } as Container;

  it('runs an exec hook in the container and reports its failure', async () => {
    const { runtime, containerId } = await running();
    runtime.scriptExec({ argv: ['false'] }, { exitCode: 1, stderr: 'nope\n' });
    const clock = new FakeClock();
    expect(await runHook({ exec: { command: ['true'] } }, { runtime, clock, containerId, container }, 5)).toBeUndefined();
    expect(await runHook({ exec: { command: ['false'] } }, { runtime, clock, containerId, container }, 5)).toBeDefined();
    expect(runtime.callCount('execSync')).toBe(2);
  });

  it('sleeps for a sleep hook, at most the timeout', async () => {
    const { runtime, containerId } = await running();
    const clock = new FakeClock(0);
    let done = false;
    const p = runHook({ sleep: { seconds: 30 } }, { runtime, clock, containerId, container }, 5).then(() => (done = true));
    await clock.advance(4_999);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect(done).toBe(true);
  });

  it('calls a handler without an action a failure', async () => {
    const { runtime, containerId } = await running();
    expect(await runHook({}, { runtime, clock: new FakeClock(), containerId, container }, 5)).toBe('the hook has no handler');
  });
});
