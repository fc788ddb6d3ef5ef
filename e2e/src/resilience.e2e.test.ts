// The cluster survives its own parts failing, as a user sees it
// (docs/architecture.md, Healing, tested): one `mk8s up --nodes 2` shared by
// these steps, in order.
//
// a. a pod whose readiness probe starts failing leaves the Service's
//    endpoints and gets no more traffic, and comes back once it passes again;
// b. kill -9 of the controller manager and the scheduler, restarted by
//    `mk8s up`, creates no extra pods or ReplicaSets, and they work again;
// c. kill -9 of the API server in the middle of a burst of writes loses no
//    acknowledged write, and every component's watch resumes after `mk8s up`;
// d. kill -9 of a kubelet: its node goes NotReady, its pods come back on the
//    other node; restarted, the node is Ready again and leaves no container
//    on Docker whose pod is not in the API (no orphans);
// e. bad input through curl gets the documented `Status` errors and harms
//    nothing;
// f. the README's liveness example: a failing liveness probe gets its
//    container restarted in place.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, eventually } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, run, type E2eCluster } from './support/cluster.js';
import {
  answers,
  applyJson,
  clusterLabelOf,
  containersWithLabel,
  endpointIps,
  httpDeployment,
  nodePortService,
  nodeReady,
  podReady,
  podsOf,
  randomNodePort,
  readyPods,
  sleep,
  type NodeJson,
  type PodJson,
} from './support/workloads.js';

/** Whether a process is gone (signal 0 fails once it has exited and been reaped). */
const dead = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

async function killNine(c: E2eCluster, component: string): Promise<void> {
  const pid = await c.pidOf(component);
  process.kill(pid, 'SIGKILL');
  await eventually(async () => (dead(pid) ? true : undefined), { message: `${component} (pid ${pid}) gone`, timeoutMs: 10_000 });
}

describe('a cluster that survives its parts failing', () => {
  let c: E2eCluster;
  const nodePort = randomNodePort();
  const url = `http://127.0.0.1:${nodePort}/`;

  const allPods = async (): Promise<PodJson[]> => (await c.kubectlJson<{ items: PodJson[] }>('get', 'pods')).items;
  const nodes = async (): Promise<NodeJson[]> => (await c.kubectlJson<{ items: NodeJson[] }>('get', 'nodes')).items;

  /** A bare pod that must get scheduled and run: proof that scheduler, kubelets and watches work. */
  const runPod = async (name: string): Promise<PodJson> => {
    await applyJson(c, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'c', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      },
    });
    return eventually(
      async () => {
        const p = await c.kubectlJson<PodJson>('get', 'pod', name);
        return p.spec.nodeName && p.status.phase === 'Running' && podReady(p) ? p : undefined;
      },
      { message: `pod ${name} scheduled and Running`, timeoutMs: 90_000, intervalMs: 500 },
    );
  };

  beforeAll(async () => {
    c = await e2eCluster();
    await c.mk8s('up', '--nodes', '2');
  });
  afterAll(async () => {
    await c?.destroy();
  });

  it('a. a pod whose readiness fails leaves the endpoints and gets no traffic until it passes again', async () => {
    // Ready while /tmp/ready exists; the container creates it at start.
    await applyJson(
      c,
      httpDeployment('probe', {
        replicas: 2,
        command: 'touch /tmp/ready && hostname > /var/www/index.html && exec httpd -f -p 8080 -h /var/www',
        container: { readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 } },
      }),
    );
    await applyJson(c, nodePortService('probe', nodePort));
    const [victim, other] = await eventually(() => readyPods(c, 'app=probe', 2), { message: '2 ready probe pods', timeoutMs: 120_000, intervalMs: 500 });
    const ips = [victim!.status.podIP!, other!.status.podIP!].sort();
    await eventually(
      async () => {
        const ep = await endpointIps(c, 'probe');
        return JSON.stringify(ep.ready) === JSON.stringify(ips) ? ep : undefined;
      },
      { message: 'both pods in the endpoints', timeoutMs: 60_000, intervalMs: 500 },
    );
    await eventually(
      async () => {
        const seen = new Set(await answers(url, 30));
        return seen.size === 2 ? seen : undefined;
      },
      { message: 'both pods answering through the NodePort', timeoutMs: 60_000, intervalMs: 500 },
    );

    await c.kubectl('exec', victim!.metadata.name, '--', 'rm', '/tmp/ready');
    const ep = await eventually(
      async () => {
        const e = await endpointIps(c, 'probe');
        return e.notReady.includes(victim!.status.podIP!) && !e.ready.includes(victim!.status.podIP!) ? e : undefined;
      },
      { message: 'the victim moved to notReadyAddresses', timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(ep.ready).toEqual([other!.status.podIP]);
    const pod = await c.kubectlJson<PodJson>('get', 'pod', victim!.metadata.name);
    expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False' }));
    expect(pod.status.phase).toBe('Running');
    // kube-proxy follows within its sync period; from then on no request reaches the victim.
    await eventually(
      async () => {
        const seen = await answers(url, 20);
        return seen.every((h) => h === other!.metadata.name) ? true : undefined;
      },
      { message: 'no request reaching the unready pod', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(new Set(await answers(url, 40))).toEqual(new Set([other!.metadata.name]));

    await c.kubectl('exec', victim!.metadata.name, '--', 'touch', '/tmp/ready');
    await eventually(
      async () => {
        const e = await endpointIps(c, 'probe');
        return JSON.stringify(e.ready) === JSON.stringify(ips) && e.notReady.length === 0 ? e : undefined;
      },
      { message: 'the victim back in the endpoints', timeoutMs: 60_000, intervalMs: 250 },
    );
    await eventually(
      async () => {
        const seen = await answers(url, 30);
        return seen.includes(victim!.metadata.name) ? true : undefined;
      },
      { message: 'the victim answering through the NodePort again', timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  it('b. kill -9 of the controller manager and the scheduler: restarted, they create nothing extra and work', async () => {
    await applyJson(c, httpDeployment('hello', { replicas: 3 }));
    await eventually(() => readyPods(c, 'app=hello', 3), { message: '3 ready hello pods', timeoutMs: 120_000, intervalMs: 500 });
    await c.kubectl('rollout', 'status', 'deployment/hello', '--timeout=60s');
    const snapshot = async () => ({
      pods: (await allPods()).map((p) => p.metadata.uid).sort(),
      replicaSets: (await c.kubectlJson<{ items: Array<{ metadata: { uid: string; name: string }; spec: { replicas: number } }> }>('get', 'replicasets')).items
        .map((r) => `${r.metadata.name}/${r.metadata.uid}/${r.spec.replicas}`)
        .sort(),
      deployments: (await c.kubectlJson<{ items: Array<{ metadata: { name: string }; spec: { replicas: number } }> }>('get', 'deployments')).items
        .map((d) => `${d.metadata.name}/${d.spec.replicas}`)
        .sort(),
    });
    const before = await snapshot();
    expect(before.pods).toHaveLength(5);
    const leaseHolder = async (name: string): Promise<string | undefined> =>
      (await c.kubectlJson<{ spec: { holderIdentity?: string } }>('get', 'lease', '-n', 'kube-system', name)).spec.holderIdentity;
    const holders = { cm: await leaseHolder('kube-controller-manager'), sched: await leaseHolder('kube-scheduler') };

    await killNine(c, 'kube-controller-manager');
    await killNine(c, 'kube-scheduler');
    const { stdout } = await c.mk8s('up');
    expect(stdout).toMatch(/starting what is missing: kube-controller-manager, kube-scheduler/);
    // The new instances lead once the dead ones' Leases expire (15 s); then let them settle.
    await eventually(
      async () => {
        const cm = await leaseHolder('kube-controller-manager');
        const sched = await leaseHolder('kube-scheduler');
        return cm && sched && cm !== holders.cm && sched !== holders.sched ? true : undefined;
      },
      { message: 'new leaders of both Leases', timeoutMs: 90_000, intervalMs: 500 },
    );
    await sleep(5_000);
    expect(await snapshot()).toEqual(before);

    // They work: one more replica is created, scheduled and Ready.
    await c.kubectl('scale', 'deployment/hello', '--replicas=4');
    const four = await eventually(() => readyPods(c, 'app=hello', 4), { message: '4 ready hello pods', timeoutMs: 90_000, intervalMs: 500 });
    expect(four.every((p) => p.spec.nodeName)).toBe(true);
    await c.kubectl('scale', 'deployment/hello', '--replicas=3');
    await eventually(async () => ((await podsOf(c, 'app=hello')).length === 3 ? true : undefined), {
      message: 'back to 3 hello pods',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
  });

  it('c. kill -9 of the API server during a write burst loses no acknowledged write; watches resume after mk8s up', async () => {
    const api = c.api;
    const acked = new Map<string, string>();
    let failed = 0;
    let next = 0;
    const total = 200;
    const writers = Array.from({ length: 16 }, async () => {
      for (let i = next++; i < total; i = next++) {
        const name = `burst-${i}`;
        try {
          const res = await fetch(`${api}/api/v1/namespaces/default/configmaps`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { payload: 'x'.repeat(512) } }),
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await res.json()) as { metadata?: { uid?: string } };
          if (res.status === 201) acked.set(name, body.metadata!.uid!);
          else failed++;
        } catch {
          failed++; // the server died under this write: never acknowledged
        }
      }
    });
    // Kill in the middle of the burst, whatever the machine's speed.
    await eventually(async () => (acked.size >= total / 4 ? true : undefined), {
      message: 'a quarter of the burst acknowledged',
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    process.kill(await c.pidOf('kube-apiserver'), 'SIGKILL');
    await Promise.all(writers);
    expect(acked.size).toBeGreaterThanOrEqual(total / 4);
    expect(acked.size).toBeLessThan(total); // the kill did land mid-burst
    expect(acked.size + failed).toBe(total);

    const { stdout } = await c.mk8s('up');
    expect(stdout).toMatch(/starting what is missing: kube-apiserver\b/);
    const stored = new Map(
      (await c.kubectlJson<{ items: Array<{ metadata: { name: string; uid: string } }> }>('get', 'configmaps')).items.map((i) => [
        i.metadata.name,
        i.metadata.uid,
      ]),
    );
    expect([...acked].filter(([name, uid]) => stored.get(name) !== uid)).toEqual([]);

    // The other components' watches resumed: the ReplicaSet controller sees a deleted pod and the
    // scheduler and a kubelet see a new one.
    const before = (await eventually(() => readyPods(c, 'app=hello', 3), { message: '3 ready hello pods', timeoutMs: 90_000, intervalMs: 500 }))!;
    const victim = before[0]!;
    await c.kubectl('delete', 'pod', victim.metadata.name, '--wait=false');
    await eventually(
      async () => {
        const ps = await readyPods(c, 'app=hello', 3);
        return ps && !ps.some((p) => p.metadata.uid === victim.metadata.uid) ? ps : undefined;
      },
      { message: 'a replacement hello pod ready', timeoutMs: 90_000, intervalMs: 500 },
    );
    await runPod('after-api-restart');
    // Nothing else died while the API server was away (a leader that lost its Lease exits).
    const status = (await c.mk8s('status')).stdout;
    for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'])
      expect(status).toMatch(new RegExp(`^${name}\\s+running`, 'm'));
    await c.kubectl('delete', 'pod', 'after-api-restart', '--wait=false');
  });

  it('d. kill -9 of a kubelet: NotReady, pods move; restarted, Ready again and no orphan containers', async () => {
    // Both nodes carry pods of both Deployments before the node dies.
    await c.kubectl('scale', 'deployment/hello', '--replicas=4');
    const hello = await eventually(
      async () => {
        const ps = await readyPods(c, 'app=hello', 4);
        return ps?.some((p) => p.spec.nodeName === 'node-2') ? ps : undefined;
      },
      { message: '4 ready hello pods, some on node-2', timeoutMs: 90_000, intervalMs: 500 },
    );
    const onNode2 = (await allPods()).filter((p) => p.spec.nodeName === 'node-2' && podReady(p));
    expect(onNode2.length).toBeGreaterThan(0);
    const label = await clusterLabelOf(hello[0]!);

    await killNine(c, 'kubelet-node-2');
    await eventually(
      async () => {
        const node = await c.kubectlJson<NodeJson>('get', 'node', 'node-2');
        return node.status.conditions.some((x) => x.type === 'Ready' && x.status !== 'True') ? true : undefined;
      },
      { message: 'node-2 NotReady', timeoutMs: 60_000, intervalMs: 500 },
    );
    await eventually(() => readyPods(c, 'app=hello', 4, (p) => p.spec.nodeName === 'node-1'), {
      message: '4 ready hello pods on node-1',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    await eventually(() => readyPods(c, 'app=probe', 2, (p) => p.spec.nodeName === 'node-1'), {
      message: '2 ready probe pods on node-1',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    // The dead node's containers still run on Docker: the kubelet that owns them is gone.
    const stranded = await containersWithLabel(`${label}`).then((cs) => cs.filter((x) => x.labels['io.mk8s.node'] === 'node-2'));
    expect(stranded.length).toBeGreaterThan(0);

    const { stdout } = await c.mk8s('up');
    expect(stdout).toMatch(/starting what is missing: kubelet-node-2\b/);
    await eventually(async () => (nodeReady(await c.kubectlJson<NodeJson>('get', 'node', 'node-2')) ? true : undefined), {
      message: 'node-2 Ready again',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const node2 = await c.kubectlJson<{ spec: { taints?: Array<{ key: string }> } }>('get', 'node', 'node-2');
    expect((node2.spec.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/'))).toEqual([]);

    // No orphans: every container of the cluster belongs to a pod in the API bound to that container's node.
    const orphans = await eventually(
      async () => {
        const pods = await allPods();
        const where = new Map(pods.map((p) => [p.metadata.uid, p.spec.nodeName]));
        const cs = await containersWithLabel(label);
        const bad = cs.filter((x) => where.get(x.labels['io.kubernetes.pod.uid'] ?? '') !== x.labels['io.mk8s.node']);
        // The evicted pods are gone from the API too (the restarted kubelet confirmed their deletion).
        const terminating = pods.filter((p) => p.metadata.deletionTimestamp);
        return bad.length === 0 && terminating.length === 0 ? { cs, pods } : undefined;
      },
      { message: 'no orphan containers', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    for (const p of onNode2) expect(orphans.pods.some((x) => x.metadata.uid === p.metadata.uid)).toBe(false);
    expect(orphans.cs.some((x) => x.labels['io.mk8s.node'] === 'node-2' && stranded.some((s) => s.id === x.id))).toBe(false);

    // The node takes new work again.
    await c.kubectl('scale', 'deployment/hello', '--replicas=3');
    await eventually(async () => ((await podsOf(c, 'app=hello')).length === 3 ? true : undefined), {
      message: 'back to 3 hello pods',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
  });

  it('e. bad input through curl gets the documented Status errors and harms nothing', async () => {
    const dir = path.join(c.home, 'bad-input');
    await mkdir(dir, { recursive: true });
    const cms = `${c.api}/api/v1/namespaces/default/configmaps`;
    const countBefore = (await c.kubectlJson<{ items: unknown[] }>('get', 'configmaps')).items.length;
    /** curl a body file to a URL: the HTTP code and the parsed Status. */
    const post = async (target: string, file: string, body: string | Buffer) => {
      await writeFile(path.join(dir, file), body);
      const { stdout } = await run(
        'curl',
        ['-s', '-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', `@${path.join(dir, file)}`, '-w', '\n%{http_code}', target],
        {
          maxBuffer: 16 << 20,
        },
      );
      const at = stdout.lastIndexOf('\n');
      return {
        code: Number(stdout.slice(at + 1)),
        status: JSON.parse(stdout.slice(0, at)) as {
          kind: string;
          apiVersion: string;
          status: string;
          reason: string;
          code: number;
          message: string;
          details?: { causes?: Array<{ field: string }> };
        },
      };
    };
    const cm = (name: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra });

    const malformed = await post(cms, 'malformed.json', '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"');
    expect(malformed.code).toBe(400);
    expect(malformed.status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'BadRequest', code: 400 });

    const invalid = await post(cms, 'invalid-name.json', cm('Not_A_Valid.Name!'));
    expect(invalid.code).toBe(422);
    expect(invalid.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
    expect(invalid.status.details?.causes?.map((x) => x.field)).toContain('metadata.name');

    const huge = await post(cms, 'huge.json', cm('huge', { data: { big: 'x'.repeat(4 << 20) } }));
    expect(huge.code).toBe(413);
    expect(huge.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'RequestEntityTooLarge', code: 413 });

    const wrongVersion = await post(cms, 'wrong-version.json', cm('wrong-version', { apiVersion: 'apps/v1' }));
    expect(wrongVersion.code).toBe(400);
    expect(wrongVersion.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });

    const wrongKind = await post(cms, 'wrong-kind.json', cm('wrong-kind', { kind: 'Secret' }));
    expect(wrongKind.code).toBe(400);
    expect(wrongKind.status).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });

    const unknownResource = await post(
      `${c.api}/api/v1/namespaces/default/widgets`,
      'widget.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } }),
    );
    expect(unknownResource.code).toBe(404);
    expect(unknownResource.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });

    const unknownGroup = await post(
      `${c.api}/apis/example.com/v1/namespaces/default/widgets`,
      'widget.json',
      JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    );
    expect(unknownGroup.code).toBe(404);
    expect(unknownGroup.status).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });

    // A rejected request writes nothing, and the cluster is unharmed.
    expect((await c.kubectlJson<{ items: unknown[] }>('get', 'configmaps')).items).toHaveLength(countBefore);
    expect((await run('curl', ['-sf', `${c.api}/readyz`])).stdout).toContain('ok');
    const ns = await eventually(
      async () => {
        const n = await nodes();
        return n.length === 2 && n.every(nodeReady) ? n : undefined;
      },
      { message: 'both nodes Ready', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(ns.map((n) => n.metadata.name).sort()).toEqual(['node-1', 'node-2']);
    await runPod('after-bad-input');
  });

  it('f. the README liveness example: a failing liveness probe gets the container restarted in place', async () => {
    await c.kubectl('apply', '-f', path.join(REPO_ROOT, 'examples/liveness-pod.json'));
    const first = await eventually(
      async () => {
        const p = await c.kubectlJson<PodJson>('get', 'pod', 'liveness');
        return p.status.phase === 'Running' && p.status.containerStatuses?.[0]?.containerID ? p : undefined;
      },
      { message: 'the liveness pod Running', timeoutMs: 60_000, intervalMs: 500 },
    );
    // /tmp/healthy goes after 10 s; two failed probes 2 s apart, then a stop within the grace period (30 s: sh ignores SIGTERM).
    const restarted = await eventually(
      async () => {
        const p = await c.kubectlJson<PodJson>('get', 'pod', 'liveness');
        const cs = p.status.containerStatuses?.[0];
        return cs && cs.restartCount >= 1 && p.status.phase === 'Running' ? p : undefined;
      },
      { message: 'the container restarted by its liveness probe', timeoutMs: 150_000, intervalMs: 1_000 },
    );
    expect(restarted.metadata.uid).toBe(first.metadata.uid);
    expect(restarted.status.containerStatuses![0]!.containerID).not.toBe(first.status.containerStatuses![0]!.containerID);
    const events = (
      await c.kubectl('get', 'events', '--field-selector', 'involvedObject.name=liveness', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}')
    ).stdout;
    expect(events).toMatch(/^Unhealthy: Liveness probe failed/m);
    expect(events).toMatch(/^Killing: Container app failed liveness probe, will be restarted/m);
    await c.kubectl('delete', 'pod', 'liveness', '--wait=false');
  });
});
