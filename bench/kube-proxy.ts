/**
 * kube-proxy: HTTP requests per second and p99 latency through a
 * Service vs directly to the pod IP, same client, same run, on a real Docker
 * pod (busybox httpd). One pod backs the Service so both paths reach the same
 * server. Every request opens a new connection (keep-alive off in both
 * paths): connections are what a proxy balances. Rounds alternate between
 * the two paths so drift on the machine hits both.
 *
 *  - iptables mode: through the ClusterIP (DNAT in the kernel); goal >= 0.9x direct;
 *  - userspace mode: through the NodePort on 127.0.0.1 (a Node.js TCP proxy); goal >= 0.5x direct.
 *
 * Needs root (iptables) and Docker. `tsx --conditions=mk8s-source bench/kube-proxy.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, eventually, startComponent, startNodeProcesses, type ComponentProcess, type NodeProcesses } from '@mk8s/testing';

const run = promisify(execFile);

type Json = Record<string, unknown>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

interface Load {
  rps: number;
  p99Ms: number;
  errors: number;
}

/** `total` requests, `concurrency` at a time, each on a new connection. */
async function load(url: string, total: number, concurrency: number): Promise<{ ms: number; latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        try {
          latencies.push(await get(url));
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ms: performance.now() - t0, latencies, errors };
}

/** Alternating rounds of the two paths; figures over all rounds. */
async function compare(direct: string, service: string, rounds = 4, perRound = 1000, concurrency = 16): Promise<{ direct: Load; service: Load }> {
  await load(direct, 200, concurrency); // warm up both paths
  await load(service, 200, concurrency);
  const acc = { direct: { ms: 0, lat: [] as number[], errors: 0 }, service: { ms: 0, lat: [] as number[], errors: 0 } };
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? (['direct', 'service'] as const) : (['service', 'direct'] as const)) {
      const res = await load(which === 'direct' ? direct : service, perRound, concurrency);
      acc[which].ms += res.ms;
      acc[which].lat.push(...res.latencies);
      acc[which].errors += res.errors;
    }
  }
  const summary = (a: { ms: number; lat: number[]; errors: number }): Load => {
    const sorted = [...a.lat].sort((x, y) => x - y);
    return { rps: (a.lat.length / a.ms) * 1000, p99Ms: percentile(sorted, 99), errors: a.errors };
  };
  return { direct: summary(acc.direct), service: summary(acc.service) };
}

export async function runKubeProxyBench(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-kube-proxy-bench-'));
  const scope = `io.mk8s.bench=kube-proxy-${process.pid}`;
  let node: NodeProcesses | undefined;
  let proxy: ComponentProcess | undefined;
  const cleanup = () => run(process.execPath, [binPath('kube-proxy'), '--cleanup'], { timeout: 60_000 }).catch(() => undefined);
  try {
    node = await startNodeProcesses({ dir, nodeName: 'bench', scopeLabels: scope });
    const { apiserver: api, kubeconfig } = node;
    const post = async (p: string, body: unknown, method = 'POST') => {
      const res = await fetch(`${api.url}${p}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Json;
    };
    await post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        nodeName: 'bench',
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'mkdir -p /var/www && hostname > /var/www/index.html && exec httpd -f -p 8080 -h /var/www'],
          },
        ],
      },
    });
    const podIP = await eventually(
      async () => {
        const pod = (await (await fetch(`${api.url}/api/v1/namespaces/default/pods/web`)).json()) as { status?: { phase?: string; podIP?: string } };
        return pod.status?.phase === 'Running' ? pod.status.podIP : undefined;
      },
      { message: 'pod IP', timeoutMs: 60_000, intervalMs: 100 },
    );
    const direct = `http://${podIP}:8080/`;
    await eventually(async () => ((await get(direct)) >= 0 ? true : undefined), { message: 'pod answers', timeoutMs: 60_000, intervalMs: 100 });
    const svc = await post('/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await post('/api/v1/namespaces/default/endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: podIP, nodeName: 'bench' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    });
    const spec = svc['spec'] as { clusterIP: string; ports: Array<{ nodePort: number }> };
    const clusterURL = `http://${spec.clusterIP}:80/`;
    const nodePortURL = `http://127.0.0.1:${spec.ports[0]!.nodePort}/`;
    const startProxy = async (mode: string) =>
      (
        await startComponent('kube-proxy', {
          args: ['--kubeconfig', kubeconfig, '--mode', mode, '--port', '0', '--log-level', 'warn'],
          ready: /kube-proxy serving on/,
        })
      ).proc;

    await cleanup();
    proxy = await startProxy('iptables');
    await eventually(async () => ((await get(clusterURL)) >= 0 ? true : undefined), { message: 'ClusterIP answers', timeoutMs: 60_000, intervalMs: 100 });
    const ipt = await compare(direct, clusterURL);
    await proxy.stop();
    proxy = undefined;
    await cleanup();

    proxy = await startProxy('userspace');
    await eventually(async () => ((await get(nodePortURL)) >= 0 ? true : undefined), { message: 'NodePort answers', timeoutMs: 60_000, intervalMs: 100 });
    const user = await compare(direct, nodePortURL);
    await proxy.stop();
    proxy = undefined;

    const row = (label: string, r: { direct: Load; service: Load }, goal: number) => {
      const ratio = r.service.rps / r.direct.rps;
      return `| ${label} | ${r.direct.rps.toFixed(0)} | ${r.direct.p99Ms.toFixed(2)} | ${r.service.rps.toFixed(0)} | ${r.service.p99Ms.toFixed(2)} | ${ratio.toFixed(2)}x | >= ${goal}x ${ratio >= goal ? 'met' : 'MISSED'} | ${r.direct.errors + r.service.errors} |`;
    };
    return [
      '| path (1 busybox httpd pod, new connection per request, concurrency 16, 4x1000 requests alternating) | direct req/s | direct p99 ms | via Service req/s | via Service p99 ms | ratio | goal | errors |',
      '|---|---|---|---|---|---|---|---|',
      row('iptables mode, ClusterIP', ipt, 0.9),
      row('userspace mode, NodePort on 127.0.0.1', user, 0.5),
    ].join('\n');
  } finally {
    await proxy?.stop();
    await cleanup();
    await node?.stop();
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${scope}`]);
    if (stdout.trim()) await run('docker', ['rm', '-f', ...stdout.trim().split('\n')]);
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  runKubeProxyBench().then(
    (table) => console.log(table),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
