/**
 * Rule generation for the iptables proxier: a pure function from the desired
 * state (and the MK8S- chains that exist now) to one `iptables-restore
 * --noflush` input that rewrites every chain of ours and deletes the stale
 * ones. Chains of others are never named, so `--noflush` leaves them alone.
 *
 * nat table:
 *   PREROUTING, OUTPUT -> MK8S-SERVICES
 *     -d <clusterIP> --dport <port>      -> MK8S-SVC-<hash>   (one per service port with endpoints)
 *     -d <lb ingress IP> --dport <port>  -> MK8S-SVC-<hash>   (LoadBalancer Services)
 *     -m addrtype --dst-type LOCAL        -> MK8S-NODEPORTS    (last rule)
 *   MK8S-NODEPORTS  --dport <nodePort>   -> MK8S-SVC-<hash>
 *   MK8S-SVC-<hash>: mark for masquerade, [affinity: recent --rcheck per endpoint],
 *     then statistic random 1/n, 1/(n-1), ..., last unconditional -> MK8S-SEP-<hash>
 *   MK8S-SEP-<hash>: [recent --set] DNAT --to-destination ip:port
 *   POSTROUTING -> MK8S-POSTROUTING: MASQUERADE packets carrying the mark
 * filter table:
 *   INPUT, FORWARD, OUTPUT (new connections) -> MK8S-SERVICES:
 *     REJECT for ClusterIPs and NodePorts of service ports without ready endpoints.
 *   INPUT -> MK8S-FIREWALL: DROP packets for 127.0.0.0/8 from elsewhere that
 *     no DNAT of ours sent there (route_localnet would let them in: CVE-2020-8558).
 */
import { createHash } from 'node:crypto';
import type { EndpointAddr, ServicePortState } from '../proxy-state.js';
import type { Table } from './iptables.js';

export const CHAIN_PREFIX = 'MK8S-';
export const SERVICES_CHAIN = 'MK8S-SERVICES';
export const NODEPORTS_CHAIN = 'MK8S-NODEPORTS';
export const POSTROUTING_CHAIN = 'MK8S-POSTROUTING';
export const MARK_MASQ_CHAIN = 'MK8S-MARK-MASQ';
/** filter-table chain of the martian-source drop that makes `route_localnet=1` safe (Kubernetes' KUBE-FIREWALL rule). */
export const FIREWALL_CHAIN = 'MK8S-FIREWALL';
/** The packet mark bit that asks MK8S-POSTROUTING to masquerade (Kubernetes uses the same bit). */
export const MASQ_MARK = '0x4000';

/**
 * The rule of MK8S-FIREWALL, as `iptables` arguments: with
 * `route_localnet=1` the kernel accepts packets for 127.0.0.0/8 arriving
 * from other hosts and pods, so anything listening on 127.0.0.1 would be
 * reachable from the network (CVE-2020-8558). Drop them unless they are
 * loopback traffic, replies, or connections a DNAT rule sent there
 * (NodePorts reached on 127.0.0.1). In place before route_localnet is set.
 */
export const FIREWALL_RULE: readonly string[] = [
  '!',
  '-s',
  '127.0.0.0/8',
  '-d',
  '127.0.0.0/8',
  '-m',
  'comment',
  '--comment',
  'mk8s: block incoming localnet connections',
  '-m',
  'conntrack',
  '!',
  '--ctstate',
  'RELATED,ESTABLISHED,DNAT',
  '-j',
  'DROP',
];

/** The jumps from built-in chains into ours: inserted once at the top, checked with `iptables -C`. */
export const JUMPS: ReadonlyArray<{ table: Table; chain: string; args: readonly string[] }> = [
  { table: 'nat', chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'mk8s service portals', '-j', SERVICES_CHAIN] },
  { table: 'nat', chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'mk8s service portals', '-j', SERVICES_CHAIN] },
  { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'mk8s postrouting rules', '-j', POSTROUTING_CHAIN] },
  ...(['INPUT', 'FORWARD', 'OUTPUT'] as const).map((chain) => ({
    table: 'filter' as const,
    chain,
    args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'mk8s service portals', '-j', SERVICES_CHAIN],
  })),
  { table: 'filter', chain: 'INPUT', args: ['-m', 'comment', '--comment', 'mk8s localnet firewall', '-j', FIREWALL_CHAIN] },
];

/** The chains that exist as long as the proxier runs, per table. */
export const BASE_CHAINS: Record<Table, readonly string[]> = {
  nat: [SERVICES_CHAIN, NODEPORTS_CHAIN, POSTROUTING_CHAIN, MARK_MASQ_CHAIN],
  filter: [SERVICES_CHAIN, FIREWALL_CHAIN],
};

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 16 base32 characters of sha256(text): short, stable, valid chain-name characters. */
function hash16(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
  }
  return out;
}

export function serviceChain(sp: Pick<ServicePortState, 'id' | 'protocol'>): string {
  return `MK8S-SVC-${hash16(`${sp.id}/${sp.protocol.toLowerCase()}`)}`;
}

export function endpointChain(sp: Pick<ServicePortState, 'id' | 'protocol'>, ep: EndpointAddr): string {
  return `MK8S-SEP-${hash16(`${sp.id}/${sp.protocol.toLowerCase()}/${ep.ip}:${ep.port}`)}`;
}

/** iptables prints probabilities with 11 decimals; so do we (the input then matches iptables-save). */
function probability(n: number): string {
  return (1 / n).toFixed(11);
}

function quote(s: string): string {
  return `"${s}"`;
}

/** A restore line from `iptables` arguments (arguments with spaces quoted). */
function ruleLine(chain: string, args: readonly string[]): string {
  return `-A ${chain} ${args.map((a) => (/\s/.test(a) ? quote(a) : a)).join(' ')}`;
}

export interface GeneratedRules {
  /** The `iptables-restore --noflush` input. */
  input: string;
  /** Rules written per table (Kubernetes' kubeproxy_sync_proxy_rules_iptables_total). */
  ruleCount: Record<Table, number>;
  /** MK8S- chains of each table after the restore. */
  chains: Record<Table, string[]>;
}

/**
 * Builds the restore input. `existing` are the MK8S- chains present now (from
 * iptables-save): those no longer wanted are flushed and deleted.
 */
export function buildRules(state: readonly ServicePortState[], existing: Record<Table, ReadonlySet<string>>): GeneratedRules {
  const nat: string[] = [];
  const filter: string[] = [];
  const natChains = new Set<string>(BASE_CHAINS.nat);
  const filterChains = new Set<string>(BASE_CHAINS.filter);
  const nodePortRules: string[] = [];

  filter.push(ruleLine(FIREWALL_CHAIN, FIREWALL_RULE));
  nat.push(`-A ${POSTROUTING_CHAIN} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  // Clear the mark so a re-traversal (e.g. IPsec) does not masquerade twice.
  nat.push(`-A ${POSTROUTING_CHAIN} -j MARK --xor-mark ${MASQ_MARK}`);
  nat.push(`-A ${POSTROUTING_CHAIN} -m comment --comment ${quote('mk8s service traffic requiring SNAT')} -j MASQUERADE`);
  nat.push(`-A ${MARK_MASQ_CHAIN} -j MARK --or-mark ${MASQ_MARK}`);

  for (const sp of state) {
    const proto = sp.protocol.toLowerCase();
    const match = `-p ${proto} -m ${proto}`;
    if (sp.endpoints.length === 0) {
      // Nothing to send to: refuse at once instead of letting packets wander (filter table).
      if (sp.clusterIP) {
        filter.push(
          `-A ${SERVICES_CHAIN} -d ${sp.clusterIP}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`,
        );
      }
      for (const ip of sp.loadBalancerIPs ?? []) {
        filter.push(
          `-A ${SERVICES_CHAIN} -d ${ip}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`,
        );
      }
      if (sp.nodePort !== undefined) {
        filter.push(
          `-A ${SERVICES_CHAIN} -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} -m comment --comment ${quote(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`,
        );
      }
      continue;
    }
    const svc = serviceChain(sp);
    natChains.add(svc);
    if (sp.clusterIP) {
      nat.push(`-A ${SERVICES_CHAIN} -d ${sp.clusterIP}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} cluster IP`)} -j ${svc}`);
    }
    for (const ip of sp.loadBalancerIPs ?? []) {
      nat.push(`-A ${SERVICES_CHAIN} -d ${ip}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} loadbalancer IP`)} -j ${svc}`);
    }
    if (sp.nodePort !== undefined) {
      nodePortRules.push(`-A ${NODEPORTS_CHAIN} ${match} --dport ${sp.nodePort} -m comment --comment ${quote(sp.id)} -j ${svc}`);
    }
    // Every connection through a Service is masqueraded: replies must come back through
    // this host's conntrack (pod-to-service on one Docker bridge, hairpin, NodePort from
    // 127.0.0.1 with route_localnet), and mk8s has no cluster CIDR to tell them apart.
    nat.push(`-A ${svc} -m comment --comment ${quote(sp.id)} -j ${MARK_MASQ_CHAIN}`);
    const seps = sp.endpoints.map((ep) => ({ ep, chain: endpointChain(sp, ep) }));
    if (sp.affinitySeconds !== undefined) {
      for (const { ep, chain } of seps) {
        nat.push(
          `-A ${svc} -m comment --comment ${quote(`${sp.id} -> ${ep.ip}:${ep.port}`)} -m recent --name ${chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${chain}`,
        );
      }
    }
    seps.forEach(({ ep, chain }, i) => {
      const left = seps.length - i;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : '';
      nat.push(`-A ${svc} -m comment --comment ${quote(`${sp.id} -> ${ep.ip}:${ep.port}`)}${stat} -j ${chain}`);
    });
    for (const { ep, chain } of seps) {
      natChains.add(chain);
      const recent = sp.affinitySeconds !== undefined ? ` -m recent --name ${chain} --set` : '';
      nat.push(`-A ${chain} -m comment --comment ${quote(sp.id)} ${match}${recent} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
    }
  }
  nat.push(...nodePortRules);
  nat.push(
    `-A ${SERVICES_CHAIN} -m comment --comment ${quote('mk8s service nodeports; must be the last rule of this chain')} -m addrtype --dst-type LOCAL -j ${NODEPORTS_CHAIN}`,
  );

  const staleNat = [...existing.nat].filter((c) => c.startsWith(CHAIN_PREFIX) && !natChains.has(c)).sort();
  const staleFilter = [...existing.filter].filter((c) => c.startsWith(CHAIN_PREFIX) && !filterChains.has(c)).sort();
  const declare = (chains: Iterable<string>) => [...chains].map((c) => `:${c} - [0:0]`);
  const natSorted = [...BASE_CHAINS.nat, ...[...natChains].filter((c) => !BASE_CHAINS.nat.includes(c)).sort()];
  const lines = [
    '*filter',
    ...declare([...BASE_CHAINS.filter, ...staleFilter]),
    ...filter,
    ...staleFilter.map((c) => `-X ${c}`),
    'COMMIT',
    '*nat',
    ...declare([...natSorted, ...staleNat]),
    ...nat,
    ...staleNat.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ];
  return {
    input: lines.join('\n'),
    ruleCount: { nat: nat.length, filter: filter.length },
    chains: { nat: natSorted, filter: [...BASE_CHAINS.filter] },
  };
}

/** The restore input that empties and deletes every MK8S- chain in `existing` (for `--cleanup`). */
export function buildCleanup(existing: Record<Table, ReadonlySet<string>>): string {
  const lines: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const chains = [...existing[table]].filter((c) => c.startsWith(CHAIN_PREFIX)).sort();
    if (chains.length === 0) continue;
    lines.push(`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The chain names an `iptables-save` output declares. */
export function chainsIn(save: string): Set<string> {
  const out = new Set<string>();
  for (const line of save.split('\n')) if (line.startsWith(':')) out.add(line.slice(1).split(' ')[0]!);
  return out;
}
