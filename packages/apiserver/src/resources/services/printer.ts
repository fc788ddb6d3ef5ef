/**
 * `kubectl get services`: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide:
 * SELECTOR. EXTERNAL-IP: `spec.externalIPs` for ClusterIP/NodePort (else
 * "<none>"); for LoadBalancer the sorted, de-duplicated ingress IPs or
 * hostnames followed by `spec.externalIPs`, or "<pending>" when there are
 * none; `spec.externalName` for ExternalName. PORT(S) reads "80/TCP" or,
 * with a node port, "80:30080/TCP". The server prints the wide form, so
 * load-balancer addresses are never shortened.
 */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { formatLabels, compareStrings } from '../../tables/label-selector.js';
import { at, int, objects, obj, str, strings } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { JsonObject } from '../../tables/json-fields.js';
import type { PrintedRow, ResourcePrinter } from '../../tables/types.js';

export const servicePrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    column('Cluster-IP', 'string', 'The virtual IP of the service inside the cluster.'),
    column('External-IP', 'string', 'Addresses the service is reachable at from outside the cluster.'),
    column('Port(s)', 'string', 'The ports the service exposes.'),
    ageColumn(),
    column('Selector', 'string', 'Labels of the pods the service routes traffic to.', { priority: 1 }),
  ],
  print(svc: JsonObject, now: number): PrintedRow {
    const spec = obj(svc['spec']);
    // Defaulting always sets the type; an undefaulted object reads as ClusterIP.
    const type = str(spec['type']) || 'ClusterIP';
    const clusterIP = strings(spec['clusterIPs'])[0] ?? (str(spec['clusterIP']) || '<none>');
    const cells: unknown[] = [
      str(at(svc, 'metadata', 'name')),
      type,
      clusterIP,
      externalIP(svc, type),
      portString(spec['ports']) || '<none>',
      age(at(svc, 'metadata', 'creationTimestamp'), now),
      formatLabels(spec['selector']),
    ];
    return { cells };
  },
};

function externalIP(svc: JsonObject, type: string): string {
  const externalIPs = strings(at(svc, 'spec', 'externalIPs'));
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = new Set<string>();
      for (const entry of objects(at(svc, 'status', 'loadBalancer', 'ingress'))) {
        const address = str(entry['ip']) || str(entry['hostname']);
        if (address !== '') {
          ingress.add(address);
        }
      }
      const addresses = [...[...ingress].sort(compareStrings), ...externalIPs];
      return addresses.length > 0 ? addresses.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(at(svc, 'spec', 'externalName'));
    default:
      return '<unknown>';
  }
}

function portString(ports: unknown): string {
  return objects(ports)
    .map((port) => {
      const protocol = str(port['protocol']) || 'TCP';
      const nodePort = int(port['nodePort']);
      return nodePort > 0 ? `${int(port['port'])}:${nodePort}/${protocol}` : `${int(port['port'])}/${protocol}`;
    })
    .join(',');
}
