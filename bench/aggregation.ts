/**
 * API aggregation: the cost of the aggregator's proxy. The same GET (a list
 * of 10 flunders of the sample extension API server, over HTTPS) is sent
 * straight to the extension server (the baseline) and through a
 * kube-apiserver process, which authenticates, authorizes and audits it,
 * resolves the APIService's Service, and proxies it over HTTPS with its
 * front-proxy certificate. A GET of a ConfigMap served by the API server
 * itself shows the API server's own cost beside it. Sequential requests
 * (latency), then 16 at a time (throughput). The extension server runs in
 * this process, so both paths pay the same for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { TestPki, startApiServerProcess, startExtensionApiServer } from '@mk8s/testing';
import { statusOf } from './http-status.js';

export interface AggregationBenchResult {
  requests: number;
  concurrency: number;
  directMedianMs: number;
  directP99Ms: number;
  proxiedMedianMs: number;
  proxiedP99Ms: number;
  localMedianMs: number;
  directPerSecond: number;
  proxiedPerSecond: number;
  localPerSecond: number;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

export async function runAggregationBench(requests = 2000, concurrency = 16): Promise<AggregationBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-bench-aggregation-'));
  const pki = new TestPki(dir);
  const ca = pki.ca('wardle-ca');
  pki.ca('front-proxy-ca');
  const proxyCert = pki.client('front-proxy-client', 'front-proxy-ca', 'front-proxy-client');
  const wardle = await startExtensionApiServer({
    serving: pki.server('wardle', 'wardle-ca', ['api.wardle-system.svc']),
    requestHeaderCA: pki.read('front-proxy-ca').cert,
    allowedNames: ['front-proxy-client'],
  });
  const { proc, url } = await startApiServerProcess({
    extraArgs: ['--proxy-client-cert-file', pki.path('front-proxy-client', 'crt'), '--proxy-client-key-file', pki.path('front-proxy-client', 'key')],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const tlsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 64,
    ca: ca.cert,
    cert: proxyCert.cert,
    key: proxyCert.key,
    servername: 'api.wardle-system.svc',
  });
  const want = async (p: Promise<number>, code = 200) => {
    const status = await p;
    if (status !== code) throw new Error(`status ${status}, want ${code}`);
  };
  const post = (p: string, body: unknown, code = 201) => want(statusOf(agent, `${url}${p}`, 'POST', JSON.stringify(body)), code);
  const list = '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders';
  const direct = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = https.get(
        { host: '127.0.0.1', port: wardle.port, path: list, agent: tlsAgent, headers: { 'x-remote-user': 'bench', 'x-remote-group': 'system:authenticated' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
    });
  const proxied = () => statusOf(agent, `${url}${list}`, 'GET', '');
  const local = () => statusOf(agent, `${url}/api/v1/namespaces/default/configmaps/c`, 'GET', '');
  try {
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wardle-system' } });
    await post('/api/v1/namespaces/wardle-system/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: { type: 'ExternalName', externalName: 'localhost' },
    });
    await post('/apis/apiregistration.k8s.io/v1/apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1alpha1.wardle.example.com' },
      spec: {
        group: 'wardle.example.com',
        version: 'v1alpha1',
        service: { namespace: 'wardle-system', name: 'api', port: wardle.port },
        caBundle: ca.cert.toString('base64'),
        groupPriorityMinimum: 1000,
        versionPriority: 15,
      },
    });
    await post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v'.repeat(200) } });
    // Available once the first check passed (within a second of the create).
    for (let t = 0; (await proxied()) !== 200; t++) {
      if (t > 100) throw new Error('the APIService never became available');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 10; i++)
      await post(list, { apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', metadata: { name: `f${i}` }, spec: { reference: 'x' } });
    const lat = { direct: [] as number[], proxied: [] as number[], local: [] as number[] };
    const timed = async (into: number[], fn: () => Promise<number>) => {
      const t0 = performance.now();
      await want(fn());
      into.push(performance.now() - t0);
    };
    for (let i = 0; i < 200; i++) await Promise.all([want(direct()), want(proxied()), want(local())]);
    // Alternating rounds, so neither path gains from when it ran.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < requests / 4; i++) {
        await timed(lat.direct, direct);
        await timed(lat.proxied, proxied);
        await timed(lat.local, local);
      }
    }
    const rate = async (fn: () => Promise<number>) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < requests) await want(fn());
        }),
      );
      return (requests / (performance.now() - t0)) * 1000;
    };
    const directPerSecond = await rate(direct);
    const proxiedPerSecond = await rate(proxied);
    const localPerSecond = await rate(local);
    return {
      requests,
      concurrency,
      directMedianMs: quantile(lat.direct, 0.5),
      directP99Ms: quantile(lat.direct, 0.99),
      proxiedMedianMs: quantile(lat.proxied, 0.5),
      proxiedP99Ms: quantile(lat.proxied, 0.99),
      localMedianMs: quantile(lat.local, 0.5),
      directPerSecond,
      proxiedPerSecond,
      localPerSecond,
    };
  } finally {
    agent.destroy();
    tlsAgent.destroy();
    await proc.stop();
    await wardle.close();
    await rm(dir, { recursive: true, force: true });
  }
}
