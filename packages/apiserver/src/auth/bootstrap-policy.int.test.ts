// The bootstrap policy on restart: a cluster made by an earlier version, whose
// system:kube-controller-manager role held `*` on everything, loses those
// rules and gets the per-controller roles; the garbage collector's role loses
// the rules of the fixed list of kinds it used to monitor.
import { openMemoryStore } from '@mk8s/storage';
import { describe, expect, it } from 'vitest';
import { startServer } from '../testing/test-support.js';
import type { AuthOptions } from './index.js';
import type { UserInfo } from './user.js';

const RBAC = 'rbac.authorization.k8s.io';
const TOKENS = new Map<string, UserInfo>([['admin-token', { name: 'admin', groups: ['system:masters'] }]]);
const OLD_GC_CORE = {
  verbs: ['patch', 'delete'],
  apiGroups: [''],
  resources: ['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'nodes', 'namespaces'],
};
const OLD_BLANKET = { verbs: ['get', 'list', 'watch', 'patch', 'update', 'delete', 'deletecollection'], apiGroups: ['*'], resources: ['*'] };

async function get(base: string, p: string): Promise<any> {
  const res = await fetch(base + p, { headers: { authorization: 'Bearer admin-token' } });
  return res.json();
}

describe('bootstrap RBAC policy reconciliation', () => {
  it("removes the controller manager's old blanket rules and binds its controllers' roles", async () => {
    const store = await openMemoryStore();
    const auth: AuthOptions = { tokens: TOKENS, authorizationModes: ['Node', 'RBAC'] };
    let server = await startServer({ store, keepStore: true, auth });
    const path = `/apis/${RBAC}/v1/clusterroles/system:kube-controller-manager`;
    const role = await get(server.url, path);
    const custom = { verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] };
    const res = await fetch(server.url + path, {
      method: 'PUT',
      headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ ...role, rules: [...role.rules, OLD_BLANKET, custom] }),
    });
    expect(res.status).toBe(200);
    // The garbage collector's role as it was when the collector monitored a fixed list of kinds.
    const gcPath = `/apis/${RBAC}/v1/clusterroles/system:controller:generic-garbage-collector`;
    const gcRole = await get(server.url, gcPath);
    const gcRes = await fetch(server.url + gcPath, {
      method: 'PUT',
      headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ ...gcRole, rules: [gcRole.rules[0], OLD_GC_CORE] }),
    });
    expect(gcRes.status).toBe(200);
    await server.close();

    server = await startServer({ store, auth });
    try {
      const rules = (await get(server.url, path)).rules as unknown[];
      expect(rules).not.toContainEqual(OLD_BLANKET);
      // Rules someone added by hand stay.
      expect(rules).toContainEqual(custom);
      const gcRules = (await get(server.url, gcPath)).rules as Array<{ verbs: string[]; apiGroups: string[]; resources: string[] }>;
      expect(gcRules).not.toContainEqual(OLD_GC_CORE);
      expect(gcRules.find((r) => r.verbs.includes('delete') && r.apiGroups[0] === '')?.resources).toContain('serviceaccounts');
      const names = (
        (await get(server.url, `/apis/${RBAC}/v1/clusterrolebindings`)).items as Array<{ metadata: { name: string }; subjects: unknown[] }>
      ).filter((b) => b.metadata.name.startsWith('system:controller:'));
      expect(names.map((b) => b.metadata.name).sort()).toEqual(
        [
          'custom-resources',
          'deployment-controller',
          'endpoint-controller',
          'generic-garbage-collector',
          'horizontal-pod-autoscaler',
          'namespace-controller',
          'node-controller',
          'pod-garbage-collector',
          'replicaset-controller',
          'resourcequota-controller',
          'service-account-controller',
        ].map((n) => `system:controller:${n}`),
      );
      for (const b of names) expect(b.subjects).toEqual([{ kind: 'User', apiGroup: RBAC, name: 'system:kube-controller-manager' }]);
    } finally {
      await server.close();
    }
  });
});
