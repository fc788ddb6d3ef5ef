/**
 * Endpoints: each subset needs addresses; addresses are valid, non-special IPs; ports
 * are named when there are several, with valid numbers and protocols.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { invalidEach, validateDNS1123Label, validateDNS1123Subdomain, validateIP, validateQualifiedName } from './common.js';
import { SUPPORTED_PROTOCOLS, validateEnum } from './container.js';
import { arr, num, obj, str, type JsonObject } from './json.js';
import { ipFamily, isValidPortNum } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/** IPs an endpoint may not point at: unspecified, loopback, link-local, link-local multicast. */
function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  const family = ipFamily(ip);
  if (family === 0) return [];
  const lower = ip.toLowerCase();
  if (family === 4) {
    const octets = ip.split('.').map(Number);
    const [a, b, c] = [octets[0] ?? 0, octets[1] ?? 0, octets[2] ?? 0];
    if (octets.every((o) => o === 0)) return [fieldErrors.invalid(path, ip, 'may not be unspecified (0.0.0.0)')];
    if (a === 127) return [fieldErrors.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
    if (a === 169 && b === 254) return [fieldErrors.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
    if (a === 224 && b === 0 && c === 0) {
      return [fieldErrors.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
    }
    return [];
  }
  if (lower === '::') return [fieldErrors.invalid(path, ip, 'may not be unspecified (::)')];
  if (lower === '::1') return [fieldErrors.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if (/^fe[89ab]/.test(lower)) return [fieldErrors.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if (lower.startsWith('ff02:')) return [fieldErrors.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  return [];
}

function validateAddress(address: JsonObject, path: string): FieldError[] {
  const ip = str(address['ip']) ?? '';
  const errs = validateIP(ip, fieldPath.child(path, 'ip'));
  const hostname = str(address['hostname']) ?? '';
  if (hostname !== '') errs.push(...validateDNS1123Label(hostname, fieldPath.child(path, 'hostname')));
  const nodeName = str(address['nodeName']);
  if (nodeName !== undefined) errs.push(...validateDNS1123Subdomain(nodeName, fieldPath.child(path, 'nodeName')));
  errs.push(...validateNonSpecialIP(ip, fieldPath.child(path, 'ip')));
  return errs;
}

export function validateEndpointSubsets(subsets: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(subsets).forEach((raw, i) => {
    const subset = obj(raw);
    const p = fieldPath.index(path, i);
    const addresses = arr(subset['addresses']);
    const notReady = arr(subset['notReadyAddresses']);
    if (addresses.length === 0 && notReady.length === 0) {
      errs.push(fieldErrors.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    addresses.forEach((a, j) => errs.push(...validateAddress(obj(a), fieldPath.index(fieldPath.child(p, 'addresses'), j))));
    notReady.forEach((a, j) => errs.push(...validateAddress(obj(a), fieldPath.index(fieldPath.child(p, 'notReadyAddresses'), j))));
    const ports = arr(subset['ports']);
    ports.forEach((rawPort, j) => {
      const port = obj(rawPort);
      const pp = fieldPath.index(fieldPath.child(p, 'ports'), j);
      const name = str(port['name']) ?? '';
      if (ports.length > 1 && name === '') errs.push(fieldErrors.required(fieldPath.child(pp, 'name')));
      else if (name !== '') errs.push(...validateDNS1123Label(name, fieldPath.child(pp, 'name')));
      const portNum = num(port['port']) ?? 0;
      errs.push(...invalidEach(fieldPath.child(pp, 'port'), portNum, isValidPortNum(portNum)));
      errs.push(...validateEnum(port['protocol'], fieldPath.child(pp, 'protocol'), SUPPORTED_PROTOCOLS));
      const appProtocol = str(port['appProtocol']);
      if (appProtocol !== undefined) errs.push(...validateQualifiedName(appProtocol, fieldPath.child(pp, 'appProtocol')));
    });
  });
  return errs;
}

export function validateEndpoints(ep: JsonObject, namespaced = true): FieldError[] {
  return [...validateObjectMeta(ep['metadata'], { namespaced }), ...validateEndpointSubsets(ep['subsets'], 'subsets')];
}

export function validateEndpointsUpdate(ep: JsonObject, old: JsonObject): FieldError[] {
  return validateObjectMetaUpdate(ep['metadata'], old['metadata']);
}
