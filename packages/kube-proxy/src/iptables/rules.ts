/**
 * Rule generation for the iptables proxier: a pure function from the desired
 * state (and this cluster's chains that exist now) to one `iptables-restore
 * --noflush` input that rewrites every chain of ours and deletes the stale
 * ones. Chains of others are never named, so `--noflush` leaves them alone.
 *
 * Every chain is scoped by the cluster name (see chainNames): `MK8S-<TAG>-`,
 * TAG being 4 base32 characters of SHA-256 of the name (`MK8S-SSV4-` for
 * the default `kubernetes`). A sync or a cleanup only ever considers chains
 * with its own exact prefix: another cluster's on the same machine, or an
 * untagged `MK8S-SERVICES` of an older kube-proxy, are never touched.
 * Below, `MK8S-` stands for `MK8S-<TAG>-`.
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
import { DEFAULT_CLUSTER_NAME, base32Hash, clusterTag } from '../cluster-name.js';
import type { EndpointAddr, ServicePortState } from '../proxy-state.js';
import type { Table } from './iptables.js';

/** iptables' limit on chain names. */
export const MAX_CHAIN_NAME = 28;
/** Base32 characters of the hash in service and endpoint chain names (`MK8S-<TAG>-SVC-` + 12 = 26 characters). */
const CHAIN_HASH_LENGTH = 12;

/** The names of one cluster's chains. */
export interface ChainNames {
  clusterName: string;
  /** 4 base32 characters of SHA-256 of the cluster name. */
  tag: string;
  /** `MK8S-<TAG>-`: every chain of this cluster starts with it, and only those are ever touched. */
  prefix: string;
  /** nat: the service portals (from PREROUTING, OUTPUT); filter: REJECTs (from INPUT, FORWARD, OUTPUT). */
  services: string;
  nodeports: string;
  postrouting: string;
  markMasq: string;
  /** filter-table chain of the martian-source drop that makes `route_localnet=1` safe (Kubernetes' KUBE-FIREWALL rule). */
  firewall: string;
  /** The chain of a service port: `MK8S-<TAG>-SVC-<12 base32 of its hash>`. */
  svc(sp: Pick<ServicePortState, 'id' | 'protocol'>): string;
  /** The chain of one endpoint of a service port: `MK8S-<TAG>-SEP-<12 base32 of its hash>`. */
  sep(sp: Pick<ServicePortState, 'id' | 'protocol'>, ep: EndpointAddr): string;
  /** Whether `chain` is one of this cluster's (the prefix; never a chain of an older, untagged kube-proxy). */
  owns(chain: string): boolean;
}

/**
 * The untagged chains of kube-proxy before cluster names. `MK8S-MARK-MASQ`
 * would start with the prefix of a cluster whose tag is `MARK`: it is never
 * taken for one of that cluster's.
 */
const LEGACY_CHAINS: ReadonlySet<string> = new Set(['MK8S-SERVICES', 'MK8S-NODEPORTS', 'MK8S-POSTROUTING', 'MK8S-MARK-MASQ', 'MK8S-FIREWALL']);

/** The chain names of cluster `clusterName` (default `kubernetes`). */
export function chainNames(clusterName: string = DEFAULT_CLUSTER_NAME): ChainNames {
  const tag = clusterTag(clusterName);
  const prefix = `MK8S-${tag}-`;
  return {
    clusterName,
    tag,
    prefix,
    services: `${prefix}SERVICES`,
    nodeports: `${prefix}NODEPORTS`,
    postrouting: `${prefix}POSTROUTING`,
    markMasq: `${prefix}MARK-MASQ`,
    firewall: `${prefix}FIREWALL`,
    svc: (sp) => `${prefix}SVC-${base32Hash(`${sp.id}/${sp.protocol.toLowerCase()}`, CHAIN_HASH_LENGTH)}`,
    sep: (sp, ep) => `${prefix}SEP-${base32Hash(`${sp.id}/${sp.protocol.toLowerCase()}/${ep.ip}:${ep.port}`, CHAIN_HASH_LENGTH)}`,
    owns: (chain) => chain.startsWith(prefix) && !LEGACY_CHAINS.has(chain),
  };
}

/** The default cluster's names, for the defaults below. */
const DEFAULT_NAMES = chainNames();

/** A firewall chain of any cluster (`MK8S-<TAG>-FIREWALL`), or of an untagged older kube-proxy (`MK8S-FIREWALL`). */
const ANY_FIREWALL = /^MK8S-(?:[A-Z2-7]{4}-)?FIREWALL$/;

/**
 * The filter-table chains among `chains` that guard route_localnet for
 * another cluster (or an older, untagged kube-proxy): while one remains,
 * that kube-proxy still needs route_localnet=1.
 */
export function otherFirewalls(chains: Iterable<string>, names: ChainNames = DEFAULT_NAMES): string[] {
  return [...chains].filter((c) => ANY_FIREWALL.test(c) && c !== names.firewall).sort();
}

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

export interface Jump {
  table: Table;
  chain: string;
  args: readonly string[];
}

/**
 * The jumps from built-in chains into this cluster's: inserted once at the
 * top, checked with `iptables -C`. The comments are the same for every
 * cluster; the `-j` target makes each cluster's jump its own.
 */
export function jumps(names: ChainNames = DEFAULT_NAMES): Jump[] {
  return [
    { table: 'nat', chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'mk8s service portals', '-j', names.services] },
    { table: 'nat', chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'mk8s service portals', '-j', names.services] },
    { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'mk8s postrouting rules', '-j', names.postrouting] },
    ...(['INPUT', 'FORWARD', 'OUTPUT'] as const).map((chain) => ({
      table: 'filter' as const,
      chain,
      args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'mk8s service portals', '-j', names.services],
    })),
    { table: 'filter', chain: 'INPUT', args: ['-m', 'comment', '--comment', 'mk8s localnet firewall', '-j', names.firewall] },
  ];
}

/** The chains of this cluster that exist as long as the proxier runs, per table. */
export function baseChains(names: ChainNames = DEFAULT_NAMES): Record<Table, readonly string[]> {
  return {
    nat: [names.services, names.nodeports, names.postrouting, names.markMasq],
    filter: [names.services, names.firewall],
  };
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
  /** This cluster's chains of each table after the restore. */
  chains: Record<Table, string[]>;
}

/**
 * Builds the restore input for the cluster of `names`. `existing` are chains
 * present now (from iptables-save): those of this cluster (`names.owns`) no
 * longer wanted are flushed and deleted; any others are ignored.
 */
export function buildRules(
  state: readonly ServicePortState[],
  existing: Record<Table, ReadonlySet<string>>,
  names: ChainNames = DEFAULT_NAMES,
): GeneratedRules {
  const base = baseChains(names);
  const { services, nodeports, postrouting, markMasq, firewall } = names;
  const nat: string[] = [];
  const filter: string[] = [];
  const natChains = new Set<string>(base.nat);
  const filterChains = new Set<string>(base.filter);
  const nodePortRules: string[] = [];

  filter.push(ruleLine(firewall, FIREWALL_RULE));
  nat.push(`-A ${postrouting} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  // Clear the mark so a re-traversal (e.g. IPsec) does not masquerade twice.
  nat.push(`-A ${postrouting} -j MARK --xor-mark ${MASQ_MARK}`);
  nat.push(`-A ${postrouting} -m comment --comment ${quote('mk8s service traffic requiring SNAT')} -j MASQUERADE`);
  nat.push(`-A ${markMasq} -j MARK --or-mark ${MASQ_MARK}`);

  for (const sp of state) {
    const proto = sp.protocol.toLowerCase();
    const match = `-p ${proto} -m ${proto}`;
    if (sp.endpoints.length === 0) {
      // Nothing to send to: refuse at once instead of letting packets wander (filter table).
      if (sp.clusterIP) {
        filter.push(
          `-A ${services} -d ${sp.clusterIP}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`,
        );
      }
      for (const ip of sp.loadBalancerIPs ?? []) {
        filter.push(
          `-A ${services} -d ${ip}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`,
        );
      }
      if (sp.nodePort !== undefined) {
        filter.push(
          `-A ${services} -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} -m comment --comment ${quote(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`,
        );
      }
      continue;
    }
    const svc = names.svc(sp);
    natChains.add(svc);
    if (sp.clusterIP) {
      nat.push(`-A ${services} -d ${sp.clusterIP}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} cluster IP`)} -j ${svc}`);
    }
    for (const ip of sp.loadBalancerIPs ?? []) {
      nat.push(`-A ${services} -d ${ip}/32 ${match} --dport ${sp.port} -m comment --comment ${quote(`${sp.id} loadbalancer IP`)} -j ${svc}`);
    }
    if (sp.nodePort !== undefined) {
      nodePortRules.push(`-A ${nodeports} ${match} --dport ${sp.nodePort} -m comment --comment ${quote(sp.id)} -j ${svc}`);
    }
    // Every connection through a Service is masqueraded: replies must come back through
    // this host's conntrack (pod-to-service on one Docker bridge, hairpin, NodePort from
    // 127.0.0.1 with route_localnet), and mk8s has no cluster CIDR to tell them apart.
    nat.push(`-A ${svc} -m comment --comment ${quote(sp.id)} -j ${markMasq}`);
    const seps = sp.endpoints.map((ep) => ({ ep, chain: names.sep(sp, ep) }));
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
    `-A ${services} -m comment --comment ${quote('mk8s service nodeports; must be the last rule of this chain')} -m addrtype --dst-type LOCAL -j ${nodeports}`,
  );

  const staleNat = [...existing.nat].filter((c) => names.owns(c) && !natChains.has(c)).sort();
  const staleFilter = [...existing.filter].filter((c) => names.owns(c) && !filterChains.has(c)).sort();
  const declare = (chains: Iterable<string>) => [...chains].map((c) => `:${c} - [0:0]`);
  const natSorted = [...base.nat, ...[...natChains].filter((c) => !base.nat.includes(c)).sort()];
  const lines = [
    '*filter',
    ...declare([...base.filter, ...staleFilter]),
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
    chains: { nat: natSorted, filter: [...base.filter] },
  };
}

/**
 * The restore input that empties and deletes every chain of the cluster of
 * `names` in `existing` (for `--cleanup`); other chains are ignored.
 */
export function buildCleanup(existing: Record<Table, ReadonlySet<string>>, names: ChainNames = DEFAULT_NAMES): string {
  const lines: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const chains = [...existing[table]].filter((c) => names.owns(c)).sort();
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
