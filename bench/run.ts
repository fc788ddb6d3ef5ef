/**
 * `npm run bench`: API server figures next to a baseline measured in the
 * same run on the same machine (see docs/benchmarks.md for how to read them).
 *
 * 1. create-pod throughput and p50/p99 latency at concurrency 1 and 64,
 *    mk8s kube-apiserver (level store on disk, durable writes) vs. a bare
 *    fastify route doing the same JSON work;
 * 2. watch delivery latency to 100 watchers: from sending a create to each
 *    watcher's receipt of its event (send-to-delivery, comparable across both
 *    servers), and for mk8s also from the create's acknowledgement (the
 *    baseline fans out before it answers, so that figure is 0 for it).
 *
 * 2b. custom resources (see custom-resources.ts): creates and merge patches
 *     per second of a custom object vs a ConfigMap of the same size.
 *
 * 2c. server-side apply (see server-side-apply.ts): latency and throughput of
 *     an apply vs a merge patch making the same change to a Deployment.
 *
 * 2d. API aggregation (see aggregation.ts): a GET of an extension API
 *     server's resource through the API server's proxy vs straight to it.
 *
 * 3. informers (see informer.ts): initial sync of 10,000 pods and updates
 *    absorbed per second, beside a raw list and a raw watch.
 *
 * 4. the runtime (see cri.ts): pod start through the CRI on Docker vs a raw
 *    `docker run -d`, and runtime-fake's operations per second.
 *
 * 5. pod startup (see pod-startup.ts): API create -> Running seen by a watch,
 *    through the kubelet on real Docker, vs a raw `docker run -d`.
 *
 * 6. the scheduler (see scheduler.ts): 1,000 nodes, 5,000 pods, pods/s from
 *    first create to last bind, beside the API server's create-only rate.
 *
 * 7. healing (see healing.ts): pod deletion -> replacement Ready vs a fresh
 *    replica, and a killed node's pods Ready elsewhere, on hollow nodes.
 *
 * 8. kube-proxy (see kube-proxy.ts): requests/s and p99 through a Service
 *    (iptables ClusterIP, userspace NodePort) vs straight to the pod IP.
 *
 * 9. auto-scaling (see autoscaling.ts): CPU change -> metrics API, load ->
 *    HPA scale-up -> pods Ready, next to the scrape and sync periods.
 *
 * 10. the whole cluster on Docker (see cluster.ts): mk8s up -> nodes Ready,
 *     container kill -> Ready again, pod delete -> replacement Ready,
 *     kubelet kill -> its pods Ready elsewhere.
 *
 * Servers run as separate processes; the load generator is this process.
 * Prints Markdown tables; `--json FILE` also writes the raw figures;
 * `--only apiserver|crd|apply|aggregation|informer|cri|pods|scheduler|healing|kube-proxy|autoscaling|cluster` runs one part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServerProcess } from '@mk8s/testing';
import { runAutoscalingBench } from './autoscaling.js';
import { runClusterBench } from './cluster.js';
import { runCriBench } from './cri.js';
import { runCustomResourceBench } from './custom-resources.js';
import { runApplyBench } from './server-side-apply.js';
import { runAggregationBench } from './aggregation.js';
import { runHealingBench } from './healing.js';
import { runKubeProxyBench } from './kube-proxy.js';
import { runInformerBench } from './informer.js';
import { runPodStartupBench } from './pod-startup.js';
import { runSchedulerBench } from './scheduler.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Target {
  name: string;
  url: string;
  stop(): Promise<unknown>;
}

function request(url: string, method: string, body?: string): Promise<{ status: number; text: string }> {
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

function podBody(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'bench', tier: 'web' }, annotations: { 'bench/created': new Date().toISOString() } },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'busybox:latest',
          command: ['httpd', '-f', '-p', '8080'],
          ports: [{ containerPort: 8080, name: 'http' }],
          env: [{ name: 'MODE', value: 'bench' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        },
      ],
    },
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface CreateResult {
  perSecond: number;
  p50: number;
  p99: number;
}

async function createLoad(t: Target, prefix: string, concurrency: number, total: number): Promise<CreateResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const r = await request(`${t.url}/api/v1/namespaces/default/pods`, 'POST', podBody(`${prefix}-${i}`));
        latencies.push(performance.now() - t0);
        if (r.status !== 201) throw new Error(`${t.name}: create answered ${r.status}: ${r.text.slice(0, 300)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Opens `n` watches; resolves once every stream has its headers. */
async function openWatches(url: string, n: number, onEvent: (name: string, at: number) => void): Promise<http.ClientRequest[]> {
  const reqs: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(url, { agent: false }, (res) => {
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              const at = performance.now();
              buf += chunk;
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
                if (ev.type === 'ADDED') onEvent(ev.object.metadata.name, at);
              }
            });
            resolve();
          });
          req.on('error', reject);
          reqs.push(req);
        }),
    ),
  );
  return reqs;
}

interface WatchResult {
  p50: number;
  p99: number;
  ackP50: number;
  ackP99: number;
  delivered: number;
}

async function watchLatency(t: Target, watchers: number, events: number): Promise<WatchResult> {
  const sent = new Map<string, number>();
  const acked = new Map<string, number>();
  const pending: Array<{ name: string; at: number }> = [];
  const reqs = await openWatches(`${t.url}/api/v1/namespaces/default/pods?watch=true&labelSelector=bench%3Dwatch&resourceVersion=`, watchers, (name, at) =>
    pending.push({ name, at }),
  );
  // Give every stream time to be registered server-side.
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < events; i++) {
    const name = `watch-${t.name}-${i}`;
    const body = JSON.parse(podBody(name)) as { metadata: { labels: Record<string, string> } };
    body.metadata.labels['bench'] = 'watch';
    sent.set(name, performance.now());
    const r = await request(`${t.url}/api/v1/namespaces/default/pods`, 'POST', JSON.stringify(body));
    acked.set(name, performance.now());
    if (r.status !== 201) throw new Error(`${t.name}: create answered ${r.status}`);
    await new Promise((res) => setTimeout(res, 5));
  }
  const deadline = Date.now() + 10_000;
  while (pending.length < watchers * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const r of reqs) r.destroy();
  const lat = pending.map((p) => p.at - sent.get(p.name)!).sort((a, b) => a - b);
  // An event can arrive before its create's response: that counts as 0 ms.
  const ack = pending.map((p) => Math.max(0, p.at - acked.get(p.name)!)).sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), ackP50: percentile(ack, 50), ackP99: percentile(ack, 99), delivered: pending.length };
}

async function startBaseline(): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'baseline-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (c) => reject(new Error(`baseline exited ${c}`)));
  });
  return {
    name: 'baseline',
    url,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-bench-'));
  const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, node: process.version } };
  const rows: string[] = [];
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  try {
    if (only === undefined || only === 'apiserver') await apiserverBench(dir, results, rows);
    if (only === undefined || only === 'crd') {
      const r = await runCustomResourceBench();
      results['crd'] = r;
      const f = (n: number, d = 0) => n.toFixed(d);
      rows.push('', '| measure | custom resource | baseline (ConfigMap, same data) | custom / baseline | goal |', '|---|---|---|---|---|');
      rows.push(
        `| new CRD -> its resource served, median of ${r.crds}, ms (baseline: new ConfigMap -> readable) | ${f(r.servedMedianMs, 1)} | ${f(r.configMapReadableMedianMs, 1)} | ${f(r.servedMedianMs / r.configMapReadableMedianMs, 2)} | <= 1,000 ms |`,
      );
      rows.push(
        `| creates/s, ${r.objects} at concurrency ${r.concurrency} | ${f(r.customCreatesPerSecond)} | ${f(r.configMapCreatesPerSecond)} | ${f(r.customCreatesPerSecond / r.configMapCreatesPerSecond, 2)} | >= 0.8 |`,
      );
      rows.push(
        `| merge patches/s, ${r.objects} at concurrency ${r.concurrency} | ${f(r.customPatchesPerSecond)} | ${f(r.configMapPatchesPerSecond)} | ${f(r.customPatchesPerSecond / r.configMapPatchesPerSecond, 2)} | >= 0.8 |`,
      );
    }
    if (only === undefined || only === 'apply') {
      const r = await runApplyBench();
      results['apply'] = r;
      const f = (n: number, d = 0) => n.toFixed(d);
      rows.push('', '| measure | server-side apply | baseline (merge patch, same change) | apply / baseline | goal |', '|---|---|---|---|---|');
      rows.push(
        `| median latency, ${r.writes} sequential writes, ms | ${f(r.applyMedianMs, 2)} | ${f(r.mergeMedianMs, 2)} | ${f(r.applyMedianMs / r.mergeMedianMs, 2)} | <= 2 |`,
      );
      rows.push(`| p99 latency, ms | ${f(r.applyP99Ms, 2)} | ${f(r.mergeP99Ms, 2)} | ${f(r.applyP99Ms / r.mergeP99Ms, 2)} | |`);
      rows.push(
        `| writes/s at concurrency ${r.concurrency} | ${f(r.appliesPerSecond)} | ${f(r.mergesPerSecond)} | ${f(r.appliesPerSecond / r.mergesPerSecond, 2)} | |`,
      );
    }
    if (only === undefined || only === 'aggregation') {
      const r = await runAggregationBench();
      results['aggregation'] = r;
      const f = (n: number, d = 0) => n.toFixed(d);
      rows.push(
        '',
        '| measure | through the API server | baseline (straight to the extension server) | proxied / baseline | local GET (a ConfigMap) |',
        '|---|---|---|---|---|',
      );
      rows.push(
        `| median latency, ${r.requests} sequential GETs, ms | ${f(r.proxiedMedianMs, 2)} | ${f(r.directMedianMs, 2)} | ${f(r.proxiedMedianMs / r.directMedianMs, 2)} | ${f(r.localMedianMs, 2)} |`,
      );
      rows.push(`| p99 latency, ms | ${f(r.proxiedP99Ms, 2)} | ${f(r.directP99Ms, 2)} | ${f(r.proxiedP99Ms / r.directP99Ms, 2)} | |`);
      rows.push(
        `| GETs/s at concurrency ${r.concurrency} | ${f(r.proxiedPerSecond)} | ${f(r.directPerSecond)} | ${f(r.proxiedPerSecond / r.directPerSecond, 2)} | ${f(r.localPerSecond)} |`,
      );
    }
    if (only === undefined || only === 'informer') {
      const r = await runInformerBench();
      results['informer'] = r;
      const f = (n: number, d = 0) => n.toFixed(d);
      rows.push('', '| measure | informer | baseline | informer / baseline |', '|---|---|---|---|');
      rows.push(
        `| initial sync of ${r.pods} pods, ms (baseline: one list + JSON.parse) | ${f(r.informerSyncMs)} | ${f(r.rawListMs)} | ${f(r.informerSyncMs / r.rawListMs, 2)} |`,
      );
      rows.push(
        `| updates absorbed per second, ${r.updates} patches at concurrency 64 (baseline: raw watch) | ${f(r.informerPerSecond)} | ${f(r.rawWatchPerSecond)} | ${f(r.informerPerSecond / r.rawWatchPerSecond, 2)} |`,
      );
      rows.push(
        `| events/s in process, ${r.inProcessEvents} updates over ${r.pods} objects (baseline: Map.set loop) | ${f(r.inProcessInformerPerSecond)} | ${f(r.inProcessMapPerSecond)} | ${f(r.inProcessInformerPerSecond / r.inProcessMapPerSecond, 3)} |`,
      );
    }
    if (only === undefined || only === 'cri') {
      const r = await runCriBench();
      results['cri'] = r;
      const f = (n: number, d = 0) => n.toFixed(d);
      rows.push('', '| measure | mk8s | baseline | mk8s / baseline |', '|---|---|---|---|');
      rows.push(
        `| pod start through CRI on Docker (sandbox + container running), median of ${r.rounds}, ms (baseline: docker run -d) | ${f(r.criPodStartMs)} | ${f(r.dockerRunMs)} | ${f(r.criPodStartMs / r.dockerRunMs, 2)} |`,
      );
      rows.push(
        `| runtime-fake CRI operations/s through gRPC (baseline: the same calls in process) | ${f(r.fakeGrpcOpsPerSecond)} | ${f(r.fakeDirectOpsPerSecond)} | ${f(r.fakeGrpcOpsPerSecond / r.fakeDirectOpsPerSecond, 3)} |`,
      );
    }
    if (only === undefined || only === 'pods') {
      const r = await runPodStartupBench();
      results['pods'] = r;
      const f = (n: number, d = 0) => n.toFixed(d);
      rows.push('', '| measure | mk8s | baseline | mk8s / baseline |', '|---|---|---|---|');
      rows.push(
        `| pod startup p50 / p99 ms, API create -> Running seen by a watch, ${r.pods} pods (baseline: docker run -d) | ${f(r.podP50Ms)} / ${f(r.podP99Ms)} | ${f(r.dockerP50Ms)} / ${f(r.dockerP99Ms)} | ${f(r.podP50Ms / r.dockerP50Ms, 2)} (p50) |`,
      );
    }
    if (only === undefined || only === 'scheduler') {
      rows.push('', await runSchedulerBench());
    }
    if (only === undefined || only === 'healing') {
      const r = await runHealingBench();
      results['healing'] = r;
      const f = (n: number, d = 0) => n.toFixed(d);
      rows.push('', '| measure | mk8s | baseline | mk8s / baseline |', '|---|---|---|---|');
      rows.push(
        `| pod deleted -> replacement Ready, p50 / p99 ms, ${r.rounds} rounds, ReplicaSet of ${r.replicas} on 3 hollow nodes (baseline: scale up by one, create -> Ready) | ${f(r.replaceP50Ms)} / ${f(r.replaceP99Ms)} | ${f(r.freshP50Ms)} / ${f(r.freshP99Ms)} | ${f(r.replaceP50Ms / r.freshP50Ms, 2)} (p50) |`,
      );
      rows.push(
        `| node killed -> its ${r.podsMoved} pods Ready elsewhere, ms from its last Lease renewal (baseline: the ${f(r.gracePeriodMs / 1000)} s grace period) | ${f(r.nodeFailureTotalMs)} (detect ${f(r.nodeFailureDetectMs)} + recover ${f(r.nodeFailureRecoverMs)}) | ${f(r.gracePeriodMs)} | ${f(r.nodeFailureTotalMs / r.gracePeriodMs, 2)} |`,
      );
    }
    if (only === undefined || only === 'kube-proxy') {
      rows.push('', await runKubeProxyBench());
    }
    if (only === undefined || only === 'cluster') {
      rows.push('', await runClusterBench());
    }
    if (only === undefined || only === 'autoscaling') {
      rows.push('', await runAutoscalingBench());
    }
    console.log(rows.join('\n'));
    if (jsonOut) await writeFile(jsonOut, JSON.stringify(results, null, 2));
  } finally {
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

async function apiserverBench(dir: string, results: Record<string, unknown>, rows: string[]): Promise<void> {
  const total = Number(process.env['BENCH_CREATES'] ?? 3000);
  results['creates'] = total;
  {
    for (const make of [
      startBaseline,
      async (): Promise<Target> => {
        const { proc, url } = await startApiServerProcess({ dataDir: path.join(dir, 'data') });
        return { name: 'mk8s', url, stop: () => proc.stop() };
      },
    ]) {
      const t = await make();
      try {
        // Warm up the JIT and connections.
        await createLoad(t, 'warm', 16, 300);
        const c1 = await createLoad(t, 'c1', 1, Math.min(total, 1000));
        const c64 = await createLoad(t, 'c64', 64, total);
        const w = await watchLatency(t, 100, 50);
        results[t.name] = { c1, c64, watch: w };
        console.error(
          `${t.name}: c1 ${c1.perSecond.toFixed(0)}/s, c64 ${c64.perSecond.toFixed(0)}/s p99 ${c64.p99.toFixed(1)} ms, watch p99 ${w.p99.toFixed(2)} ms (${w.delivered} delivered)`,
        );
      } finally {
        await t.stop();
      }
    }
    const b = results['baseline'] as { c1: CreateResult; c64: CreateResult; watch: WatchResult };
    const m = results['mk8s'] as typeof b;
    const f = (n: number, d = 0) => n.toFixed(d);
    rows.push('| measure | mk8s | baseline (bare fastify) | mk8s / baseline |', '|---|---|---|---|');
    rows.push(`| creates/s, concurrency 1 | ${f(m.c1.perSecond)} | ${f(b.c1.perSecond)} | ${f(m.c1.perSecond / b.c1.perSecond, 2)} |`);
    rows.push(
      `| create p50 / p99 ms, concurrency 1 | ${f(m.c1.p50, 2)} / ${f(m.c1.p99, 2)} | ${f(b.c1.p50, 2)} / ${f(b.c1.p99, 2)} | ${f(m.c1.p99 / b.c1.p99, 2)} (p99) |`,
    );
    rows.push(`| creates/s, concurrency 64 | ${f(m.c64.perSecond)} | ${f(b.c64.perSecond)} | ${f(m.c64.perSecond / b.c64.perSecond, 2)} |`);
    rows.push(
      `| create p50 / p99 ms, concurrency 64 | ${f(m.c64.p50, 2)} / ${f(m.c64.p99, 2)} | ${f(b.c64.p50, 2)} / ${f(b.c64.p99, 2)} | ${f(m.c64.p99 / b.c64.p99, 2)} (p99) |`,
    );
    rows.push(
      `| watch send-to-delivery p50 / p99 ms, 100 watchers | ${f(m.watch.p50, 2)} / ${f(m.watch.p99, 2)} | ${f(b.watch.p50, 2)} / ${f(b.watch.p99, 2)} | ${f(m.watch.p99 / b.watch.p99, 2)} (p99) |`,
    );
    rows.push(`| watch ack-to-delivery p50 / p99 ms, 100 watchers | ${f(m.watch.ackP50, 2)} / ${f(m.watch.ackP99, 2)} | (fans out before it acks) | |`);
  }
}

await main();
