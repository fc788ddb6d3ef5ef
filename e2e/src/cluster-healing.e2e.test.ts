// The cluster heals itself, as a user sees it (the README walk-through):
// `mk8s up` with two nodes, a pod curled in is scheduled and serves HTTP; a
// Deployment applied with kubectl is scheduled across both nodes and its
// Service spreads requests over its pods; a deleted
// pod is replaced by the ReplicaSet, a killed container is restarted by the
// kubelet, and when a whole node dies (its kubelet is killed) the node goes
// NotReady and its pods come back on the surviving node.
import path from 'node:path';
import { REPO_ROOT, eventually } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, run, type E2eCluster } from './support/cluster.js';

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ restartCount: number; containerID?: string }>;
  };
}

const ready = (p: PodJson): boolean => !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('a cluster that heals itself', () => {
  let c: E2eCluster;
  const pods = async (): Promise<PodJson[]> => (await c.kubectlJson<{ items: PodJson[] }>('get', 'pods', '-l', 'app=hello')).items;
  const readyPods = async (n: number, where?: (p: PodJson) => boolean): Promise<PodJson[] | undefined> => {
    const ps = (await pods()).filter(ready).filter(where ?? (() => true));
    return ps.length === n ? ps : undefined;
  };

  beforeAll(async () => {
    c = await e2eCluster();
    const { stdout } = await c.mk8s('up', '--nodes', '2');
    expect(stdout).toMatch(/ok kube-scheduler/);
    expect(stdout).toMatch(/ok kube-controller-manager/);
    expect(stdout).toMatch(/ok kube-proxy/);
  });
  afterAll(async () => {
    await c?.destroy();
  });

  it('the README pod: curl it in, the scheduler places it, it serves HTTP, kubectl exec runs in it', async () => {
    await run('curl', [
      '-sf',
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '--data',
      `@${path.join(REPO_ROOT, 'examples/pod.json')}`,
      `${c.api}/api/v1/namespaces/default/pods`,
    ]);
    const pod = await eventually(
      async () => {
        const p = await c.kubectlJson<PodJson>('get', 'pod', 'web');
        return p.status.phase === 'Running' && p.status.podIP ? p : undefined;
      },
      { message: 'the web pod Running', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(['node-1', 'node-2']).toContain(pod.spec.nodeName);
    const events = (await c.kubectl('get', 'events', '--field-selector', 'involvedObject.name=web,reason=Scheduled', '-o', 'jsonpath={.items[*].message}'))
      .stdout;
    expect(events).toContain(`Successfully assigned default/web to ${pod.spec.nodeName}`);
    expect(await (await fetch(`http://${pod.status.podIP}:8080/`)).text()).toContain('mk8s busybox httpd');
    expect((await c.kubectl('exec', 'web', '--', 'hostname')).stdout.trim()).toBe('web');
    await c.kubectl('delete', 'pod', 'web', '--wait=true', '--timeout=60s');
  });

  it('kubectl apply of a Deployment gives 3 ready pods spread over both nodes', async () => {
    await c.kubectl('apply', '-f', path.join(REPO_ROOT, 'examples/deployment.json'));
    const ps = await eventually(() => readyPods(3), { message: '3 ready pods', timeoutMs: 90_000, intervalMs: 200 });
    expect(new Set(ps.map((p) => p.spec.nodeName))).toEqual(new Set(['node-1', 'node-2']));
    const deploy = await c.kubectlJson<{ status: { availableReplicas?: number; updatedReplicas?: number } }>('get', 'deployment', 'hello');
    expect(deploy.status).toMatchObject({ availableReplicas: 3, updatedReplicas: 3 });
    const { stdout } = await c.kubectl('rollout', 'status', 'deployment/hello', '--timeout=30s');
    expect(stdout).toContain('successfully rolled out');
    // Every pod answers on its IP with its own hostname.
    const names = await Promise.all(ps.map(async (p) => (await fetch(`http://${p.status.podIP}:8080/`)).text()));
    expect(new Set(names.map((n) => n.trim()))).toEqual(new Set(ps.map((p) => p.metadata.name)));
  });

  it('the Service spreads requests over all three pods, through its NodePort and its ClusterIP', async () => {
    await c.kubectl('apply', '-f', path.join(REPO_ROOT, 'examples/service.json'));
    const svc = await c.kubectlJson<{ spec: { clusterIP: string; ports: Array<{ nodePort: number }> } }>('get', 'service', 'hello');
    expect(svc.spec.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec.ports[0]!.nodePort).toBe(30080);
    const names = new Set((await readyPods(3))!.map((p) => p.metadata.name));
    for (const url of ['http://127.0.0.1:30080/', `http://${svc.spec.clusterIP}/`]) {
      const seen = await eventually(
        async () => {
          const got = new Set<string>();
          for (let i = 0; i < 60; i++) got.add((await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text()).trim());
          return got.size === 3 ? got : undefined;
        },
        { message: `all three pods answering through ${url}`, timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(seen).toEqual(names);
    }
  });

  it('a deleted pod is replaced by a new one', async () => {
    const before = (await readyPods(3))!;
    const victim = before[0]!;
    await c.kubectl('delete', 'pod', victim.metadata.name, '--wait=false');
    const after = await eventually(
      async () => {
        const ps = await readyPods(3);
        return ps && !ps.some((p) => p.metadata.uid === victim.metadata.uid) ? ps : undefined;
      },
      { message: 'a replacement pod ready', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(after.filter((p) => !before.some((b) => b.metadata.uid === p.metadata.uid))).toHaveLength(1);
  });

  it('a killed container is restarted in place by the kubelet', async () => {
    const victim = (await readyPods(3))![0]!;
    const id = victim.status.containerStatuses![0]!.containerID!.replace('docker://', '');
    await run('docker', ['kill', id]);
    const healed = await eventually(
      async () => {
        const p = (await pods()).find((x) => x.metadata.uid === victim.metadata.uid);
        return p && (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && ready(p) ? p : undefined;
      },
      { message: 'the container restarted', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(healed.metadata.name).toBe(victim.metadata.name);
  });

  it('kubectl rolls an update out and undoes it: set env, rollout status, history, undo', async () => {
    await c.kubectl('set', 'env', 'deployment/hello', 'GREETING=v2');
    expect((await c.kubectl('rollout', 'status', 'deployment/hello', '--timeout=90s')).stdout).toContain('successfully rolled out');
    const v2 = await eventually(
      async () => {
        const ps = await readyPods(3);
        const all = await pods();
        return ps && all.length === 3 ? ps : undefined;
      },
      { message: '3 ready pods of the new template', timeoutMs: 60_000, intervalMs: 200 },
    );
    const envOf = async (name: string) => (await c.kubectl('exec', name, '--', 'sh', '-c', 'echo "$GREETING"')).stdout.trim();
    expect(await envOf(v2[0]!.metadata.name)).toBe('v2');
    const history = (await c.kubectl('rollout', 'history', 'deployment/hello')).stdout;
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);
    await c.kubectl('rollout', 'undo', 'deployment/hello');
    expect((await c.kubectl('rollout', 'status', 'deployment/hello', '--timeout=90s')).stdout).toContain('successfully rolled out');
    const back = await eventually(
      async () => {
        const ps = await readyPods(3);
        return ps && (await pods()).length === 3 ? ps : undefined;
      },
      { message: '3 ready pods of the first template again', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(await envOf(back[0]!.metadata.name)).toBe('');
    const rs = await c.kubectlJson<{ items: Array<{ metadata: { annotations: Record<string, string> }; spec: { replicas: number } }> }>(
      'get',
      'replicasets',
      '-l',
      'app=hello',
    );
    // The first ReplicaSet is reused (now revision 3), the second scaled to 0; no third one.
    expect(rs.items).toHaveLength(2);
    expect(rs.items.map((r) => [r.metadata.annotations['deployment.kubernetes.io/revision'], r.spec.replicas]).sort()).toEqual([
      ['2', 0],
      ['3', 3],
    ]);
  });

  it('when a node dies, it goes NotReady and its pods come back on the other node', async () => {
    const onNode2 = (await readyPods(3))!.filter((p) => p.spec.nodeName === 'node-2');
    expect(onNode2.length).toBeGreaterThan(0);
    process.kill(await c.pidOf('kubelet-node-2'), 'SIGKILL');
    await eventually(
      async () => {
        const node = await c.kubectlJson<{ status: { conditions: Array<{ type: string; status: string }> } }>('get', 'node', 'node-2');
        return node.status.conditions.some((x) => x.type === 'Ready' && x.status === 'Unknown') ? true : undefined;
      },
      { message: 'node-2 NotReady', timeoutMs: 60_000, intervalMs: 200 },
    );
    const node2 = await c.kubectlJson<{ spec: { taints?: Array<{ key: string; effect: string }> } }>('get', 'node', 'node-2');
    expect(node2.spec.taints).toContainEqual(expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }));
    const healed = await eventually(() => readyPods(3, (p) => p.spec.nodeName === 'node-1'), {
      message: '3 ready pods on node-1',
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    expect(healed.some((p) => onNode2.some((o) => o.metadata.uid === p.metadata.uid))).toBe(false);
  });
});
