import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServicePortState } from '../proxy-state.js';
import { RoundRobin } from './load-balancer.js';
import { UserspaceProxier } from './proxier.js';
import { freePort } from '@mk8s/testing';

describe('RoundRobin', () => {
  const eps = [
    { ip: '10.0.0.1', port: 80 },
    { ip: '10.0.0.2', port: 80 },
    { ip: '10.0.0.3', port: 80 },
  ];

  it('cycles over the endpoints and skips those that refused', () => {
    const rr = new RoundRobin(undefined);
    rr.update(eps, undefined);
    expect([1, 2, 3, 4].map(() => rr.next('c')!.ip)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(rr.next('c', new Set(['10.0.0.2:80']))!.ip).toBe('10.0.0.3');
    expect(rr.next('c', new Set(['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']))).toBeUndefined();
    rr.update([], undefined);
    expect(rr.next('c')).toBeUndefined();
  });

  it('keeps a client on its endpoint with ClientIP affinity until it expires or leaves', () => {
    let now = 0;
    const rr = new RoundRobin(10, () => now);
    rr.update(eps, 10);
    const first = rr.next('a')!;
    expect(rr.next('b')).not.toEqual(first);
    expect([1, 2, 3].map(() => rr.next('a'))).toEqual([first, first, first]);
    now += 11_000;
    expect(rr.next('a')).not.toEqual(first);
    const stuck = rr.next('a')!;
    rr.update(
      eps.filter((e) => e.ip !== stuck.ip),
      10,
    );
    expect(rr.next('a')!.ip).not.toBe(stuck.ip);
  });
});

/** A TCP "pod" answering its name and closing. */
async function pod(name: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((s) => s.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

function ask(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    let t = '';
    s.on('data', (d: Buffer) => (t += d.toString()));
    s.on('close', () => resolve(t));
    s.on('error', reject);
  });
}

describe('UserspaceProxier', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('round-robins connections over ready endpoints, retries the next when one refuses, follows syncs', async () => {
    const a = await pod('a');
    const b = await pod('b');
    cleanups.push(a.close, b.close);
    const dead = await freePort(); // nothing listens: connections are refused
    const nodePort = await freePort();
    const proxier = new UserspaceProxier({ nodeIP: '127.0.0.1' });
    cleanups.push(() => proxier.close());
    const sp: ServicePortState = {
      id: 'default/web',
      namespace: 'default',
      name: 'web',
      portName: '',
      protocol: 'TCP',
      clusterIP: '10.96.0.10',
      port: 80,
      nodePort,
      endpoints: [
        { ip: '127.0.0.1', port: a.port },
        { ip: '127.0.0.1', port: b.port },
        { ip: '127.0.0.1', port: dead },
      ],
      notReady: 0,
    };
    expect(await proxier.syncRules([sp])).toMatchObject({ rules: 1 });
    expect(proxier.listening).toEqual([`127.0.0.1:${nodePort}`]);
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await ask(nodePort));
    expect(answers.filter((x) => x === 'a')).toHaveLength(15);
    expect(answers.filter((x) => x === 'b')).toHaveLength(15);

    // b leaves the ready set: it gets nothing.
    await proxier.syncRules([{ ...sp, endpoints: [sp.endpoints[0]!, sp.endpoints[2]!] }]);
    for (let i = 0; i < 10; i++) expect(await ask(nodePort)).toBe('a');

    // The Service goes: the listener closes.
    await proxier.syncRules([]);
    expect(proxier.listening).toEqual([]);
    await expect(ask(nodePort)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serves a LoadBalancer ingress address on the service port, without adding addresses', async () => {
    const a = await pod('a');
    cleanups.push(a.close);
    const port = await freePort();
    const proxier = new UserspaceProxier({ nodeIP: '127.0.0.1' });
    cleanups.push(() => proxier.close());
    const sp: ServicePortState = {
      id: 'default/lb',
      namespace: 'default',
      name: 'lb',
      portName: '',
      protocol: 'TCP',
      port,
      loadBalancerIPs: ['127.240.0.77'],
      endpoints: [{ ip: '127.0.0.1', port: a.port }],
      notReady: 0,
    };
    await proxier.syncRules([sp]);
    expect(proxier.listening).toEqual([`127.240.0.77:${port}`]);
    expect(await ask(port, '127.240.0.77')).toBe('a');
    await proxier.syncRules([{ ...sp, loadBalancerIPs: [] }]);
    expect(proxier.listening).toEqual([]);
  });
});
