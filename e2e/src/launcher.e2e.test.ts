// `mk8s up` / `status` / `down` as scripts/up.sh runs them: processes, pid
// files, the kubeconfig it writes, idempotence, and data kept across restarts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, run } from './support/cluster.js';

describe('mk8s launcher', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let port: number;
  /** The pod's uid: its containers carry it (names repeat across clusters on one Docker; uids do not). */
  let podUid = '';
  const mk8s = (...args: string[]) =>
    run(process.execPath, [path.join(REPO_ROOT, 'apps/mk8s/bin/mk8s.mjs'), ...args], { env, cwd: REPO_ROOT, timeout: 60_000 });

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'mk8s-home-'));
    port = await freePort();
    env = { ...process.env, MK8S_HOME: home, MK8S_API_PORT: String(port) };
  });
  afterAll(async () => {
    await mk8s('down').catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  });

  it('starts the control plane and a node, and writes a kubeconfig', async () => {
    const { stdout } = await mk8s('up', '--nodes', '1');
    expect(stdout).toMatch(/ok kube-apiserver\s+pid \d+/);
    expect(stdout).toMatch(/ok dockershim-node-1\s+pid \d+/);
    expect(stdout).toMatch(/ok kubelet-node-1\s+pid \d+/);
    expect(stdout).toMatch(/ok kube-scheduler\s+pid \d+/);
    expect(stdout).toMatch(/ok kube-controller-manager\s+pid \d+/);
    const node = (await (await fetch(`http://127.0.0.1:${port}/api/v1/nodes/node-1`)).json()) as {
      status: { conditions: Array<{ type: string; status: string }> };
    };
    expect(node.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    expect(stdout).toContain(`export KUBECONFIG=${home}/kubeconfig`);
    const kubeconfig = await readFile(path.join(home, 'kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`server: http://127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default`);
    expect(res.status).toBe(200);
  });

  it('says so and exits 0 when already running', async () => {
    const { stdout } = await mk8s('up');
    expect(stdout).toMatch(/mk8s is already running \(.*kube-apiserver.*\)/);
    expect((await mk8s('status')).stdout).toMatch(/kube-apiserver\s+running \(pid \d+\)/);
  });

  it('runs a pod on its node: a sandbox and a container of this cluster, and the pod Running', async () => {
    const api = `http://127.0.0.1:${port}/api/v1/namespaces/default/pods`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'launched' },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
    };
    expect((await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pod) })).status).toBe(201);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const p = (await (await fetch(`${api}/launched`)).json()) as { metadata: { uid: string }; status?: { phase?: string } };
      podUid = p.metadata.uid;
      if (p.status?.phase === 'Running') break;
      if (Date.now() > deadline) throw new Error(`pod not Running: ${JSON.stringify(p.status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { stdout } = await run('docker', ['ps', '-q', '--filter', `label=io.kubernetes.pod.uid=${podUid}`]);
    expect(stdout.trim().split('\n')).toHaveLength(2); // sandbox + container
  });

  it("stops everything on down, removes the pod's containers, and keeps the data for the next up", async () => {
    const created = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: 'b' } }),
    });
    expect(created.status).toBe(201);
    const downOut = (await mk8s('down')).stdout;
    expect(downOut).toMatch(/mk8s: stopped .*kube-apiserver/);
    expect(downOut).toContain('mk8s: removed 2 container(s) of this cluster');
    expect((await run('docker', ['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${podUid}`])).stdout.trim()).toBe('');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect((await mk8s('down')).stdout).toContain('nothing was running');
    await mk8s('up', '--nodes', '0');
    const kept = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/configmaps/kept`);
    expect(kept.status).toBe(200);
    await mk8s('down', '--purge');
    await expect(readFile(path.join(home, 'kubeconfig'))).rejects.toThrow(/ENOENT/);
  });
});
