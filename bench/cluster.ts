/**
 * The whole cluster: a real `mk8s up --nodes 2` (private
 * MK8S_HOME, free API port, torn down at the end) on real Docker, each
 * figure beside a baseline measured in the same run:
 *
 * 1. `mk8s up` until both nodes are Ready, vs starting the API server
 *    process alone until its /readyz answers 200;
 * 2. `docker kill` of a pod's app container -> the pod Ready again with a
 *    new container (the kubelet restarts it; each pod is killed once, since
 *    a second death within 10 s is CrashLoopBackOff by design), vs
 *    `docker kill` + `docker start` of a plain busybox httpd container until
 *    it answers HTTP;
 * 3. pod delete -> its replacement Ready (ReplicaSet controller, scheduler,
 *    kubelet, readiness probe), vs a fresh replica's create -> Ready (scale
 *    up by one);
 * 4. kill -9 of a kubelet -> all the Deployment's pods Ready on the other
 *    node, from the dead kubelet's last Lease renewal, split into detection
 *    (the node lifecycle controller's 10 s grace period) and recovery.
 *
 * Readiness is an httpGet probe every second, as in examples/deployment.json;
 * pod state is polled from the API server every 20 ms.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT, startApiServerProcess } from '@mk8s/testing';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: {
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ restartCount: number; containerID?: string; ready?: boolean }>;
  };
}

export interface ClusterBenchResult {
  upMs: number;
  apiServerAloneMs: number;
  killRounds: number;
  killP50Ms: number;
  killP99Ms: number;
  dockerRestartP50Ms: number;
  dockerRestartP99Ms: number;
  deleteRounds: number;
  replaceP50Ms: number;
  replaceP99Ms: number;
  freshP50Ms: number;
  freshP99Ms: number;
  nodeFailureTotalMs: number;
  nodeFailureDetectMs: number;
  nodeFailureRecoverMs: number;
  podsMoved: number;
}

async function timeUntil(what: string, ok: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (await ok()) return performance.now();
    } catch {
      // not yet: the server may be starting or the object not there yet
    }
    if (performance.now() > deadline) throw new Error(`cluster bench: timed out waiting for ${what}`);
    await sleep(20);
  }
}

const ready = (p: PodJson): boolean => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export async function measureCluster(killRounds = 10, deleteRounds = 8): Promise<ClusterBenchResult> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'mk8s-bench-cluster-'));
  const port = await freePort();
  const env = { ...process.env, MK8S_HOME: home, MK8S_API_PORT: String(port), KUBECONFIG: path.join(home, 'kubeconfig') };
  const api = `http://127.0.0.1:${port}`;
  const mk8s = (...args: string[]) =>
    run(process.execPath, [path.join(REPO_ROOT, 'apps/mk8s/bin/mk8s.mjs'), ...args], { env, cwd: REPO_ROOT, timeout: 180_000 });
  const json = async <T>(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<T> => {
    const res = await fetch(api + p, { method, headers: body ? { 'content-type': contentType } : {}, body: body ? JSON.stringify(body) : undefined });
    if (res.status >= 300) throw new Error(`${method} ${p} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const pods = async (): Promise<PodJson[]> =>
    (await json<{ items: PodJson[] }>('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dbench-heal')).items;
  const readyPods = async (): Promise<PodJson[]> => (await pods()).filter(ready);
  const baselineName = `mk8s-bench-restart-${process.pid}`;
  try {
    // 1. The API server alone (same binary, its own data folder), then the whole cluster.
    let t0 = performance.now();
    const alone = await startApiServerProcess({ dataDir: path.join(home, 'alone') });
    const apiServerAloneMs = (await timeUntil('the lone API server ready', async () => (await fetch(`${alone.url}/readyz`)).ok)) - t0;
    await alone.proc.stop();
    await rm(path.join(home, 'alone'), { recursive: true, force: true });

    t0 = performance.now();
    await mk8s('up', '--nodes', '2');
    const upMs =
      (await timeUntil('both nodes Ready', async () => {
        const nodes = (await json<{ items: Array<{ status: { conditions: Array<{ type: string; status: string }> } }> }>('GET', '/api/v1/nodes')).items;
        return nodes.length === 2 && nodes.every((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
      })) - t0;

    const replicas = killRounds;
    const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';
    await json('POST', DEPLOY, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench-heal' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'bench-heal' } },
        template: {
          metadata: { labels: { app: 'bench-heal' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'web',
                image: 'busybox:latest',
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', 'hostname > /var/www/index.html && exec httpd -f -p 8080 -h /var/www'],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    });
    await timeUntil(`${replicas} ready pods`, async () => (await readyPods()).length === replicas);

    // 2. Container kill -> Ready again, each pod once; beside docker kill + start of a plain container.
    const killMs: number[] = [];
    for (const victim of (await readyPods()).slice(0, killRounds)) {
      const before = victim.status!.containerStatuses![0]!;
      t0 = performance.now();
      await run('docker', ['kill', before.containerID!.replace(/^docker:\/\//, '')]);
      const at = await timeUntil(`pod ${victim.metadata.name} Ready again`, async () => {
        const p = await json<PodJson>('GET', `/api/v1/namespaces/default/pods/${victim.metadata.name}`);
        const cs = p.status?.containerStatuses?.[0];
        return !!cs && cs.restartCount > before.restartCount && cs.containerID !== before.containerID && cs.ready === true && ready(p);
      });
      killMs.push(at - t0);
    }
    await run('docker', [
      'run',
      '-d',
      '--name',
      baselineName,
      'busybox:latest',
      'sh',
      '-c',
      'hostname > /var/www/index.html && exec httpd -f -p 8080 -h /var/www',
    ]);
    const dockerMs: number[] = [];
    for (let i = 0; i < killRounds; i++) {
      t0 = performance.now();
      await run('docker', ['kill', baselineName]);
      await run('docker', ['start', baselineName]);
      const ip = (await run('docker', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', baselineName])).stdout.trim();
      dockerMs.push(
        (await timeUntil('the plain container serving', async () => (await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(1000) })).ok)) - t0,
      );
    }

    // 3. Delete -> replacement Ready, beside a fresh replica (scale up by one) -> Ready.
    const scaleTo = (n: number) => json('PATCH', `${DEPLOY}/bench-heal`, { spec: { replicas: n } }, 'application/merge-patch+json');
    const replaceMs: number[] = [];
    const freshMs: number[] = [];
    for (let i = 0; i < deleteRounds; i++) {
      t0 = performance.now();
      await scaleTo(replicas + 1);
      freshMs.push((await timeUntil('the extra replica Ready', async () => (await readyPods()).length === replicas + 1)) - t0);
      await scaleTo(replicas);
      await timeUntil('scaled back down', async () => (await pods()).length === replicas);
      const victim = (await readyPods())[0]!;
      t0 = performance.now();
      await json('DELETE', `/api/v1/namespaces/default/pods/${victim.metadata.name}`);
      replaceMs.push(
        (await timeUntil('a replacement Ready', async () => {
          const ps = await readyPods();
          return ps.length === replicas && !ps.some((p) => p.metadata.uid === victim.metadata.uid);
        })) - t0,
      );
      await timeUntil('the deleted pod gone', async () => !(await pods()).some((p) => p.metadata.uid === victim.metadata.uid));
    }

    // 4. A node dies: kill -9 its kubelet, timed from its last Lease renewal.
    const moved = (await readyPods()).filter((p) => p.spec.nodeName === 'node-2');
    process.kill(Number.parseInt(await readFile(path.join(home, 'run', 'kubelet-node-2.pid'), 'utf8'), 10), 'SIGKILL');
    const lease = await json<{ spec: { renewTime: string } }>('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-2');
    const lastRenew = performance.now() - (Date.now() - Date.parse(lease.spec.renewTime));
    const notReadyAt = await timeUntil('node-2 NotReady', async () => {
      const node = await json<{ status: { conditions: Array<{ type: string; status: string }> } }>('GET', '/api/v1/nodes/node-2');
      return node.status.conditions.some((c) => c.type === 'Ready' && c.status !== 'True');
    });
    const healedAt = await timeUntil('every pod Ready on node-1', async () => {
      const ps = await readyPods();
      return ps.length === replicas && ps.every((p) => p.spec.nodeName === 'node-1');
    });

    killMs.sort((a, b) => a - b);
    dockerMs.sort((a, b) => a - b);
    replaceMs.sort((a, b) => a - b);
    freshMs.sort((a, b) => a - b);
    return {
      upMs,
      apiServerAloneMs,
      killRounds,
      killP50Ms: percentile(killMs, 50),
      killP99Ms: percentile(killMs, 99),
      dockerRestartP50Ms: percentile(dockerMs, 50),
      dockerRestartP99Ms: percentile(dockerMs, 99),
      deleteRounds,
      replaceP50Ms: percentile(replaceMs, 50),
      replaceP99Ms: percentile(replaceMs, 99),
      freshP50Ms: percentile(freshMs, 50),
      freshP99Ms: percentile(freshMs, 99),
      nodeFailureTotalMs: healedAt - lastRenew,
      nodeFailureDetectMs: notReadyAt - lastRenew,
      nodeFailureRecoverMs: healedAt - notReadyAt,
      podsMoved: moved.length,
    };
  } finally {
    await run('docker', ['rm', '-f', baselineName]).catch(() => undefined);
    await mk8s('down', '--purge').catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

/** Runs the cluster figures and returns them as a Markdown table. */
export async function runClusterBench(): Promise<string> {
  const r = await measureCluster();
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    `Whole cluster on real Docker (\`mk8s up --nodes 2\`; ${r.killRounds} kill rounds, ${r.deleteRounds} delete rounds)`,
    '',
    '| figure | mk8s | baseline (same run) | goal |',
    '|---|---|---|---|',
    `| \`mk8s up\` -> both nodes Ready | ${s(r.upMs)} | API server process alone -> /readyz: ${s(r.apiServerAloneMs)} | < 15 s |`,
    `| \`docker kill\` of a pod's container -> pod Ready again, p50 / p99 | ${s(r.killP50Ms)} / ${s(r.killP99Ms)} | \`docker kill\` + \`docker start\` -> serving HTTP: ${s(r.dockerRestartP50Ms)} / ${s(r.dockerRestartP99Ms)} | < 1 s |`,
    `| pod delete -> replacement Ready, p50 / p99 | ${s(r.replaceP50Ms)} / ${s(r.replaceP99Ms)} | fresh replica create -> Ready: ${s(r.freshP50Ms)} / ${s(r.freshP99Ms)} | < 1.5 s |`,
    `| kill -9 kubelet -> its ${r.podsMoved} pods Ready on the other node, from its last Lease renewal | ${s(r.nodeFailureTotalMs)} (detection ${s(r.nodeFailureDetectMs)} + recovery ${s(r.nodeFailureRecoverMs)}) | grace period 10 s | < 13 s |`,
  ].join('\n');
}
