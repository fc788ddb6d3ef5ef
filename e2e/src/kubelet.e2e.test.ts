// The kubelet as a user runs it, on real Docker: kube-apiserver,
// mk8s-dockershim and kubelet as separate processes. A pod created over HTTP
// reaches Running with a pod IP that serves HTTP; `docker kill` of its
// container is healed by a restart; its logs come through pods/log; a
// restarted kubelet adopts it without restarting it; deleting it removes its
// containers. (Until the scheduler lands, pods name their node.)
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventuallyMatches, startNodeProcesses, type NodeProcesses } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCOPE = `io.mk8s.e2e=kubelet-${process.pid}`;

async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(base + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 3000 }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(t));
      })
      .on('error', reject);
  });
}

describe('kubelet on real Docker', () => {
  let dir: string;
  let procs: NodeProcesses;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-kubelet-e2e-'));
    procs = await startNodeProcesses({ dir, nodeName: 'e2e-node', scopeLabels: SCOPE });
  });

  afterAll(async () => {
    await procs?.stop();
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${SCOPE}`]);
    if (stdout.trim()) await run('docker', ['rm', '-f', ...stdout.trim().split('\n')]);
    await rm(dir, { recursive: true, force: true });
  });

  it('registers its node as Ready', async () => {
    const node = await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/nodes/e2e-node'),
      (r) => r.body?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
      { message: 'node Ready', timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(node.body.status.nodeInfo.containerRuntimeVersion).toMatch(/^docker:\/\//);
  });

  it('runs a pod that serves HTTP on its pod IP, with logs through pods/log', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: {
        nodeName: 'e2e-node',
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'web',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'echo serving; exec httpd -f -p 8080 -h /var/www'],
            resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '500m', memory: '64Mi' } },
          },
        ],
      },
    };
    expect((await api(procs.apiserver.url, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const running = await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/web'),
      (r) => r.body?.status?.phase === 'Running' && !!r.body.status.podIP,
      { message: 'pod Running', timeoutMs: 60_000, intervalMs: 100 },
    );
    const ip = running.body.status.podIP as string;
    expect(
      await eventuallyMatches(
        () => httpGet(`http://${ip}:8080/`),
        (t) => t.includes('mk8s busybox httpd'),
        { message: 'the page', timeoutMs: 60_000, intervalMs: 100 },
      ),
    ).toContain('mk8s busybox httpd');
    const logs = await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/web/log'),
      (r) => r.text.includes('serving'),
      { message: 'logs', timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(logs.text).toBe('serving\n');
    // Limits reach Docker: 64Mi of memory, half a CPU.
    const { stdout } = await run('docker', [
      'inspect',
      '-f',
      '{{.HostConfig.Memory}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.NanoCpus}}',
      (await run('docker', ['ps', '-q', '--filter', `label=${SCOPE}`, '--filter', 'label=io.kubernetes.container.name=web'])).stdout.trim(),
    ]);
    const [memory, quota, period, nano] = stdout.trim().split(' ').map(Number);
    expect(memory).toBe(64 * 1024 * 1024);
    expect(nano || (quota! / period!) * 1e9).toBe(0.5e9);
  });

  it('mounts emptyDir shared between containers and configMap volumes', async () => {
    await api(procs.apiserver.url, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'greeting' },
      data: { msg: 'hi from a configmap' },
    });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vols' },
      spec: {
        nodeName: 'e2e-node',
        terminationGracePeriodSeconds: 1,
        volumes: [
          { name: 'shared', emptyDir: {} },
          { name: 'greeting', configMap: { name: 'greeting' } },
        ],
        containers: [
          {
            name: 'writer',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'echo shared-ok > /shared/f; sleep 3600'],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          },
          {
            name: 'reader',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'until [ -f /shared/f ]; do sleep 0.1; done; cat /etc/greeting/msg; echo; cat /shared/f; sleep 3600'],
            volumeMounts: [
              { name: 'shared', mountPath: '/shared' },
              { name: 'greeting', mountPath: '/etc/greeting' },
            ],
          },
        ],
      },
    };
    expect((await api(procs.apiserver.url, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const logs = await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/vols/log?container=reader'),
      (r) => r.text.includes('shared-ok'),
      { message: 'reader output', timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(logs.text).toBe('hi from a configmap\nshared-ok\n');
    await api(procs.apiserver.url, 'DELETE', '/api/v1/namespaces/default/pods/vols');
    await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/vols'),
      (r) => r.status === 404,
      { message: 'vols gone', timeoutMs: 60_000, intervalMs: 100 },
    );
  });

  it('runs postStart after start and preStop before stop', async () => {
    const out = path.join(dir, 'hooks-out');
    // The pod writes through a hostPath volume, which Pod Security's baseline level (mk8s' default) refuses.
    const label = await fetch(`${procs.apiserver.url}/api/v1/namespaces/default`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }),
    });
    expect(label.status).toBe(200);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hooked' },
      spec: {
        nodeName: 'e2e-node',
        terminationGracePeriodSeconds: 5,
        volumes: [{ name: 'out', hostPath: { path: out, type: 'DirectoryOrCreate' } }],
        containers: [
          {
            name: 'c',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sleep', '3600'],
            volumeMounts: [{ name: 'out', mountPath: '/out' }],
            lifecycle: {
              postStart: { exec: { command: ['sh', '-c', 'echo started > /out/poststart'] } },
              preStop: { exec: { command: ['sh', '-c', 'echo stopping > /out/prestop'] } },
            },
          },
        ],
      },
    };
    expect((await api(procs.apiserver.url, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const { readFile } = await import('node:fs/promises');
    expect(
      await eventuallyMatches(
        () => readFile(path.join(out, 'poststart'), 'utf8'),
        (t) => t.length > 0,
        { message: 'postStart output', timeoutMs: 60_000, intervalMs: 100 },
      ),
    ).toBe('started\n');
    await api(procs.apiserver.url, 'DELETE', '/api/v1/namespaces/default/pods/hooked');
    await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/hooked'),
      (r) => r.status === 404,
      { message: 'hooked gone', timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(await readFile(path.join(out, 'prestop'), 'utf8')).toBe('stopping\n');
  });

  it('restarts a container killed behind its back', async () => {
    const { stdout } = await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=${SCOPE}`,
      '--filter',
      'label=io.kubernetes.pod.name=web',
      '--filter',
      'label=io.kubernetes.container.name=web',
    ]);
    await run('docker', ['kill', stdout.trim()]);
    const healed = await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/web'),
      (r) => r.body?.status?.containerStatuses?.[0]?.restartCount === 1 && !!r.body.status.containerStatuses[0].state?.running,
      { message: 'restart', timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(healed.body.status.containerStatuses[0].lastState.terminated.exitCode).toBe(137);
  });

  it('is adopted by a restarted kubelet without a restart', async () => {
    const before = (await api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/web')).body.status.containerStatuses[0];
    expect(await procs.kubelet.stop()).toBe(0);
    await procs.restartKubelet();
    // Give the new kubelet time to sync and report; then nothing must have changed.
    await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/e2e-node'),
      (r) => !!r.body?.spec?.renewTime,
      { message: 'a fresh node heartbeat', timeoutMs: 60_000, intervalMs: 100 },
    );
    await new Promise((r) => setTimeout(r, 2000));
    const after = (await api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/web')).body.status.containerStatuses[0];
    expect(after.containerID).toBe(before.containerID);
    expect(after.restartCount).toBe(before.restartCount);
  });

  it('removes the containers of a deleted pod', async () => {
    expect((await api(procs.apiserver.url, 'DELETE', '/api/v1/namespaces/default/pods/web')).status).toBe(200);
    await eventuallyMatches(
      () => api(procs.apiserver.url, 'GET', '/api/v1/namespaces/default/pods/web'),
      (r) => r.status === 404,
      { message: 'pod gone', timeoutMs: 60_000, intervalMs: 100 },
    );
    const { stdout } = await run('docker', ['ps', '-q', '--filter', `label=${SCOPE}`, '--filter', 'label=io.kubernetes.pod.name=web']);
    expect(stdout.trim()).toBe('');
  });
});
