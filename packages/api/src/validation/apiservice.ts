/**
 * apiregistration.k8s.io APIServices (kube-aggregator's validation): the
 * name is `<version>.<group>`, priorities in range, and a `Local` one (no
 * service) takes no TLS settings.
 */
import { fieldErrors, type FieldError } from '../field-errors.js';
import { invalidEach } from './common.js';
import { arr, bool, has, num, obj, str, type JsonObject } from './json.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortNum } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

export function validateAPIService(svc: JsonObject): FieldError[] {
  const meta = obj(svc['metadata']);
  const spec = obj(svc['spec']);
  const group = str(spec['group']) ?? '';
  const version = str(spec['version']) ?? '';
  const errs = validateObjectMeta(svc['metadata'], { namespaced: false, nameRule: 'path-segment' });
  const name = str(meta['name']);
  const wanted = `${version}.${group}`;
  if (name !== undefined && !errs.some((e) => e.field === 'metadata.name') && name !== wanted) {
    errs.push(fieldErrors.invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(wanted)}`));
  }
  if (group === '' && version !== 'v1') errs.push(fieldErrors.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') errs.push(...invalidEach('spec.group', group, isDNS1123Subdomain(group)));
  errs.push(...invalidEach('spec.version', version, isDNS1035Label(version)));
  const groupPriority = num(spec['groupPriorityMinimum']) ?? 0;
  if (groupPriority <= 0 || groupPriority > 20000) {
    errs.push(fieldErrors.invalid('spec.groupPriorityMinimum', groupPriority, 'must be positive and less than 20000'));
  }
  const versionPriority = num(spec['versionPriority']) ?? 0;
  if (versionPriority <= 0 || versionPriority > 1000) {
    errs.push(fieldErrors.invalid('spec.versionPriority', versionPriority, 'must be positive and less than 1000'));
  }
  const caBundle = str(spec['caBundle']) ?? '';
  const insecure = bool(spec['insecureSkipTLSVerify']) === true;
  if (!has(spec, 'service') || spec['service'] === null) {
    if (caBundle !== '') {
      errs.push(fieldErrors.invalid('spec.caBundle', `${Buffer.from(caBundle, 'base64').length} bytes`, 'local APIServices may not have a caBundle'));
    }
    if (insecure) errs.push(fieldErrors.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  const service = obj(spec['service']);
  if ((str(service['namespace']) ?? '') === '') errs.push(fieldErrors.required('spec.service.namespace', ''));
  if ((str(service['name']) ?? '') === '') errs.push(fieldErrors.required('spec.service.name', ''));
  const port = num(service['port']) ?? 443;
  const portErrors = isValidPortNum(port);
  if (portErrors.length > 0) errs.push(fieldErrors.invalid('spec.service.port', port, `port is not valid: ${portErrors.join(', ')}`));
  if (insecure && caBundle !== '') errs.push(fieldErrors.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

export function validateAPIServiceUpdate(svc: JsonObject, old: JsonObject): FieldError[] {
  return validateObjectMetaUpdate(svc['metadata'], old['metadata']);
}

export function validateAPIServiceStatus(svc: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(svc['metadata'], old['metadata']);
  arr(obj(svc['status'])['conditions']).forEach((c, i) => {
    const status = str(obj(c)['status']) ?? '';
    if (!CONDITION_STATUSES.includes(status)) errs.push(fieldErrors.notSupported(`status.conditions[${i}].status`, status, CONDITION_STATUSES));
  });
  return errs;
}
