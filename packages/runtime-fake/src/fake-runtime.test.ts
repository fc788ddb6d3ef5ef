import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  NotFoundError,
  UnavailableError,
  UnknownError,
  parseCriLogLine,
  type ContainerConfig,
  type PodSandboxConfig,
} from '@mk8s/cri';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRuntime, type FakeRuntimeOptions } from './fake-runtime.js';
import { FakeClock } from '@mk8s/client';

const START = Date.UTC(2026, 0, 1);
const MS = 1_000_000; // nanoseconds per millisecond

describe('FakeRuntime', () => {
  let timer: FakeClock;
  let logDir: string;
  let runtimes: FakeRuntime[];
  let seq = 0;

  beforeEach(async () => {
    timer = new FakeClock(START);
    logDir = await mkdtemp(join(tmpdir(), 'mk8s-fake-'));
    runtimes = [];
  });

  afterEach(async () => {
    for (const r of runtimes) r.close();
    await rm(logDir, { recursive: true, force: true });
  });

  const fake = (options: FakeRuntimeOptions = {}): FakeRuntime => {
    const r = new FakeRuntime({ timer, podCidr: '10.244.7.0/24', images: ['busybox:latest', 'app:1'], ...options });
    runtimes.push(r);
    return r;
  };

  const sandboxConfig = (name = `pod-${++seq}`): PodSandboxConfig => ({
    metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
    logDirectory: join(logDir, name),
  });

  const podWith = async (r: FakeRuntime, container: Partial<ContainerConfig> = {}): Promise<{ sandboxId: string; containerId: string }> => {
    const config = sandboxConfig();
    const { podSandboxId } = await r.runPodSandbox({ config });
    const { containerId } = await r.createContainer({
      podSandboxId,
      sandboxConfig: config,
      config: { metadata: { name: 'c' }, image: { image: 'app:1' }, logPath: 'c/0.log', ...container },
    });
    return { sandboxId: podSandboxId, containerId };
  };

  const status = async (r: FakeRuntime, containerId: string) => (await r.containerStatus({ containerId })).status;

  it('exits a scripted container with its code after the scripted time', async () => {
    const r = fake();
    r.scriptContainer({ image: 'app:1' }, { exitCode: 2, runForMs: 5_000 });
    const { containerId } = await podWith(r);
    await r.startContainer({ containerId });

    await timer.advance(4_999);
    expect((await status(r, containerId)).state).toBe('CONTAINER_RUNNING');
    await timer.advance(1);
    const s = await status(r, containerId);
    expect(s).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 2, reason: 'Error' });
    expect(s.startedAt).toBe(START * MS);
    expect(s.finishedAt).toBe((START + 5_000) * MS);
  });

  it('follows the command when nothing is scripted, on the injected timer', async () => {
    const r = fake();
    const { containerId } = await podWith(r, { command: ['sh', '-c', 'sleep 2; exit 4'] });
    await r.startContainer({ containerId });
    await timer.advance(1_999);
    expect((await status(r, containerId)).state).toBe('CONTAINER_RUNNING');
    await timer.advance(1);
    expect(await status(r, containerId)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 4 });
  });

  it('prefers the latest matching script: argv over image when added later', async () => {
    const r = fake();
    r.scriptContainer({ image: 'app:1' }, { exitCode: 1 });
    r.scriptContainer({ argv: ['serve', '--port=80'] }, { stdout: ['listening'] });
    const served = await podWith(r, { args: ['serve', '--port=80'] });
    const plain = await podWith(r);
    await r.startContainer({ containerId: served.containerId });
    await r.startContainer({ containerId: plain.containerId });
    await timer.advance(0);
    expect((await status(r, served.containerId)).state).toBe('CONTAINER_RUNNING');
    expect(await status(r, plain.containerId)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 1 });
  });

  it('fails to start when scripted to, leaving the container exited with StartError', async () => {
    const r = fake();
    r.scriptContainer({ containerName: 'c' }, { failStart: 'exec: "app": executable file not found in $PATH' });
    const { containerId } = await podWith(r);
    const err = await r.startContainer({ containerId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownError);
    expect((err as Error).message).toContain('executable file not found');
    expect(await status(r, containerId)).toMatchObject({
      state: 'CONTAINER_EXITED',
      exitCode: 128,
      reason: 'StartError',
      message: 'exec: "app": executable file not found in $PATH',
    });
    await expect(r.startContainer({ containerId })).rejects.toBeInstanceOf(FailedPreconditionError);
  });

  it('writes scripted output to the log path in CRI format with the timer time', async () => {
    const r = fake();
    r.scriptContainer({ image: 'app:1' }, { stdout: ['ready', 'serving'], stderr: ['warning: x'], exitCode: 0, runForMs: 10 });
    const { containerId } = await podWith(r);
    await r.startContainer({ containerId });
    // The lines go to disk (real I/O) before the scripted 10 ms begin.
    await vi.waitFor(() => expect(timer.waiting).toBe(1));
    await timer.advance(10);
    const s = await status(r, containerId);
    expect(s).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
    expect(s.logPath).toBe(join(logDir, `pod-${seq}`, 'c/0.log'));

    const lines = (await readFile(s.logPath, 'utf8')).trimEnd().split('\n').map(parseCriLogLine);
    expect(lines.map((l) => [l?.stream, l?.tag, l?.content])).toEqual([
      ['stdout', 'F', 'ready'],
      ['stdout', 'F', 'serving'],
      ['stderr', 'F', 'warning: x'],
    ]);
    expect(lines.every((l) => l?.time === START)).toBe(true);
  });

  it('does not write logs without a log directory or when told not to', async () => {
    const r = fake({ writeLogs: false });
    const { containerId } = await podWith(r, { command: ['echo', 'hi'] });
    await r.startContainer({ containerId });
    await timer.advance(0);
    const s = await status(r, containerId);
    expect(s.state).toBe('CONTAINER_EXITED');
    await expect(readFile(s.logPath, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports CPU and memory figures, cumulative CPU following the timer', async () => {
    const r = fake();
    r.scriptContainer({ image: 'app:1' }, { cpuNanoCores: 250_000_000, memoryWorkingSetBytes: 64 << 20 });
    const { containerId } = await podWith(r, { linux: { resources: { memoryLimitInBytes: 128 << 20 } } });
    await r.startContainer({ containerId });
    await timer.advance(2_000);

    let { stats } = await r.containerStats({ containerId });
    expect(stats.cpu).toMatchObject({
      timestamp: (START + 2_000) * MS,
      usageNanoCores: { value: 250_000_000 },
      usageCoreNanoSeconds: { value: 500_000_000 },
    });
    expect(stats.memory).toMatchObject({ workingSetBytes: { value: 64 << 20 }, availableBytes: { value: 64 << 20 } });

    r.setUsage(containerId, { cpuNanoCores: 1_000_000_000 });
    await timer.advance(1_000);
    ({ stats } = await r.containerStats({ containerId }));
    expect(stats.cpu?.usageCoreNanoSeconds?.value).toBe(1_500_000_000);

    await r.stopContainer({ containerId, timeout: 0 });
    await timer.advance(5_000);
    ({ stats } = await r.containerStats({ containerId }));
    expect(stats.cpu?.usageNanoCores?.value).toBe(0);
    expect(stats.cpu?.usageCoreNanoSeconds?.value).toBe(1_500_000_000);
    expect((await r.listContainerStats({})).stats).toEqual([]);
  });

  it('answers ExecSync from scripts, from the interpreter, and fails on a stopped container', async () => {
    const r = fake();
    r.scriptExec({ argv: ['cat', '/tmp/healthy'] }, { stderr: 'cat: /tmp/healthy: No such file\n', exitCode: 1 });
    r.scriptExec({ argv: ['boom'] }, { error: new UnavailableError('exec backend down') });
    const { containerId } = await podWith(r, { command: ['sleep', '3600'] });
    await r.startContainer({ containerId });

    const probe = await r.execSync({ containerId, cmd: ['cat', '/tmp/healthy'] });
    expect(probe.exitCode).toBe(1);
    expect(probe.stderr.toString()).toBe('cat: /tmp/healthy: No such file\n');
    await expect(r.execSync({ containerId, cmd: ['boom'] })).rejects.toBeInstanceOf(UnavailableError);

    const echoed = await r.execSync({ containerId, cmd: ['sh', '-c', 'echo a; exit 9'] });
    expect([echoed.stdout.toString(), echoed.exitCode]).toEqual(['a\n', 9]);
    expect((await r.execSync({ containerId, cmd: ['ls', '/'] })).exitCode).toBe(0);

    await r.stopContainer({ containerId, timeout: 0 });
    await expect(r.execSync({ containerId, cmd: ['true'] })).rejects.toBeInstanceOf(FailedPreconditionError);
  });

  it('times out an exec that runs longer than its timeout', async () => {
    const r = fake();
    const { containerId } = await podWith(r);
    await r.startContainer({ containerId });
    const slow = r.execSync({ containerId, cmd: ['sleep', '30'], timeout: 5 }).catch((e: unknown) => e);
    await timer.advance(5_000);
    expect(await slow).toBeInstanceOf(DeadlineExceededError);

    const ok = r.execSync({ containerId, cmd: ['sh', '-c', 'sleep 1; echo done'], timeout: 5 });
    await timer.advance(1_000);
    expect((await ok).stdout.toString()).toBe('done\n');
  });

  it('stops gracefully (143), by force (137), or after the grace period when SIGTERM is ignored', async () => {
    const r = fake();
    r.scriptContainer({ containerName: 'stubborn' }, { ignoreSigterm: true });
    const graceful = await podWith(r);
    const forced = await podWith(r);
    const stubborn = await podWith(r, { metadata: { name: 'stubborn' } });
    for (const p of [graceful, forced, stubborn]) await r.startContainer({ containerId: p.containerId });

    await r.stopContainer({ containerId: graceful.containerId, timeout: 30 });
    await r.stopContainer({ containerId: forced.containerId, timeout: 0 });
    expect((await status(r, graceful.containerId)).exitCode).toBe(143);
    expect((await status(r, forced.containerId)).exitCode).toBe(137);

    let stopped = false;
    const stopping = r.stopContainer({ containerId: stubborn.containerId, timeout: 10 }).then(() => (stopped = true));
    await timer.advance(9_999);
    expect(stopped).toBe(false);
    expect((await status(r, stubborn.containerId)).state).toBe('CONTAINER_RUNNING');
    await timer.advance(1);
    await stopping;
    expect(await status(r, stubborn.containerId)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137 });
  });

  it('lets a test end a container from outside, e.g. as OOM-killed', async () => {
    const r = fake();
    const { containerId } = await podWith(r);
    await r.startContainer({ containerId });
    r.exitContainer(containerId, 137, 'OOMKilled');
    expect(await status(r, containerId)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, reason: 'OOMKilled' });
    expect(() => r.exitContainer(containerId, 0)).toThrow(FailedPreconditionError);
    expect(() => r.exitContainer('nope', 0)).toThrow(NotFoundError);
  });

  it('gives sandboxes pod-network IPs, releases them on stop and keeps nodes apart by default', async () => {
    const r = fake();
    const ips: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { podSandboxId } = await r.runPodSandbox({ config: sandboxConfig() });
      ips.push((await r.podSandboxStatus({ podSandboxId })).status.network?.ip ?? '');
      if (i === 0) {
        await r.stopPodSandbox({ podSandboxId });
        expect((await r.podSandboxStatus({ podSandboxId })).status.network?.ip).toBe('');
      }
    }
    expect(ips).toEqual(['10.244.7.2', '10.244.7.3', '10.244.7.4']);

    const nodeA = fake({ podCidr: undefined });
    const nodeB = fake({ podCidr: undefined });
    const ipOf = async (n: FakeRuntime): Promise<string> => {
      const { podSandboxId } = await n.runPodSandbox({ config: sandboxConfig() });
      return (await n.podSandboxStatus({ podSandboxId })).status.network?.ip ?? '';
    };
    const [a, b] = [await ipOf(nodeA), await ipOf(nodeB)];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(b).toMatch(/^10\.244\.\d+\.\d+$/);
  });

  it('rejects duplicates and containers for missing images or stopped sandboxes', async () => {
    const r = fake();
    const config = sandboxConfig();
    const { podSandboxId } = await r.runPodSandbox({ config });
    await expect(r.runPodSandbox({ config })).rejects.toBeInstanceOf(AlreadyExistsError);
    await r.runPodSandbox({ config: { ...config, metadata: { ...config.metadata, attempt: 1 } } });

    const c: ContainerConfig = { metadata: { name: 'web' }, image: { image: 'app:1' } };
    await r.createContainer({ podSandboxId, config: c });
    await expect(r.createContainer({ podSandboxId, config: c })).rejects.toBeInstanceOf(AlreadyExistsError);
    await r.createContainer({ podSandboxId, config: { ...c, metadata: { name: 'web', attempt: 1 } } });
    await expect(r.createContainer({ podSandboxId, config: { ...c, image: { image: 'nope:1' } } })).rejects.toBeInstanceOf(NotFoundError);
    await r.stopPodSandbox({ podSandboxId });
    await expect(r.createContainer({ podSandboxId, config: { ...c, metadata: { name: 'late' } } })).rejects.toBeInstanceOf(FailedPreconditionError);
  });

  it('pulls only what a pretend registry has, failing at once otherwise', async () => {
    const r = fake({ pullableImages: ['nginx:1.27'], pullDelayMs: 3_000 });
    const err = await r.pullImage({ image: { image: 'ghcr.io/acme/api:2' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownError);
    expect((err as Error).message).toContain('lookup ghcr.io: no such host');
    expect((await r.imageStatus({ image: { image: 'ghcr.io/acme/api:2' } })).image).toBeNull();

    const pulling = r.pullImage({ image: { image: 'docker.io/library/nginx:1.27' } });
    expect((await r.imageStatus({ image: { image: 'nginx:1.27' } })).image).toBeNull();
    await timer.advance(3_000);
    const { imageRef } = await pulling;
    const present = (await r.imageStatus({ image: { image: 'nginx:1.27' } })).image;
    expect(present?.id).toBe(imageRef);
    expect((await r.listImages({ filter: { image: { image: 'nginx:1.27' } } })).images.map((i) => i.id)).toEqual([imageRef]);

    await r.removeImage({ image: { image: imageRef } });
    await r.removeImage({ image: { image: imageRef } });
    expect((await r.imageStatus({ image: { image: 'nginx:1.27' } })).image).toBeNull();

    r.allowPull('ghcr.io/acme/api:2');
    await timer.advance(0);
    const later = r.pullImage({ image: { image: 'ghcr.io/acme/api:2' } });
    await timer.advance(3_000);
    expect((await later).imageRef).toMatch(/^sha256:/);
  });

  it('injects errors, counts calls and reports conditions', async () => {
    const r = fake();
    r.injectError('runPodSandbox', new UnavailableError('network plugin not ready'), 2);
    await expect(r.runPodSandbox({ config: sandboxConfig() })).rejects.toBeInstanceOf(UnavailableError);
    await expect(r.runPodSandbox({ config: sandboxConfig() })).rejects.toBeInstanceOf(UnavailableError);
    await r.runPodSandbox({ config: sandboxConfig() });
    expect(r.callCount('runPodSandbox')).toBe(3);
    expect(r.callCount('stopPodSandbox')).toBe(0);

    r.setCondition('NetworkReady', false, 'NetworkPluginNotReady', 'cni config uninitialized');
    const { status: rs } = await r.status({});
    expect(rs.conditions).toEqual([
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni config uninitialized' },
    ]);
  });

  it('keeps what the kubelet asked for inspectable', async () => {
    const r = fake();
    const { sandboxId, containerId } = await podWith(r, { envs: [{ key: 'MODE', value: 'test' }] });
    expect(r.containerConfig(containerId)?.envs).toEqual([{ key: 'MODE', value: 'test' }]);
    expect(r.sandboxConfig(sandboxId)?.metadata.name).toBe(`pod-${seq}`);
    await r.removePodSandbox({ podSandboxId: sandboxId });
    expect(r.containerConfig(containerId)).toBeUndefined();
    await expect(r.containerStatus({ containerId })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('is cheap: hundreds of nodes with running pods hold no timers', async () => {
    const nodes = Array.from({ length: 300 }, (_, i) => fake({ podCidr: `10.245.${i % 256}.0/24` }));
    for (const n of nodes) {
      const { containerId } = await podWith(n, { command: [] });
      await n.startContainer({ containerId });
    }
    await timer.advance(0);
    expect(timer.waiting).toBe(0);
    const running = await Promise.all(nodes.map((n) => n.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' } } })));
    expect(running.every((l) => l.containers.length === 1)).toBe(true);
  });

  it('cancels scripted timers and refuses calls after close()', async () => {
    const r = fake();
    const { containerId } = await podWith(r, { command: ['sleep', '60'] });
    await r.startContainer({ containerId });
    await timer.advance(0);
    expect(timer.waiting).toBe(1);
    r.close();
    expect(timer.waiting).toBe(0);
    await expect(r.version({})).rejects.toBeInstanceOf(FailedPreconditionError);
  });
});
