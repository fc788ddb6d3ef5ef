import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { formatCriLogLine, type PodSandboxConfig } from '@mk8s/cri';
import { FakeRuntime, type ContainerBehavior } from '@mk8s/runtime-fake';
import { startKubeletServer, type KubeletServer, type KubeletServerOptions } from './kubelet-server.js';
import { criLogLocator } from './log-locator.js';

let dir: string;
let runtime: FakeRuntime;
let server: KubeletServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelet-server-'));
  runtime = new FakeRuntime();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(extra: Partial<KubeletServerOptions> = {}): Promise<KubeletServer> {
  server = await startKubeletServer({ port: 0, logs: criLogLocator(runtime), runtime, logPollIntervalMs: 5, ...extra });
  return server;
}

const sandboxes = new Map<string, { id: string; config: PodSandboxConfig }>();
beforeEach(() => sandboxes.clear());

/** Starts attempt `attempt` of container `name` in pod default/`pod`; resolves once its output is in the log file. */
async function runContainer(pod: string, name: string, attempt: number, behavior: ContainerBehavior): Promise<{ id: string; logPath: string }> {
  let sandbox = sandboxes.get(pod);
  if (!sandbox) {
    const config: PodSandboxConfig = { metadata: { name: pod, namespace: 'default', uid: `uid-${pod}`, attempt: 0 }, logDirectory: join(dir, pod) };
    sandbox = { id: (await runtime.runPodSandbox({ config })).podSandboxId, config };
    sandboxes.set(pod, sandbox);
  }
  runtime.scriptContainer({ podName: pod, containerName: name }, behavior);
  const { containerId } = await runtime.createContainer({
    podSandboxId: sandbox.id,
    config: { metadata: { name, attempt }, image: { image: 'busybox:latest' }, logPath: `${name}/${attempt}.log` },
    sandboxConfig: sandbox.config,
  });
  await runtime.startContainer({ containerId });
  const logPath = join(dir, pod, name, `${attempt}.log`);
  const lines = (behavior.stdout?.length ?? 0) + (behavior.stderr?.length ?? 0);
  if (lines > 0) await vi.waitFor(async () => expect((await readFile(logPath, 'utf8').catch(() => '')).split('\n').length - 1).toBe(lines));
  return { id: containerId, logPath };
}

/** Reads a streaming body chunk by chunk into `text()`. */
function collect(body: ReadableStream<Uint8Array>): { text: () => string; done: Promise<void> } {
  let text = '';
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
  })();
  return { text: () => text, done };
}

describe('startKubeletServer: health and metrics', () => {
  it('binds 127.0.0.1 on the port it reports', async () => {
    const s = await start();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(s.port).toBeGreaterThan(0);
  });

  it('/healthz is 200 ok by default, 500 when the check fails or throws', async () => {
    let healthy: boolean | Error = true;
    const s = await start({
      healthz: () => {
        if (healthy instanceof Error) throw healthy;
        return healthy;
      },
    });
    let res = await fetch(`${s.url}/healthz`);
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
    healthy = false;
    res = await fetch(`${s.url}/healthz`);
    expect([res.status, await res.text()]).toEqual([500, 'healthz check failed']);
    healthy = new Error('boom');
    expect((await fetch(`${s.url}/healthz`)).status).toBe(500);
  });

  it('/metrics serves the given registry', async () => {
    const registry = new Registry();
    new Counter({ name: 'kubelet_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const s = await start({ registry });
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('kubelet_test_total 3');
  });

  it('/exec without a connection upgrade answers 400: upgrade required (exec-server.test.ts covers the upgrade)', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/exec/default/web/app?command=ls`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Upgrade request required/);
  });
});

describe('startKubeletServer: /containerLogs', () => {
  it('serves the log as plain text with tail and timestamps', async () => {
    await runContainer('web', 'app', 0, { stdout: ['one', 'two', 'three'] });
    const s = await start();
    let res = await fetch(`${s.url}/containerLogs/default/web/app`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('one\ntwo\nthree\n');

    res = await fetch(`${s.url}/containerLogs/default/web/app?tailLines=1&timestamps=true`);
    expect(await res.text()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z three\n$/);
    res = await fetch(`${s.url}/containerLogs/default/web/app?limitBytes=6`);
    expect(await res.text()).toBe('one\ntw');
    res = await fetch(`${s.url}/containerLogs/default/web/app?sinceTime=2999-01-01T00:00:00Z`);
    expect(await res.text()).toBe('');
  });

  it('serves the previous attempt with previous=true', async () => {
    const first = await runContainer('web', 'app', 0, { stdout: ['from attempt 0'] });
    runtime.exitContainer(first.id, 1);
    await runContainer('web', 'app', 1, { stdout: ['from attempt 1'] });
    const s = await start();
    expect(await (await fetch(`${s.url}/containerLogs/default/web/app`)).text()).toBe('from attempt 1\n');
    expect(await (await fetch(`${s.url}/containerLogs/default/web/app?previous=true`)).text()).toBe('from attempt 0\n');
  });

  it('answers 404 for an unknown pod, container or previous attempt', async () => {
    await runContainer('web', 'app', 0, { stdout: ['hi'] });
    const s = await start();
    for (const path of ['default/nope/app', 'default/web/nope', 'kube-system/web/app']) {
      const res = await fetch(`${s.url}/containerLogs/${path}`);
      expect([res.status, await res.text()]).toEqual([404, 'container not found']);
    }
    const res = await fetch(`${s.url}/containerLogs/default/web/app?previous=true`);
    expect([res.status, await res.text()]).toEqual([404, 'previous terminated container not found']);
  });

  it('answers 400 for bad parameters', async () => {
    await runContainer('web', 'app', 0, { stdout: ['hi'] });
    const s = await start();
    const res = await fetch(`${s.url}/containerLogs/default/web/app?tailLines=-3`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/tailLines must be greater than or equal to 0/);
    expect((await fetch(`${s.url}/containerLogs/default/web/app?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z`)).status).toBe(400);
  });

  it('answers 500 when the runtime cannot be asked', async () => {
    const s = await start();
    runtime.injectError('listPodSandbox', new Error('runtime down'));
    expect((await fetch(`${s.url}/containerLogs/default/web/app`)).status).toBe(500);
  });

  it('follow streams new lines and ends when the container exits', async () => {
    const c = await runContainer('web', 'app', 0, { stdout: ['first'] });
    const s = await start();
    const res = await fetch(`${s.url}/containerLogs/default/web/app?follow=true`);
    expect(res.status).toBe(200);
    const body = collect(res.body!);
    await vi.waitFor(() => expect(body.text()).toBe('first\n'));
    // The process writes more, as the runtime would.
    await appendFile(c.logPath, formatCriLogLine(Date.now(), 'stdout', 'second'));
    await vi.waitFor(() => expect(body.text()).toBe('first\nsecond\n'));
    await appendFile(c.logPath, formatCriLogLine(Date.now(), 'stderr', 'last words'));
    runtime.exitContainer(c.id, 0);
    await body.done;
    expect(body.text()).toBe('first\nsecond\nlast words\n');
  });

  it('follow of an exited container returns what is there and ends', async () => {
    const c = await runContainer('web', 'app', 0, { stdout: ['bye'] });
    runtime.exitContainer(c.id, 0);
    const s = await start();
    const res = await fetch(`${s.url}/containerLogs/default/web/app?follow=1`);
    expect(await res.text()).toBe('bye\n');
  });

  it('a client that leaves a follow does not keep the server from closing', async () => {
    await runContainer('web', 'app', 0, { stdout: ['x'] });
    const s = await start();
    const abort = new AbortController();
    const res = await fetch(`${s.url}/containerLogs/default/web/app?follow=true`, { signal: abort.signal });
    const body = collect(res.body!);
    await vi.waitFor(() => expect(body.text()).toBe('x\n'));
    abort.abort();
    await expect(body.done).rejects.toThrow();
    await s.close();
    server = undefined;
  });

  it('close() ends an open follow stream', async () => {
    await runContainer('web', 'app', 0, { stdout: ['x'] });
    const s = await start();
    const res = await fetch(`${s.url}/containerLogs/default/web/app?follow=true`);
    const body = collect(res.body!);
    await vi.waitFor(() => expect(body.text()).toBe('x\n'));
    await s.close();
    server = undefined;
    await body.done.catch(() => undefined);
    expect(body.text()).toBe('x\n');
  });
});

describe('startKubeletServer: /stats/summary', () => {
  it('serves the Summary API JSON', async () => {
    await runContainer('web', 'app', 0, { cpuNanoCores: 200_000_000, memoryWorkingSetBytes: 5_000_000 });
    const s = await start({ nodeName: 'node-a' });
    const res = await fetch(`${s.url}/stats/summary`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const summary: any = await res.json();
    expect(summary.node).toMatchObject({ nodeName: 'node-a', cpu: { usageNanoCores: 200_000_000 }, memory: { workingSetBytes: 5_000_000 } });
    expect(typeof summary.node.cpu.usageCoreNanoSeconds).toBe('number');
    expect(summary.pods).toHaveLength(1);
    expect(summary.pods[0]).toMatchObject({
      podRef: { name: 'web', namespace: 'default', uid: 'uid-web' },
      containers: [{ name: 'app', cpu: { usageNanoCores: 200_000_000 }, memory: { workingSetBytes: 5_000_000 } }],
      cpu: { usageNanoCores: 200_000_000 },
      memory: { workingSetBytes: 5_000_000 },
    });
  });

  it('answers 500 when the runtime fails', async () => {
    const s = await start();
    runtime.injectError('listPodSandbox', new Error('runtime down'));
    expect((await fetch(`${s.url}/stats/summary`)).status).toBe(500);
  });
});
