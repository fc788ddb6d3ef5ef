import type { Endpoints, Service } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { buildProxyState } from './proxy-state.js';

describe('buildProxyState: LoadBalancer Services', () => {
  const ep: Endpoints = { metadata: { namespace: 'default', name: 'lb' }, subsets: [{ addresses: [{ ip: '172.17.0.2' }], ports: [{ port: 8080 }] }] };
  const svc = (type: string, ingress: Array<{ ip?: string; hostname?: string }>): Service => ({
    metadata: { namespace: 'default', name: 'lb' },
    spec: { type, clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30090 }] },
    status: { loadBalancer: { ingress } },
  });

  it('carries the ingress IPs of a LoadBalancer Service, and only of one', () => {
    const [lb] = buildProxyState([svc('LoadBalancer', [{ ip: '127.240.0.2' }, { hostname: 'x.local' }, { ip: '127.240.0.1' }])], [ep]);
    expect(lb).toMatchObject({ clusterIP: '10.96.0.20', port: 80, nodePort: 30090, loadBalancerIPs: ['127.240.0.1', '127.240.0.2'] });
    const [pending] = buildProxyState([svc('LoadBalancer', [])], [ep]);
    expect(pending?.loadBalancerIPs).toBeUndefined();
    const [plain] = buildProxyState([svc('ClusterIP', [{ ip: '127.240.0.1' }])], [ep]);
    expect(plain?.loadBalancerIPs).toBeUndefined();
  });
});

describe('buildProxyState: address families', () => {
  it('programs IPv4 endpoints only, so an IPv6 address cannot break the IPv4 rules of every Service', () => {
    const svc: Service = { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.30', ports: [{ port: 80 }] } };
    const ep: Endpoints = {
      metadata: { namespace: 'default', name: 'web' },
      subsets: [{ addresses: [{ ip: '2001:db8::1' }, { ip: '172.17.0.3' }], notReadyAddresses: [{ ip: 'fe80::1' }], ports: [{ port: 8080 }] }],
    };
    const [state] = buildProxyState([svc], [ep]);
    expect(state?.endpoints).toEqual([{ ip: '172.17.0.3', port: 8080 }]);
  });
});
