// kube-proxy against a real API server in process (no Docker, no iptables):
// tiny local HTTP servers play the pods, the test writes the Endpoints.
// Userspace mode end to end (spread, unready endpoint gets nothing, listener
// follows the Service), and the iptables proxier's wiring over a fake iptables.
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import { eventuallyMatches, startTestCluster, type TestCluster } from '@mk8s/testing';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceBridgeName } from './cluster-name.js';
import { FakeHostNetwork } from './host-network.js';
import { FakeIptables } from './iptables/iptables.js';
import { IptablesProxier } from './iptables/proxier.js';
import { chainNames } from './iptables/rules.js';
import { KubeProxy } from './kube-proxy.js';
import type { Proxier } from './proxier.js';
import type { ServicePortState } from './proxy-state.js';
import { UserspaceProxier } from './userspace/proxier.js';

/**
 * The "pods" listen on a local non-loopback address: Endpoints validation
 * rejects loopback addresses, as Kubernetes' does.
 */
const POD_IP = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

async function httpPod(name: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => server.listen(0, POD_IP, r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(t));
      })
      .on('error', reject);
  });
}

/** Endpoints with one subset per pod port (all pods share POD_IP). */
function endpointsFor(ready: number[], notReady: number[] = []): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default' },
    subsets: [
      ...ready.map((port) => ({ addresses: [{ ip: POD_IP! }], ports: [{ name: 'http', port, protocol: 'TCP' }] })),
      ...notReady.map((port) => ({ notReadyAddresses: [{ ip: POD_IP! }], ports: [{ name: 'http', port, protocol: 'TCP' }] })),
    ],
  };
}

describe('kube-proxy with a real API server', () => {
  let cluster: TestCluster;
  let ac: AbortController;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    cluster = await startTestCluster();
    ac = new AbortController();
  });
  afterEach(async () => {
    ac.abort();
    for (const c of cleanups.splice(0).reverse()) await c();
    await cluster.stop();
  });

  it('userspace mode: spreads over ready endpoints through the NodePort; an unready endpoint gets none', async () => {
    if (!POD_IP) throw new Error('this test needs a non-loopback IPv4 address on some interface (the pods listen there)');
    const pods = await Promise.all(['a', 'b', 'c'].map(httpPod));
    cleanups.push(...pods.map((p) => p.close));
    const svc = await cluster.client.services.inNamespace('default').create({
      metadata: { name: 'web' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    await cluster.client.endpoints.inNamespace('default').create(endpointsFor(pods.map((p) => p.port)) as never);

    const registry = new Registry();
    const proxier = new UserspaceProxier({ nodeIP: '127.0.0.1' });
    const proxy = new KubeProxy({ client: cluster.client, proxier, registry, minSyncIntervalMs: 50 });
    const running = proxy.run(ac.signal);
    cleanups.push(async () => {
      ac.abort();
      await running;
    });

    const url = `http://127.0.0.1:${nodePort}/`;
    await eventuallyMatches(
      () => get(url),
      (t) => ['a', 'b', 'c'].includes(t),
      { message: 'the NodePort answers' },
    );
    const counts: Record<string, number> = {};
    for (let i = 0; i < 90; i++) {
      const who = await get(url);
      counts[who] = (counts[who] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 30, b: 30, c: 30 });

    // b becomes unready: it receives nothing once the proxy has synced.
    await cluster.client.endpoints.inNamespace('default').update(endpointsFor([pods[0]!.port, pods[2]!.port], [pods[1]!.port]) as never);
    await eventuallyMatches(
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 6; i++) seen.add(await get(url));
        return seen;
      },
      (seen) => !seen.has('b') && seen.size === 2,
      { message: 'b stops receiving' },
    );
    for (let i = 0; i < 20; i++) expect(await get(url)).not.toBe('b');
    expect(proxy.state[0]).toMatchObject({ id: 'default/web:http', notReady: 1 });

    const metrics = await registry.metrics();
    expect(metrics).toContain('kubeproxy_sync_proxy_rules_duration_seconds_count');
    expect(metrics).toMatch(/kubeproxy_userspace_listeners\{table="listeners"\} 1/);

    // The Service goes away: so does the listener.
    await cluster.client.services.inNamespace('default').delete('web');
    await eventuallyMatches(
      async () => proxier.listening,
      (l) => l.length === 0,
      { message: 'listener closed' },
    );
  });

  it('a (re)started kube-proxy syncs nothing before both Services and Endpoints are listed: no window of REJECTs', async () => {
    await cluster.client.services
      .inNamespace('default')
      .create({ metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } });
    await cluster.client.endpoints.inNamespace('default').create({
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: '172.17.0.2' }], ports: [{ name: 'http', port: 8080 }] }],
    });
    const states: Array<readonly ServicePortState[]> = [];
    const recorder: Proxier = {
      mode: 'iptables',
      syncRules: async (state) => {
        states.push(state);
        return { rules: 0 };
      },
      close: async () => undefined,
    };
    for (let round = 0; round < 5; round++) {
      const stop = new AbortController();
      const proxy = new KubeProxy({ client: cluster.client, proxier: recorder, minSyncIntervalMs: 1 });
      const running = proxy.run(stop.signal);
      await proxy.nextSync();
      stop.abort();
      await running;
    }
    expect(states.length).toBeGreaterThanOrEqual(5);
    // Every sync, the first of each start included, saw the endpoint.
    for (const state of states)
      expect(state).toEqual([expect.objectContaining({ id: 'default/web:http', endpoints: [expect.objectContaining({ ip: '172.17.0.2' })] })]);
  });

  it('iptables mode over a fake iptables: Endpoints changes reach the rules, deletions remove chains', async () => {
    const svc = await cluster.client.services.inNamespace('default').create({
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
    });
    const ipt = new FakeIptables();
    const names = chainNames('int-test');
    const host = new FakeHostNetwork({ bridge: serviceBridgeName('int-test') });
    const proxy = new KubeProxy({
      client: cluster.client,
      proxier: new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16', clusterName: 'int-test' }),
      minSyncIntervalMs: 20,
    });
    const running = proxy.run(ac.signal);
    cleanups.push(async () => {
      ac.abort();
      await running;
    });
    // No endpoints yet: a REJECT for the ClusterIP.
    await eventuallyMatches(
      async () => ipt.tables.filter.get(names.services) ?? [],
      (r) => r.some((x) => x.includes(`${svc.spec!.clusterIP}/32`) && x.includes('REJECT')),
      { message: 'REJECT rule' },
    );
    await cluster.client.endpoints.inNamespace('default').create({
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: '172.17.0.2' }, { ip: '172.17.0.3' }], notReadyAddresses: [{ ip: '172.17.0.4' }], ports: [{ name: 'http', port: 8080 }] }],
    });
    const chain = names.svc({ id: 'default/web:http', protocol: 'TCP' });
    const rules = await eventuallyMatches(
      async () => ipt.tables.nat.get(chain) ?? [],
      (r) => r.filter((x) => x.includes(`-j ${names.prefix}SEP-`)).length === 2,
      { message: 'service chain with two endpoints' },
    );
    expect(rules.join('\n')).not.toContain('172.17.0.4');
    expect(ipt.tables.filter.get(names.services)).toEqual([]);
    await cluster.client.services.inNamespace('default').delete('web');
    await eventuallyMatches(
      async () => ipt.chains('nat'),
      (c) => !c.some((x) => /SVC|SEP/.test(x)),
      { message: 'chains removed' },
    );
    expect(host.routes).toEqual(new Set(['10.96.0.0/16']));
    expect([...host.machine.bridges.keys()]).toEqual([serviceBridgeName('int-test')]);
    // Every chain is the cluster's own.
    for (const table of ['nat', 'filter'] as const) expect(ipt.chains(table).filter((c) => !c.startsWith(names.prefix))).toEqual([]);
  });
});
