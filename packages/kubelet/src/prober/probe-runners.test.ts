import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Container } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import { UnavailableError } from '@mk8s/cri';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execProbe, resolveProbePort, runProbe, type ProbeTarget } from './probe-runners.js';
import { freePort } from '@mk8s/testing';

const LOOPBACK = '127.0.0.1';

let clock: FakeClock;
let runtime: FakeRuntime;
let closers: Array<() => Promise<void>>;

beforeEach(() => {
  clock = new FakeClock();
  runtime = new FakeRuntime({ timer: clock, writeLogs: false, podCidr: '10.99.0.0/24' });
  closers = [];
});

afterEach(async () => {
  runtime.close();
  for (const c of closers) await c();
});

async function runningContainer(): Promise<string> {
  const config = { metadata: { name: 'pod', uid: 'uid-1', namespace: 'default' } };
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  const { containerId } = await runtime.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: { metadata: { name: 'app' }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'] },
  });
  await runtime.startContainer({ containerId });
  return containerId;
}

/** A loopback HTTP server; `hold` paths never answer. Records the requests it saw. */
async function httpServer(): Promise<{ port: number; seen: http.IncomingMessage[] }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    if (req.url === '/hold') return;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://elsewhere.invalid/' }).end();
      return;
    }
    if (req.url === '/boom') {
      res.writeHead(500).end('broken');
      return;
    }
    res.writeHead(200).end(`ok ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as AddressInfo).port, seen };
}

const container = (ports: Container['ports'] = []): Container => ({ name: 'app', ports });

function target(extra: Partial<ProbeTarget> = {}): ProbeTarget {
  return { runtime, clock, containerId: 'unused', container: container(), podIP: LOOPBACK, ...extra };
}

describe('resolveProbePort', () => {
  const c = container([
    { name: 'http', containerPort: 8080 },
    { name: 'metrics', containerPort: 9090 },
  ]);
  it('takes ints as they are and looks names up in the container ports', () => {
    expect(resolveProbePort(80, c)).toBe(80);
    expect(resolveProbePort('metrics', c)).toBe(9090);
    expect(resolveProbePort('8081', c)).toBe(8081);
  });
  it('rejects unknown names and out-of-range numbers', () => {
    expect(() => resolveProbePort('grpc', c)).toThrow(/port "grpc" not found/);
    expect(() => resolveProbePort(0, c)).toThrow(/invalid port/);
    expect(() => resolveProbePort(70000, c)).toThrow(/invalid port/);
  });
});

describe('exec probes', () => {
  it('succeeds on exit 0 and fails otherwise, with the output', async () => {
    const id = await runningContainer();
    runtime.scriptExec({ argv: ['cat', '/tmp/healthy'] }, { stdout: 'fine\n', exitCode: 0 });
    runtime.scriptExec({ argv: ['cat', '/tmp/missing'] }, { stderr: 'no such file\n', exitCode: 1 });
    expect(await execProbe(runtime, id, ['cat', '/tmp/healthy'], 1)).toEqual({ result: 'success', output: 'fine\n' });
    expect(await execProbe(runtime, id, ['cat', '/tmp/missing'], 1)).toEqual({ result: 'failure', output: 'no such file\n' });
  });

  it('passes timeoutSeconds to the runtime and counts a timeout as a failure', async () => {
    const id = await runningContainer();
    runtime.scriptExec({ argv: ['slow'] }, { delayMs: 5_000 });
    const pending = runProbe({ exec: { command: ['slow'] }, timeoutSeconds: 2 }, target({ containerId: id }));
    await clock.advance(2_000);
    const r = await pending;
    expect(r.result).toBe('failure');
    expect(r.output).toMatch(/timed out after 2s/);
  });

  it('is unknown when the runtime cannot run it or there is no command', async () => {
    const id = await runningContainer();
    runtime.scriptExec({ argv: ['x'] }, { error: new UnavailableError('runtime down') });
    expect(await runProbe({ exec: { command: ['x'] } }, target({ containerId: id }))).toEqual({
      result: 'unknown',
      output: 'exec failed: runtime down',
    });
    expect((await runProbe({ exec: { command: ['x'] } }, target({ containerId: 'nope' }))).result).toBe('unknown');
    expect((await runProbe({ exec: {} }, target({ containerId: id }))).result).toBe('unknown');
  });
});

describe('httpGet probes', () => {
  it('succeeds for 2xx and 3xx, fails for 5xx', async () => {
    const { port } = await httpServer();
    const ok = await runProbe({ httpGet: { port, path: '/healthz' } }, target());
    expect(ok).toEqual({ result: 'success', output: 'ok /healthz' });
    expect((await runProbe({ httpGet: { port, path: '/redirect' } }, target())).result).toBe('success');
    const failed = await runProbe({ httpGet: { port, path: '/boom' } }, target());
    expect(failed.result).toBe('failure');
    // Kubernetes' words, and never the body (it reaches Events).
    expect(failed.output).toBe('HTTP probe failed with statuscode: 500');
  });

  it('resolves named ports, sends headers and defaults the path to /', async () => {
    const { port, seen } = await httpServer();
    const c = container([{ name: 'web', containerPort: port }]);
    const r = await runProbe({ httpGet: { port: 'web', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } }, target({ container: c }));
    expect(r.result).toBe('success');
    expect(seen[0]?.url).toBe('/');
    expect(seen[0]?.headers['x-probe']).toBe('yes');
    expect(seen[0]?.headers['user-agent']).toMatch(/^kube-probe\//);
  });

  it('uses probe.host over the pod IP', async () => {
    const { port } = await httpServer();
    const r = await runProbe({ httpGet: { port, host: LOOPBACK, path: '/h' } }, target({ podIP: undefined }));
    expect(r.result).toBe('success');
    expect((await runProbe({ httpGet: { port } }, target({ podIP: undefined }))).result).toBe('unknown');
  });

  it('fails when nothing listens', async () => {
    const port = await freePort();
    const r = await runProbe({ httpGet: { port } }, target());
    expect(r.result).toBe('failure');
    expect(r.output).toMatch(/ECONNREFUSED/);
  });

  it('fails when the answer takes longer than timeoutSeconds on the clock', async () => {
    const { port, seen } = await httpServer();
    const pending = runProbe({ httpGet: { port, path: '/hold' }, timeoutSeconds: 3 }, target());
    await expect.poll(() => seen.length).toBe(1);
    await clock.advance(2_999);
    let settled = false;
    void pending.then(() => (settled = true));
    await clock.advance(0);
    expect(settled).toBe(false);
    await clock.advance(1);
    const r = await pending;
    expect(r.result).toBe('failure');
    expect(r.output).toMatch(/timed out after 3000ms/);
  });

  it('is unknown for an unresolvable named port or scheme', async () => {
    expect(await runProbe({ httpGet: { port: 'nope' } }, target())).toMatchObject({ result: 'unknown' });
    expect(await runProbe({ httpGet: { port: 80, scheme: 'FTP' } }, target())).toMatchObject({ result: 'unknown' });
  });
});

describe('tcpSocket probes', () => {
  it('succeeds when a connection opens and fails when refused', async () => {
    const { port } = await httpServer();
    const c = container([{ name: 'web', containerPort: port }]);
    expect(await runProbe({ tcpSocket: { port: 'web' } }, target({ container: c }))).toEqual({ result: 'success', output: '' });
    const closed = await freePort();
    const r = await runProbe({ tcpSocket: { port: closed } }, target());
    expect(r.result).toBe('failure');
    expect(r.output).toMatch(/ECONNREFUSED/);
  });
});

describe('probes without a usable handler', () => {
  it('are unknown', async () => {
    expect((await runProbe({}, target())).output).toBe('missing probe handler');
    expect((await runProbe({ grpc: { port: 9000 } }, target())).result).toBe('unknown');
  });
});
