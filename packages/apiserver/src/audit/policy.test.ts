import { describe, expect, it } from 'vitest';
import { AuditPolicyError, globalPolicy, levelFor, parsePolicy } from './policy.js';

const req = (verb: string, resource?: { group?: string; resource: string; subresource?: string; namespace?: string }, user = 'alice') => ({
  verb,
  user,
  groups: ['system:authenticated'],
  path: '/api/v1/pods',
  resource: resource
    ? {
        group: resource.group ?? '',
        resource: resource.resource,
        subresource: resource.subresource ?? '',
        namespace: resource.namespace ?? 'default',
        name: '',
      }
    : undefined,
});

describe('audit policy', () => {
  it('gives the first matching rule, None when nothing matches', () => {
    const policy = parsePolicy({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      rules: [
        { level: 'None', resources: [{ group: '', resources: ['events'] }] },
        { level: 'None', verbs: ['watch'] },
        { level: 'None', nonResourceURLs: ['/healthz*'] },
        { level: 'Metadata', resources: [{ group: 'apps', resources: ['deployments/scale'] }] },
        { level: 'Metadata', namespaces: ['default'] },
      ],
    });
    expect(levelFor(policy, req('create', { resource: 'events' }))).toBe('None');
    expect(levelFor(policy, req('watch', { resource: 'pods' }))).toBe('None');
    expect(levelFor(policy, req('get', { resource: 'pods' }))).toBe('Metadata');
    expect(levelFor(policy, req('update', { group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'x' }))).toBe('Metadata');
    expect(levelFor(policy, req('get', { resource: 'pods', namespace: 'other' }))).toBe('None');
    expect(levelFor(policy, { ...req('get'), path: '/healthz' })).toBe('None');
    expect(levelFor(globalPolicy('Metadata'), req('get'))).toBe('Metadata');
  });

  it('refuses malformed policies', () => {
    expect(() => parsePolicy({ rules: [{ level: 'Loud' }] })).toThrow(AuditPolicyError);
    expect(() => parsePolicy({ kind: 'Other', rules: [] })).toThrow(/kind must be Policy/);
  });
});
