import { describe, expect, it } from 'vitest';
import { byVersionPriority, compareKubeAwareVersions, entryOf, type ApiServiceEntry } from './api-services.js';

describe('APIService ordering', () => {
  it("sorts versions as Kubernetes' kube-aware order: GA, beta, alpha, newest first, others last by name", () => {
    const versions = ['foo10', 'v1', 'v11alpha2', 'v10beta3', 'foo1', 'v2', 'v12alpha1', 'v3beta1', 'v11beta2', 'v10'];
    expect([...versions].sort(compareKubeAwareVersions)).toEqual([
      'v10',
      'v2',
      'v1',
      'v11beta2',
      'v10beta3',
      'v3beta1',
      'v12alpha1',
      'v11alpha2',
      'foo1',
      'foo10',
    ]);
  });

  it('puts a higher versionPriority first, whatever the version', () => {
    const e = (version: string, versionPriority: number) => ({ version, versionPriority }) as ApiServiceEntry;
    expect([e('v1', 15), e('v2', 30), e('v1beta1', 30)].sort(byVersionPriority).map((x) => x.version)).toEqual(['v2', 'v1beta1', 'v1']);
  });

  it('reads a service-backed APIService: the default port, the CA bundle, availability', () => {
    const entry = entryOf({
      metadata: { name: 'v1.x.io' },
      spec: {
        group: 'x.io',
        version: 'v1',
        groupPriorityMinimum: 10,
        versionPriority: 5,
        caBundle: Buffer.from('pem').toString('base64'),
        service: { namespace: 'n', name: 's' },
      },
      status: { conditions: [{ type: 'Available', status: 'True' }] },
    });
    expect(entry).toMatchObject({ name: 'v1.x.io', service: { namespace: 'n', name: 's', port: 443 }, available: true, insecureSkipTLSVerify: false });
    expect(entry.caBundle?.toString()).toBe('pem');
    expect(
      entryOf({ metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1', groupPriorityMinimum: 1, versionPriority: 1 } }).service,
    ).toBeUndefined();
  });
});
