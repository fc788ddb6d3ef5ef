/**
 * The cluster name scopes everything kube-proxy puts on a machine: several
 * clusters (a user's and a test's, say) may run on one host, and each one's
 * sync and `--cleanup` must touch its own iptables chains and service bridge
 * only. The name becomes a 4-character tag, the first 4 base32 characters
 * (A-Z2-7) of SHA-256 of the name: `MK8S-<TAG>-` prefixes the chains
 * (iptables/rules.ts) and `mk8s-svc-<tag>` names the bridge.
 */
import { createHash } from 'node:crypto';

/** The cluster name when none is given: Kubernetes' `--cluster-name` default. */
export const DEFAULT_CLUSTER_NAME = 'kubernetes';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first `length` base32 characters of sha256(text): short, stable, valid in chain and link names. */
export function base32Hash(text: string, length: number): string {
  const bytes = createHash('sha256').update(text).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= length) break;
  }
  return out;
}

/** The 4-character tag of a cluster name (upper case), e.g. `SSV4` for `kubernetes`. */
export function clusterTag(clusterName: string = DEFAULT_CLUSTER_NAME): string {
  if (clusterName === '') throw new Error('the cluster name must not be empty');
  return base32Hash(clusterName, 4);
}

/** Linux's limit on link names (IFNAMSIZ - 1). */
export const MAX_LINK_NAME = 15;

/** The bridge a cluster's service range is routed to: `mk8s-svc-<tag lowercased>`, e.g. `mk8s-svc-ssv4`. */
export function serviceBridgeName(clusterName: string = DEFAULT_CLUSTER_NAME): string {
  return `mk8s-svc-${clusterTag(clusterName).toLowerCase()}`;
}
