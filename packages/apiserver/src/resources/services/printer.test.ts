import { describe, expect, it } from 'vitest';
import { HOUR, NOW, ago } from '../../testing/test-clock.js';
import { servicePrinter } from './printer.js';

type Obj = Record<string, unknown>;

function service(spec: Obj, status: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(5 * HOUR + 120_000) },
    spec: { selector: { app: 'web', tier: 'frontend' }, ...spec },
    status,
  };
}

const cells = (svc: Obj) => servicePrinter.print(svc, NOW).cells;

describe('servicePrinter', () => {
  it('declares Kubernetes service columns', () => {
    expect(servicePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0',
      'Type:0',
      'Cluster-IP:0',
      'External-IP:0',
      'Port(s):0',
      'Age:0',
      'Selector:1',
    ]);
  });

  it('prints a ClusterIP service', () => {
    const svc = service({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] });
    expect(cells(svc)).toEqual(['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '5h2m', 'app=web,tier=frontend']);
  });

  it('prints a NodePort service with port:nodePort/protocol', () => {
    const svc = service({
      type: 'NodePort',
      clusterIP: '10.96.3.4',
      ports: [
        { name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' },
        { name: 'dns', port: 53, nodePort: 30053, protocol: 'UDP' },
      ],
    });
    expect(cells(svc).slice(1, 5)).toEqual(['NodePort', '10.96.3.4', '<none>', '80:30080/TCP,53:30053/UDP']);
  });

  it('prints <pending> for a LoadBalancer without ingress', () => {
    const svc = service({ type: 'LoadBalancer', clusterIPs: ['10.96.1.1'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }, { loadBalancer: {} });
    expect(cells(svc).slice(1, 5)).toEqual(['LoadBalancer', '10.96.1.1', '<pending>', '443:31443/TCP']);
  });

  it('prints the sorted, unique ingress addresses of a LoadBalancer, then external IPs, unshortened', () => {
    const svc = service(
      { type: 'LoadBalancer', clusterIPs: ['10.96.1.1'], externalIPs: ['192.168.50.1'], ports: [{ port: 80, nodePort: 30001, protocol: 'TCP' }] },
      { loadBalancer: { ingress: [{ ip: '172.18.255.201' }, { hostname: 'lb.example.internal' }, { ip: '172.18.255.200' }, { ip: '172.18.255.201' }] } },
    );
    expect(cells(svc)[3]).toBe('172.18.255.200,172.18.255.201,lb.example.internal,192.168.50.1');
  });

  it('prints external IPs of a ClusterIP service, headless "None" and an ExternalName', () => {
    expect(cells(service({ type: 'ClusterIP', clusterIP: '10.96.0.2', externalIPs: ['1.2.3.4', '5.6.7.8'] }))[3]).toBe('1.2.3.4,5.6.7.8');
    expect(cells(service({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }))[2]).toBe('None');
    const external = service({ type: 'ExternalName', externalName: 'db.example.internal', selector: undefined });
    expect(cells(external)).toEqual(['web', 'ExternalName', '<none>', 'db.example.internal', '<none>', '5h2m', '<none>']);
  });
});
