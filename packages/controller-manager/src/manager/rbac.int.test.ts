// Every controller under the controller manager's own identity against a
// server with RBAC: the bootstrap policy's `system:controller:*` roles give
// the controllers what they do (rollouts, endpoints, namespace deletion with
// its Roles, RoleBindings and Secrets, quotas, service accounts, garbage
// collection, node health, and custom resources once their CRD is served)
// and nothing is refused along the way.
import type { ConfigMap, Namespace, ResourceQuota, Secret, Service } from '@mk8s/api';
import { Clientset, silentLogger, type Logger } from '@mk8s/client';
import { buildDeployment, eventually, startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWidget, createWidgetCrd, widgets } from '../testing/helpers.js';
import { ControllerManager } from './controller-manager.js';

const RBAC = 'rbac.authorization.k8s.io';
const TOKENS = new Map([
  ['admin-token', { name: 'admin', groups: ['system:masters'] }],
  ['cm-token', { name: 'system:kube-controller-manager', groups: [] }],
]);

describe('kube-controller-manager under RBAC (system:kube-controller-manager)', () => {
  let cluster: TestCluster;
  let admin: Clientset;
  let cm: Clientset;
  const stop = new AbortController();
  let running: Promise<void>;
  const logged: Array<{ level: string; obj: object; msg?: string }> = [];
  const log: Logger = {
    ...silentLogger,
    warn: (obj, msg) => void logged.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void logged.push({ level: 'error', obj, msg }),
    child: () => log,
  };
  const can = async (verb: string, resource: string, group: string, namespace = '', name = '') =>
    (
      await cm.transport.request<{ status: { allowed: boolean } }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb, resource: resource.split('/')[0], subresource: resource.split('/')[1] ?? '', group, namespace, name } },
        },
      })
    ).status.allowed;
  const refusals = () =>
    logged.filter((l) => /forbidden|403/i.test(`${l.msg ?? ''} ${JSON.stringify(l.obj)} ${String((l.obj as { err?: unknown }).err ?? '')}`));

  beforeAll(async () => {
    cluster = await startTestCluster({ auth: { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] }, token: 'admin-token' });
    admin = cluster.client;
    cm = new Clientset({ server: cluster.url, token: 'cm-token' });
    const manager = new ControllerManager({
      client: cm,
      log,
      settings: { nodeMonitorGracePeriodMs: 1_000, nodeMonitorPeriodMs: 200, gcDiscoveryResyncMs: 500 },
    });
    running = manager.run(stop.signal);
  });
  afterAll(async () => {
    stop.abort();
    await running?.catch(() => undefined);
    cm?.close();
    await cluster?.stop();
  });

  it('rolls out a Deployment, gives its Service endpoints, and collects its ReplicaSet and pods when it goes', async () => {
    await admin.namespaces.create({ metadata: { name: 'apps' } } as Namespace);
    await admin.deployments.inNamespace('apps').create(buildDeployment('web', { namespace: 'apps', replicas: 2 }));
    const pods = await eventually(
      async () => {
        const list = (await admin.pods.inNamespace('apps').list()).items;
        return list.length === 2 ? list : undefined;
      },
      { message: 'two pods' },
    );
    expect(pods[0]!.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
    await eventually(async () => (await admin.deployments.inNamespace('apps').get('web')).status?.observedGeneration === 1, { message: 'deployment status' });
    const labels = pods[0]!.metadata?.labels ?? {};
    await admin.services.inNamespace('apps').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'apps' },
      spec: { selector: { app: labels['app'] ?? 'web' }, ports: [{ port: 80 }] },
    } as Service);
    await eventually(
      async () =>
        (await admin.endpoints
          .inNamespace('apps')
          .get('web')
          .catch(() => undefined)) !== undefined,
      { message: 'endpoints' },
    );
    await admin.deployments.inNamespace('apps').delete('web', { propagationPolicy: 'Background' });
    await eventually(
      async () => (await admin.replicaSets.inNamespace('apps').list()).items.length === 0 && (await admin.pods.inNamespace('apps').list()).items.length === 0,
      { message: 'garbage collection' },
    );
  });

  it('creates default service accounts, keeps quota status, and empties a deleted namespace of Roles, RoleBindings and Secrets', async () => {
    await admin.namespaces.create({ metadata: { name: 'doomed' } } as Namespace);
    await eventually(
      async () =>
        (await admin
          .resource('', 'v1', 'serviceaccounts')
          .inNamespace('doomed')
          .get('default')
          .catch(() => undefined)) !== undefined,
      { message: 'default service account' },
    );
    await admin
      .resource<ResourceQuota>('', 'v1', 'resourcequotas')
      .inNamespace('doomed')
      .create({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'q', namespace: 'doomed' },
        spec: { hard: { configmaps: '10', 'count/secrets': '10' } },
      } as ResourceQuota);
    await admin.configMaps.inNamespace('doomed').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'doomed' } } as ConfigMap);
    await admin
      .resource<Secret>('', 'v1', 'secrets')
      .inNamespace('doomed')
      .create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'doomed' } } as Secret);
    await eventually(
      async () => {
        const q = await admin.resource<ResourceQuota>('', 'v1', 'resourcequotas').inNamespace('doomed').get('q');
        return q.status?.used?.['configmaps'] === '1' && q.status?.used?.['count/secrets'] === '1';
      },
      { message: 'quota usage' },
    );
    const roles = admin.resource<{ metadata: { name: string } }>(RBAC, 'v1', 'roles', { namespaced: true }).inNamespace('doomed');
    const bindings = admin.resource<{ metadata: { name: string } }>(RBAC, 'v1', 'rolebindings', { namespaced: true }).inNamespace('doomed');
    await roles.create({
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: 'r' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    } as never);
    await bindings.create({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'b' },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: 'r' },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'x' }],
    } as never);
    await admin.namespaces.delete('doomed');
    await eventually(
      async () =>
        (await admin.namespaces.get('doomed').then(
          () => false,
          () => true,
        )) || undefined,
      { message: 'namespace deletion', timeoutMs: 30_000 },
    );
  });

  it('marks a node without heartbeats unreachable', async () => {
    await admin.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'silent' } });
    await eventually(async () => ((await admin.nodes.get('silent')).spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable'), {
      message: 'unreachable taint',
    });
  });

  it('empties a deleted namespace of custom objects and collects custom objects, once their CRD is served, and still may not touch RBAC objects', async () => {
    await createWidgetCrd(admin);
    // The CRD controller grants the rights before it serves the resource.
    expect(await can('list', 'widgets', 'example.com')).toBe(true);
    expect(await can('watch', 'widgets', 'example.com')).toBe(true);
    for (const verb of ['delete', 'deletecollection', 'patch']) expect(await can(verb, 'widgets', 'example.com', 'default'), verb).toBe(true);
    expect(await can('create', 'widgets', 'example.com', 'default')).toBe(false);
    for (const verb of ['delete', 'deletecollection', 'patch', 'update']) expect(await can(verb, 'clusterrolebindings', RBAC), verb).toBe(false);

    const owner = await admin.configMaps
      .inNamespace('default')
      .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'widget-owner' } } as ConfigMap);
    await widgets(admin, 'default').create(
      buildWidget('owned', 'default', {
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'widget-owner', uid: owner.metadata!.uid!, blockOwnerDeletion: true }],
      }),
    );
    await admin.configMaps.inNamespace('default').delete('widget-owner');
    await eventually(
      async () =>
        widgets(admin, 'default')
          .get('owned')
          .then(
            () => false,
            () => true,
          ),
      { message: 'the widget whose owner went', timeoutMs: 30_000 },
    );

    await admin.namespaces.create({ metadata: { name: 'widgets' } } as Namespace);
    await widgets(admin, 'widgets').create(buildWidget('w', 'widgets'));
    await admin.namespaces.delete('widgets');
    await eventually(
      async () =>
        admin.namespaces.get('widgets').then(
          () => false,
          () => true,
        ),
      { message: 'namespace deletion', timeoutMs: 30_000 },
    );
    expect((await widgets(admin, 'widgets').list()).items).toEqual([]);
  });

  it('holds its leader-election Lease rights and nothing was refused to any controller', async () => {
    expect(await can('create', 'leases', 'coordination.k8s.io', 'kube-system')).toBe(true);
    expect(await can('update', 'leases', 'coordination.k8s.io', 'kube-system', 'kube-controller-manager')).toBe(true);
    expect(await can('update', 'leases', 'coordination.k8s.io', 'kube-system', 'kube-scheduler')).toBe(false);
    // What the autoscaler does (not exercised above: it needs pod metrics).
    expect(await can('update', 'deployments/scale', 'apps', 'default')).toBe(true);
    expect(await can('update', 'horizontalpodautoscalers/status', 'autoscaling', 'default')).toBe(true);
    expect(await can('list', 'pods', 'metrics.k8s.io', 'default')).toBe(true);
    for (const verb of ['create', 'update', 'patch', 'delete', 'escalate', 'bind']) {
      expect(await can(verb, 'clusterroles', RBAC), verb).toBe(false);
      expect(await can(verb, 'clusterrolebindings', RBAC), verb).toBe(false);
    }
    for (const verb of ['create', 'update']) expect(await can(verb, 'secrets', '', 'default'), verb).toBe(false);
    expect(await can('create', 'serviceaccounts/token', '', 'default', 'default')).toBe(false);
    expect(await can('get', 'pods/exec', '', 'default')).toBe(false);
    expect(refusals()).toEqual([]);
  });
});
