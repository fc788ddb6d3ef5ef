/**
 * One VALID object per common kind: the starting point the mutators corrupt.
 * Starting from a valid object means a mutation reaches deep validation and
 * storage code (one wrong field in an otherwise good Deployment) instead of
 * being turned away at the first check.
 *
 * Contract: `seedFor(r, ns, name)` returns a fresh object each call. For a
 * known kind it is accepted by a conforming server (the campaign creates one
 * of each at setup and counts failures as setup problems, not findings); for
 * a kind this table does not know it is the generic `{apiVersion, kind,
 * metadata}` skeleton, which still exercises decoding, routing and errors.
 */
import type { ServedResource } from './discovery.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const CONTAINER: Json = {
  name: 'c',
  image: 'registry.k8s.io/pause:3.9',
  command: ['/pause'],
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
  env: [{ name: 'A', value: 'b' }],
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
  imagePullPolicy: 'IfNotPresent',
};

const POD_SPEC = (): Json => ({ containers: [structuredClone(CONTAINER)], restartPolicy: 'Always', terminationGracePeriodSeconds: 0 });

const TEMPLATE = (): Json => ({ metadata: { labels: { app: 'fz' } }, spec: POD_SPEC() });

type SeedBody = (ns: string, name: string) => Record<string, Json>;

const TIME = '2024-01-01T00:00:00Z';
const MICRO_TIME = '2024-01-01T00:00:00.000000Z';

/** Keyed by `group/resource[/sub]` (version-independent) unless a version changes the shape. */
const SEEDS: Record<string, SeedBody> = {
  '/namespaces': () => ({ spec: { finalizers: ['kubernetes'] } }),
  '/pods': () => ({ spec: POD_SPEC() }),
  '/services': () => ({ spec: { type: 'ClusterIP', selector: { app: 'fz' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } }),
  '/endpoints': () => ({ subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] }),
  '/events': (ns) => ({
    involvedObject: { kind: 'Pod', namespace: ns, name: 'fz-a', apiVersion: 'v1' },
    reason: 'Fuzz',
    message: 'fuzz event',
    type: 'Normal',
    count: 1,
    firstTimestamp: TIME,
    lastTimestamp: TIME,
    source: { component: 'fuzz' },
  }),
  '/configmaps': () => ({ data: { a: 'b', 'key.txt': 'line1\nline2' }, binaryData: { bin: 'aGVsbG8=' } }),
  '/secrets': () => ({ type: 'Opaque', data: { a: 'YQ==' }, stringData: { b: 'c' } }),
  '/serviceaccounts': () => ({ automountServiceAccountToken: false }),
  '/resourcequotas': () => ({ spec: { hard: { pods: '1000', 'requests.cpu': '100' } } }),
  '/limitranges': () => ({ spec: { limits: [{ type: 'Container', default: { cpu: '100m' }, defaultRequest: { cpu: '10m' } }] } }),
  '/nodes': () => ({ spec: { unschedulable: true, podCIDR: '10.244.200.0/24' } }),
  'coordination.k8s.io/leases': () => ({
    spec: { holderIdentity: 'fz', leaseDurationSeconds: 15, acquireTime: MICRO_TIME, renewTime: MICRO_TIME, leaseTransitions: 0 },
  }),
  'apps/replicasets': () => ({ spec: { replicas: 1, selector: { matchLabels: { app: 'fz' } }, template: TEMPLATE() } }),
  'apps/deployments': () => ({
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'fz' } },
      template: TEMPLATE(),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      revisionHistoryLimit: 2,
    },
  }),
  'autoscaling/v2/horizontalpodautoscalers': () => ({
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fz-a' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    },
  }),
  'autoscaling/v1/horizontalpodautoscalers': () => ({
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fz-a' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
  }),
  'rbac.authorization.k8s.io/roles': () => ({ rules: [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list', 'watch'] }] }),
  'rbac.authorization.k8s.io/clusterroles': () => ({
    rules: [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
      { nonResourceURLs: ['/healthz'], verbs: ['get'] },
    ] as Json[],
  }),
  'rbac.authorization.k8s.io/rolebindings': (ns) => ({
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'fz-a' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
  }),
  'rbac.authorization.k8s.io/clusterrolebindings': () => ({
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'fz-a' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'fz-user' }],
  }),
  'authorization.k8s.io/selfsubjectaccessreviews': (ns) => ({ spec: { resourceAttributes: { namespace: ns, verb: 'get', resource: 'pods' } } }),
  'authentication.k8s.io/selfsubjectreviews': () => ({}),
  '/pods/binding': () => ({ target: { apiVersion: 'v1', kind: 'Node', name: 'fz-a' } }),
  '/pods/eviction': () => ({}),
  '/serviceaccounts/token': () => ({ spec: { audiences: ['fz'], expirationSeconds: 3600 } }),
  'apps/deployments/scale': () => ({ spec: { replicas: 2 } }),
  'apps/replicasets/scale': () => ({ spec: { replicas: 2 } }),
};

function lookup(r: ServedResource): SeedBody | undefined {
  const sub = r.sub ? `/${r.sub}` : '';
  return SEEDS[`${r.group}/${r.version}/${r.resource}${sub}`] ?? SEEDS[`${r.group}/${r.resource}${sub}`];
}

/** True when the table has a hand-written valid seed for this (sub)resource. */
export function hasSeed(r: ServedResource): boolean {
  return lookup(r) !== undefined || r.sub === 'status';
}

/**
 * A valid object for `r` named `name` (in `ns` when namespaced). A `status`
 * subresource takes the parent's object; other subresources take their own
 * kind (Scale, Eviction, TokenRequest, ...) as discovery reports it.
 */
export function seedFor(r: ServedResource, ns: string, name: string): Record<string, Json> {
  const parent: ServedResource = { ...r, sub: undefined } as ServedResource;
  delete parent.sub;
  const body = (r.sub === 'status' ? lookup(parent) : lookup(r))?.(ns, name) ?? {};
  const metadata: Record<string, Json> = { name, labels: { fuzz: 'yes', app: 'fz' }, annotations: { 'fuzz/seed': 'true' } };
  if (r.namespaced) metadata['namespace'] = ns;
  return { apiVersion: r.apiVersion, kind: r.kind, metadata, ...body };
}
