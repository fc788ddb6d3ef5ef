/**
 * `metrics.k8s.io/v1beta1`, served by the API server itself (the job
 * metrics-server does as an aggregated API in Kubernetes): read-only
 * NodeMetrics and PodMetrics from the MetricsStore, in metrics-server's
 * shapes, for `kubectl top` and the HPA controller.
 *
 *   GET /apis/metrics.k8s.io/v1beta1/nodes[/{name}]
 *   GET /apis/metrics.k8s.io/v1beta1/pods                       (all namespaces)
 *   GET /apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods[/{name}]
 *
 * Lists honour `labelSelector` (on the Node's or Pod's labels, which the
 * metrics objects carry) and, for pods, `fieldSelector` (the Pod's fields:
 * metadata.name, metadata.namespace, spec.nodeName, status.phase...).
 * Objects appear only for Nodes and Pods that exist and have metrics: a
 * pod needs two scrapes of its running containers first. Every other verb,
 * and watch, is a 405.
 */
import { errorMessage, metaTime, parseFieldSelector, parseLabelSelector, unsupportedFieldLabels } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import { errors, type Target } from '../errors.js';
import { fieldLabelsOf, selectableFields } from '../resources/definition.js';
import { pods } from '../resources/pods/index.js';
import type { ServerContext } from '../http/context.js';
import { bool } from '../http/query.js';
import { listPrefix } from '../registry/keys.js';
import type { MetricsStore, Usage } from './metrics-store.js';
import { cpuQuantity, goDuration, memoryQuantity } from './quantities.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_GROUP_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;
const PREFIX = `/apis/${METRICS_GROUP}`;

/** True for every path of the metrics group, discovery included. */
export function isMetricsPath(pathname: string): boolean {
  return pathname === PREFIX || pathname.startsWith(`${PREFIX}/`);
}

/** The APIGroup entry `/apis` lists, and `/apis/metrics.k8s.io` serves. */
export function metricsApiGroup() {
  const v = { groupVersion: METRICS_GROUP_VERSION, version: METRICS_VERSION };
  return { kind: 'APIGroup', apiVersion: 'v1', name: METRICS_GROUP, versions: [v], preferredVersion: v };
}

export function metricsResourceList() {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: METRICS_GROUP_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}

type Query = Record<string, unknown>;

const target = (resource: 'nodes' | 'pods', name: string): Target => ({
  qualifiedResource: `${resource}.${METRICS_GROUP}`,
  group: METRICS_GROUP,
  kind: resource === 'nodes' ? 'NodeMetrics' : 'PodMetrics',
  name,
});

function qstr(q: Query, key: string): string | undefined {
  const v = q[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function labelFilter(q: Query): (labels: Record<string, string> | undefined) => boolean {
  const ls = qstr(q, 'labelSelector');
  if (!ls) return () => true;
  try {
    const sel = parseLabelSelector(ls);
    return (labels) => sel.matches(labels);
  } catch (err) {
    throw errors.badRequest(`unable to parse requirement: ${errorMessage(err)}`);
  }
}

function podFieldFilter(q: Query): (pod: Obj) => boolean {
  const fs = qstr(q, 'fieldSelector');
  if (!fs) return () => true;
  let sel;
  try {
    sel = parseFieldSelector(fs);
  } catch (err) {
    throw errors.badRequest(errorMessage(err));
  }
  const unsupported = unsupportedFieldLabels(fieldLabelsOf(pods), sel);
  if (unsupported.length > 0) throw errors.badRequest(`field label not supported: ${unsupported[0]}`);
  return (pod) => sel.matches(selectableFields(pods, pod));
}

const metaOf = (o: Obj) => (o['metadata'] ?? {}) as Obj;
const labelsOf = (o: Obj) => metaOf(o)['labels'] as Record<string, string> | undefined;

function usageFields(u: Usage) {
  return { cpu: cpuQuantity(u.cpuNanoCores), memory: memoryQuantity(u.memoryBytes) };
}

export class MetricsApi {
  constructor(
    private readonly ctx: ServerContext,
    private readonly store: MetricsStore,
  ) {}

  /** Serves one request under /apis/metrics.k8s.io (method and path already known to be ours). */
  serve(method: string, pathname: string, query: Query): unknown {
    const parts = pathname
      .slice(PREFIX.length)
      .split('/')
      .filter((p) => p !== '')
      .map((p) => decodeURIComponent(p));
    const read = method === 'GET' || method === 'HEAD';
    if (parts.length === 0) {
      if (!read) throw errors.methodNotAllowed();
      return metricsApiGroup();
    }
    if (parts.shift() !== METRICS_VERSION) throw errors.notFoundPath();
    if (parts.length === 0) {
      if (!read) throw errors.methodNotAllowed();
      return metricsResourceList();
    }
    let namespace: string | undefined;
    if (parts[0] === 'namespaces' && parts.length >= 3) {
      namespace = parts[1];
      parts.splice(0, 2);
    }
    const [resource, name, ...rest] = parts;
    if ((resource !== 'nodes' && resource !== 'pods') || rest.length > 0 || (resource === 'nodes' && namespace !== undefined)) {
      throw errors.notFoundPath();
    }
    if (resource === 'pods' && name !== undefined && namespace === undefined) throw errors.notFoundPath();
    if (!read) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource: ${METRICS_GROUP} is read-only`);
    // As Kubernetes' RequestInfo: `?watch` (any value but `0`/`false` in any case) makes a collection GET a watch; a named GET stays a get.
    if (name === undefined && bool(query, 'watch')) throw errors.methodNotAllowed('watch is not supported on metrics.k8s.io');

    if (resource === 'nodes') return name === undefined ? this.nodeList(query) : this.node(name);
    return name === undefined ? this.podList(namespace, query) : this.pod(namespace!, name);
  }

  private nodeItem(node: Obj): Obj | undefined {
    const name = String(metaOf(node)['name'] ?? '');
    const u = this.store.nodeUsage(name);
    if (!u) return undefined;
    const labels = labelsOf(node);
    return {
      metadata: { name, creationTimestamp: metaTime(this.ctx.now()), labels },
      timestamp: metaTime(u.timestampMs),
      window: goDuration(u.windowMs),
      usage: usageFields(u),
    };
  }

  private podItem(pod: Obj): Obj | undefined {
    const m = metaOf(pod);
    const ns = String(m['namespace'] ?? '');
    const name = String(m['name'] ?? '');
    const phase = ((pod['status'] ?? {}) as Obj)['phase'];
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    const u = this.store.podUsage(ns, name);
    if (!u) return undefined;
    const labels = labelsOf(pod);
    return {
      metadata: { name, namespace: ns, creationTimestamp: metaTime(this.ctx.now()), labels },
      timestamp: metaTime(u.timestampMs),
      window: goDuration(u.windowMs),
      containers: u.containers.map((c) => ({ name: c.name, usage: usageFields(c) })),
    };
  }

  private nodeList(q: Query): Obj {
    const match = labelFilter(q);
    const items = this.ctx.cache
      .list('nodes', listPrefix('nodes'))
      .filter((n) => match(labelsOf(n)))
      .map((n) => this.nodeItem(n))
      .filter((i): i is Obj => i !== undefined);
    return { kind: 'NodeMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
  }

  private node(name: string): Obj {
    const node = this.ctx.cache.list('nodes', listPrefix('nodes')).find((n) => metaOf(n)['name'] === name);
    const item = node ? this.nodeItem(node) : undefined;
    if (!item) throw errors.notFound(target('nodes', name));
    return { kind: 'NodeMetrics', apiVersion: METRICS_GROUP_VERSION, ...item };
  }

  private podList(namespace: string | undefined, q: Query): Obj {
    const labels = labelFilter(q);
    const fields = podFieldFilter(q);
    const items = this.ctx.cache
      .list('pods', listPrefix('pods', namespace))
      .filter((p) => labels(labelsOf(p)) && fields(p))
      .map((p) => this.podItem(p))
      .filter((i): i is Obj => i !== undefined);
    return { kind: 'PodMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
  }

  private pod(namespace: string, name: string): Obj {
    const pod = this.ctx.cache.list('pods', listPrefix('pods', namespace)).find((p) => metaOf(p)['name'] === name);
    const item = pod ? this.podItem(pod) : undefined;
    if (!item) throw errors.notFound(target('pods', name));
    return { kind: 'PodMetrics', apiVersion: METRICS_GROUP_VERSION, ...item };
  }
}
