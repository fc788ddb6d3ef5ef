/**
 * NodeRestriction (Kubernetes' plugin/pkg/admission/noderestriction, for
 * what mk8s serves): a kubelet (`system:node:<nodeName>`) may write only
 *
 * - its own Node object (create, update, patch, delete, status);
 * - its own Lease in kube-node-lease;
 * - pods bound to it: their status, their deletion and eviction; it creates
 *   only mirror pods bound to itself.
 *
 * Runs after authorization, with the decoded body at hand; answers 403
 * Forbidden naming the node. Requests of other users pass untouched.
 */
import { resourceFor } from '@mk8s/api';
import { errors, StatusError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import type { Attributes } from './attributes.js';
import { nodeIdentity } from './node-authorizer.js';

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function forbid(resource: string, name: string, why: string): StatusError {
  return errors.forbidden({ qualifiedResource: resource, group: '', kind: resource, name }, why);
}

export async function admitNodeRequest(attrs: Attributes, body: unknown, registry: Registry): Promise<void> {
  const node = nodeIdentity(attrs.user);
  if (node === undefined || !attrs.resourceRequest || !WRITES.has(attrs.verb)) return;
  const bodyName = String(o(o(body)['metadata'])['name'] ?? '');
  if (attrs.apiGroup === '' && attrs.resource === 'nodes') {
    const target = attrs.name || bodyName;
    if (target !== node) {
      const action = attrs.verb === 'delete' || attrs.verb === 'deletecollection' ? 'delete' : 'modify';
      throw forbid('nodes', target, `node "${node}" is not allowed to ${action} node "${target}"`);
    }
    return;
  }
  if (attrs.apiGroup === 'coordination.k8s.io' && attrs.resource === 'leases') {
    const target = attrs.name || bodyName;
    if (target !== node) throw errors.forbidden({ qualifiedResource: 'leases.coordination.k8s.io', group: 'coordination.k8s.io', kind: 'leases', name: target }, `can only access node lease with the same name as the requesting node`);
    return;
  }
  if (attrs.apiGroup !== '' || attrs.resource !== 'pods') return;
  if (attrs.verb === 'create' && attrs.subresource === '') {
    const pod = o(body);
    const annotations = o(o(pod['metadata'])['annotations']);
    if (annotations[MIRROR_ANNOTATION] === undefined) {
      throw forbid('pods', bodyName, `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    }
    if (o(pod['spec'])['nodeName'] !== node) throw forbid('pods', bodyName, `node "${node}" can only create pods with spec.nodeName set to itself`);
    return;
  }
  if (attrs.verb === 'deletecollection') throw forbid('pods', '', `node "${node}" can only delete pods with spec.nodeName set to itself`);
  const what =
    attrs.subresource === 'status' ? 'update pod status for' : attrs.subresource === 'eviction' ? 'evict' : attrs.verb === 'delete' ? 'delete' : 'modify';
  let boundTo: unknown;
  try {
    const pod = await registry.get(resourceFor('', 'v1', 'pods')!, attrs.namespace, attrs.name);
    boundTo = o(pod['spec'])['nodeName'];
  } catch (err) {
    // A pod that is gone: let the handler answer its 404.
    if (err instanceof StatusError && err.code === 404) return;
    throw err;
  }
  if (boundTo !== node) throw forbid('pods', attrs.name, `node "${node}" can only ${what} pods with spec.nodeName set to itself`);
}
