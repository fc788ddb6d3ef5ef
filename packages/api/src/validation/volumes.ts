/**
 * Pod volumes: unique DNS-1123 label names, exactly one volume source each, and the
 * details of the sources this cluster uses (emptyDir, hostPath, configMap, secret,
 * persistentVolumeClaim, downwardAPI, projected). Other source types are counted for the
 * one-source rule but not inspected.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { parseQuantity } from '../quantity.js';
import { validateDNS1123Label } from './common.js';
import { validateLocalDescendingPath, validateObjectFieldSelector } from './container.js';
import { arr, isObject, num, obj, str, type JsonObject } from './json.js';

/** Volume source fields, in the order Kubernetes counts them. */
const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gitRepo',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flocker',
  'persistentVolumeClaim',
  'rbd',
  'quobyte',
  'cinder',
  'cephfs',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

const FILE_MODE_MESSAGE = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const VOLUME_FIELD_PATHS = new Set(['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid']);

function validateMode(value: unknown, path: string): FieldError[] {
  const mode = num(value);
  return mode !== undefined && (mode < 0 || mode > 0o777) ? [fieldErrors.invalid(path, mode, FILE_MODE_MESSAGE)] : [];
}

/** A projected file path: relative, no '..' element, not starting with '..'. */
function validateLocalNonReservedPath(target: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.length >= 2 && target.startsWith('..')) errs.push(fieldErrors.invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(items).forEach((raw, i) => {
    const item = obj(raw);
    const p = fieldPath.index(path, i);
    if ((str(item['key']) ?? '') === '') errs.push(fieldErrors.required(fieldPath.child(p, 'key')));
    const target = str(item['path']) ?? '';
    if (target === '') errs.push(fieldErrors.required(fieldPath.child(p, 'path')));
    errs.push(...validateLocalNonReservedPath(target, fieldPath.child(p, 'path')));
    errs.push(...validateMode(item['mode'], fieldPath.child(p, 'mode')));
  });
  return errs;
}

function validateDownwardAPIItems(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(items).forEach((raw, i) => {
    const item = obj(raw);
    const p = fieldPath.index(path, i);
    const target = str(item['path']) ?? '';
    if (target === '') errs.push(fieldErrors.required(fieldPath.child(p, 'path')));
    errs.push(...validateLocalNonReservedPath(target, fieldPath.child(p, 'path')));
    errs.push(...validateMode(item['mode'], fieldPath.child(p, 'mode')));
    const hasField = isObject(item['fieldRef']);
    const hasResource = isObject(item['resourceFieldRef']);
    if (hasField && hasResource) {
      errs.push(fieldErrors.invalid(p, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    } else if (!hasField && !hasResource) {
      errs.push(fieldErrors.required(p, 'one of fieldRef and resourceFieldRef is required'));
    } else if (isObject(item['fieldRef'])) {
      errs.push(...validateObjectFieldSelector(item['fieldRef'], fieldPath.child(p, 'fieldRef'), VOLUME_FIELD_PATHS));
    }
  });
  return errs;
}

function validateProjected(source: JsonObject, path: string): FieldError[] {
  const errs = validateMode(source['defaultMode'], fieldPath.child(path, 'defaultMode'));
  arr(source['sources']).forEach((raw, i) => {
    const src = obj(raw);
    const p = fieldPath.index(fieldPath.child(path, 'sources'), i);
    let count = 0;
    for (const kind of ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle']) {
      if (!isObject(src[kind])) continue;
      const kp = fieldPath.child(p, kind);
      count++;
      if (count > 1) {
        errs.push(fieldErrors.forbidden(kp, 'may not specify more than 1 volume type per source'));
        continue;
      }
      const s = src[kind];
      if (kind === 'secret' || kind === 'configMap') {
        if ((str(s['name']) ?? '') === '') errs.push(fieldErrors.required(fieldPath.child(kp, 'name')));
        errs.push(...validateKeyToPaths(s['items'], fieldPath.child(kp, 'items')));
      } else if (kind === 'downwardAPI') {
        errs.push(...validateDownwardAPIItems(s['items'], fieldPath.child(kp, 'items')));
      } else if (kind === 'serviceAccountToken') {
        const expiration = num(s['expirationSeconds']);
        if (expiration !== undefined && expiration < 600) {
          errs.push(fieldErrors.invalid(fieldPath.child(kp, 'expirationSeconds'), expiration, 'may not specify a duration less than 10 minutes'));
        }
        if (expiration !== undefined && expiration > 2 ** 32) {
          errs.push(fieldErrors.invalid(fieldPath.child(kp, 'expirationSeconds'), expiration, 'may not specify a duration larger than 2^32 seconds'));
        }
        const target = str(s['path']) ?? '';
        if (target === '') errs.push(fieldErrors.required(fieldPath.child(kp, 'path')));
        else errs.push(...validateLocalNonReservedPath(target, fieldPath.child(kp, 'path')));
      }
    }
    if (count === 0) errs.push(fieldErrors.required(p, 'must specify exactly 1 volume type'));
  });
  return errs;
}

function validateSource(kind: string, source: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'hostPath': {
      const hostPath = str(source['path']) ?? '';
      if (hostPath === '') errs.push(fieldErrors.required(fieldPath.child(path, 'path')));
      else if (hostPath.split('/').includes('..')) errs.push(fieldErrors.invalid(fieldPath.child(path, 'path'), hostPath, "must not contain '..'"));
      if (source['type'] !== undefined && source['type'] !== null) {
        const t = source['type'];
        if (typeof t !== 'string' || !HOST_PATH_TYPES.includes(t)) {
          errs.push(fieldErrors.notSupported(fieldPath.child(path, 'type'), t, HOST_PATH_TYPES));
        }
      }
      break;
    }
    case 'emptyDir': {
      const medium = source['medium'];
      if (medium !== undefined && medium !== '' && medium !== 'Memory' && !(typeof medium === 'string' && medium.startsWith('HugePages'))) {
        errs.push(fieldErrors.notSupported(fieldPath.child(path, 'medium'), medium, ['', 'Memory', 'HugePages']));
      }
      const sizeLimit = source['sizeLimit'];
      if (typeof sizeLimit === 'string' || typeof sizeLimit === 'number') {
        let valid = true;
        try {
          valid = parseQuantity(sizeLimit).sign() >= 0;
        } catch {
          valid = false;
        }
        if (!valid) errs.push(fieldErrors.forbidden(fieldPath.child(path, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'secret':
      if ((str(source['secretName']) ?? '') === '') errs.push(fieldErrors.required(fieldPath.child(path, 'secretName')));
      errs.push(...validateMode(source['defaultMode'], fieldPath.child(path, 'defaultMode')));
      errs.push(...validateKeyToPaths(source['items'], fieldPath.child(path, 'items')));
      break;
    case 'configMap':
      if ((str(source['name']) ?? '') === '') errs.push(fieldErrors.required(fieldPath.child(path, 'name')));
      errs.push(...validateMode(source['defaultMode'], fieldPath.child(path, 'defaultMode')));
      errs.push(...validateKeyToPaths(source['items'], fieldPath.child(path, 'items')));
      break;
    case 'persistentVolumeClaim':
      if ((str(source['claimName']) ?? '') === '') errs.push(fieldErrors.required(fieldPath.child(path, 'claimName')));
      break;
    case 'downwardAPI':
      errs.push(...validateMode(source['defaultMode'], fieldPath.child(path, 'defaultMode')));
      errs.push(...validateDownwardAPIItems(source['items'], fieldPath.child(path, 'items')));
      break;
    case 'projected':
      errs.push(...validateProjected(source, path));
      break;
  }
  return errs;
}

/**
 * Validates `spec.volumes` and returns the volume names (for volumeMounts), including
 * duplicates' first occurrence only.
 */
export function validateVolumes(volumes: unknown, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(volumes).forEach((raw, i) => {
    const vol = obj(raw);
    const p = fieldPath.index(path, i);
    let count = 0;
    for (const kind of VOLUME_SOURCES) {
      if (!isObject(vol[kind])) continue;
      count++;
      if (count > 1) errs.push(fieldErrors.forbidden(fieldPath.child(p, kind), 'may not specify more than 1 volume type'));
      else errs.push(...validateSource(kind, vol[kind], fieldPath.child(p, kind)));
    }
    if (count === 0) errs.push(fieldErrors.required(p, 'must specify a volume type'));
    const name = str(vol['name']) ?? '';
    const namePath = fieldPath.child(p, 'name');
    if (name === '') errs.push(fieldErrors.required(namePath));
    else errs.push(...validateDNS1123Label(name, namePath));
    if (names.has(name)) errs.push(fieldErrors.duplicate(namePath, name));
    names.add(name);
  });
  return { errs, names };
}
