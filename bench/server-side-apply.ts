/**
 * Server-side apply vs merge patch: the latency of one write that changes a
 * Deployment (an annotation and the container image), sent as a full apply
 * configuration (`application/apply-patch+yaml`: merge, field sets, conflict
 * check, managedFields) and, as the baseline in the same run against the same
 * kube-apiserver process on its durable store, as a JSON merge patch of the
 * same change. Sequential requests (latency), then 16 at a time (throughput).
 * Goal: an apply within 2x a merge patch's median latency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startApiServerProcess } from '@mk8s/testing';
import { statusOf } from './http-status.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const request = (url: string, method: string, body: string, contentType?: string): Promise<number> => statusOf(agent, url, method, body, contentType);

function deployment(name: string, rev: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, tier: 'web' }, annotations: { rev: String(rev) } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.local/app:${rev}`,
              ports: [{ containerPort: 8080, name: 'http' }],
              env: [
                { name: 'MODE', value: 'production' },
                { name: 'LOG', value: 'info' },
              ],
              resources: { requests: { cpu: '100m', memory: '64Mi' } },
            },
            { name: 'log', image: 'registry.local/log:1', args: ['--follow'] },
          ],
        },
      },
    },
  };
}

export interface ApplyBenchResult {
  objects: number;
  writes: number;
  applyMedianMs: number;
  applyP99Ms: number;
  mergeMedianMs: number;
  mergeP99Ms: number;
  concurrency: number;
  appliesPerSecond: number;
  mergesPerSecond: number;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

export async function runApplyBench(objects = 50, writes = 600, concurrency = 16): Promise<ApplyBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-bench-ssa-'));
  const { proc, url } = await startApiServerProcess({ dataDir: dir });
  const base = `${url}/apis/apps/v1/namespaces/default/deployments`;
  const want = (code: number) => (status: number) => {
    if (status !== code) throw new Error(`status ${status}, want ${code}`);
  };
  const apply = async (i: number, rev: number) =>
    want(200)(
      await request(
        `${base}/a-${i % objects}?fieldManager=bench`,
        'PATCH',
        JSON.stringify(deployment(`a-${i % objects}`, rev)),
        'application/apply-patch+yaml',
      ),
    );
  // A JSON merge patch replaces a list whole: the same change carries both containers.
  const merge = async (i: number, rev: number) => {
    const spec = deployment('m', rev)['spec'] as { template: { spec: unknown } };
    const body = JSON.stringify({ metadata: { annotations: { rev: String(rev) } }, spec: { template: { spec: spec.template.spec } } });
    want(200)(await request(`${base}/m-${i % objects}?fieldManager=bench`, 'PATCH', body, 'application/merge-patch+json'));
  };
  try {
    for (let i = 0; i < objects; i++) {
      want(201)(await request(`${base}/a-${i}?fieldManager=bench`, 'PATCH', JSON.stringify(deployment(`a-${i}`, 0)), 'application/apply-patch+yaml'));
      want(201)(await request(`${base}?fieldManager=bench`, 'POST', JSON.stringify(deployment(`m-${i}`, 0))));
    }
    let rev = 1;
    // Warm-up of both paths, then alternating rounds so neither gains from the store's state.
    for (let i = 0; i < 100; i++) {
      await apply(i, rev);
      await merge(i, rev++);
    }
    const lat = { apply: [] as number[], merge: [] as number[] };
    const timed = async (into: number[], fn: () => Promise<void>) => {
      const t0 = performance.now();
      await fn();
      into.push(performance.now() - t0);
    };
    for (let round = 0; round < 4; round++) {
      const steps = [
        async () => {
          for (let i = 0; i < writes / 4; i++) await timed(lat.apply, () => apply(i, rev++));
        },
        async () => {
          for (let i = 0; i < writes / 4; i++) await timed(lat.merge, () => merge(i, rev++));
        },
      ];
      for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
    }
    const rate = async (fn: (i: number, rev: number) => Promise<void>) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < writes) {
            const i = next++;
            await fn(i, rev++);
          }
        }),
      );
      return (writes / (performance.now() - t0)) * 1000;
    };
    const mergesPerSecond = await rate(merge);
    const appliesPerSecond = await rate(apply);
    return {
      objects,
      writes,
      applyMedianMs: quantile(lat.apply, 0.5),
      applyP99Ms: quantile(lat.apply, 0.99),
      mergeMedianMs: quantile(lat.merge, 0.5),
      mergeP99Ms: quantile(lat.merge, 0.99),
      concurrency,
      appliesPerSecond,
      mergesPerSecond,
    };
  } finally {
    agent.destroy();
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
