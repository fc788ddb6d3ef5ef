/**
 * The iptables proxier (Kubernetes' pkg/proxy/iptables): `syncRules(state)`
 * makes the kernel's chains of this cluster (`MK8S-<TAG>-`, see
 * chainNames) match the desired state in one atomic
 * `iptables-restore --noflush`, after checking that the jumps from the
 * built-in chains, the service route and route_localnet are in place.
 * route_localnet is only turned on once the cluster's MK8S-<TAG>-FIREWALL
 * drops what it would otherwise let in from the network (CVE-2020-8558; see
 * rules.ts). Chains of other clusters on the machine are never touched.
 * Idempotent; one call at a time (the sync runner guarantees it).
 */
import { DEFAULT_CLUSTER_NAME } from '../cluster-name.js';
import type { HostNetwork } from '../host-network.js';
import type { Proxier, SyncResult } from '../proxier.js';
import type { ServicePortState } from '../proxy-state.js';
import type { Iptables, Table } from './iptables.js';
import { FIREWALL_RULE, baseChains, buildCleanup, buildRules, chainNames, chainsIn, jumps, otherFirewalls, type ChainNames } from './rules.js';

export interface IptablesProxierOptions {
  iptables: Iptables;
  /** The host side; its service bridge should be this cluster's (`new LinuxHostNetwork({ bridge: serviceBridgeName(clusterName) })`). */
  host: HostNetwork;
  /** The service ClusterIP range routed to the service bridge. */
  serviceCIDR: string;
  /** Scopes the chains (`MK8S-<TAG>-`), so clusters on one machine leave each other alone (default `kubernetes`). */
  clusterName?: string;
}

/** The chains of this cluster present now, per table (others' are left out). */
async function existingChains(iptables: Iptables, names: ChainNames): Promise<Record<Table, Set<string>>> {
  const [nat, filter] = await Promise.all([iptables.save('nat'), iptables.save('filter')]);
  const mine = (s: Set<string>) => new Set([...s].filter((c) => names.owns(c)));
  return { nat: mine(chainsIn(nat)), filter: mine(chainsIn(filter)) };
}

export class IptablesProxier implements Proxier {
  readonly mode = 'iptables';
  /** The names of this cluster's chains. */
  readonly names: ChainNames;
  private hostReady = false;

  constructor(private readonly opts: IptablesProxierOptions) {
    this.names = chainNames(opts.clusterName ?? DEFAULT_CLUSTER_NAME);
  }

  /** Base chains, the jumps into them, and the host settings; cheap when all exist. */
  private async ensureBase(): Promise<void> {
    const { iptables, host } = this.opts;
    const base = baseChains(this.names);
    for (const table of ['nat', 'filter'] as const) for (const chain of base[table]) await iptables.ensureChain(table, chain);
    // The martian drop first: route_localnet (below) is only safe with it in place.
    await iptables.ensureRule('filter', this.names.firewall, FIREWALL_RULE);
    for (const j of jumps(this.names)) await iptables.ensureRule(j.table, j.chain, j.args);
    if (!this.hostReady) {
      await host.ensureServiceRoute(this.opts.serviceCIDR);
      await host.enableRouteLocalnet();
      this.hostReady = true;
    }
  }

  async syncRules(state: readonly ServicePortState[]): Promise<SyncResult> {
    await this.ensureBase();
    const rules = buildRules(state, await existingChains(this.opts.iptables, this.names), this.names);
    await this.opts.iptables.restore(rules.input);
    return { rules: rules.ruleCount.nat + rules.ruleCount.filter, detail: { ...rules.ruleCount } };
  }

  /** SIGTERM: kube-proxy leaves its rules in place so traffic keeps flowing. */
  async close(): Promise<void> {}
}

/** What `cleanupIptables` did with route_localnet. */
export interface IptablesCleanupResult {
  /** The route_localnet value put back, or undefined when it was left as it is (see `routeLocalnetKeptFor`). */
  routeLocalnet: string | undefined;
  /**
   * The firewall chains of other clusters (`MK8S-<TAG>-FIREWALL`, or an older
   * kube-proxy's `MK8S-FIREWALL`) that made cleanup leave route_localnet on:
   * their kube-proxy still needs it, and their firewall still guards it. The
   * remembered value stays for the last cluster's cleanup. Empty when none.
   */
  routeLocalnetKeptFor: string[];
}

/**
 * `kube-proxy --cleanup` for one cluster: puts route_localnet back as it
 * was before the proxier turned it on (while this cluster's firewall still
 * guards it), unless another cluster's firewall chain is present, then
 * removes this cluster's jumps, its chains and `host`'s service bridge with
 * its route. Leaves everything else alone, other clusters' chains, jumps and
 * bridges included. Idempotent. `host` should be built with this cluster's
 * bridge (`serviceBridgeName(clusterName)`).
 */
export async function cleanupIptables(iptables: Iptables, host: HostNetwork, clusterName: string = DEFAULT_CLUSTER_NAME): Promise<IptablesCleanupResult> {
  const names = chainNames(clusterName);
  const others = otherFirewalls(chainsIn(await iptables.save('filter')), names);
  const restored = others.length === 0 ? await host.restoreRouteLocalnet() : undefined;
  for (const j of jumps(names)) await iptables.deleteRule(j.table, j.chain, j.args);
  const input = buildCleanup(await existingChains(iptables, names), names);
  if (input) await iptables.restore(input);
  await host.removeServiceRoute();
  return { routeLocalnet: restored, routeLocalnetKeptFor: others };
}
