import { describe, expect, it } from 'vitest';
import { forbiddenWhy, requestAttributes, type Attributes } from './attributes.js';
import { ruleAllows } from './rbac-rules.js';
import { subjectMatches } from './rbac.js';

const user = { name: 'jane', groups: ['dev', 'system:authenticated'] };
const res = (over: Partial<Attributes>): Attributes => ({
  user,
  verb: 'get',
  resourceRequest: true,
  path: '',
  namespace: 'default',
  apiGroup: '',
  apiVersion: 'v1',
  resource: 'pods',
  subresource: '',
  name: '',
  ...over,
});

describe('RBAC rules', () => {
  it('match verbs, groups, resources and subresources', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] };
    expect(ruleAllows(res({}), rule)).toBe(true);
    expect(ruleAllows(res({ verb: 'delete' }), rule)).toBe(false);
    expect(ruleAllows(res({ apiGroup: 'apps' }), rule)).toBe(false);
    expect(ruleAllows(res({ subresource: 'log' }), rule)).toBe(true);
    expect(ruleAllows(res({ subresource: 'exec' }), rule)).toBe(false);
    expect(
      ruleAllows(res({ resource: 'deployments', subresource: 'scale', apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] }),
    ).toBe(true);
    expect(ruleAllows(res({ resource: 'deployments', apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] })).toBe(false);
  });

  it('match resourceNames only for named requests', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] };
    expect(ruleAllows(res({ resource: 'configmaps', name: 'a' }), rule)).toBe(true);
    expect(ruleAllows(res({ resource: 'configmaps', name: 'b' }), rule)).toBe(false);
    expect(ruleAllows(res({ resource: 'configmaps', verb: 'list' }), rule)).toBe(false);
  });

  it('match non-resource URLs exactly or by a trailing *', () => {
    const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    const path = (p: string) => res({ resourceRequest: false, path: p, resource: '', namespace: '' });
    expect(ruleAllows(path('/healthz'), rule)).toBe(true);
    expect(ruleAllows(path('/healthz/etcd'), rule)).toBe(false);
    expect(ruleAllows(path('/apis/apps/v1'), rule)).toBe(true);
    expect(ruleAllows(res({}), rule)).toBe(false);
  });

  it('match subjects by user, group and service account', () => {
    expect(subjectMatches({ kind: 'User', name: 'jane' }, user, '')).toBe(true);
    expect(subjectMatches({ kind: 'Group', name: 'dev' }, user, '')).toBe(true);
    expect(subjectMatches({ kind: 'Group', name: 'ops' }, user, '')).toBe(false);
    const sa = { name: 'system:serviceaccount:ns1:robot', groups: [] };
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'robot' }, sa, 'ns1')).toBe(true);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'robot', namespace: 'ns2' }, sa, 'ns1')).toBe(false);
  });
});

describe('request attributes and denial wording', () => {
  it('authorize exec as create and discovery as a path', () => {
    const exec = requestAttributes(user, 'GET', '/api/v1/namespaces/default/pods/p/exec', {
      discovery: false,
      group: '',
      version: 'v1',
      namespace: 'default',
      resource: 'pods',
      name: 'p',
      subresource: 'exec',
      verb: 'get',
    });
    expect(exec.verb).toBe('create');
    const discovery = requestAttributes(user, 'HEAD', '/apis', { discovery: true, group: '', version: '', verb: 'get' });
    expect(discovery).toMatchObject({ resourceRequest: false, path: '/apis', verb: 'get' });
  });

  it('says what was refused, as Kubernetes does', () => {
    expect(forbiddenWhy(res({ verb: 'list' }))).toBe('User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
    expect(forbiddenWhy(res({ namespace: '', resource: 'nodes' }), 'why')).toBe(
      'User "jane" cannot get resource "nodes" in API group "" at the cluster scope: why',
    );
    expect(forbiddenWhy(res({ resourceRequest: false, path: '/metrics' }))).toBe('User "jane" cannot get path "/metrics"');
  });
});
