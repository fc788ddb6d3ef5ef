import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PodSandboxConfig } from '@mk8s/cri';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { startKubeletServer, type KubeletServer } from './kubelet-server.js';
import { criLogLocator } from './log-locator.js';
import { CHANNEL, STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V5, parseExecRequest } from './exec-protocol.js';

let dir: string;
let runtime: FakeRuntime;
let server: KubeletServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelet-exec-'));
  runtime = new FakeRuntime();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(execTimeoutSeconds?: number): Promise<KubeletServer> {
  server = await startKubeletServer({ port: 0, logs: criLogLocator(runtime), runtime, execTimeoutSeconds });
  return server;
}

/** A running pod default/`pod` with one container `name` (argv: sleep forever). */
async function runPod(pod: string, name: string, started = true): Promise<string> {
  const config: PodSandboxConfig = { metadata: { name: pod, namespace: 'default', uid: `uid-${pod}`, attempt: 0 }, logDirectory: join(dir, pod) };
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  const { containerId } = await runtime.createContainer({
    podSandboxId,
    config: { metadata: { name, attempt: 0 }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'], logPath: `${name}/0.log` },
    sandboxConfig: config,
  });
  if (started) await runtime.startContainer({ containerId });
  return containerId;
}

interface Session {
  protocol: string;
  /** Payload per stream id, concatenated in arrival order. */
  streams: Map<number, Buffer>;
  /** The JSON Status of the error stream, if one came. */
  status: Record<string, any> | undefined;
  closeCode: number;
}

/** Opens an exec WebSocket as kubectl does, collects every frame until the server closes. */
function exec(base: string, path: string, protocols: string[] = [STREAM_PROTOCOL_V5]): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + path, protocols);
    const streams = new Map<number, Buffer>();
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { statusCode: res.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const id = data[0]!;
      streams.set(id, Buffer.concat([streams.get(id) ?? Buffer.alloc(0), data.subarray(1)]));
    });
    ws.on('close', (code) => {
      const err = streams.get(CHANNEL.error);
      resolve({ protocol: ws.protocol, streams, status: err ? JSON.parse(err.toString()) : undefined, closeCode: code });
    });
  });
}

const text = (s: Session, id: number) => s.streams.get(id)?.toString() ?? '';

describe('parseExecRequest', () => {
  it('reads the path, repeated commands and stream flags', () => {
    expect(parseExecRequest('/exec/ns1/web/app?command=sh&command=-c&command=echo%20hi&stdout=true&stderr=1')).toEqual({
      namespace: 'ns1',
      pod: 'web',
      container: 'app',
      command: ['sh', '-c', 'echo hi'],
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    expect(parseExecRequest('/exec/ns1/web/uid-1/app?command=ls&output=1').uid).toBe('uid-1');
  });

  it('reads the stream flags as Kubernetes reads booleans: false only for 0 and false in any case', () => {
    const flags = (query: string) => {
      const { stdin, stdout, stderr, tty } = parseExecRequest(`/exec/ns1/web/app?command=ls&${query}`);
      return { stdin, stdout, stderr, tty };
    };
    // What Kubernetes' API server sends the kubelet.
    expect(flags('input=1&output=1&error=1&tty=1')).toEqual({ stdin: true, stdout: true, stderr: true, tty: true });
    for (const v of ['True', 'TRUE', 't', '1', 'true', '']) {
      expect(flags(`stdin=${v}&stdout=${v}&stderr=${v}&tty=${v}`), v).toEqual({ stdin: true, stdout: true, stderr: true, tty: true });
      expect(flags(`output=${v}`), v).toEqual({ stdin: false, stdout: true, stderr: false, tty: false });
    }
    for (const v of ['false', 'False', 'FALSE', '0']) {
      expect(flags(`stdin=${v}&stdout=1&stderr=${v}&tty=${v}`), v).toEqual({ stdin: false, stdout: true, stderr: false, tty: false });
      expect(() => parseExecRequest(`/exec/ns1/web/app?command=ls&stdout=${v}&output=${v}`), v).toThrow(/at least 1 of stdin, stdout, stderr/);
    }
    // Kubernetes' names win over PodExecOptions' when both are sent.
    expect(flags('output=0&stdout=1&input=1')).toMatchObject({ stdin: true, stdout: false });
  });

  it('refuses a missing command, no streams and other paths', () => {
    expect(() => parseExecRequest('/exec/ns1/web/app?stdout=true')).toThrow(/at least one command/);
    expect(() => parseExecRequest('/exec/ns1/web/app?command=ls')).toThrow(/at least 1 of stdin, stdout, stderr/);
    expect(() => parseExecRequest('/exec/ns1/web?command=ls&stdout=true')).toThrow(/served at/);
  });
});

describe('kubelet /exec over WebSocket', () => {
  it('runs the command: stdout on stream 1, stderr on stream 2, Success on stream 3, normal close', async () => {
    const id = await runPod('web', 'app');
    runtime.scriptExec({ argv: ['greet', 'you'] }, { stdout: 'hello you\n', stderr: 'a warning\n', exitCode: 0 });
    const s = await start();
    const r = await exec(s.url, '/exec/default/web/app?command=greet&command=you&stdout=true&stderr=true');
    expect(r.protocol).toBe(STREAM_PROTOCOL_V5);
    expect(text(r, CHANNEL.stdout)).toBe('hello you\n');
    expect(text(r, CHANNEL.stderr)).toBe('a warning\n');
    expect(r.status).toEqual({ metadata: {}, status: 'Success' });
    expect(r.closeCode).toBe(1000);
    expect(runtime.callCount('execSync')).toBe(1);
    expect(id).toBeTruthy();
  });

  it('reports a non-zero exit as NonZeroExitCode with the code as the ExitCode cause', async () => {
    await runPod('web', 'app');
    const s = await start();
    // The fake runtime interprets simple shell scripts.
    const r = await exec(
      s.url,
      `/exec/default/web/app?command=sh&command=-c&command=${encodeURIComponent('echo out; echo err >&2; exit 3')}&stdout=true&stderr=true`,
    );
    expect(text(r, CHANNEL.stdout)).toBe('out\n');
    expect(text(r, CHANNEL.stderr)).toBe('err\n');
    expect(r.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(r.status!['message']).toMatch(/^command terminated with non-zero exit code/);
    expect(r.closeCode).toBe(1000);
  });

  it('sends only the streams asked for, and accepts v4.channel.k8s.io', async () => {
    await runPod('web', 'app');
    runtime.scriptExec({ argv: ['both'] }, { stdout: 'o', stderr: 'e' });
    const s = await start();
    const r = await exec(s.url, '/exec/default/web/app?command=both&stdout=true', ['base64.channel.k8s.io', STREAM_PROTOCOL_V4]);
    expect(r.protocol).toBe(STREAM_PROTOCOL_V4);
    expect(text(r, CHANNEL.stdout)).toBe('o');
    expect(r.streams.has(CHANNEL.stderr)).toBe(false);
    expect(r.status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('cuts large output into frames', async () => {
    await runPod('web', 'app');
    const big = 'x'.repeat(100_000);
    runtime.scriptExec({ argv: ['big'] }, { stdout: big });
    const s = await start();
    const frames: number[] = [];
    const r = await new Promise<Session>((resolve, reject) => {
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/exec/default/web/app?command=big&stdout=true`, [STREAM_PROTOCOL_V5]);
      const streams = new Map<number, Buffer>();
      ws.on('error', reject);
      ws.on('message', (d: Buffer) => {
        frames.push(d[0]!);
        streams.set(d[0]!, Buffer.concat([streams.get(d[0]!) ?? Buffer.alloc(0), d.subarray(1)]));
      });
      ws.on('close', (code) => resolve({ protocol: ws.protocol, streams, status: undefined, closeCode: code }));
    });
    expect(r.streams.get(CHANNEL.stdout)!.length).toBe(100_000);
    expect(frames.filter((f) => f === CHANNEL.stdout).length).toBeGreaterThan(1);
    expect(frames[frames.length - 1]).toBe(CHANNEL.error);
  });

  it('unknown pod or container, or a container not running: a Failure on the error stream, nothing runs', async () => {
    await runPod('web', 'app');
    await runPod('idle', 'app', false);
    const s = await start();
    const noPod = await exec(s.url, '/exec/default/ghost/app?command=ls&stdout=true');
    expect(noPod.status).toMatchObject({ status: 'Failure', reason: 'NotFound', message: 'pod default/ghost not found on this node' });
    const noContainer = await exec(s.url, '/exec/default/web/nope?command=ls&stdout=true');
    expect(noContainer.status).toMatchObject({ status: 'Failure', reason: 'NotFound', message: 'container not found ("nope") in pod default/web' });
    const wrongUid = await exec(s.url, '/exec/default/web/other-uid/app?command=ls&stdout=true');
    expect(wrongUid.status).toMatchObject({ reason: 'NotFound' });
    const notRunning = await exec(s.url, '/exec/default/idle/app?command=ls&stdout=true');
    expect(notRunning.status).toMatchObject({ status: 'Failure', message: 'container "app" of pod default/idle is not running' });
    expect(runtime.callCount('execSync')).toBe(0);
  });

  it('refuses stdin and tty with a Failure before running anything', async () => {
    await runPod('web', 'app');
    const s = await start();
    const withStdin = await exec(s.url, '/exec/default/web/app?command=cat&stdin=true&stdout=true');
    expect(withStdin.status).toMatchObject({ status: 'Failure', reason: 'BadRequest' });
    expect(withStdin.status!['message']).toMatch(/^interactive exec \(stdin\) is not supported by this kubelet/);
    const withTty = await exec(s.url, '/exec/default/web/app?command=sh&stdin=true&stdout=true&tty=true');
    expect(withTty.status!['message']).toMatch(/^interactive exec \(stdin and tty\) is not supported/);
    expect(runtime.callCount('execSync')).toBe(0);
  });

  it('closes a session whose peer sends a message over 1 MiB (1009), instead of buffering it', async () => {
    await runPod('web', 'app');
    runtime.scriptExec({ argv: ['slow'] }, { delayMs: 5_000 });
    const s = await start();
    const code = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}/exec/default/web/app?command=slow&stdout=true`, [STREAM_PROTOCOL_V5]);
      ws.on('error', () => undefined);
      ws.on('open', () => ws.send(Buffer.alloc(1024 * 1024 + 2)));
      ws.on('close', (c) => resolve(c));
      setTimeout(() => reject(new Error('the session stayed open')), 4_000);
    });
    expect(code).toBe(1009);
  });

  it('a runtime timeout becomes a Timeout Status', async () => {
    await runPod('web', 'app');
    runtime.scriptExec({ argv: ['slow'] }, { delayMs: 5_000 });
    const s = await start(1);
    const r = await exec(s.url, '/exec/default/web/app?command=slow&stdout=true');
    expect(r.status).toMatchObject({ status: 'Failure', reason: 'Timeout' });
    expect(r.status!['message']).toMatch(/did not finish within 1s/);
  });

  it('refuses before the upgrade: bad query, unknown subprotocol, SPDY', async () => {
    await runPod('web', 'app');
    const s = await start();
    await expect(exec(s.url, '/exec/default/web/app?stdout=true')).rejects.toMatchObject({
      statusCode: 400,
      body: expect.stringMatching(/at least one command/),
    });
    await expect(exec(s.url, '/exec/default/web/app?command=ls&stdout=true', ['channel.k8s.io'])).rejects.toMatchObject({
      statusCode: 400,
      body: expect.stringMatching(/none of the requested subprotocols \[channel.k8s.io\] is supported/),
    });
    const spdy = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${s.url}/exec/default/web/app?command=ls&stdout=true`, {
        method: 'POST',
        headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(spdy.status).toBe(400);
    expect(spdy.body).toMatch(/SPDY is not supported/);
    expect(runtime.callCount('execSync')).toBe(0);
  });

  it('other paths still answer normally when a client asks for an upgrade', async () => {
    const s = await start();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${s.url}/healthz`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res).toEqual({ status: 200, body: 'ok' });
  });

  it('close() ends open exec sessions', async () => {
    await runPod('web', 'app');
    runtime.scriptExec({ argv: ['slow'] }, { delayMs: 60_000 });
    const s = await start();
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/exec/default/web/app?command=slow&stdout=true`, [STREAM_PROTOCOL_V5]);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await s.close();
    server = undefined;
    expect(await closed).toBe(1006);
  });
});
