import { describe, expect, it } from 'vitest';
import { FakeHostNetwork } from '../host-network.js';
import type { ServicePortState } from '../proxy-state.js';
import { FakeIptables } from './iptables.js';
import { IptablesProxier, cleanupIptables } from './proxier.js';
import { buildRules, endpointChain, serviceChain } from './rules.js';

const web: ServicePortState = {
  id: 'default/web:http',
  namespace: 'default',
  name: 'web',
  portName: 'http',
  protocol: 'TCP',
  clusterIP: '10.96.0.10',
  port: 80,
  nodePort: 30080,
  endpoints: [
    { ip: '172.17.0.2', port: 8080 },
    { ip: '172.17.0.3', port: 8080 },
    { ip: '172.17.0.4', port: 8080 },
  ],
  notReady: 0,
};
const sticky: ServicePortState = {
  id: 'default/sticky',
  namespace: 'default',
  name: 'sticky',
  portName: '',
  protocol: 'TCP',
  clusterIP: '10.96.0.11',
  port: 80,
  affinitySeconds: 10800,
  endpoints: [{ ip: '172.17.0.5', port: 80 }],
  notReady: 1,
};
const empty: ServicePortState = {
  id: 'default/empty',
  namespace: 'default',
  name: 'empty',
  portName: '',
  protocol: 'TCP',
  clusterIP: '10.96.0.12',
  port: 80,
  nodePort: 30081,
  endpoints: [],
  notReady: 2,
};

/** Replaces hashed chain names with readable ones so the golden sets read like the design. */
function readable(text: string, states: ServicePortState[]): string {
  let out = text;
  for (const sp of states) {
    out = out.replaceAll(serviceChain(sp), `SVC(${sp.name})`);
    for (const ep of sp.endpoints) out = out.replaceAll(endpointChain(sp, ep), `SEP(${sp.name}@${ep.ip})`);
  }
  return out;
}

describe('iptables rule generation', () => {
  it('writes our chains only: spread 1/n, affinity, NodePorts last, REJECT without endpoints, stale chains deleted', () => {
    const r = buildRules([web, sticky, empty], { nat: new Set(['MK8S-SERVICES', 'MK8S-SVC-GONE']), filter: new Set(['MK8S-SERVICES']) });
    expect(readable(r.input, [web, sticky]).split('\n')).toEqual([
      '*filter',
      ':MK8S-SERVICES - [0:0]',
      ':MK8S-FIREWALL - [0:0]',
      // CVE-2020-8558: with route_localnet=1, 127.0.0.0/8 is reachable from the network unless this drops it.
      '-A MK8S-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "mk8s: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-A MK8S-SERVICES -d 10.96.0.12/32 -p tcp -m tcp --dport 80 -m comment --comment "default/empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
      '-A MK8S-SERVICES -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -m comment --comment "default/empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
      'COMMIT',
      '*nat',
      ':MK8S-SERVICES - [0:0]',
      ':MK8S-NODEPORTS - [0:0]',
      ':MK8S-POSTROUTING - [0:0]',
      ':MK8S-MARK-MASQ - [0:0]',
      // Per-service chains are declared in order of their hashed names; checked as a set below.
      ...readable(r.input, [web, sticky])
        .split('\n')
        .filter((l) => /^:(SEP|SVC)\(/.test(l)),
      ':MK8S-SVC-GONE - [0:0]',
      '-A MK8S-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A MK8S-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A MK8S-POSTROUTING -m comment --comment "mk8s service traffic requiring SNAT" -j MASQUERADE',
      '-A MK8S-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A MK8S-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http cluster IP" -j SVC(web)',
      '-A SVC(web) -m comment --comment "default/web:http" -j MK8S-MARK-MASQ',
      '-A SVC(web) -m comment --comment "default/web:http -> 172.17.0.2:8080" -m statistic --mode random --probability 0.33333333333 -j SEP(web@172.17.0.2)',
      '-A SVC(web) -m comment --comment "default/web:http -> 172.17.0.3:8080" -m statistic --mode random --probability 0.50000000000 -j SEP(web@172.17.0.3)',
      '-A SVC(web) -m comment --comment "default/web:http -> 172.17.0.4:8080" -j SEP(web@172.17.0.4)',
      '-A SEP(web@172.17.0.2) -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 172.17.0.2:8080',
      '-A SEP(web@172.17.0.3) -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 172.17.0.3:8080',
      '-A SEP(web@172.17.0.4) -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 172.17.0.4:8080',
      '-A MK8S-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/sticky cluster IP" -j SVC(sticky)',
      '-A SVC(sticky) -m comment --comment "default/sticky" -j MK8S-MARK-MASQ',
      '-A SVC(sticky) -m comment --comment "default/sticky -> 172.17.0.5:80" -m recent --name SEP(sticky@172.17.0.5) --rcheck --seconds 10800 --reap -j SEP(sticky@172.17.0.5)',
      '-A SVC(sticky) -m comment --comment "default/sticky -> 172.17.0.5:80" -j SEP(sticky@172.17.0.5)',
      '-A SEP(sticky@172.17.0.5) -m comment --comment "default/sticky" -p tcp -m tcp -m recent --name SEP(sticky@172.17.0.5) --set -j DNAT --to-destination 172.17.0.5:80',
      '-A MK8S-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "default/web:http" -j SVC(web)',
      '-A MK8S-SERVICES -m comment --comment "mk8s service nodeports; must be the last rule of this chain" -m addrtype --dst-type LOCAL -j MK8S-NODEPORTS',
      '-X MK8S-SVC-GONE',
      'COMMIT',
      '',
    ]);
    const declared = readable(r.input, [web, sticky])
      .split('\n')
      .filter((l) => /^:(SEP|SVC)\(/.test(l))
      .sort();
    expect(declared).toEqual([
      ':SEP(sticky@172.17.0.5) - [0:0]',
      ':SEP(web@172.17.0.2) - [0:0]',
      ':SEP(web@172.17.0.3) - [0:0]',
      ':SEP(web@172.17.0.4) - [0:0]',
      ':SVC(sticky) - [0:0]',
      ':SVC(web) - [0:0]',
    ]);
    expect(r.ruleCount).toEqual({ nat: 19, filter: 3 });
  });

  it('sends a LoadBalancer ingress IP on the service port to the service chain, and REJECTs it without endpoints', () => {
    const lb: ServicePortState = { ...web, id: 'default/lb', name: 'lb', loadBalancerIPs: ['127.240.0.1'] };
    const lines = readable(buildRules([lb], { nat: new Set(), filter: new Set() }).input, [lb]).split('\n');
    expect(lines).toContain('-A MK8S-SERVICES -d 127.240.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb loadbalancer IP" -j SVC(lb)');
    // Before the NodePort jump, which must stay last.
    expect(lines.findIndex((l) => l.includes('loadbalancer IP'))).toBeLessThan(lines.findIndex((l) => l.includes('must be the last rule')));
    const none = buildRules([{ ...lb, endpoints: [] }], { nat: new Set(), filter: new Set() }).input.split('\n');
    expect(none).toContain(
      '-A MK8S-SERVICES -d 127.240.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
    );
  });

  it('chain names are stable, short enough for iptables, and differ per endpoint', () => {
    const noEndpoints: ServicePortState = { ...web, endpoints: [] };
    expect(serviceChain(web)).toBe(serviceChain(noEndpoints));
    expect(serviceChain(web)).toMatch(/^MK8S-SVC-[A-Z2-7]{16}$/);
    expect(serviceChain(web).length).toBeLessThanOrEqual(28);
    expect(endpointChain(web, web.endpoints[0]!)).not.toBe(endpointChain(web, web.endpoints[1]!));
    expect(serviceChain({ ...web, protocol: 'UDP' })).not.toBe(serviceChain(web));
  });
});

describe('IptablesProxier over a fake iptables', () => {
  async function seeded(): Promise<FakeIptables> {
    const ipt = new FakeIptables();
    // Docker's rules, which must survive everything we do.
    await ipt.restore('*nat\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A DOCKER -i docker0 -j RETURN\nCOMMIT\n');
    return ipt;
  }

  it('installs jumps once, rewrites our chains atomically, removes a Service and an endpoint, and cleans up', async () => {
    const ipt = await seeded();
    const host = new FakeHostNetwork();
    const proxier = new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16' });
    await proxier.syncRules([web, sticky, empty]);
    await proxier.syncRules([web, sticky, empty]);
    expect(host.routes).toEqual(new Set(['10.96.0.0/16']));
    expect(host.routeLocalnet).toBe(true);
    expect(ipt.tables.nat.get('PREROUTING')).toEqual([
      '-m comment --comment "mk8s service portals" -j MK8S-SERVICES',
      '-m addrtype --dst-type LOCAL -j DOCKER',
    ]);
    expect(ipt.tables.nat.get('OUTPUT')).toHaveLength(1);
    expect(ipt.tables.nat.get('POSTROUTING')).toEqual(['-m comment --comment "mk8s postrouting rules" -j MK8S-POSTROUTING']);
    expect(ipt.tables.filter.get('FORWARD')).toHaveLength(1);
    const all = ipt.chains('nat');
    expect(all.filter((c) => c.startsWith('MK8S-SEP-'))).toHaveLength(4);
    expect(all.filter((c) => c.startsWith('MK8S-SVC-'))).toHaveLength(2);
    // Every sync is one restore holding only our chains.
    expect(ipt.restores.slice(1).every((input) => !/DOCKER|PREROUTING/.test(input))).toBe(true);

    // One endpoint of web leaves, sticky goes away entirely.
    const fewer = { ...web, endpoints: web.endpoints.slice(0, 2) };
    await proxier.syncRules([fewer, empty]);
    const after = ipt.chains('nat');
    expect(after).toContain(serviceChain(web));
    expect(after).not.toContain(endpointChain(web, web.endpoints[2]!));
    expect(after).not.toContain(serviceChain(sticky));
    expect(after).not.toContain(endpointChain(sticky, sticky.endpoints[0]!));
    const svcRules = ipt.tables.nat.get(serviceChain(web))!;
    expect(svcRules.filter((r) => r.includes('--probability'))).toEqual([
      `-m comment --comment "default/web:http -> 172.17.0.2:8080" -m statistic --mode random --probability 0.50000000000 -j ${endpointChain(web, web.endpoints[0]!)}`,
    ]);
    expect(ipt.tables.nat.get('DOCKER')).toEqual(['-i docker0 -j RETURN']);

    // No endpoints at all: the service's chain goes, a REJECT takes its place.
    await proxier.syncRules([{ ...web, endpoints: [] }]);
    expect(ipt.chains('nat').filter((c) => /SVC|SEP/.test(c))).toEqual([]);
    expect(ipt.tables.filter.get('MK8S-SERVICES')!.filter((r) => r.includes('REJECT'))).toHaveLength(2);

    await cleanupIptables(ipt, host);
    expect(ipt.chains('nat')).toEqual([]);
    expect(ipt.chains('filter')).toEqual([]);
    expect(ipt.tables.nat.get('PREROUTING')).toEqual(['-m addrtype --dst-type LOCAL -j DOCKER']);
    expect(ipt.tables.nat.get('DOCKER')).toEqual(['-i docker0 -j RETURN']);
    expect(host.routes.size).toBe(0);
    // Cleanup twice is fine.
    await cleanupIptables(ipt, host);
  });

  it('turns route_localnet on only once the martian drop guards INPUT, and --cleanup puts it back before removing the drop', async () => {
    const ipt = await seeded();
    await ipt.restore('*filter\n:OTHER - [0:0]\n-A INPUT -j OTHER\n-A OTHER -s 192.0.2.0/24 -j ACCEPT\nCOMMIT\n');
    const host = new FakeHostNetwork();
    const drop =
      '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "mk8s: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP';
    const jump = '-m comment --comment "mk8s localnet firewall" -j MK8S-FIREWALL';
    // What the kernel holds at the moment route_localnet is turned on.
    const seen: Array<{ jumped: boolean; firewall: string[] }> = [];
    host.onEnableRouteLocalnet = () =>
      void seen.push({ jumped: ipt.tables.filter.get('INPUT')!.includes(jump), firewall: [...(ipt.tables.filter.get('MK8S-FIREWALL') ?? [])] });
    const proxier = new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16' });
    await proxier.syncRules([web]);
    expect(seen).toEqual([{ jumped: true, firewall: [drop] }]);
    expect(host.routeLocalnet).toBe(true);
    // Every sync rewrites the chain with the same single rule.
    await proxier.syncRules([web, empty]);
    expect(ipt.tables.filter.get('MK8S-FIREWALL')).toEqual([drop]);
    expect(ipt.tables.filter.get('INPUT')!.filter((r) => r === jump)).toHaveLength(1);

    host.onEnableRouteLocalnet = () => {
      throw new Error('route_localnet again');
    };
    const order: string[] = [];
    const restore = host.restoreRouteLocalnet.bind(host);
    host.restoreRouteLocalnet = async () => {
      order.push(`restore while MK8S-FIREWALL ${ipt.tables.filter.get('MK8S-FIREWALL')?.length ? 'drops' : 'is gone'}`);
      return restore();
    };
    expect(await cleanupIptables(ipt, host)).toBe('0');
    expect(order).toEqual(['restore while MK8S-FIREWALL drops']);
    expect(host.routeLocalnet).toBe(false);
    expect(ipt.tables.filter.has('MK8S-FIREWALL')).toBe(false);
    // Only what we added is gone.
    expect(ipt.tables.filter.get('INPUT')).toEqual(['-j OTHER']);
    expect(ipt.tables.filter.get('OTHER')).toEqual(['-s 192.0.2.0/24 -j ACCEPT']);
    // Nothing remembered any more: a second cleanup leaves route_localnet alone.
    expect(await cleanupIptables(ipt, host)).toBeUndefined();
  });

  it('keeps route_localnet on when it was on before kube-proxy', async () => {
    const ipt = await seeded();
    const host = new FakeHostNetwork();
    host.routeLocalnet = true;
    await new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16' }).syncRules([]);
    expect(await cleanupIptables(ipt, host)).toBe('1');
    expect(host.routeLocalnet).toBe(true);
  });

  it('does not turn route_localnet on when the martian drop cannot be installed', async () => {
    const ipt = await seeded();
    const failing = Object.assign(Object.create(ipt) as FakeIptables, {
      ensureRule: async (table: string, chain: string, args: readonly string[]) => {
        if (chain === 'MK8S-FIREWALL') throw new Error('no conntrack match');
        return ipt.ensureRule(table as 'filter', chain, args);
      },
    });
    const host = new FakeHostNetwork();
    await expect(new IptablesProxier({ iptables: failing, host, serviceCIDR: '10.96.0.0/16' }).syncRules([web])).rejects.toThrow(/conntrack/);
    expect(host.routeLocalnet).toBe(false);
  });
});
