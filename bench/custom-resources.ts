/**
 * Custom resources vs a built-in kind of the same size: creates and merge
 * patches per second of a custom object (a CRD with a structural schema:
 * decoding, pruning, defaulting and ajv validation) beside a ConfigMap
 * carrying the same data, against one kube-apiserver process on its durable
 * level store, in the same run. Goal: the custom resource within 0.8x.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startApiServerProcess } from '@mk8s/testing';
import { statusOf } from './http-status.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const request = (url: string, method: string, body: string, contentType?: string): Promise<number> => statusOf(agent, url, method, body, contentType);

async function parallel(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return (n / (performance.now() - t0)) * 1000;
}

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.bench.example.com' },
  spec: {
    group: 'bench.example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              data: { type: 'object', additionalProperties: { type: 'string', maxLength: 1024 } },
              spec: { type: 'object', properties: { size: { type: 'integer', minimum: 0, default: 1 } } },
            },
          },
        },
      },
    ],
  },
};

/** Ten keys of 50 characters: about 700 bytes of data, like a small ConfigMap. */
function data(i: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`key-${k}`, `${i}-${k}-`.padEnd(50, 'x')]));
}

export interface CustomResourceBenchResult {
  /** CRD created -> its resource answers a list, median ms over `crds` CRDs. */
  servedMedianMs: number;
  /** Baseline: a ConfigMap created -> readable by GET, median ms. */
  configMapReadableMedianMs: number;
  crds: number;
  objects: number;
  concurrency: number;
  configMapCreatesPerSecond: number;
  customCreatesPerSecond: number;
  configMapPatchesPerSecond: number;
  customPatchesPerSecond: number;
}

export async function runCustomResourceBench(objects = 2000, concurrency = 16): Promise<CustomResourceBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-bench-crd-'));
  const { proc, url } = await startApiServerProcess({ dataDir: dir });
  try {
    if ((await request(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, 'POST', JSON.stringify(CRD))) !== 201)
      throw new Error('CRD not created');
    // Served once the API server's CRD controller has seen it.
    for (let i = 0; (await request(`${url}/apis/bench.example.com/v1/namespaces/default/widgets`, 'GET', '')) !== 200; i++) {
      if (i > 200) throw new Error('CRD not served');
      await new Promise((r) => setTimeout(r, 10));
    }
    const cms = `${url}/api/v1/namespaces/default/configmaps`;
    const widgets = `${url}/apis/bench.example.com/v1/namespaces/default/widgets`;
    const cm = (i: number) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: data(i) });
    const w = (i: number) => JSON.stringify({ apiVersion: 'bench.example.com/v1', kind: 'Widget', metadata: { name: `w-${i}` }, data: data(i), spec: {} });
    const expect = (want: number) => (status: number) => {
      if (status !== want) throw new Error(`status ${status}, want ${want}`);
    };
    // Warm up both paths (JIT, connections), then measure each in turn.
    await parallel(200, concurrency, async (i) => expect(201)(await request(cms, 'POST', cm(100_000 + i))));
    await parallel(200, concurrency, async (i) => expect(201)(await request(widgets, 'POST', w(100_000 + i))));
    // How soon a new CRD is served, beside how soon a new ConfigMap is readable.
    const crds = 5;
    const served: number[] = [];
    const readable: number[] = [];
    for (let n = 0; n < crds; n++) {
      const group = `g${n}.bench.example.com`;
      const crd = { ...CRD, metadata: { name: `things.${group}` }, spec: { ...CRD.spec, group, names: { plural: 'things', kind: 'Thing' } } };
      let t0 = performance.now();
      expect(201)(await request(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, 'POST', JSON.stringify(crd)));
      while ((await request(`${url}/apis/${group}/v1/namespaces/default/things`, 'GET', '')) !== 200) await new Promise((r) => setTimeout(r, 2));
      served.push(performance.now() - t0);
      t0 = performance.now();
      expect(201)(await request(cms, 'POST', cm(200_000 + n)));
      while ((await request(`${cms}/cm-${200_000 + n}`, 'GET', '')) !== 200) await new Promise((r) => setTimeout(r, 2));
      readable.push(performance.now() - t0);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Four rounds alternating which kind goes first, so neither gains from the store's state; rates are averaged.
    const rates = { cmCreate: [] as number[], wCreate: [] as number[], cmPatch: [] as number[], wPatch: [] as number[] };
    const merge = 'application/merge-patch+json';
    const patch = (i: number) => JSON.stringify({ data: { 'key-0': `patched-${i}` } });
    const per = Math.ceil(objects / 4);
    for (let round = 0; round < 4; round++) {
      const base = round * per;
      const steps = [
        async () => rates.cmCreate.push(await parallel(per, concurrency, async (i) => expect(201)(await request(cms, 'POST', cm(base + i))))),
        async () => rates.wCreate.push(await parallel(per, concurrency, async (i) => expect(201)(await request(widgets, 'POST', w(base + i))))),
      ];
      for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
      const patches = [
        async () =>
          rates.cmPatch.push(await parallel(per, concurrency, async (i) => expect(200)(await request(`${cms}/cm-${base + i}`, 'PATCH', patch(i), merge)))),
        async () =>
          rates.wPatch.push(await parallel(per, concurrency, async (i) => expect(200)(await request(`${widgets}/w-${base + i}`, 'PATCH', patch(i), merge)))),
      ];
      for (const step of round % 2 === 0 ? patches : [...patches].reverse()) await step();
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const configMapCreatesPerSecond = mean(rates.cmCreate);
    const customCreatesPerSecond = mean(rates.wCreate);
    const configMapPatchesPerSecond = mean(rates.cmPatch);
    const customPatchesPerSecond = mean(rates.wPatch);
    return {
      servedMedianMs: median(served),
      configMapReadableMedianMs: median(readable),
      crds,
      objects,
      concurrency,
      configMapCreatesPerSecond,
      customCreatesPerSecond,
      configMapPatchesPerSecond,
      customPatchesPerSecond,
    };
  } finally {
    agent.destroy();
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
