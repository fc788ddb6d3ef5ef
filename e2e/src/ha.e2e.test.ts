// High availability (docs/ha.md): 3 etcd members, 2 kube-apiservers on
// `--storage-backend etcd`, 2 schedulers and 2 controller managers with
// `--leader-elect` and the client-side failover list (the kubeconfig's
// `mk8s.io/servers` extension), 2 hollow kubelets; all child processes on
// loopback ports. While a Deployment scales 2 -> 10 and ConfigMaps are
// written, kill -9 one etcd member, one API server and the leading
// controller manager: the cluster converges (10 ready pods, the other
// controller manager holds the Lease) and no acknowledged write is lost.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eventually, requireTool, startComponent, startEtcd, type ComponentProcess, type EtcdCluster } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './support/cluster.js';

requireTool('etcd');
requireTool('etcdctl', 'etcdctl', ['version']);

type Json = Record<string, any>;

/** A kubeconfig whose failover list starts with `servers[0]` (kubectl would use that one only). */
function haKubeconfig(servers: string[]): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: ha',
    '  cluster:',
    `    server: ${servers[0]}`,
    '    extensions:',
    '    - name: mk8s.io/servers',
    '      extension:',
    `        servers: [${servers.join(', ')}]`,
    'users:',
    '- name: u',
    '  user: {}',
    'contexts:',
    '- name: ha',
    '  context: { cluster: ha, user: u }',
    'current-context: ha',
    '',
  ].join('\n');
}

describe('HA: etcd x3, kube-apiserver x2, elected scheduler and controller manager x2', () => {
  let dir = '';
  let etcd: EtcdCluster | undefined;
  const apiservers: Array<{ proc: ComponentProcess; url: string }> = [];
  const procs: ComponentProcess[] = [];
  const controllerManagers: ComponentProcess[] = [];
  let alive: string[] = [];

  /** One API call, tried on every API server still alive (the test's own failover). */
  async function api(method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> {
    let last: unknown;
    for (const url of alive) {
      try {
        const res = await fetch(url + p, {
          method,
          headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  const readyPods = async (): Promise<Json[]> => {
    const { body } = await api('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
    return (body['items'] as Json[]).filter(
      (p) =>
        !p['metadata']['deletionTimestamp'] &&
        String(p['spec']['nodeName'] ?? '').startsWith('ha-node-') &&
        (p['status']['conditions'] ?? []).some((c: Json) => c['type'] === 'Ready' && c['status'] === 'True'),
    );
  };

  const leaseHolder = async (): Promise<string | undefined> => {
    const { status, body } = await api('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager');
    return status === 200 ? (body['spec']?.['holderIdentity'] as string | undefined) || undefined : undefined;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-ha-e2e-'));
    etcd = await startEtcd({ members: 3 });
    for (let i = 0; i < 2; i++) {
      const { proc, match } = await startComponent('kube-apiserver', {
        args: ['--port', '0', '--storage-backend', 'etcd', '--etcd-servers', etcd.endpoints.join(','), '--log-level', 'warn'],
        ready: /kube-apiserver listening on (http:\/\/\S+)/,
        timeoutMs: 60_000,
      });
      apiservers.push({ proc, url: match });
      procs.push(proc);
    }
    alive = apiservers.map((a) => a.url);
    // Replica i prefers API server i: killing one sends half of the components to the other.
    const kubeconfigs = [0, 1].map((i) => path.join(dir, `kubeconfig-${i}`));
    await writeFile(kubeconfigs[0]!, haKubeconfig([alive[0]!, alive[1]!]));
    await writeFile(kubeconfigs[1]!, haKubeconfig([alive[1]!, alive[0]!]));
    for (let i = 0; i < 2; i++) {
      const kc = kubeconfigs[i]!;
      const sched = await startComponent('kube-scheduler', {
        args: ['--kubeconfig', kc, '--leader-elect', '--port', '0', '--log-level', 'info'],
        ready: /kube-scheduler serving on/,
        timeoutMs: 60_000,
      });
      procs.push(sched.proc);
      const cm = await startComponent('kube-controller-manager', {
        args: ['--kubeconfig', kc, '--leader-elect', '--port', '0', '--log-level', 'info', '--node-monitor-grace-period', '60s'],
        ready: /kube-controller-manager serving on/,
        timeoutMs: 60_000,
      });
      procs.push(cm.proc);
      controllerManagers.push(cm.proc);
      const kubelet = await startComponent('kubelet', {
        args: [
          '--kubeconfig',
          kc,
          '--node-name',
          `ha-node-${i}`,
          '--hollow',
          '--port',
          '0',
          '--root-dir',
          path.join(dir, `kubelet-${i}`),
          '--log-level',
          'warn',
        ],
        ready: new RegExp(`kubelet ha-node-${i} serving on`),
        timeoutMs: 60_000,
      });
      procs.push(kubelet.proc);
    }
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await etcd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('converges and loses no acknowledged write when an etcd member, an API server and the leading controller manager die', async () => {
    await eventually(
      async () => {
        const { body } = await api('GET', '/api/v1/nodes');
        const ready = (body['items'] as Json[]).filter((n) =>
          (n['status']?.['conditions'] ?? []).some((c: Json) => c['type'] === 'Ready' && c['status'] === 'True'),
        );
        return ready.length === 2 ? ready : undefined;
      },
      { message: '2 Ready nodes', timeoutMs: 90_000, intervalMs: 500 },
    );
    const holder = await eventually(leaseHolder, { message: 'a controller manager holding its Lease', timeoutMs: 60_000, intervalMs: 500 });

    const created = await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:latest', command: ['sleep', '3600'] }] },
        },
      },
    });
    expect(created.status).toBe(201);
    await eventually(async () => ((await readyPods()).length === 2 ? true : undefined), { message: '2 ready web pods', timeoutMs: 120_000, intervalMs: 500 });

    // Writes while everything happens: a ConfigMap per round, acknowledged ones recorded.
    const acknowledged = new Map<string, string>();
    let unacknowledged = 0;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const name = `ack-${i}`;
        try {
          const res = await api('POST', '/api/v1/namespaces/default/configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name },
            data: { i: String(i) },
          });
          if (res.status === 201) acknowledged.set(name, String(i));
          else unacknowledged++;
        } catch {
          unacknowledged++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Scale 2 -> 10 (read-modify-write with the resourceVersion precondition).
    await eventually(
      async () => {
        const { body } = await api('GET', '/apis/apps/v1/namespaces/default/deployments/web');
        body['spec']['replicas'] = 10;
        const res = await api('PUT', '/apis/apps/v1/namespaces/default/deployments/web', body);
        return res.status === 200 ? true : undefined;
      },
      { message: 'deployment scaled to 10', timeoutMs: 30_000, intervalMs: 200 },
    );

    // The kills, while the Deployment scales and the writer runs.
    await etcd!.members[0]!.kill();
    const [victimApi] = apiservers;
    alive = [apiservers[1]!.url];
    await victimApi!.proc.kill();
    const leader = controllerManagers.find((p) => p.output().includes(holder));
    expect(leader, `the process of lease holder ${holder}`).toBeDefined();
    await leader!.kill();
    const survivor = controllerManagers.find((p) => p !== leader)!;

    await new Promise((r) => setTimeout(r, 3_000)); // keep writing through the failover
    writing = false;
    await writer;

    const newHolder = await eventually(
      async () => {
        const h = await leaseHolder();
        return h && h !== holder && survivor.output().includes(h) ? h : undefined;
      },
      { message: 'the other controller manager holding the Lease', timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(newHolder).not.toBe(holder);

    const pods = await eventually(
      async () => {
        const ready = await readyPods();
        return ready.length === 10 ? ready : undefined;
      },
      { message: '10 ready web pods on the hollow nodes', timeoutMs: 180_000, intervalMs: 1_000 },
    );
    for (const p of pods) expect(['ha-node-0', 'ha-node-1']).toContain(p['spec']['nodeName']);
    await eventually(
      async () => {
        const { body } = await api('GET', '/apis/apps/v1/namespaces/default/deployments/web');
        return body['status']?.['readyReplicas'] === 10 ? true : undefined;
      },
      { message: 'the Deployment reporting 10 ready replicas', timeoutMs: 120_000, intervalMs: 500 },
    );

    // Every acknowledged write is there, with its data.
    expect(acknowledged.size).toBeGreaterThan(0);
    const { body } = await api('GET', '/api/v1/namespaces/default/configmaps');
    const stored = new Map((body['items'] as Json[]).map((cm) => [cm['metadata']['name'] as string, cm['data']?.['i'] as string]));
    for (const [name, i] of acknowledged) expect(stored.get(name), name).toBe(i);
    const ours = [...stored.keys()].filter((n) => n.startsWith('ack-'));
    expect(ours.length).toBeLessThanOrEqual(acknowledged.size + unacknowledged);
  });

  it("serves etcd's own snapshot at /mk8s/v1/snapshot, which etcdctl checks and restores", async () => {
    const res = await fetch(`${alive[0]}/mk8s/v1/snapshot`);
    expect(res.status).toBe(200);
    const file = path.join(dir, 'etcd-snapshot.db');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const env = { ...process.env, ETCDCTL_API: '3' };
    const status = JSON.parse((await run('etcdctl', ['snapshot', 'status', file, '-w', 'json'], { env })).stdout) as { revision: number; totalKey: number };
    const { body } = await api('GET', '/api/v1/namespaces/default/configmaps');
    expect(status.revision).toBeGreaterThan(0);
    expect(status.revision).toBeLessThanOrEqual(Number(body['metadata']['resourceVersion']));
    expect(status.totalKey).toBeGreaterThanOrEqual((body['items'] as Json[]).length);
    await run('etcdctl', ['snapshot', 'restore', file, '--data-dir', path.join(dir, 'restored-etcd')], { env });
  });
});
