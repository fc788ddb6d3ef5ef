/**
 * Pods: create, update (which fields may change) and status update rules.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { validateIP } from './common.js';
import { arr, isObject, num, obj, semanticEqual, str, type JsonObject } from './json.js';
import { isDNS1123Subdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePodSpec, validateTolerations } from './pod-spec.js';

const MAX_INT32 = 2147483647;

/** Kubernetes' list of what a pod update may change, quoted in its Forbidden message. */
export const POD_UPDATABLE_FIELDS =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

export function validatePod(pod: JsonObject, namespaced = true): FieldError[] {
  const errs = [...validateObjectMeta(pod['metadata'], { namespaced }), ...validatePodSpec(pod['spec'], 'spec')];
  if (arr(obj(pod['spec'])['ephemeralContainers']).length > 0) {
    errs.push(fieldErrors.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  return errs;
}

function validateContainerUpdates(newList: unknown[], oldList: unknown[], path: string): { errs: FieldError[]; stop: boolean } {
  if (newList.length !== oldList.length) {
    return { errs: [fieldErrors.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  }
  return { errs: [], stop: false };
}

/** Existing tolerations may only change their tolerationSeconds; new ones may be added. */
function validateOnlyAddedTolerations(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  const newTolerations = arr(newValue).map(obj);
  for (const old of arr(oldValue).map(obj)) {
    const found = newTolerations.some((t) => semanticEqual({ ...old, tolerationSeconds: t['tolerationSeconds'] }, t));
    if (!found) return [fieldErrors.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newValue, path);
}

/** Lists the top-level spec fields that differ, as a short stand-in for Kubernetes' diff. */
function describeSpecDiff(oldSpec: JsonObject, newSpec: JsonObject): string {
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort();
  const changed = keys.filter((k) => !semanticEqual(oldSpec[k], newSpec[k]));
  return changed.map((k) => `spec.${k}: changed`).join('\n');
}

/** The new pod is fully validated by the caller; these are the update-only rules. */
export function validatePodUpdate(pod: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod['metadata'], old['metadata']);
  const newSpec = obj(pod['spec']);
  const oldSpec = obj(old['spec']);

  for (const list of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(arr(newSpec[list]), arr(oldSpec[list]), fieldPath.child('spec', list));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }

  const deadlinePath = 'spec.activeDeadlineSeconds';
  const newDeadline = num(newSpec['activeDeadlineSeconds']);
  const oldDeadline = num(oldSpec['activeDeadlineSeconds']);
  if (newDeadline !== undefined) {
    if (newDeadline < 0 || newDeadline > MAX_INT32) {
      errs.push(fieldErrors.invalid(deadlinePath, newDeadline, `must be between 0 and ${MAX_INT32}, inclusive`));
      return errs;
    }
    if (oldDeadline !== undefined && oldDeadline < newDeadline) {
      errs.push(fieldErrors.invalid(deadlinePath, newDeadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldDeadline !== undefined) {
    errs.push(fieldErrors.invalid(deadlinePath, null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(newSpec['tolerations'], oldSpec['tolerations'], 'spec.tolerations'));

  // Take every allowed change from the new spec into a copy of the old one: anything
  // still different is a forbidden change.
  const munged: JsonObject = structuredClone(oldSpec);
  for (const list of ['containers', 'initContainers']) {
    const newList = arr(newSpec[list]);
    arr(munged[list]).forEach((c, i) => {
      if (isObject(c)) c['image'] = obj(newList[i])['image'];
    });
  }
  munged['activeDeadlineSeconds'] = newSpec['activeDeadlineSeconds'];
  munged['tolerations'] = newSpec['tolerations'];
  const oldGrace = num(oldSpec['terminationGracePeriodSeconds']);
  if (oldGrace !== undefined && oldGrace < 0 && num(newSpec['terminationGracePeriodSeconds']) === 1) {
    munged['terminationGracePeriodSeconds'] = 1;
  }
  if (!semanticEqual(munged, newSpec)) {
    errs.push(fieldErrors.forbidden('spec', `pod updates may not change fields other than ${POD_UPDATABLE_FIELDS}\n${describeSpecDiff(munged, newSpec)}`));
  }
  return errs;
}

function containerState(status: unknown): 'terminated' | 'other' | 'none' {
  const state = obj(obj(status)['state']);
  if (isObject(state['terminated'])) return 'terminated';
  return Object.keys(state).length > 0 ? 'other' : 'none';
}

/** Status writes (kubelet): metadata rules plus IPs, nominated node and terminal container states. */
export function validatePodStatusUpdate(pod: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod['metadata'], old['metadata']);
  const status = obj(pod['status']);
  arr(status['podIPs']).forEach((raw, i) => {
    errs.push(...validateIP(str(obj(raw)['ip']) ?? '', fieldPath.index('status.podIPs', i)));
  });
  arr(status['hostIPs']).forEach((raw, i) => {
    errs.push(...validateIP(str(obj(raw)['ip']) ?? '', fieldPath.index('status.hostIPs', i)));
  });
  for (const field of ['podIP', 'hostIP']) {
    const ip = str(status[field]) ?? '';
    if (ip !== '') errs.push(...validateIP(ip, `status.${field}`));
  }
  const nominated = str(status['nominatedNodeName']) ?? '';
  if (nominated !== '') {
    for (const msg of isDNS1123Subdomain(nominated)) errs.push(fieldErrors.invalid('status.nominatedNodeName', nominated, msg));
  }
  // A container that terminated may not come back when the pod never restarts it.
  if (str(obj(old['spec'])['restartPolicy']) === 'Never') {
    for (const list of ['containerStatuses', 'initContainerStatuses']) {
      const oldByName = new Map(arr(obj(old['status'])[list]).map((s) => [str(obj(s)['name']) ?? '', s]));
      arr(status[list]).forEach((s, i) => {
        const before = oldByName.get(str(obj(s)['name']) ?? '');
        if (before !== undefined && containerState(before) === 'terminated' && containerState(s) === 'other') {
          errs.push(fieldErrors.forbidden(`status.${list}[${i}].state`, 'may not be transitioned to non-terminated state'));
        }
      });
    }
  }
  return errs;
}
