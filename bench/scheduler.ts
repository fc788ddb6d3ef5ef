/**
 * Scheduler figures, in the style of Kubernetes' scheduler_perf
 * "SchedulingBasic": 1,000 Node objects (no kubelets) and 5,000 pods
 * created through the API while the scheduler runs, reported as pods/s
 * from the first create to the last bind visible through a watch. Beside
 * it, the ceiling: the same 5,000 creates against a fresh API server
 * with no scheduler (the create-only rate), and the scheduling algorithm
 * alone (filter + score + assume on the same 1,000 nodes, no I/O).
 *
 * The API server is a separate process (memory store, as scheduler_perf
 * uses etcd in memory); the scheduler and the load generator share this
 * process, as in scheduler_perf.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Node, Pod } from '@mk8s/api';
import { Clientset } from '@mk8s/client';
import { PodScheduler, SchedulerCache, Scheduler, buildFramework, newPodInfo, numFeasibleNodesToFind, resolveConfig } from '@mk8s/scheduler';
import { startApiServerProcess } from '@mk8s/testing';

const CONCURRENCY = 64;

export interface SchedulerBenchResult {
  nodes: number;
  pods: number;
  createOnlyPerSecond: number;
  scheduledPerSecond: number;
  /** Time to create all pods while the scheduler ran (the load generator's own pace). */
  createWhileSchedulingPerSecond: number;
  algorithmOnlyPerSecond: number;
  meanAlgorithmMs: number;
  meanE2eMs: number;
  attempts: Record<string, number>;
  /** CPU seconds per wall second during the scheduled run (1 = one core busy). */
  apiServerCpuShare: number;
  benchProcessCpuShare: number;
  createOnlyApiServerCpuShare: number;
  /** The same run with the scheduler's Event writes switched off. */
  withoutEventsPerSecond: number;
  withoutEventsApiServerCpuShare: number;
}

/** User + system CPU seconds a process has used so far (Linux /proc). */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function request(agent: http.Agent, url: string, method: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function parallel(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function nodeObject(i: number): Node {
  const name = `node-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: {},
    status: {
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    },
  } as Node;
}

/** scheduler_perf's pod-default.yaml, more or less: one container with small requests. */
function podObject(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: 'bench' } },
    spec: {
      containers: [
        {
          name: 'pause',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { cpu: '100m', memory: '500Mi' }, limits: { cpu: '100m', memory: '500Mi' } },
        },
      ],
    },
  } as Pod;
}

async function createNodes(agent: http.Agent, url: string, nodes: number): Promise<void> {
  await parallel(nodes, CONCURRENCY, async (i) => {
    const r = await request(agent, `${url}/api/v1/nodes`, 'POST', JSON.stringify(nodeObject(i)));
    if (r.status !== 201) throw new Error(`node create answered ${r.status}: ${r.text.slice(0, 200)}`);
  });
}

/** Creates the pods; resolves [time of the first create's start, time the last create answered]. */
async function createPods(agent: http.Agent, url: string, pods: number): Promise<[number, number]> {
  const bodies = Array.from({ length: pods }, (_, i) => JSON.stringify(podObject(i)));
  const t0 = performance.now();
  await parallel(pods, CONCURRENCY, async (i) => {
    const r = await request(agent, `${url}/api/v1/namespaces/default/pods`, 'POST', bodies[i]);
    if (r.status !== 201) throw new Error(`pod create answered ${r.status}: ${r.text.slice(0, 200)}`);
  });
  return [t0, performance.now()];
}

async function createOnlyBaseline(nodes: number, pods: number): Promise<{ perSecond: number; apiServerCpuShare: number }> {
  const { proc, url } = await startApiServerProcess();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    await createNodes(agent, url, nodes);
    const cpu0 = cpuSecondsOf(proc.child.pid);
    const [t0, t1] = await createPods(agent, url, pods);
    const wall = (t1 - t0) / 1000;
    return { perSecond: pods / wall, apiServerCpuShare: (cpuSecondsOf(proc.child.pid) - cpu0) / wall };
  } finally {
    agent.destroy();
    await proc.stop();
  }
}

/** The algorithm alone: filter + score + assume for `pods` pods on `nodes` nodes, no API. */
function algorithmOnly(nodes: number, pods: number): number {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) cache.addNode(nodeObject(i));
  const cfg = resolveConfig();
  const scheduler = new PodScheduler(buildFramework(cfg), cache, cfg.percentageOfNodesToScore);
  const t0 = performance.now();
  for (let i = 0; i < pods; i++) {
    const pod = podObject(i);
    pod.metadata!.uid = `uid-${i}`;
    const info = newPodInfo(pod);
    cache.assumePod(info, scheduler.schedule(info).nodeName);
  }
  return pods / ((performance.now() - t0) / 1000);
}

function metricValue(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function withScheduler(
  nodes: number,
  pods: number,
  events: boolean,
): Promise<
  Omit<
    SchedulerBenchResult,
    'createOnlyPerSecond' | 'algorithmOnlyPerSecond' | 'createOnlyApiServerCpuShare' | 'withoutEventsPerSecond' | 'withoutEventsApiServerCpuShare'
  >
> {
  const { proc, url } = await startApiServerProcess();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const client = new Clientset({ server: url, qps: 1e9, burst: 1e9 });
  const eventClient = new Clientset({ server: url, qps: 1e9, burst: 1e9 });
  const ac = new AbortController();
  let running: Promise<void> | undefined;
  try {
    await createNodes(agent, url, nodes);
    // Events through their own client, as kube-scheduler does; `events: false` measures the scheduler without event writes.
    const scheduler = new Scheduler({ client, eventClient, recorder: events ? undefined : { event() {} } });
    running = scheduler.run(ac.signal);
    const deadline = Date.now() + 30_000;
    while (!(scheduler.hasSynced() && scheduler.cache.nodeCount === nodes)) {
      if (Date.now() > deadline) throw new Error('the scheduler did not sync');
      await new Promise((r) => setTimeout(r, 20));
    }
    const apiCpu0 = cpuSecondsOf(proc.child.pid);
    const ownCpu0 = ownCpuSeconds();
    const [t0, created] = await createPods(agent, url, pods);
    // A bind counts once the scheduler's own pod watch shows it (the assumed pod is confirmed).
    const deadlineBind = Date.now() + 120_000;
    while (scheduler.cache.podCount - scheduler.cache.assumedCount < pods) {
      if (Date.now() > deadlineBind) throw new Error('not every pod was bound within 120 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    const lastBind = performance.now();
    const apiCpu = cpuSecondsOf(proc.child.pid) - apiCpu0;
    const ownCpu = ownCpuSeconds() - ownCpu0;
    const wall = (lastBind - t0) / 1000;
    const metrics = await scheduler.registry.metrics();
    const algCount = metricValue(metrics, 'scheduler_scheduling_algorithm_duration_seconds_count');
    const e2eSum = metricValue(metrics, 'scheduler_e2e_scheduling_duration_seconds_sum', '{result="scheduled"');
    const e2eCount = metricValue(metrics, 'scheduler_e2e_scheduling_duration_seconds_count', '{result="scheduled"');
    const attempts: Record<string, number> = {};
    for (const result of ['scheduled', 'unschedulable', 'error'])
      attempts[result] = metricValue(metrics, 'scheduler_schedule_attempts_total', `{result="${result}"`);
    return {
      nodes,
      pods,
      scheduledPerSecond: pods / ((lastBind - t0) / 1000),
      createWhileSchedulingPerSecond: pods / ((created - t0) / 1000),
      meanAlgorithmMs: algCount ? (metricValue(metrics, 'scheduler_scheduling_algorithm_duration_seconds_sum') / algCount) * 1000 : 0,
      meanE2eMs: e2eCount ? (e2eSum / e2eCount) * 1000 : 0,
      attempts,
      apiServerCpuShare: apiCpu / wall,
      benchProcessCpuShare: ownCpu / wall,
    };
  } finally {
    ac.abort();
    await running?.catch(() => undefined);
    client.close();
    eventClient.close();
    agent.destroy();
    await proc.stop();
  }
}

export async function measureScheduler(
  nodes = Number(process.env['BENCH_SCHED_NODES'] ?? 1000),
  pods = Number(process.env['BENCH_SCHED_PODS'] ?? 5000),
): Promise<SchedulerBenchResult> {
  const baseline = await createOnlyBaseline(nodes, pods);
  const run = await withScheduler(nodes, pods, true);
  const quiet = await withScheduler(nodes, pods, false);
  const algorithmOnlyPerSecond = algorithmOnly(nodes, pods);
  return {
    ...run,
    withoutEventsPerSecond: quiet.scheduledPerSecond,
    withoutEventsApiServerCpuShare: quiet.apiServerCpuShare,
    createOnlyPerSecond: baseline.perSecond,
    createOnlyApiServerCpuShare: baseline.apiServerCpuShare,
    algorithmOnlyPerSecond,
  };
}

export function schedulerMarkdown(r: SchedulerBenchResult): string {
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  return [
    '## Scheduler throughput (scheduler_perf style)',
    '',
    `${f(r.nodes)} Node objects (no kubelets), ${f(r.pods)} pods (100m cpu, 500Mi) created through the API by ${CONCURRENCY} concurrent clients; ` +
      "the scheduler runs in the load generator's process against an API server process (memory store). " +
      "Throughput is pods / (last bind seen on the scheduler's pod watch - first create).",
    '',
    '| measurement | pods/s |',
    '|---|---:|',
    `| create only, no scheduler (ceiling) | ${f(r.createOnlyPerSecond)} |`,
    `| **scheduled: first create -> last bind** | **${f(r.scheduledPerSecond)}** |`,
    `| scheduled, without the scheduler's Event writes | ${f(r.withoutEventsPerSecond)} |`,
    `| creates while the scheduler runs | ${f(r.createWhileSchedulingPerSecond)} |`,
    `| scheduling algorithm alone (filter + score + assume, no I/O) | ${f(r.algorithmOnlyPerSecond)} |`,
    '',
    `Mean algorithm time per pod ${r.meanAlgorithmMs.toFixed(3)} ms (adaptive sampling filters and scores ${f(numFeasibleNodesToFind(r.nodes, 0))} of ${f(r.nodes)} nodes); ` +
      `mean attempt -> bind ${r.meanE2eMs.toFixed(1)} ms; attempts: ${Object.entries(r.attempts)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join(', ')}. ` +
      `CPU during the scheduled run (cores busy): API server ${r.apiServerCpuShare.toFixed(2)}, scheduler + load generator ${r.benchProcessCpuShare.toFixed(2)}; ` +
      `without events: API server ${r.withoutEventsApiServerCpuShare.toFixed(2)}; during create-only: API server ${r.createOnlyApiServerCpuShare.toFixed(2)}.`,
    '',
  ].join('\n');
}

/** The Markdown section for `npm run bench`. */
export async function runSchedulerBench(): Promise<string> {
  return schedulerMarkdown(await measureScheduler());
}
