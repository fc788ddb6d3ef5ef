/**
 * Pod specs and pod templates (core validation's ValidatePodSpec and
 * ValidatePodTemplateSpec): containers and init containers, volumes, policies,
 * scheduling fields and tolerations.
 *
 * Defaulted policies (restartPolicy, dnsPolicy) are checked when present only.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { validateAnnotations, validateDNS1123Label, validateDNS1123Subdomain, validateLabels, validateNonnegative, validateQualifiedName } from './common.js';
import { validateContainer, validateEnum } from './container.js';
import { arr, bool, has, isObject, num, obj, str } from './json.js';
import { inclusiveRangeError, isValidLabelValue } from './names.js';
import { validateVolumes } from './volumes.js';

const MAX_INT32 = 2147483647;
export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A taint or toleration effect; empty is allowed only for tolerations (all effects). */
export function validateTaintEffect(effect: unknown, allowEmpty: boolean, path: string): FieldError[] {
  const value = str(effect) ?? '';
  if (value === '') return allowEmpty ? [] : [fieldErrors.required(path)];
  return TAINT_EFFECTS.includes(value) ? [] : [fieldErrors.notSupported(path, value, TAINT_EFFECTS)];
}

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(tolerations).forEach((raw, i) => {
    const t = obj(raw);
    const p = fieldPath.index(path, i);
    const key = str(t['key']) ?? '';
    const operator = str(t['operator']) ?? '';
    const value = str(t['value']) ?? '';
    const effect = str(t['effect']) ?? '';
    if (key !== '') errs.push(...validateQualifiedName(key, fieldPath.child(p, 'key')));
    if (key === '' && operator !== 'Exists') {
      errs.push(
        fieldErrors.invalid(
          fieldPath.child(p, 'operator'),
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (has(t, 'tolerationSeconds') && effect !== 'NoExecute') {
      errs.push(fieldErrors.invalid(fieldPath.child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(value);
        if (msgs.length > 0) errs.push(fieldErrors.invalid(fieldPath.child(p, 'operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value !== '') errs.push(fieldErrors.invalid(fieldPath.child(p, 'operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldErrors.notSupported(fieldPath.child(p, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '') errs.push(...validateTaintEffect(effect, true, fieldPath.child(p, 'effect')));
  });
  return errs;
}

/** Host ports may be claimed once per protocol/hostIP/port within a container list. */
function checkHostPortConflicts(containers: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((raw, ci) => {
    arr(obj(raw)['ports']).forEach((rawPort, pi) => {
      const port = obj(rawPort);
      const hostPort = num(port['hostPort']) ?? 0;
      if (hostPort === 0) return;
      const key = `${str(port['protocol']) ?? 'TCP'}/${str(port['hostIP']) ?? ''}/${hostPort}`;
      const p = fieldPath.child(fieldPath.index(fieldPath.child(fieldPath.index(path, ci), 'ports'), pi), 'hostPort');
      if (seen.has(key)) errs.push(fieldErrors.duplicate(p, key));
      else seen.add(key);
    });
  });
  return errs;
}

/** With hostNetwork, a declared hostPort must equal its containerPort. */
function validateHostNetworkPorts(containers: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((raw, ci) => {
    arr(obj(raw)['ports']).forEach((rawPort, pi) => {
      const port = obj(rawPort);
      const hostPort = num(port['hostPort']);
      if (hostPort === undefined || hostPort === num(port['containerPort'])) return;
      const p = fieldPath.child(fieldPath.index(fieldPath.child(fieldPath.index(path, ci), 'ports'), pi), 'hostPort');
      errs.push(fieldErrors.invalid(p, hostPort, 'must match `containerPort` when `hostNetwork` is true'));
    });
  });
  return errs;
}

export function validatePodSpec(specValue: unknown, path: string): FieldError[] {
  const spec = obj(specValue);
  const errs: FieldError[] = [];
  const { errs: volumeErrs, names: volumes } = validateVolumes(spec['volumes'], fieldPath.child(path, 'volumes'));
  errs.push(...volumeErrs);

  const gracePeriod = num(spec['terminationGracePeriodSeconds']) ?? 30;
  const containerNames = new Set<string>();
  const checkName = (container: Record<string, unknown>, p: string): void => {
    const name = str(container['name']) ?? '';
    const namePath = fieldPath.child(p, 'name');
    if (name === '') errs.push(fieldErrors.required(namePath));
    else errs.push(...validateDNS1123Label(name, namePath));
    if (name !== '' && containerNames.has(name)) errs.push(fieldErrors.duplicate(namePath, name));
    containerNames.add(name);
  };

  const initPath = fieldPath.child(path, 'initContainers');
  const initContainers = arr(spec['initContainers']);
  initContainers.forEach((raw, i) => {
    const p = fieldPath.index(initPath, i);
    checkName(obj(raw), p);
    errs.push(...validateContainer(obj(raw), p, { volumes, kind: 'init', gracePeriod }));
  });
  errs.push(...checkHostPortConflicts(initContainers, initPath));

  const containersPath = fieldPath.child(path, 'containers');
  const containers = arr(spec['containers']);
  if (containers.length === 0) errs.push(fieldErrors.required(containersPath));
  containers.forEach((raw, i) => {
    const p = fieldPath.index(containersPath, i);
    checkName(obj(raw), p);
    errs.push(...validateContainer(obj(raw), p, { volumes, kind: 'container', gracePeriod }));
  });
  errs.push(...checkHostPortConflicts(containers, containersPath));
  if (bool(spec['hostNetwork']) === true) {
    errs.push(...validateHostNetworkPorts(initContainers, initPath));
    errs.push(...validateHostNetworkPorts(containers, containersPath));
  }

  errs.push(...validateEnum(spec['restartPolicy'], fieldPath.child(path, 'restartPolicy'), RESTART_POLICIES));
  errs.push(...validateEnum(spec['dnsPolicy'], fieldPath.child(path, 'dnsPolicy'), DNS_POLICIES));
  if (spec['dnsPolicy'] === 'None' && !isObject(spec['dnsConfig'])) {
    errs.push(fieldErrors.required(fieldPath.child(path, 'dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  errs.push(...validateLabels(spec['nodeSelector'], fieldPath.child(path, 'nodeSelector')));
  for (const field of ['serviceAccountName', 'nodeName', 'schedulerName', 'priorityClassName']) {
    const value = str(spec[field]) ?? '';
    if (value !== '') errs.push(...validateDNS1123Subdomain(value, fieldPath.child(path, field)));
  }
  for (const field of ['hostname', 'subdomain']) {
    const value = str(spec[field]) ?? '';
    if (value !== '') errs.push(...validateDNS1123Label(value, fieldPath.child(path, field)));
  }
  const deadline = num(spec['activeDeadlineSeconds']);
  if (deadline !== undefined && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'activeDeadlineSeconds'), deadline, inclusiveRangeError(1, MAX_INT32)));
  }
  errs.push(...validateNonnegative(num(spec['terminationGracePeriodSeconds']), fieldPath.child(path, 'terminationGracePeriodSeconds')));
  errs.push(...validateTolerations(spec['tolerations'], fieldPath.child(path, 'tolerations')));
  return errs;
}

/**
 * A pod template: its labels and annotations (reported at `<path>.labels`, as Kubernetes
 * does) and its spec.
 */
export function validatePodTemplateSpec(templateValue: unknown, path: string): FieldError[] {
  const template = obj(templateValue);
  const meta = obj(template['metadata']);
  const errs = [
    ...validateLabels(meta['labels'], fieldPath.child(path, 'labels')),
    ...validateAnnotations(meta['annotations'], fieldPath.child(path, 'annotations')),
    ...validatePodSpec(template['spec'], fieldPath.child(path, 'spec')),
  ];
  if (arr(obj(template['spec'])['ephemeralContainers']).length > 0) {
    errs.push(fieldErrors.forbidden(fieldPath.child(fieldPath.child(path, 'spec'), 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}
