/**
 * Auto-scaling: how fast the metrics pipeline and the HPA react.
 *
 * kube-apiserver, kube-scheduler and kube-controller-manager run as separate
 * processes with their default flags (`--metrics-resolution` 10 s,
 * `--horizontal-pod-autoscaler-sync-period` 15 s); one kubelet runs in this
 * process on runtime-fake, so the bench sets each container's CPU usage
 * exactly (FakeRuntime.setUsage) and the figures measure the control loops,
 * not Docker. A Deployment (requests.cpu 100m, idle at 5m) has an HPA at 50%
 * (max 5, scale-down window 0 so rounds can reset). Each round:
 *
 * 1. the pod's CPU goes to 400m (400% of its request) at t0;
 * 2. pipeline latency: t0 -> the metrics API shows the pod above 50m;
 * 3. scale-up latency: t0 -> the Deployment's spec.replicas raised by the HPA;
 * 4. t0 -> all the new pods Ready;
 * then the load stops and the round waits for the Deployment back at 1.
 *
 * Floors measured in the same run: the scrape interval (the gap between two
 * distinct metrics timestamps of one pod) and the HPA's sync interval (the
 * median gap between changes of the HPA's status.currentMetrics), each shown
 * beside its flag's value.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Clientset, loadKubeconfig } from '@mk8s/client';
import { Kubelet } from '@mk8s/kubelet';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { kubeconfigFor, startApiServerProcess, startComponent, type ComponentProcess } from '@mk8s/testing';

const IDLE = 5_000_000;
const BUSY = 400_000_000;
const RESOLUTION_MS = 10_000;
const SYNC_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};
const secs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');

async function until<T>(get: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('autoscaling bench: timed out');
    await sleep(everyMs);
  }
}

function milliOf(q: string): number {
  if (q.endsWith('n')) return Number(q.slice(0, -1)) / 1e6;
  if (q.endsWith('u')) return Number(q.slice(0, -1)) / 1e3;
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  return Number(q) * 1000;
}

export async function runAutoscalingBench(rounds = 3): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-hpa-bench-'));
  const api = await startApiServerProcess();
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor(api.url));
  const procs: ComponentProcess[] = [api.proc];
  for (const app of ['kube-scheduler', 'kube-controller-manager']) {
    procs.push((await startComponent(app, { args: ['--kubeconfig', kubeconfig, '--port', '0', '--log-level', 'warn'], ready: /serving on/ })).proc);
  }
  const client = new Clientset(await loadKubeconfig(kubeconfig));
  const runtime = new FakeRuntime({ defaultCpuNanoCores: IDLE });
  const stop = new AbortController();
  const kubelet = new Kubelet({ client, runtime, nodeName: 'bench-node', rootDir: dir, port: 0 });
  const kubeletRun = kubelet.run(stop.signal);
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(api.url + p);
    if (!res.ok) throw new Error(`${p}: ${res.status}`);
    return (await res.json()) as T;
  };
  const deployments = client.deployments.inNamespace('default');
  const readyPods = async () =>
    (await client.pods.inNamespace('default').list({ labelSelector: 'app=burner' })).items.filter(
      (p) => !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  const podCpu = async (name: string): Promise<{ milli: number; timestamp: string } | undefined> => {
    const res = await fetch(`${api.url}/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${name}`);
    if (!res.ok) return undefined;
    const m = (await res.json()) as { timestamp: string; containers: Array<{ usage: { cpu: string } }> };
    return { milli: m.containers.reduce((n, c) => n + milliOf(c.usage.cpu), 0), timestamp: m.timestamp };
  };
  const setAll = async (nanocores: number) => {
    for (const c of (await runtime.listContainers({})).containers) runtime.setUsage(c.id, { cpuNanoCores: nanocores });
  };

  const pipeline: number[] = [];
  const scaleUp: number[] = [];
  const readyAll: number[] = [];
  const scrapeGaps: number[] = [];
  const statusGaps: number[] = [];
  let scaledTo = 0;
  try {
    await deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'burner' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'burner' } },
        template: {
          metadata: { labels: { app: 'burner' } },
          spec: { containers: [{ name: 'c', image: 'busybox:latest', resources: { requests: { cpu: '100m' } } }] },
        },
      },
    } as never);
    await client.horizontalPodAutoscalers.inNamespace('default').create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'burner' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'burner' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
      },
    });

    // Watch the HPA's status writes in the background for the sync-interval floor.
    let lastStatus = '';
    let lastStatusAt = 0;
    let watching = true;
    const statusWatch = (async () => {
      while (watching) {
        const h = await get<{ status?: { currentMetrics?: unknown; conditions?: Array<{ lastTransitionTime?: string }> } }>(
          '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/burner',
        ).catch(() => undefined);
        const s = JSON.stringify(h?.status?.currentMetrics ?? null);
        if (h && s !== lastStatus) {
          const now = Date.now();
          if (lastStatusAt > 0 && lastStatus !== 'null') statusGaps.push(now - lastStatusAt);
          lastStatus = s;
          lastStatusAt = now;
        }
        await sleep(200);
      }
    })();

    for (let round = 0; round < rounds; round++) {
      const [pod] = await until(async () => {
        const ps = await readyPods();
        return ps.length === 1 ? ps : undefined;
      }, 120_000);
      const name = pod!.metadata!.name!;
      // Idle metrics first, and two distinct scrape timestamps for the resolution floor.
      const first = await until(() => podCpu(name), 60_000);
      const second = await until(async () => {
        const m = await podCpu(name);
        return m && m.timestamp !== first.timestamp ? m : undefined;
      }, 60_000);
      scrapeGaps.push(Date.parse(second.timestamp) - Date.parse(first.timestamp));

      const t0 = Date.now();
      await setAll(BUSY);
      await until(async () => (((await podCpu(name))?.milli ?? 0) > 50 ? true : undefined), 120_000, 50);
      pipeline.push(Date.now() - t0);
      const replicas = await until(
        async () => {
          const d = await deployments.get('burner');
          return (d.spec?.replicas ?? 1) > 1 ? d.spec!.replicas! : undefined;
        },
        180_000,
        50,
      );
      scaleUp.push(Date.now() - t0);
      scaledTo = replicas;
      await until(async () => ((await readyPods()).length >= replicas ? true : undefined), 120_000, 50);
      readyAll.push(Date.now() - t0);

      await setAll(IDLE);
      await until(async () => ((await deployments.get('burner')).spec?.replicas === 1 ? true : undefined), 300_000, 500);
      await until(async () => ((await readyPods()).length === 1 ? true : undefined), 120_000, 200);
    }
    watching = false;
    await statusWatch;
  } finally {
    stop.abort();
    await kubeletRun.catch(() => undefined);
    client.close();
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }

  const rows = [
    [
      'container CPU change -> visible in metrics.k8s.io',
      secs(median(pipeline)),
      `scrape interval ${secs(median(scrapeGaps))} (--metrics-resolution ${RESOLUTION_MS / 1000}s)`,
    ],
    [
      'load start -> HPA raises spec.replicas',
      secs(median(scaleUp)),
      `pipeline + HPA sync: status refresh every ${secs(median(statusGaps))} (--horizontal-pod-autoscaler-sync-period ${SYNC_MS / 1000}s)`,
    ],
    [`load start -> all ${scaledTo} pods Ready`, secs(median(readyAll)), 'scale-up + pod start-up (runtime-fake)'],
  ];
  return [
    `### Auto-scaling (median of ${rounds} rounds, hollow kubelet in process, default flags)`,
    '',
    '| measure | median | floor measured in the same run |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `Per round (s): pipeline ${pipeline.map((x) => (x / 1000).toFixed(1)).join(', ')}; scale-up ${scaleUp.map((x) => (x / 1000).toFixed(1)).join(', ')}; ready ${readyAll.map((x) => (x / 1000).toFixed(1)).join(', ')}.`,
    'A 400m burst on a 100m request is 400% against a 50% target: the HPA asks for 8 pods and the default scale-up policy (max of +4 pods / +100% per 15 s) allows 5 = maxReplicas.',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runAutoscalingBench(Number(process.argv[2] ?? 3)).then(
    (md) => console.log(md),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
