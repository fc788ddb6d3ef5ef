/**
 * Services: type, ports (names, numbers, protocols, targetPort, nodePort), clusterIP,
 * selector, session affinity; on update the primary cluster IP is immutable except
 * to or from ExternalName. NodePort range checks belong to the allocator, not here.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import {
  invalidEach,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateIP,
  validateLabels,
  validatePortNumOrName,
  validateQualifiedName,
} from './common.js';
import { SUPPORTED_PROTOCOLS, validateEnum } from './container.js';
import { arr, has, num, obj, str, type JsonObject } from './json.js';
import { isValidPortNum } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const KUBELET_PORT = 10250;

function clusterIPs(spec: JsonObject): string[] {
  const list = arr(spec['clusterIPs']).map((ip) => str(ip) ?? '');
  if (list.length > 0) return list;
  const single = str(spec['clusterIP']) ?? '';
  return single === '' ? [] : [single];
}

function isHeadless(spec: JsonObject): boolean {
  const ips = clusterIPs(spec);
  return (str(spec['type']) ?? 'ClusterIP') === 'ClusterIP' && ips.length === 1 && ips[0] === 'None';
}

/** The longest ClientIP session affinity (one day), as Kubernetes' MaxClientIPServiceAffinitySeconds. */
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
export function validateService(svc: JsonObject, namespaced = true): FieldError[] {
  const errs = validateObjectMeta(svc['metadata'], { namespaced, nameRule: 'dns1035-label' });
  const spec = obj(svc['spec']);
  const type = str(spec['type']) ?? 'ClusterIP';
  const ports = arr(spec['ports']).map(obj);
  const headless = isHeadless(spec);
  const ips = clusterIPs(spec);

  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(fieldErrors.required('spec.ports'));
  switch (type) {
    case 'LoadBalancer':
      ports.forEach((port, i) => {
        if (num(port['port']) === KUBELET_PORT) {
          errs.push(
            fieldErrors.invalid(fieldPath.index('spec.ports', i), KUBELET_PORT, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`),
          );
        }
      });
      if (ips[0] === 'None') errs.push(fieldErrors.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (ips[0] === 'None') errs.push(fieldErrors.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (ips.length > 0) errs.push(fieldErrors.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      const cname = (str(spec['externalName']) ?? '').replace(/\.$/, '');
      if (cname !== '') errs.push(...validateDNS1123Subdomain(cname, 'spec.externalName'));
      else errs.push(fieldErrors.required('spec.externalName'));
      break;
    }
  }

  // Cluster IPs: "None" only alone and first, otherwise IP addresses.
  const listed = arr(spec['clusterIPs']).length > 0;
  const clusterIP = str(spec['clusterIP']) ?? '';
  if (listed && clusterIP !== '' && ips[0] !== clusterIP) {
    errs.push(fieldErrors.invalid('spec.clusterIPs[0]', ips[0] ?? '', 'first value must match `clusterIP`'));
  }
  if (type !== 'ExternalName') {
    ips.forEach((ip, i) => {
      const p = listed ? fieldPath.index('spec.clusterIPs', i) : 'spec.clusterIP';
      if (ip === 'None') {
        if (i > 0 || ips.length > 1) errs.push(fieldErrors.invalid(p, ip, "'None' must be the first and only value"));
        return;
      }
      if (ip !== '') errs.push(...validateIP(ip, p));
    });
  }

  const names = new Set<string>();
  const seenPorts = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const p = fieldPath.index('spec.ports', i);
    const name = str(port['name']) ?? '';
    if (ports.length > 1 && name === '') errs.push(fieldErrors.required(fieldPath.child(p, 'name')));
    else if (name !== '') {
      errs.push(...validateDNS1123Label(name, fieldPath.child(p, 'name')));
      if (names.has(name)) errs.push(fieldErrors.duplicate(fieldPath.child(p, 'name'), name));
      names.add(name);
    }
    const portNum = num(port['port']) ?? 0;
    errs.push(...invalidEach(fieldPath.child(p, 'port'), portNum, isValidPortNum(portNum)));
    errs.push(...validateEnum(port['protocol'], fieldPath.child(p, 'protocol'), SUPPORTED_PROTOCOLS));
    if (has(port, 'targetPort')) errs.push(...validatePortNumOrName(port['targetPort'], fieldPath.child(p, 'targetPort')));
    const appProtocol = str(port['appProtocol']);
    if (appProtocol !== undefined) errs.push(...validateQualifiedName(appProtocol, fieldPath.child(p, 'appProtocol')));

    const protocol = str(port['protocol']) ?? 'TCP';
    const nodePort = num(port['nodePort']) ?? 0;
    if (nodePort !== 0) {
      const np = fieldPath.child(p, 'nodePort');
      if (type === 'ClusterIP' || type === 'ExternalName') {
        errs.push(fieldErrors.forbidden(np, `may not be used when \`type\` is '${type}'`));
      } else {
        errs.push(...invalidEach(np, nodePort, isValidPortNum(nodePort)));
      }
      const key = `${protocol}/${nodePort}`;
      if (seenNodePorts.has(key)) errs.push(fieldErrors.duplicate(np, nodePort));
      seenNodePorts.add(key);
    }
    const key = `${protocol}/${portNum}`;
    if (seenPorts.has(key)) errs.push(fieldErrors.duplicate(p, { port: portNum, protocol }));
    seenPorts.add(key);
  });

  errs.push(...validateLabels(spec['selector'], 'spec.selector'));
  errs.push(...validateEnum(spec['sessionAffinity'], 'spec.sessionAffinity', ['ClientIP', 'None']));
  // Kubernetes' validateAffinityTimeout: kube-proxy writes it into iptables' `recent --seconds`.
  const affinityTimeout = obj(obj(spec['sessionAffinityConfig'])['clientIP'])['timeoutSeconds'];
  if (typeof affinityTimeout === 'number' && (affinityTimeout <= 0 || affinityTimeout > MAX_CLIENT_IP_AFFINITY_SECONDS)) {
    errs.push(
      fieldErrors.invalid(
        'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
        affinityTimeout,
        `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`,
      ),
    );
  }
  errs.push(...validateEnum(spec['type'], 'spec.type', SERVICE_TYPES));
  for (const field of ['externalTrafficPolicy', 'internalTrafficPolicy']) {
    errs.push(...validateEnum(spec[field], `spec.${field}`, ['Cluster', 'Local']));
  }
  arr(spec['externalIPs']).forEach((ip, i) => errs.push(...validateIP(str(ip) ?? '', fieldPath.index('spec.externalIPs', i))));
  return errs;
}

export function validateServiceUpdate(svc: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(svc['metadata'], old['metadata']);
  const spec = obj(svc['spec']);
  const oldSpec = obj(old['spec']);
  if ((str(spec['type']) ?? '') === 'ExternalName' || (str(oldSpec['type']) ?? '') === 'ExternalName') return errs;
  const newIPs = clusterIPs(spec);
  const oldIPs = clusterIPs(oldSpec);
  // An omitted clusterIP on update is filled in from the stored object by the registry.
  if (oldIPs.length > 0 && newIPs.length > 0 && oldIPs[0] !== newIPs[0]) {
    errs.push(fieldErrors.invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
  }
  return errs;
}

/** status.loadBalancer.ingress entries: valid IPs, hostnames that are DNS names and not IPs. */
export function validateServiceStatusUpdate(svc: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(svc['metadata'], old['metadata']);
  arr(obj(obj(obj(svc['status'])['loadBalancer']))['ingress']).forEach((raw, i) => {
    const ingress = obj(raw);
    const p = fieldPath.index('status.loadBalancer.ingress', i);
    const ip = str(ingress['ip']) ?? '';
    if (ip !== '') errs.push(...validateIP(ip, fieldPath.child(p, 'ip')));
    const hostname = str(ingress['hostname']) ?? '';
    if (hostname !== '') {
      errs.push(...validateDNS1123Subdomain(hostname, fieldPath.child(p, 'hostname')));
      if (validateIP(hostname, '').length === 0) {
        errs.push(fieldErrors.invalid(fieldPath.child(p, 'hostname'), hostname, 'must be a DNS name, not an IP address'));
      }
    }
  });
  return errs;
}
