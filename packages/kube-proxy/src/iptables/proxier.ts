/**
 * The iptables proxier (Kubernetes' pkg/proxy/iptables): `syncRules(state)`
 * makes the kernel's MK8S- chains match the desired state in one atomic
 * `iptables-restore --noflush`, after checking that the jumps from the
 * built-in chains, the service route and route_localnet are in place.
 * route_localnet is only turned on once MK8S-FIREWALL drops what it would
 * otherwise let in from the network (CVE-2020-8558; see rules.ts).
 * Idempotent; one call at a time (the sync runner guarantees it).
 */
import type { HostNetwork } from '../host-network.js';
import type { Proxier, SyncResult } from '../proxier.js';
import type { ServicePortState } from '../proxy-state.js';
import type { Iptables, Table } from './iptables.js';
import { BASE_CHAINS, CHAIN_PREFIX, FIREWALL_CHAIN, FIREWALL_RULE, JUMPS, buildCleanup, buildRules, chainsIn } from './rules.js';

export interface IptablesProxierOptions {
  iptables: Iptables;
  host: HostNetwork;
  /** The service ClusterIP range routed to the service bridge. */
  serviceCIDR: string;
}

async function existingChains(iptables: Iptables): Promise<Record<Table, Set<string>>> {
  const [nat, filter] = await Promise.all([iptables.save('nat'), iptables.save('filter')]);
  const mine = (s: Set<string>) => new Set([...s].filter((c) => c.startsWith(CHAIN_PREFIX)));
  return { nat: mine(chainsIn(nat)), filter: mine(chainsIn(filter)) };
}

export class IptablesProxier implements Proxier {
  readonly mode = 'iptables';
  private hostReady = false;

  constructor(private readonly opts: IptablesProxierOptions) {}

  /** Base chains, the jumps into them, and the host settings; cheap when all exist. */
  private async ensureBase(): Promise<void> {
    const { iptables, host } = this.opts;
    for (const table of ['nat', 'filter'] as const) for (const chain of BASE_CHAINS[table]) await iptables.ensureChain(table, chain);
    // The martian drop first: route_localnet (below) is only safe with it in place.
    await iptables.ensureRule('filter', FIREWALL_CHAIN, FIREWALL_RULE);
    for (const j of JUMPS) await iptables.ensureRule(j.table, j.chain, j.args);
    if (!this.hostReady) {
      await host.ensureServiceRoute(this.opts.serviceCIDR);
      await host.enableRouteLocalnet();
      this.hostReady = true;
    }
  }

  async syncRules(state: readonly ServicePortState[]): Promise<SyncResult> {
    await this.ensureBase();
    const rules = buildRules(state, await existingChains(this.opts.iptables));
    await this.opts.iptables.restore(rules.input);
    return { rules: rules.ruleCount.nat + rules.ruleCount.filter, detail: { ...rules.ruleCount } };
  }

  /** SIGTERM: kube-proxy leaves its rules in place so traffic keeps flowing. */
  async close(): Promise<void> {}
}

/**
 * `kube-proxy --cleanup`: puts route_localnet back as it was before the
 * proxier turned it on (while MK8S-FIREWALL still guards it), then removes
 * the jumps, every MK8S- chain and the service bridge with its route. Leaves
 * everything else alone. Idempotent. Resolves to the route_localnet value
 * restored, or undefined when none was remembered (left as it is).
 */
export async function cleanupIptables(iptables: Iptables, host: HostNetwork): Promise<string | undefined> {
  const restored = await host.restoreRouteLocalnet();
  for (const j of JUMPS) await iptables.deleteRule(j.table, j.chain, j.args);
  const input = buildCleanup(await existingChains(iptables));
  if (input) await iptables.restore(input);
  await host.removeServiceRoute();
  return restored;
}
