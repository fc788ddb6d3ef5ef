// `kubectl exec` (stock v1.32) on real Docker: kube-apiserver, mk8s-dockershim
// and kubelet as separate processes; kubectl's WebSocket session goes through
// the API server's pods/exec proxy to the kubelet, which runs the command
// with the CRI's ExecSync in the pod's container. Non-interactive only.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventuallyMatches, requireTool, startNodeProcesses, type NodeProcesses } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const run = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
requireTool('kubectl', KUBECTL, ['version', '--client']);
const SCOPE = `io.mk8s.e2e=exec-${process.pid}`;

async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: undefined };
  }
}

function container(name: string, env: Record<string, string> = {}) {
  return {
    name,
    image: 'busybox:latest',
    imagePullPolicy: 'Never',
    command: ['sleep', '3600'],
    env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
  };
}

describe('kubectl exec on real Docker', () => {
  let dir: string;
  let node: NodeProcesses | undefined;

  async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const r = await run(KUBECTL, ['--server', node!.apiserver.url, '--cache-dir', path.join(dir, 'cache'), ...args], { timeout: 60_000 });
      return { ...r, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : -1 };
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-exec-e2e-'));
    node = await startNodeProcesses({ dir, nodeName: 'exec-node', scopeLabels: SCOPE });
    const pods = [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: { nodeName: 'exec-node', terminationGracePeriodSeconds: 1, containers: [container('web')] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'two' },
        spec: { nodeName: 'exec-node', terminationGracePeriodSeconds: 1, containers: [container('a', { WHO: 'first' }), container('b', { WHO: 'second' })] },
      },
    ];
    for (const p of pods) expect((await api(node.apiserver.url, 'POST', '/api/v1/namespaces/default/pods', p)).status).toBe(201);
    for (const p of pods) {
      await eventuallyMatches(
        () => api(node!.apiserver.url, 'GET', `/api/v1/namespaces/default/pods/${p.metadata.name}`),
        (r) => r.body?.status?.phase === 'Running' && (r.body.status.containerStatuses ?? []).every((c: any) => c.state?.running),
        { message: `pod ${p.metadata.name} Running`, timeoutMs: 60_000, intervalMs: 200 },
      );
    }
  });

  afterAll(async () => {
    await node?.stop();
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${SCOPE}`]);
    if (stdout.trim()) await run('docker', ['rm', '-f', ...stdout.trim().split('\n')]);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the command output and exits 0', async () => {
    const r = await kubectl('exec', 'web', '--', 'echo', 'hello');
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'hello\n' });
  });

  it('takes booleans as Kubernetes parses them over raw HTTP (exec stdout=True, watch=True), and answers errors in Kubernetes bytes', async () => {
    // A client in another language: exec over v5.channel.k8s.io with capitalised booleans.
    const base = node!.apiserver.url;
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/web/exec?command=echo&command=hi&stdout=True&stderr=TRUE`, [
      'v5.channel.k8s.io',
    ]);
    const out: Record<number, string> = {};
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => (out[data[0]!] = (out[data[0]!] ?? '') + data.subarray(1).toString()));
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    expect(out[1]).toBe('hi\n');
    expect(JSON.parse(out[3]!)).toMatchObject({ status: 'Success' });
    const watch = await fetch(`${base}/api/v1/namespaces/default/pods?watch=True&timeoutSeconds=1`);
    expect(watch.headers.get('transfer-encoding')).toBe('chunked');
    expect(await watch.text()).toContain('"type":"ADDED"');
    // The error body, byte for byte as kube-apiserver writes it (Go's field order, trailing newline).
    const missing = await fetch(`${base}/api/v1/namespaces/default/pods/nope`);
    expect(await missing.text()).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}\n',
    );
  });

  it("exits with the command's exit code, reported as kubectl does", async () => {
    const r = await kubectl('exec', 'web', '--', 'sh', '-c', 'exit 3');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('command terminated with exit code 3');
  });

  it("lets a command run longer than the CRI client's default call deadline (10 s)", async () => {
    const r = await kubectl('exec', 'web', '--', 'sh', '-c', 'sleep 11; echo slept');
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'slept\n' });
  });

  it("keeps the command's stderr on stderr", async () => {
    const r = await kubectl('exec', 'web', '--', 'sh', '-c', 'echo to-out; echo to-err >&2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('to-out\n');
    expect(r.stderr).toBe('to-err\n');
  });

  it('runs in the container named with -c, and defaults to the first one', async () => {
    const second = await kubectl('exec', 'two', '-c', 'b', '--', 'sh', '-c', 'echo $WHO');
    expect(second, second.stderr).toMatchObject({ code: 0, stdout: 'second\n' });
    const defaulted = await kubectl('exec', 'two', '--', 'sh', '-c', 'echo $WHO');
    expect(defaulted.code, defaulted.stderr).toBe(0);
    expect(defaulted.stdout).toBe('first\n');
    expect(defaulted.stderr).toContain('Defaulted container "a" out of: a, b');
  });

  it('refuses interactive exec (-i) with a clear error, running nothing', async () => {
    const r = await kubectl('exec', '-i', 'web', '--', 'sh', '-c', 'echo ran > /tmp/ran');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('interactive exec (stdin) is not supported by this kubelet');
    const check = await kubectl('exec', 'web', '--', 'sh', '-c', 'test -e /tmp/ran && echo yes || echo no');
    expect(check.stdout).toBe('no\n');
  });

  it('reports an unknown container', async () => {
    const r = await kubectl('exec', 'web', '-c', 'nope', '--', 'true');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nope/);
  });
});
