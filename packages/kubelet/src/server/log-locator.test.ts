import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PodSandboxConfig } from '@mk8s/cri';
import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { criLogLocator } from './log-locator.js';

let dir: string;
let runtime: FakeRuntime;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelet-locator-'));
  runtime = new FakeRuntime();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function podConfig(name: string, uid: string, namespace = 'default'): PodSandboxConfig {
  return { metadata: { name, namespace, uid, attempt: 0 }, logDirectory: join(dir, `${namespace}_${name}_${uid}`) };
}

async function startContainer(sandboxId: string, sandboxConfig: PodSandboxConfig, name: string, attempt: number): Promise<string> {
  const { containerId } = await runtime.createContainer({
    podSandboxId: sandboxId,
    config: { metadata: { name, attempt }, image: { image: 'busybox:latest' }, logPath: `${name}/${attempt}.log` },
    sandboxConfig,
  });
  await runtime.startContainer({ containerId });
  return containerId;
}

describe('criLogLocator', () => {
  it('finds the current and previous attempts by pod and container name', async () => {
    runtime.scriptContainer({ containerName: 'app' }, { stdout: ['hello'] });
    const cfg = podConfig('web', 'uid-1');
    const { podSandboxId } = await runtime.runPodSandbox({ config: cfg });
    const first = await startContainer(podSandboxId, cfg, 'app', 0);
    runtime.exitContainer(first, 1);
    await startContainer(podSandboxId, cfg, 'app', 1);
    const locator = criLogLocator(runtime);

    const current = await locator.locate('default', 'web', 'app', false);
    expect(current).toEqual({ path: join(cfg.logDirectory!, 'app', '1.log'), running: true });
    const previous = await locator.locate('default', 'web', 'app', true);
    expect(previous).toEqual({ path: join(cfg.logDirectory!, 'app', '0.log'), running: false });
    // The path is the file the runtime writes the container's output to.
    await vi.waitFor(async () => expect(await readFile(current!.path, 'utf8')).toMatch(/ stdout F hello\n$/));
  });

  it('answers undefined for an unknown pod, namespace, container or a missing previous attempt', async () => {
    const cfg = podConfig('web', 'uid-1');
    const { podSandboxId } = await runtime.runPodSandbox({ config: cfg });
    await startContainer(podSandboxId, cfg, 'app', 0);
    const locator = criLogLocator(runtime);
    expect(await locator.locate('default', 'nope', 'app', false)).toBeUndefined();
    expect(await locator.locate('other', 'web', 'app', false)).toBeUndefined();
    expect(await locator.locate('default', 'web', 'sidecar', false)).toBeUndefined();
    expect(await locator.locate('default', 'web', 'app', true)).toBeUndefined();
  });

  it('only looks at the newest pod of that name, across its sandboxes', async () => {
    const timer = new FakeClock();
    runtime = new FakeRuntime({ timer });
    const oldCfg = podConfig('web', 'uid-old');
    const old = await runtime.runPodSandbox({ config: oldCfg });
    await startContainer(old.podSandboxId, oldCfg, 'app', 0);
    await timer.advance(1000); // distinct creation times
    const cfg = podConfig('web', 'uid-new');
    const s1 = await runtime.runPodSandbox({ config: cfg });
    const a0 = await startContainer(s1.podSandboxId, cfg, 'app', 0);
    runtime.exitContainer(a0, 137);
    await runtime.stopPodSandbox({ podSandboxId: s1.podSandboxId });
    await timer.advance(1000);
    const cfg2 = { ...cfg, metadata: { ...cfg.metadata, attempt: 1 } };
    const s2 = await runtime.runPodSandbox({ config: cfg2 });
    await startContainer(s2.podSandboxId, cfg2, 'app', 1);
    const locator = criLogLocator(runtime);

    expect((await locator.locate('default', 'web', 'app', false))?.path).toBe(join(cfg.logDirectory!, 'app', '1.log'));
    expect(await locator.locate('default', 'web', 'app', true)).toEqual({ path: join(cfg.logDirectory!, 'app', '0.log'), running: false });
  });

  it('propagates runtime failures', async () => {
    runtime.injectError('listPodSandbox', new Error('runtime down'));
    await expect(criLogLocator(runtime).locate('default', 'web', 'app', false)).rejects.toThrow('runtime down');
  });
});
