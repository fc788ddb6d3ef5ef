// The unauthenticated kubelet server: loopback only (it refuses to start
// elsewhere, and refuses HTTPS without a client CA), and web pages are kept
// out (a foreign Host, an Origin on the exec upgrade).
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PodSandboxConfig } from '@mk8s/cri';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { isLoopbackAddress, isLoopbackHost } from '@mk8s/api';
import { servingRefusal } from './browser-guard.js';
import { STREAM_PROTOCOL_V5 } from './exec-protocol.js';
import { startKubeletServer, type KubeletServer } from './kubelet-server.js';
import { criLogLocator } from './log-locator.js';

let dir: string;
let runtime: FakeRuntime;
let server: KubeletServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelet-guard-'));
  runtime = new FakeRuntime();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** One GET with exactly these headers. */
function get(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, setHost: false, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The exec WebSocket handshake: 101 (then closed) or the refusal. */
function execUpgrade(url: string, opts: { origin?: string; host?: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), [STREAM_PROTOCOL_V5], {
      origin: opts.origin,
      headers: opts.host === undefined ? undefined : { host: opts.host },
    });
    ws.on('open', () => {
      ws.terminate();
      resolve({ status: 101, text: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    ws.on('error', reject);
  });
}

async function runPod(pod: string, name: string): Promise<void> {
  const config: PodSandboxConfig = { metadata: { name: pod, namespace: 'default', uid: `uid-${pod}`, attempt: 0 }, logDirectory: join(dir, pod) };
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  const { containerId } = await runtime.createContainer({
    podSandboxId,
    config: { metadata: { name, attempt: 0 }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'], logPath: `${name}/0.log` },
    sandboxConfig: config,
  });
  await runtime.startContainer({ containerId });
}

describe('where an unauthenticated kubelet may listen', () => {
  it('loopback addresses only, and HTTPS only with a client CA', () => {
    for (const a of ['127.0.0.1', '127.0.0.53', '::1', '[::1]', 'localhost']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'node-1', '']) expect(isLoopbackAddress(a), a).toBe(false);
    expect(servingRefusal('127.0.0.1', undefined)).toBeUndefined();
    expect(servingRefusal('0.0.0.0', undefined)).toMatch(/only listens on a loopback address.*not "0\.0\.0\.0".*--client-ca-file/);
    expect(servingRefusal('10.0.0.5', undefined)).toBeDefined();
    expect(servingRefusal('127.0.0.1', {})).toMatch(/HTTPS without a client CA.*--client-ca-file/);
    expect(servingRefusal('0.0.0.0', {})).toMatch(/HTTPS without a client CA/);
    expect(servingRefusal('0.0.0.0', { clientCA: 'pem' })).toBeUndefined();
  });

  it('startKubeletServer refuses to serve without authentication off loopback, or HTTPS without a client CA', async () => {
    await expect(startKubeletServer({ port: 0, host: '0.0.0.0', logs: criLogLocator(runtime), runtime })).rejects.toThrow(/loopback address/);
    await expect(startKubeletServer({ port: 0, logs: criLogLocator(runtime), runtime, tls: { cert: 'x', key: 'y' } })).rejects.toThrow(/client CA/);
  });

  it('reads Host headers: loopback names with any port', () => {
    for (const h of ['127.0.0.1:10250', 'localhost', '[::1]:10250', '127.3.2.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [undefined, 'evil.example:10250', '10.0.0.5:10250', 'localhost.evil.example', '127.0.0.1.nip.io:10250'])
      expect(isLoopbackHost(h), String(h)).toBe(false);
  });
});

describe('the unauthenticated kubelet keeps web pages out', () => {
  it('refuses a foreign Host (DNS rebinding) with a 403 and serves loopback names', async () => {
    server = await startKubeletServer({ port: 0, logs: criLogLocator(runtime), runtime });
    const port = new URL(server.url).port;
    for (const path of ['/healthz', '/stats/summary', '/containerLogs/default/web/app', '/metrics']) {
      const r = await get(`${server.url}${path}`, { host: `evil.example:${port}` });
      expect(r.status, path).toBe(403);
      expect(r.text).toMatch(/loopback name/);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
      expect((await get(`${server.url}/healthz`, { host })).status, host).toBe(200);
    // A read may carry an Origin (no CORS headers: the page cannot read it); a write may not.
    expect((await get(`${server.url}/healthz`, { host: `127.0.0.1:${port}`, origin: 'https://evil.example' })).status).toBe(200);
    expect(
      (await get(`${server.url}/exec/default/web/app?command=id&stdout=true`, { host: `127.0.0.1:${port}`, origin: 'https://evil.example' }, 'POST')).status,
    ).toBe(403);
  });

  it('refuses a cross-site WebSocket to /exec before the upgrade; kubectl and the API server (no Origin) get through', async () => {
    server = await startKubeletServer({ port: 0, logs: criLogLocator(runtime), runtime });
    await runPod('web', 'app');
    const url = `${server.url}/exec/default/web/app?command=id&stdout=true`;
    const cross = await execUpgrade(url, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.text).toMatch(/cross-origin/);
    const rebound = await execUpgrade(url, { host: 'evil.example:10250' });
    expect(rebound.status).toBe(403);
    expect((await execUpgrade(url)).status).toBe(101);
  });
});
