/**
 * The Node authorizer (`--authorization-mode Node`): decides for kubelets,
 * users named `system:node:<nodeName>` in the group `system:nodes`, after
 * Kubernetes' plugin/pkg/auth/authorizer/node. A kubelet may
 *
 * - get a Secret or ConfigMap only when a pod bound to its node uses it
 *   (volumes, env, envFrom, imagePullSecrets): the node's relationships;
 * - touch only its own Lease (`kube-node-lease/<nodeName>`);
 * - do what the `system:node` rules allow for everything else.
 *
 * Which Node and pods it may write is NodeRestriction's part (admission:
 * node-restriction.ts). Other users get no opinion.
 */
import type { WatchCache } from '../cache/watch-cache.js';
import { listPrefix } from '../registry/keys.js';
import type { Attributes, Authorizer, AuthorizerResult, SubjectRules } from './attributes.js';
import { NODE_RULES } from './bootstrap-policy.js';
import { rulesAllow } from './rbac-rules.js';
import { NODE_USER_PREFIX, NODES_GROUP, type UserInfo } from './user.js';

/** The node a kubelet identity stands for, or undefined for any other user. */
export function nodeIdentity(user: UserInfo | undefined): string | undefined {
  if (!user || !user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  const node = user.name.slice(NODE_USER_PREFIX.length);
  return node === '' ? undefined : node;
}

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The names of the Secrets and ConfigMaps a pod refers to. */
export function podReferences(pod: Obj): { secrets: Set<string>; configMaps: Set<string> } {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const spec = o(pod['spec']);
  for (const s of arr(spec['imagePullSecrets'])) if (typeof s['name'] === 'string') secrets.add(s['name']);
  const volumeSource = (v: Obj): void => {
    const secret = o(v['secret']);
    if (typeof secret['secretName'] === 'string') secrets.add(secret['secretName']);
    const cm = o(v['configMap']);
    if (typeof cm['name'] === 'string') configMaps.add(cm['name']);
    for (const src of arr(o(v['projected'])['sources'])) {
      const ps = o(src['secret']);
      if (typeof ps['name'] === 'string') secrets.add(ps['name']);
      const pc = o(src['configMap']);
      if (typeof pc['name'] === 'string') configMaps.add(pc['name']);
    }
  };
  for (const v of arr(spec['volumes'])) volumeSource(v);
  for (const c of [...arr(spec['initContainers']), ...arr(spec['containers']), ...arr(spec['ephemeralContainers'])]) {
    for (const e of arr(c['env'])) {
      const from = o(e['valueFrom']);
      const sk = o(from['secretKeyRef']);
      if (typeof sk['name'] === 'string') secrets.add(sk['name']);
      const ck = o(from['configMapKeyRef']);
      if (typeof ck['name'] === 'string') configMaps.add(ck['name']);
    }
    for (const ef of arr(c['envFrom'])) {
      const sr = o(ef['secretRef']);
      if (typeof sr['name'] === 'string') secrets.add(sr['name']);
      const cr = o(ef['configMapRef']);
      if (typeof cr['name'] === 'string') configMaps.add(cr['name']);
    }
  }
  return { secrets, configMaps };
}

const LEASE_VERBS = new Set(['get', 'create', 'update', 'patch', 'delete']);

export class NodeAuthorizer implements Authorizer {
  readonly name = 'Node';
  constructor(private readonly cache: WatchCache) {}

  authorize(attrs: Attributes): AuthorizerResult {
    const node = nodeIdentity(attrs.user);
    if (node === undefined || !attrs.resourceRequest) return { decision: 'noopinion' };
    const core = attrs.apiGroup === '';
    if (core && (attrs.resource === 'secrets' || attrs.resource === 'configmaps') && !attrs.subresource) {
      return this.referenced(node, attrs, attrs.resource);
    }
    if (attrs.apiGroup === 'coordination.k8s.io' && attrs.resource === 'leases') {
      const own =
        attrs.namespace === 'kube-node-lease' && LEASE_VERBS.has(attrs.verb) && (attrs.name === node || (attrs.verb === 'create' && attrs.name === ''));
      return own ? { decision: 'allow' } : { decision: 'noopinion', reason: 'can only access node lease with the same name as the requesting node' };
    }
    return rulesAllow(attrs, NODE_RULES) ? { decision: 'allow' } : { decision: 'noopinion' };
  }

  /**
   * Kubernetes' Node authorizer cannot list a kubelet's permissions (they
   * depend on its pods): for a node identity the answer is incomplete, with
   * Kubernetes' error; other users get nothing from this mode.
   */
  rulesFor(user: UserInfo): SubjectRules {
    // Kubernetes' NodeIdentity: a node even when the name after the prefix is empty.
    const isNode = user.groups.includes(NODES_GROUP) && user.name.startsWith(NODE_USER_PREFIX);
    return isNode
      ? { resourceRules: [], nonResourceRules: [], incomplete: true, errors: ['node authorizer does not support user rule resolution'] }
      : { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };
  }

  private referenced(node: string, attrs: Attributes, resource: 'secrets' | 'configmaps'): AuthorizerResult {
    if (attrs.verb !== 'get' || attrs.name === '') return { decision: 'noopinion', reason: `can only get individual resources of this type` };
    for (const pod of this.cache.list('pods', listPrefix('pods', attrs.namespace))) {
      if (o(pod['spec'])['nodeName'] !== node) continue;
      const refs = podReferences(pod);
      if ((resource === 'secrets' ? refs.secrets : refs.configMaps).has(attrs.name)) return { decision: 'allow' };
    }
    return { decision: 'noopinion', reason: `no relationship found between node '${node}' and this object` };
  }
}
