import { describe, expect, it } from 'vitest';
import { validateAPIService, validateAPIServiceStatus } from './apiservice.js';

const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });
const messages = (errs: ReturnType<typeof validateAPIService>) => errs.map((e) => `${e.field}: ${e.message}`);

describe('APIService validation', () => {
  it('accepts a Local APIService and a service-backed one', () => {
    expect(validateAPIService(svc('v1.apps', { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 }))).toEqual([]);
    expect(validateAPIService(svc('v1.', { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 }))).toEqual([]);
    const remote = svc('v1beta1.metrics.k8s.io', {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 20000,
      versionPriority: 1000,
      insecureSkipTLSVerify: true,
      service: { namespace: 'kube-system', name: 'metrics-server', port: 443 },
    });
    expect(validateAPIService(remote)).toEqual([]);
  });

  it('requires the name to be version.group, an empty group only for v1, and a DNS-1035 version', () => {
    expect(messages(validateAPIService(svc('v1.nope', { group: 'apps', version: 'v1', groupPriorityMinimum: 1, versionPriority: 1 })))).toEqual([
      'metadata.name: Invalid value: "v1.nope": must be `spec.version+"."+spec.group`: "v1.apps"',
    ]);
    expect(messages(validateAPIService(svc('v2.', { group: '', version: 'v2', groupPriorityMinimum: 1, versionPriority: 1 })))).toEqual([
      'spec.group: Required value: only v1 may have an empty group and it better be legacy kube',
    ]);
    expect(messages(validateAPIService(svc('1x.apps', { group: 'apps', version: '1x', groupPriorityMinimum: 1, versionPriority: 1 })))[0]).toMatch(
      /^spec\.version: Invalid value: "1x": a DNS-1035 label/,
    );
  });

  it('bounds the priorities (20000 and 1000 included) and refuses TLS settings on a Local APIService', () => {
    const errs = messages(
      validateAPIService(svc('v1.x.io', { group: 'x.io', version: 'v1', groupPriorityMinimum: 20001, versionPriority: 0, caBundle: 'AAAA' })),
    );
    expect(errs).toEqual([
      'spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000',
      'spec.versionPriority: Invalid value: 0: must be positive and less than 1000',
      'spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle',
    ]);
  });

  it('requires the service reference, a valid port, and not both a caBundle and insecureSkipTLSVerify', () => {
    const errs = messages(
      validateAPIService(
        svc('v1.x.io', {
          group: 'x.io',
          version: 'v1',
          groupPriorityMinimum: 1,
          versionPriority: 1,
          caBundle: 'AAAA',
          insecureSkipTLSVerify: true,
          service: { port: 0 },
        }),
      ),
    );
    expect(errs).toEqual([
      'spec.service.namespace: Required value',
      'spec.service.name: Required value',
      'spec.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive',
      'spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present',
    ]);
  });

  it('accepts only True, False and Unknown as condition statuses', () => {
    const old = svc('v1.x.io', {});
    const next = { ...old, status: { conditions: [{ type: 'Available', status: 'Maybe' }] } };
    expect(messages(validateAPIServiceStatus(next, old))).toEqual([
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
    ]);
  });
});
