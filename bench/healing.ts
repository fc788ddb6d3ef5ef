/**
 * Healing: the control plane replacing what is lost, with hollow
 * nodes (kubelets on runtime-fake, real processes) so the figures measure
 * the control loops, not Docker:
 *
 * 1. pod deletion -> a replacement Ready, beside the baseline of a fresh
 *    ReplicaSet pod's create -> Ready measured in the same run (scale up by one);
 * 2. node failure: a kubelet killed with SIGKILL -> all of the ReplicaSet's
 *    pods Ready on the surviving nodes, measured from the node's last Lease
 *    renewal, split into detection (the grace period the node lifecycle
 *    controller waits) and recovery (eviction, scheduling, start).
 *
 * kube-apiserver, kube-scheduler, kube-controller-manager and three kubelets
 * run as separate processes, with mk8s' default flags.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kubeconfigFor, startApiServerProcess, startComponent, type ComponentProcess } from '@mk8s/testing';

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export interface HealingResult {
  replicas: number;
  rounds: number;
  replaceP50Ms: number;
  replaceP99Ms: number;
  freshP50Ms: number;
  freshP99Ms: number;
  gracePeriodMs: number;
  nodeFailureTotalMs: number;
  nodeFailureDetectMs: number;
  nodeFailureRecoverMs: number;
  podsMoved: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runHealingBench(replicas = 30, rounds = 10): Promise<HealingResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-heal-'));
  const api = await startApiServerProcess();
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor(api.url));
  const procs: ComponentProcess[] = [];
  const start = async (app: string, args: string[]): Promise<ComponentProcess> => {
    const { proc } = await startComponent(app, { args: [...args, '--log-level', 'warn'], ready: /serving on/ });
    procs.push(proc);
    return proc;
  };
  const gracePeriodMs = 10_000;
  const json = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(api.url + p, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300) throw new Error(`${method} ${p} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const RS = '/apis/apps/v1/namespaces/default/replicasets';
  const ready = (p: PodJson): boolean => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const readyPods = async (): Promise<PodJson[]> =>
    (await json<{ items: PodJson[] }>('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dheal')).items.filter(ready);
  const waitFor = async (what: string, ok: (ps: PodJson[]) => boolean, timeoutMs = 120_000): Promise<number> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (ok(await readyPods())) return performance.now();
      if (performance.now() > deadline) throw new Error(`healing bench: timed out waiting for ${what}`);
      await sleep(10);
    }
  };
  try {
    await start('kube-scheduler', ['--kubeconfig', kubeconfig, '--port', '0']);
    await start('kube-controller-manager', ['--kubeconfig', kubeconfig, '--port', '0', '--node-monitor-grace-period', `${gracePeriodMs / 1000}s`]);
    const kubelets: ComponentProcess[] = [];
    for (let i = 1; i <= 3; i++) {
      kubelets.push(
        await start('kubelet', ['--kubeconfig', kubeconfig, '--node-name', `hollow-${i}`, '--hollow', '--port', '0', '--root-dir', path.join(dir, 'kubelet')]),
      );
    }
    const template = {
      metadata: { labels: { app: 'heal' } },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'c', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      },
    };
    await json('POST', RS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'heal' },
      spec: { replicas, selector: { matchLabels: { app: 'heal' } }, template },
    });
    await waitFor(`${replicas} ready pods`, (ps) => ps.length === replicas);

    const replaceMs: number[] = [];
    const freshMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // Baseline: one more replica, create -> Ready through the same loops.
      const scaleTo = async (n: number): Promise<void> => {
        const res = await fetch(`${api.url}${RS}/heal`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify({ spec: { replicas: n } }),
        });
        if (!res.ok) throw new Error(`scaling answered ${res.status}`);
      };
      let t0 = performance.now();
      await scaleTo(replicas + 1);
      freshMs.push((await waitFor('the extra replica', (ps) => ps.length === replicas + 1)) - t0);
      await scaleTo(replicas);
      await waitFor('scale back down', (ps) => ps.length === replicas);
      // Deletion -> replacement Ready.
      const victim = (await readyPods())[0]!;
      t0 = performance.now();
      await fetch(`${api.url}/api/v1/namespaces/default/pods/${victim.metadata.name}`, { method: 'DELETE' });
      replaceMs.push((await waitFor('a replacement', (ps) => ps.length === replicas && !ps.some((p) => p.metadata.uid === victim.metadata.uid))) - t0);
    }
    replaceMs.sort((a, b) => a - b);
    freshMs.sort((a, b) => a - b);

    // Node failure: hollow-3 dies without a word.
    const moved = (await readyPods()).filter((p) => p.spec.nodeName === 'hollow-3');
    await kubelets[2]!.kill();
    const lease = await json<{ spec: { renewTime: string } }>('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/hollow-3');
    const lastRenewWall = Date.parse(lease.spec.renewTime);
    const lastRenew = performance.now() - (Date.now() - lastRenewWall);
    let notReadyAt = 0;
    const deadline = performance.now() + 120_000;
    while (!notReadyAt && performance.now() < deadline) {
      const node = await json<{ status: { conditions: Array<{ type: string; status: string }> } }>('GET', '/api/v1/nodes/hollow-3');
      if (node.status.conditions.some((c) => c.type === 'Ready' && c.status !== 'True')) notReadyAt = performance.now();
      else await sleep(10);
    }
    const healedAt = await waitFor('pods off the dead node', (ps) => ps.length === replicas && ps.every((p) => p.spec.nodeName !== 'hollow-3'));
    return {
      replicas,
      rounds,
      replaceP50Ms: percentile(replaceMs, 50),
      replaceP99Ms: percentile(replaceMs, 99),
      freshP50Ms: percentile(freshMs, 50),
      freshP99Ms: percentile(freshMs, 99),
      gracePeriodMs,
      nodeFailureTotalMs: healedAt - lastRenew,
      nodeFailureDetectMs: notReadyAt - lastRenew,
      nodeFailureRecoverMs: healedAt - notReadyAt,
      podsMoved: moved.length,
    };
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await api.proc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
