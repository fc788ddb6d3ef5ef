/**
 * NodeRestriction (Kubernetes' plugin/pkg/admission/noderestriction, for
 * what mk8s serves): a kubelet (`system:node:<nodeName>`) may write only
 *
 * - its own Node object (create, update, patch, delete, status), without
 *   changing its taints or any `node-restriction.kubernetes.io/` label (a
 *   node must not steer workloads, and the Secrets they reference, to itself);
 * - its own Lease in kube-node-lease;
 * - pods bound to it: their status, their deletion and eviction; it creates
 *   only mirror pods bound to itself, owned by its Node (one controller
 *   owner reference with the Node's uid) and referencing no other API
 *   object (ServiceAccount, Secret, ConfigMap, PersistentVolumeClaim): the
 *   Node authorizer lets a kubelet read what its pods reference, so a mirror
 *   pod naming a Secret would hand that Secret to the node.
 *
 * Runs after authorization, with the decoded body at hand; answers 403
 * Forbidden naming the node. Requests of other users pass untouched.
 */
import { resourceFor } from '@mk8s/api';
import { errors, StatusError } from '../errors.js';
import { applyPatch, PatchError } from '../patch/index.js';
import type { Registry } from '../registry/registry.js';
import type { Attributes } from './attributes.js';
import { nodeIdentity, podReferences } from './node-authorizer.js';

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const RESTRICTED_LABEL_DOMAIN = 'node-restriction.kubernetes.io';

/** Labels in the `node-restriction.kubernetes.io` domain (or a subdomain) among `keys`, sorted. */
function restrictedLabels(keys: Iterable<string>): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const slash = key.indexOf('/');
    const domain = slash < 0 ? '' : key.slice(0, slash);
    if (domain === RESTRICTED_LABEL_DOMAIN || domain.endsWith(`.${RESTRICTED_LABEL_DOMAIN}`)) out.push(key);
  }
  return out.sort();
}

/** Keys added, removed or changed between two label maps. */
function modifiedLabels(next: Obj, prev: Obj): Set<string> {
  const keys = new Set<string>();
  for (const k of new Set([...Object.keys(next), ...Object.keys(prev)])) if (next[k] !== prev[k]) keys.add(k);
  return keys;
}

/** Taints as Kubernetes' semantic equality sees them: absent and empty are the same. */
function taintsOf(node: Obj): string {
  const taints = o(node['spec'])['taints'];
  return Array.isArray(taints) && taints.length > 0 ? JSON.stringify(taints) : '[]';
}

function forbid(resource: string, name: string, why: string): StatusError {
  return errors.forbidden({ qualifiedResource: resource, group: '', kind: resource, name }, why);
}

export async function admitNodeRequest(attrs: Attributes, body: unknown, registry: Registry, contentType = 'application/json'): Promise<void> {
  const node = nodeIdentity(attrs.user);
  if (node === undefined || !attrs.resourceRequest || !WRITES.has(attrs.verb)) return;
  const bodyName = String(o(o(body)['metadata'])['name'] ?? '');
  if (attrs.apiGroup === '' && attrs.resource === 'nodes') {
    const target = attrs.name || bodyName;
    if (target !== node) {
      const action = attrs.verb === 'delete' || attrs.verb === 'deletecollection' ? 'delete' : 'modify';
      throw forbid('nodes', target, `node "${node}" is not allowed to ${action} node "${target}"`);
    }
    await admitOwnNode(node, attrs, body, contentType, registry);
    return;
  }
  if (attrs.apiGroup === 'coordination.k8s.io' && attrs.resource === 'leases') {
    const target = attrs.name || bodyName;
    if (target !== node)
      throw errors.forbidden(
        { qualifiedResource: 'leases.coordination.k8s.io', group: 'coordination.k8s.io', kind: 'leases', name: target },
        `can only access node lease with the same name as the requesting node`,
      );
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
    await admitMirrorPod(node, pod, bodyName, registry);
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

/** A node's writes to its own Node: no taint changes, no node-restriction labels (Kubernetes' admitNode). */
async function admitOwnNode(node: string, attrs: Attributes, body: unknown, contentType: string, registry: Registry): Promise<void> {
  if (attrs.verb === 'create') {
    const forbidden = restrictedLabels(Object.keys(o(o(o(body)['metadata'])['labels'])));
    if (forbidden.length > 0) throw forbid('nodes', node, `node "${node}" is not allowed to set the following labels: ${forbidden.join(', ')}`);
    return;
  }
  // The status subresource keeps the spec and labels of the stored Node; only the main resource can change them.
  if ((attrs.verb !== 'update' && attrs.verb !== 'patch') || attrs.subresource !== '') return;
  let current: Obj;
  try {
    current = await registry.get(resourceFor('', 'v1', 'nodes')!, undefined, node);
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return; // the handler answers (or creates) as for anyone
    throw err;
  }
  let next: Obj;
  if (attrs.verb === 'update') next = o(body);
  else {
    try {
      next = applyPatch(contentType, current, body, undefined);
    } catch (err) {
      if (err instanceof PatchError) return; // a patch that does not apply is the handler's error to report
      throw err;
    }
  }
  if (taintsOf(next) !== taintsOf(current)) throw forbid('nodes', node, `node "${node}" is not allowed to modify taints`);
  const forbidden = restrictedLabels(modifiedLabels(o(o(next['metadata'])['labels']), o(o(current['metadata'])['labels'])));
  if (forbidden.length > 0) throw forbid('nodes', node, `is not allowed to modify labels: ${forbidden.join(', ')}`);
}

/** A mirror pod must be owned by the node alone and reference no other API object (Kubernetes' admitPodCreate). */
async function admitMirrorPod(node: string, pod: Obj, name: string, registry: Registry): Promise<void> {
  const owners = Array.isArray(o(pod['metadata'])['ownerReferences']) ? (o(pod['metadata'])['ownerReferences'] as unknown[]).map(o) : [];
  if (owners.length > 1) throw forbid('pods', name, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner['apiVersion'] !== 'v1' || owner['kind'] !== 'Node' || owner['name'] !== node) {
    throw forbid('pods', name, `node "${node}" can only create pods with an owner reference set to itself`);
  }
  if (owner['controller'] !== true) throw forbid('pods', name, `node "${node}" can only create pods with a controller owner reference set to itself`);
  if (owner['blockOwnerDeletion'] === true) throw forbid('pods', name, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const nodeObj = await registry.get(resourceFor('', 'v1', 'nodes')!, undefined, node);
  const uid = o(nodeObj['metadata'])['uid'];
  if (owner['uid'] !== uid) throw forbid('pods', name, `node ${node} UID mismatch: expected ${String(uid)} got ${String(owner['uid'])}`);
  const spec = o(pod['spec']);
  if (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '') {
    throw forbid('pods', name, `node "${node}" can not create pods that reference a service account`);
  }
  const refs = podReferences(pod);
  if (refs.secrets.size > 0) throw forbid('pods', name, `node "${node}" can not create pods that reference secrets`);
  if (refs.configMaps.size > 0) throw forbid('pods', name, `node "${node}" can not create pods that reference configmaps`);
  const volumes = Array.isArray(spec['volumes']) ? (spec['volumes'] as unknown[]).map(o) : [];
  if (volumes.some((v) => v['persistentVolumeClaim'] !== undefined)) {
    throw forbid('pods', name, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  }
}
