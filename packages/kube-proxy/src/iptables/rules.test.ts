import { describe, expect, it } from 'vitest';
import { serviceBridgeName } from '../cluster-name.js';
import { FakeHostNetwork, FakeMachine } from '../host-network.js';
import type { ServicePortState } from '../proxy-state.js';
import { FakeIptables, type Table } from './iptables.js';
import { IptablesProxier, cleanupIptables } from './proxier.js';
import { MAX_CHAIN_NAME, baseChains, buildCleanup, buildRules, chainNames, jumps } from './rules.js';

/** The default cluster's (`kubernetes`) names: chains `MK8S-SSV4-*`. */
const names = chainNames();

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
    out = out.replaceAll(names.svc(sp), `SVC(${sp.name})`);
    for (const ep of sp.endpoints) out = out.replaceAll(names.sep(sp, ep), `SEP(${sp.name}@${ep.ip})`);
  }
  return out;
}

describe('iptables rule generation', () => {
  it('writes our chains only: spread 1/n, affinity, NodePorts last, REJECT without endpoints, stale chains deleted', () => {
    const r = buildRules([web, sticky, empty], { nat: new Set(['MK8S-SSV4-SERVICES', 'MK8S-SSV4-SVC-GONE']), filter: new Set(['MK8S-SSV4-SERVICES']) });
    expect(readable(r.input, [web, sticky]).split('\n')).toEqual([
      '*filter',
      ':MK8S-SSV4-SERVICES - [0:0]',
      ':MK8S-SSV4-FIREWALL - [0:0]',
      // CVE-2020-8558: with route_localnet=1, 127.0.0.0/8 is reachable from the network unless this drops it.
      '-A MK8S-SSV4-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "mk8s: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-A MK8S-SSV4-SERVICES -d 10.96.0.12/32 -p tcp -m tcp --dport 80 -m comment --comment "default/empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
      '-A MK8S-SSV4-SERVICES -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -m comment --comment "default/empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
      'COMMIT',
      '*nat',
      ':MK8S-SSV4-SERVICES - [0:0]',
      ':MK8S-SSV4-NODEPORTS - [0:0]',
      ':MK8S-SSV4-POSTROUTING - [0:0]',
      ':MK8S-SSV4-MARK-MASQ - [0:0]',
      // Per-service chains are declared in order of their hashed names; checked as a set below.
      ...readable(r.input, [web, sticky])
        .split('\n')
        .filter((l) => /^:(SEP|SVC)\(/.test(l)),
      ':MK8S-SSV4-SVC-GONE - [0:0]',
      '-A MK8S-SSV4-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A MK8S-SSV4-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A MK8S-SSV4-POSTROUTING -m comment --comment "mk8s service traffic requiring SNAT" -j MASQUERADE',
      '-A MK8S-SSV4-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A MK8S-SSV4-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http cluster IP" -j SVC(web)',
      '-A SVC(web) -m comment --comment "default/web:http" -j MK8S-SSV4-MARK-MASQ',
      '-A SVC(web) -m comment --comment "default/web:http -> 172.17.0.2:8080" -m statistic --mode random --probability 0.33333333333 -j SEP(web@172.17.0.2)',
      '-A SVC(web) -m comment --comment "default/web:http -> 172.17.0.3:8080" -m statistic --mode random --probability 0.50000000000 -j SEP(web@172.17.0.3)',
      '-A SVC(web) -m comment --comment "default/web:http -> 172.17.0.4:8080" -j SEP(web@172.17.0.4)',
      '-A SEP(web@172.17.0.2) -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 172.17.0.2:8080',
      '-A SEP(web@172.17.0.3) -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 172.17.0.3:8080',
      '-A SEP(web@172.17.0.4) -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 172.17.0.4:8080',
      '-A MK8S-SSV4-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/sticky cluster IP" -j SVC(sticky)',
      '-A SVC(sticky) -m comment --comment "default/sticky" -j MK8S-SSV4-MARK-MASQ',
      '-A SVC(sticky) -m comment --comment "default/sticky -> 172.17.0.5:80" -m recent --name SEP(sticky@172.17.0.5) --rcheck --seconds 10800 --reap -j SEP(sticky@172.17.0.5)',
      '-A SVC(sticky) -m comment --comment "default/sticky -> 172.17.0.5:80" -j SEP(sticky@172.17.0.5)',
      '-A SEP(sticky@172.17.0.5) -m comment --comment "default/sticky" -p tcp -m tcp -m recent --name SEP(sticky@172.17.0.5) --set -j DNAT --to-destination 172.17.0.5:80',
      '-A MK8S-SSV4-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "default/web:http" -j SVC(web)',
      '-A MK8S-SSV4-SERVICES -m comment --comment "mk8s service nodeports; must be the last rule of this chain" -m addrtype --dst-type LOCAL -j MK8S-SSV4-NODEPORTS',
      '-X MK8S-SSV4-SVC-GONE',
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
    expect(lines).toContain('-A MK8S-SSV4-SERVICES -d 127.240.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb loadbalancer IP" -j SVC(lb)');
    // Before the NodePort jump, which must stay last.
    expect(lines.findIndex((l) => l.includes('loadbalancer IP'))).toBeLessThan(lines.findIndex((l) => l.includes('must be the last rule')));
    const none = buildRules([{ ...lb, endpoints: [] }], { nat: new Set(), filter: new Set() }).input.split('\n');
    expect(none).toContain(
      '-A MK8S-SSV4-SERVICES -d 127.240.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "default/lb has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
    );
  });

  it('chain names are stable, short enough for iptables, and differ per endpoint', () => {
    const noEndpoints: ServicePortState = { ...web, endpoints: [] };
    expect(names.svc(web)).toBe(names.svc(noEndpoints));
    expect(names.svc(web)).toMatch(/^MK8S-SSV4-SVC-[A-Z2-7]{12}$/);
    expect(names.sep(web, web.endpoints[0]!)).toMatch(/^MK8S-SSV4-SEP-[A-Z2-7]{12}$/);
    expect(names.sep(web, web.endpoints[0]!)).not.toBe(names.sep(web, web.endpoints[1]!));
    expect(names.svc({ ...web, protocol: 'UDP' })).not.toBe(names.svc(web));
  });

  it("every chain name generated, for any cluster name, fits iptables' 28 characters", () => {
    for (const cluster of ['kubernetes', 'mk8s-e2e', 'a'.repeat(300), 'x']) {
      const n = chainNames(cluster);
      const r = buildRules([web, sticky, empty], { nat: new Set(), filter: new Set() }, n);
      const declared = r.input
        .split('\n')
        .filter((l) => l.startsWith(':'))
        .map((l) => l.slice(1).split(' ')[0]!);
      const all = [...declared, ...jumps(n).map((j) => j.args[j.args.length - 1]!), n.firewall, n.markMasq, n.postrouting];
      // 4 base chains of nat + 2 service chains + 4 endpoint chains; 2 of filter.
      expect(new Set(declared).size).toBe(4 + 2 + 4 + 1);
      for (const c of all) {
        expect(c.startsWith(n.prefix), c).toBe(true);
        expect(c.length, c).toBeLessThanOrEqual(MAX_CHAIN_NAME);
      }
    }
    expect(MAX_CHAIN_NAME).toBe(28);
  });

  it('the cluster name picks a stable 4-character tag: the prefix of every chain, and the service bridge', () => {
    // Pinned: a kube-proxy of another version must find the chains (and bridge) this one made.
    expect(names.prefix).toBe('MK8S-SSV4-');
    expect(names.services).toBe('MK8S-SSV4-SERVICES');
    expect(chainNames('kubernetes')).toMatchObject({ tag: 'SSV4', firewall: 'MK8S-SSV4-FIREWALL', markMasq: 'MK8S-SSV4-MARK-MASQ' });
    expect(serviceBridgeName()).toBe('mk8s-svc-ssv4');
    expect(serviceBridgeName('kubernetes')).toBe('mk8s-svc-ssv4');
    const other = chainNames('mk8s-e2e');
    expect(other.tag).toMatch(/^[A-Z2-7]{4}$/);
    expect(other.prefix).not.toBe(names.prefix);
    expect(other.svc(web)).not.toBe(names.svc(web));
    expect(serviceBridgeName('mk8s-e2e')).toBe(`mk8s-svc-${other.tag.toLowerCase()}`);
    expect(serviceBridgeName('a'.repeat(300)).length).toBeLessThanOrEqual(15);
    expect(() => chainNames('')).toThrow(/empty/);
  });
});

describe('several clusters on one machine: rules and cleanup input', () => {
  const mine = chainNames('mine');
  const theirs = chainNames('theirs');
  /** An endpoint that has left web: its chains are stale. */
  const gone = { ip: '172.17.0.9', port: 8080 };
  /** What iptables-save shows with both clusters (and an old untagged kube-proxy) present. */
  const existing: Record<Table, ReadonlySet<string>> = {
    nat: new Set([
      ...baseChains(mine).nat,
      mine.svc(web),
      mine.sep(web, gone),
      ...baseChains(theirs).nat,
      theirs.svc(web),
      theirs.sep(web, gone),
      'MK8S-SERVICES',
      'MK8S-SVC-ABCDEFGHIJKLMNOP',
      'DOCKER',
    ]),
    filter: new Set([...baseChains(mine).filter, ...baseChains(theirs).filter, 'MK8S-SERVICES', 'MK8S-FIREWALL', 'DOCKER-USER']),
  };
  /** Every chain a restore input names (declared, appended to, deleted, jumped to, or a `recent` list). */
  const named = (input: string) => new Set(input.split(/[\s:]+/).filter((w) => /^(MK8S-|DOCKER)/.test(w)));

  it('buildRules deletes its own stale chains and names no chain of another cluster', () => {
    const r = buildRules([web], existing, mine);
    expect(
      r.input
        .split('\n')
        .filter((l) => l.startsWith('-X '))
        .sort(),
    ).toEqual([`-X ${mine.sep(web, gone)}`]);
    expect([...named(r.input)].filter((c) => !c.startsWith(mine.prefix))).toEqual([]);
    expect(named(r.input)).toContain(mine.svc(web));
  });

  it('buildCleanup lists only its own chains', () => {
    const input = buildCleanup(existing, mine);
    const chains = input
      .split('\n')
      .filter((l) => l.startsWith('-X '))
      .map((l) => l.slice(3))
      .sort();
    expect(chains).toEqual([...baseChains(mine).filter, ...baseChains(mine).nat, mine.svc(web), mine.sep(web, gone)].sort());
    expect([...named(input)].filter((c) => !c.startsWith(mine.prefix))).toEqual([]);
    expect(buildCleanup(existing, chainNames('nobody-here'))).toBe('');
  });

  it("an old untagged chain that starts like a cluster's prefix is not taken for its own", () => {
    // sha256('cluster-2583714') begins with base32 MARK: its prefix MK8S-MARK- also begins the old MK8S-MARK-MASQ.
    const mark = chainNames('cluster-2583714');
    expect(mark.prefix).toBe('MK8S-MARK-');
    const old = { nat: new Set(['MK8S-MARK-MASQ', 'MK8S-SERVICES', mark.markMasq]), filter: new Set<string>() };
    expect(buildCleanup(old, mark)).not.toContain('-X MK8S-MARK-MASQ\n');
    expect(buildCleanup(old, mark)).toContain(`-X ${mark.markMasq}\n`);
    expect(buildRules([], old, mark).input).not.toMatch(/^(:|-X )MK8S-MARK-MASQ\b/m);
  });
});

/** A fake iptables holding Docker's rules, which must survive everything we do. */
async function seeded(): Promise<FakeIptables> {
  const ipt = new FakeIptables();
  await ipt.restore('*nat\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A DOCKER -i docker0 -j RETURN\nCOMMIT\n');
  return ipt;
}

describe('IptablesProxier over a fake iptables', () => {
  it('installs jumps once, rewrites our chains atomically, removes a Service and an endpoint, and cleans up', async () => {
    const ipt = await seeded();
    const host = new FakeHostNetwork();
    const proxier = new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16' });
    await proxier.syncRules([web, sticky, empty]);
    await proxier.syncRules([web, sticky, empty]);
    expect(host.routes).toEqual(new Set(['10.96.0.0/16']));
    expect(host.routeLocalnet).toBe(true);
    expect(ipt.tables.nat.get('PREROUTING')).toEqual([
      '-m comment --comment "mk8s service portals" -j MK8S-SSV4-SERVICES',
      '-m addrtype --dst-type LOCAL -j DOCKER',
    ]);
    expect(ipt.tables.nat.get('OUTPUT')).toHaveLength(1);
    expect(ipt.tables.nat.get('POSTROUTING')).toEqual(['-m comment --comment "mk8s postrouting rules" -j MK8S-SSV4-POSTROUTING']);
    expect(ipt.tables.filter.get('FORWARD')).toHaveLength(1);
    const all = ipt.chains('nat');
    expect(all.filter((c) => c.startsWith('MK8S-SSV4-SEP-'))).toHaveLength(4);
    expect(all.filter((c) => c.startsWith('MK8S-SSV4-SVC-'))).toHaveLength(2);
    // Every sync is one restore holding only our chains.
    expect(ipt.restores.slice(1).every((input) => !/DOCKER|PREROUTING/.test(input))).toBe(true);

    // One endpoint of web leaves, sticky goes away entirely.
    const fewer = { ...web, endpoints: web.endpoints.slice(0, 2) };
    await proxier.syncRules([fewer, empty]);
    const after = ipt.chains('nat');
    expect(after).toContain(names.svc(web));
    expect(after).not.toContain(names.sep(web, web.endpoints[2]!));
    expect(after).not.toContain(names.svc(sticky));
    expect(after).not.toContain(names.sep(sticky, sticky.endpoints[0]!));
    const svcRules = ipt.tables.nat.get(names.svc(web))!;
    expect(svcRules.filter((r) => r.includes('--probability'))).toEqual([
      `-m comment --comment "default/web:http -> 172.17.0.2:8080" -m statistic --mode random --probability 0.50000000000 -j ${names.sep(web, web.endpoints[0]!)}`,
    ]);
    expect(ipt.tables.nat.get('DOCKER')).toEqual(['-i docker0 -j RETURN']);

    // No endpoints at all: the service's chain goes, a REJECT takes its place.
    await proxier.syncRules([{ ...web, endpoints: [] }]);
    expect(ipt.chains('nat').filter((c) => /SVC|SEP/.test(c))).toEqual([]);
    expect(ipt.tables.filter.get('MK8S-SSV4-SERVICES')!.filter((r) => r.includes('REJECT'))).toHaveLength(2);

    await cleanupIptables(ipt, host);
    expect(ipt.chains('nat')).toEqual([]);
    expect(ipt.chains('filter')).toEqual([]);
    expect(ipt.tables.nat.get('PREROUTING')).toEqual(['-m addrtype --dst-type LOCAL -j DOCKER']);
    expect(ipt.tables.nat.get('DOCKER')).toEqual(['-i docker0 -j RETURN']);
    expect(host.routes.size).toBe(0);
    expect(host.machine.bridges.size).toBe(0);
    expect(host.calls).toContain('remove bridge mk8s-svc-ssv4');
    // Cleanup twice is fine.
    await cleanupIptables(ipt, host);
  });

  it('turns route_localnet on only once the martian drop guards INPUT, and --cleanup puts it back before removing the drop', async () => {
    const ipt = await seeded();
    await ipt.restore('*filter\n:OTHER - [0:0]\n-A INPUT -j OTHER\n-A OTHER -s 192.0.2.0/24 -j ACCEPT\nCOMMIT\n');
    const host = new FakeHostNetwork();
    const drop =
      '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "mk8s: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP';
    const jump = '-m comment --comment "mk8s localnet firewall" -j MK8S-SSV4-FIREWALL';
    // What the kernel holds at the moment route_localnet is turned on.
    const seen: Array<{ jumped: boolean; firewall: string[] }> = [];
    host.onEnableRouteLocalnet = () =>
      void seen.push({ jumped: ipt.tables.filter.get('INPUT')!.includes(jump), firewall: [...(ipt.tables.filter.get('MK8S-SSV4-FIREWALL') ?? [])] });
    const proxier = new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16' });
    await proxier.syncRules([web]);
    expect(seen).toEqual([{ jumped: true, firewall: [drop] }]);
    expect(host.routeLocalnet).toBe(true);
    // Every sync rewrites the chain with the same single rule.
    await proxier.syncRules([web, empty]);
    expect(ipt.tables.filter.get('MK8S-SSV4-FIREWALL')).toEqual([drop]);
    expect(ipt.tables.filter.get('INPUT')!.filter((r) => r === jump)).toHaveLength(1);

    host.onEnableRouteLocalnet = () => {
      throw new Error('route_localnet again');
    };
    const order: string[] = [];
    const restore = host.restoreRouteLocalnet.bind(host);
    host.restoreRouteLocalnet = async () => {
      order.push(`restore while MK8S-SSV4-FIREWALL ${ipt.tables.filter.get('MK8S-SSV4-FIREWALL')?.length ? 'drops' : 'is gone'}`);
      return restore();
    };
    expect(await cleanupIptables(ipt, host)).toEqual({ routeLocalnet: '0', routeLocalnetKeptFor: [] });
    expect(order).toEqual(['restore while MK8S-SSV4-FIREWALL drops']);
    expect(host.routeLocalnet).toBe(false);
    expect(ipt.tables.filter.has('MK8S-SSV4-FIREWALL')).toBe(false);
    // Only what we added is gone.
    expect(ipt.tables.filter.get('INPUT')).toEqual(['-j OTHER']);
    expect(ipt.tables.filter.get('OTHER')).toEqual(['-s 192.0.2.0/24 -j ACCEPT']);
    // Nothing remembered any more: a second cleanup leaves route_localnet alone.
    expect(await cleanupIptables(ipt, host)).toEqual({ routeLocalnet: undefined, routeLocalnetKeptFor: [] });
  });

  it('keeps route_localnet on when it was on before kube-proxy', async () => {
    const ipt = await seeded();
    const host = new FakeHostNetwork();
    host.routeLocalnet = true;
    await new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16' }).syncRules([]);
    expect(await cleanupIptables(ipt, host)).toEqual({ routeLocalnet: '1', routeLocalnetKeptFor: [] });
    expect(host.routeLocalnet).toBe(true);
  });

  it('does not turn route_localnet on when the martian drop cannot be installed', async () => {
    const ipt = await seeded();
    const failing = Object.assign(Object.create(ipt) as FakeIptables, {
      ensureRule: async (table: string, chain: string, args: readonly string[]) => {
        if (chain === 'MK8S-SSV4-FIREWALL') throw new Error('no conntrack match');
        return ipt.ensureRule(table as 'filter', chain, args);
      },
    });
    const host = new FakeHostNetwork();
    await expect(new IptablesProxier({ iptables: failing, host, serviceCIDR: '10.96.0.0/16' }).syncRules([web])).rejects.toThrow(/conntrack/);
    expect(host.routeLocalnet).toBe(false);
  });
});

describe('two clusters on one machine, over a fake iptables', () => {
  /** One cluster's proxier and host network on the shared machine. */
  function cluster(ipt: FakeIptables, machine: FakeMachine, clusterName: string, serviceCIDR: string) {
    const host = new FakeHostNetwork({ bridge: serviceBridgeName(clusterName), machine });
    return { clusterName, names: chainNames(clusterName), host, proxier: new IptablesProxier({ iptables: ipt, host, serviceCIDR, clusterName }) };
  }
  /** One cluster's chains (both tables) with their rules: what another cluster's sync or cleanup must not change. */
  const snapshot = (ipt: FakeIptables, prefix: string) =>
    Object.fromEntries(
      (['nat', 'filter'] as const).flatMap((t) => [...ipt.tables[t]].filter(([c]) => c.startsWith(prefix)).map(([c, rules]) => [`${t}/${c}`, [...rules]])),
    );
  /** The rules in built-in chains that jump to one cluster's chains. */
  const jumpsTo = (ipt: FakeIptables, prefix: string) =>
    (['nat', 'filter'] as const).flatMap((t) =>
      [...ipt.tables[t]].flatMap(([c, rules]) => rules.filter((r) => r.includes(`-j ${prefix}`) && !c.startsWith('MK8S-')).map((r) => `${t}/${c}: ${r}`)),
    );

  it('each syncs and cleans up only its own chains, jumps and bridge; route_localnet goes back with the last cleanup', async () => {
    const ipt = await seeded();
    const machine = new FakeMachine();
    const user = cluster(ipt, machine, 'kubernetes', '10.96.0.0/16');
    const test = cluster(ipt, machine, 'mk8s-e2e', '10.97.0.0/16');
    expect(test.names.prefix).not.toBe(user.names.prefix);
    expect(test.host.bridge).not.toBe(user.host.bridge);

    await user.proxier.syncRules([web, sticky, empty]);
    await test.proxier.syncRules([web]);
    // The user's next sync (sticky gone) deletes its own stale chains, not the test cluster's.
    await user.proxier.syncRules([web, empty]);
    expect(ipt.chains('nat', user.names.prefix)).not.toContain(user.names.svc(sticky));
    const testRules = snapshot(ipt, test.names.prefix);
    const testJumps = jumpsTo(ipt, test.names.prefix);
    expect(Object.keys(testRules)).toContain(`nat/${test.names.svc(web)}`);
    expect(testJumps).toHaveLength(jumps(test.names).length);
    expect(jumpsTo(ipt, user.names.prefix)).toHaveLength(jumps(user.names).length);
    expect(ipt.tables.nat.get('PREROUTING')).toEqual([
      `-m comment --comment "mk8s service portals" -j ${test.names.services}`,
      `-m comment --comment "mk8s service portals" -j ${user.names.services}`,
      '-m addrtype --dst-type LOCAL -j DOCKER',
    ]);
    expect([...machine.bridges.keys()].sort()).toEqual(['mk8s-svc-ssv4', serviceBridgeName('mk8s-e2e')].sort());
    expect(machine.routeLocalnet).toBe(true);

    // The test cluster goes down first: the user's cluster keeps everything, route_localnet included
    // (its kube-proxy needs it for NodePorts on 127.0.0.1, and its firewall still guards it).
    expect(await cleanupIptables(ipt, test.host, test.clusterName)).toEqual({ routeLocalnet: undefined, routeLocalnetKeptFor: [user.names.firewall] });
    expect(snapshot(ipt, test.names.prefix)).toEqual({});
    expect(jumpsTo(ipt, test.names.prefix)).toEqual([]);
    expect(machine.bridges.has(test.host.bridge)).toBe(false);
    expect(user.host.routes).toEqual(new Set(['10.96.0.0/16']));
    expect(machine.routeLocalnet).toBe(true);
    expect(machine.routeLocalnetBefore).toBe(false);
    expect(jumpsTo(ipt, user.names.prefix)).toHaveLength(jumps(user.names).length);
    expect(ipt.tables.nat.get(user.names.svc(web))).toHaveLength(1 + 3);
    expect(ipt.tables.filter.get(user.names.firewall)).toHaveLength(1);
    // ... and syncs on.
    await user.proxier.syncRules([web]);
    expect(ipt.tables.filter.get(user.names.services)).toEqual([]);

    // The test cluster comes back (a new kube-proxy) while the user's runs; then the user's goes down: the test cluster's stay.
    const test2 = cluster(ipt, machine, 'mk8s-e2e', '10.97.0.0/16');
    await test2.proxier.syncRules([web]);
    expect(snapshot(ipt, test.names.prefix)).toEqual(testRules);
    expect(test2.host.routes).toEqual(new Set(['10.97.0.0/16']));
    expect(await cleanupIptables(ipt, user.host, user.clusterName)).toEqual({ routeLocalnet: undefined, routeLocalnetKeptFor: [test.names.firewall] });
    expect(snapshot(ipt, user.names.prefix)).toEqual({});
    expect(jumpsTo(ipt, user.names.prefix)).toEqual([]);
    expect(machine.bridges.has(user.host.bridge)).toBe(false);
    expect(snapshot(ipt, test.names.prefix)).toEqual(testRules);
    expect(jumpsTo(ipt, test.names.prefix).sort()).toEqual([...testJumps].sort());
    expect(test2.host.routes).toEqual(new Set(['10.97.0.0/16']));
    expect(machine.routeLocalnet).toBe(true);

    // The last one out puts route_localnet back; nothing of ours is left, Docker's rules are.
    expect(await cleanupIptables(ipt, test.host, test.clusterName)).toEqual({ routeLocalnet: '0', routeLocalnetKeptFor: [] });
    expect(machine.routeLocalnet).toBe(false);
    expect(ipt.chains('nat')).toEqual([]);
    expect(ipt.chains('filter')).toEqual([]);
    expect(machine.bridges.size).toBe(0);
    expect(ipt.tables.nat.get('PREROUTING')).toEqual(['-m addrtype --dst-type LOCAL -j DOCKER']);
    expect(ipt.tables.nat.get('DOCKER')).toEqual(['-i docker0 -j RETURN']);
  });

  it("an older, untagged kube-proxy's chains and jumps are left alone, and its MK8S-FIREWALL keeps route_localnet on", async () => {
    const ipt = await seeded();
    await ipt.restore(
      [
        '*nat',
        ':MK8S-SERVICES - [0:0]',
        ':MK8S-MARK-MASQ - [0:0]',
        ':MK8S-SVC-ABCDEFGHIJKLMNOP - [0:0]',
        '-A PREROUTING -m comment --comment "mk8s service portals" -j MK8S-SERVICES',
        '-A MK8S-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j MK8S-SVC-ABCDEFGHIJKLMNOP',
        '-A MK8S-SVC-ABCDEFGHIJKLMNOP -j MK8S-MARK-MASQ',
        'COMMIT',
        '*filter',
        ':MK8S-FIREWALL - [0:0]',
        '-A INPUT -m comment --comment "mk8s localnet firewall" -j MK8S-FIREWALL',
        '-A MK8S-FIREWALL -j DROP',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const old = snapshot(ipt, 'MK8S-');
    const host = new FakeHostNetwork();
    await new IptablesProxier({ iptables: ipt, host, serviceCIDR: '10.96.0.0/16' }).syncRules([web]);
    expect(await cleanupIptables(ipt, host)).toEqual({ routeLocalnet: undefined, routeLocalnetKeptFor: ['MK8S-FIREWALL'] });
    expect(snapshot(ipt, 'MK8S-')).toEqual(old);
    expect(ipt.tables.nat.get('PREROUTING')).toEqual([
      '-m addrtype --dst-type LOCAL -j DOCKER',
      '-m comment --comment "mk8s service portals" -j MK8S-SERVICES',
    ]);
    expect(ipt.tables.filter.get('INPUT')).toEqual(['-m comment --comment "mk8s localnet firewall" -j MK8S-FIREWALL']);
    expect(host.routeLocalnet).toBe(true);
  });
});
