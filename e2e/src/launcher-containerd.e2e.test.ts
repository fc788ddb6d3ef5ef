// `mk8s up --runtime containerd`: each node gets a private containerd (own
// root, socket, CNI bridge and subnet) fed with local images, the kubelet
// speaks real CRI to it, and `down --purge` leaves no task, mount or bridge.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, eventually, requireTool } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, run } from './support/cluster.js';

requireTool('containerd');

describe('mk8s up --runtime containerd', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let api: string;
  const mk8s = (...args: string[]) =>
    run(process.execPath, [path.join(REPO_ROOT, 'apps/mk8s/bin/mk8s.mjs'), ...args], { env, cwd: REPO_ROOT, timeout: 90_000 });

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'mk8s-ctrd-home-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    env = { ...process.env, MK8S_HOME: home, MK8S_API_PORT: String(port) };
  });
  afterAll(async () => {
    await mk8s('down', '--purge').catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  });

  it('starts a containerd and a kubelet per node; the node reports containerd as its runtime', async () => {
    const { stdout } = await mk8s('up', '--nodes', '1', '--runtime', 'containerd');
    expect(stdout).toMatch(/ok containerd-node-1\s+pid \d+/);
    expect(stdout).toMatch(/ok kubelet-node-1\s+pid \d+/);
    expect(stdout).toContain('runtime containerd');
    const node = (await (await fetch(`${api}/api/v1/nodes/node-1`)).json()) as { status: { nodeInfo: { containerRuntimeVersion: string } } };
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
  });

  it("runs a pod on the node's own bridge network, serving HTTP, with logs readable", async () => {
    const pods = `${api}/api/v1/namespaces/default/pods`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ctrd-web' },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'web', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['httpd', '-f', '-v', '-p', '8080', '-h', '/var/www'] }],
      },
    };
    expect((await fetch(pods, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pod) })).status).toBe(201);
    const ip = await eventually(
      async () => {
        const p = (await (await fetch(`${pods}/ctrd-web`)).json()) as { status?: { phase?: string; podIP?: string } };
        return p.status?.phase === 'Running' && p.status.podIP ? p.status.podIP : undefined;
      },
      { message: 'the pod to run', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(ip).toMatch(/^10\.89\.1\.\d+$/);
    const page = await eventually(
      async () => {
        const res = await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(2000) });
        return res.ok ? await res.text() : undefined;
      },
      { message: 'the pod to answer', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(page).toContain('mk8s busybox httpd');
    // httpd -v logs each request to stderr: the kubelet serves containerd's CRI log file.
    const log = await eventually(
      async () => {
        const text = await (await fetch(`${pods}/ctrd-web/log`)).text();
        return text.includes('GET /') || /response:200/.test(text) ? text : undefined;
      },
      { message: 'the request in the pod log', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(log.length).toBeGreaterThan(0);
  });

  it('mk8s logs prints a component log and names the known ones for a typo', async () => {
    const { stdout } = await mk8s('logs', 'kubelet-node-1', '--tail', '3');
    expect(stdout.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(stdout).toContain('"component":"kubelet"');
    const err = await mk8s('logs', 'kubelet-node-9').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/no log for "kubelet-node-9".*kubelet-node-1/s);
  });

  it('down --purge removes the pods, stops containerd and leaves no bridge or state', async () => {
    const { stdout } = await mk8s('down', '--purge');
    expect(stdout).toMatch(/removed [1-9]\d* containerd container\(s\)/);
    expect(stdout).toMatch(/stopped .*containerd-node-1/);
    const procs = await run('pgrep', ['-f', home]).then(
      (r) => r.stdout,
      () => '',
    );
    expect(procs.trim()).toBe('');
    const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
    expect(links).not.toContain('mk8s-ctrd-n1');
    expect(existsSync(home)).toBe(false);
  });
});
