/**
 * ConfigMaps: keys are config keys, data and binaryData do not share keys, the total
 * size is at most 1 MiB; an immutable ConfigMap keeps its data and stays immutable.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { invalidEach } from './common.js';
import { bool, obj, str, type JsonObject } from './json.js';
import { byteLength, isConfigMapKey } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/** Kubernetes' MaxSecretSize, shared by ConfigMaps and Secrets. */
export const MAX_DATA_SIZE = 1024 * 1024;
export const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

/** Decodes standard base64 strictly; undefined when malformed. */
export function decodeBase64(value: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

/** Go's message for the first malformed base64 byte. */
export function base64Error(value: string): string {
  const bad = value.search(/[^A-Za-z0-9+/=]/);
  return `illegal base64 data at input byte ${bad >= 0 ? bad : value.length}`;
}

/** Plain key/value equality of two string maps (an entry with "" differs from no entry). */
export function sameStringMap(a: unknown, b: unknown): boolean {
  const x = Object.entries(obj(a));
  const y = obj(b);
  return x.length === Object.keys(y).length && x.every(([k, v]) => Object.hasOwn(y, k) && y[k] === v);
}

export function validateConfigMap(cm: JsonObject, namespaced = true): FieldError[] {
  const errs = validateObjectMeta(cm['metadata'], { namespaced });
  const data = obj(cm['data']);
  const binary = obj(cm['binaryData']);
  let total = 0;
  for (const [key, value] of Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const p = fieldPath.key('data', key);
    errs.push(...invalidEach(p, key, isConfigMapKey(key)));
    if (Object.hasOwn(binary, key)) errs.push(fieldErrors.invalid(p, key, 'duplicate of key present in binaryData'));
    total += byteLength(str(value) ?? '');
  }
  for (const [key, value] of Object.entries(binary).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const p = fieldPath.key('binaryData', key);
    errs.push(...invalidEach(p, key, isConfigMapKey(key)));
    const encoded = str(value) ?? '';
    const decoded = decodeBase64(encoded);
    if (decoded === undefined) errs.push(fieldErrors.invalid(p, '<binary data>', base64Error(encoded)));
    else total += decoded.length;
  }
  if (total > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong('', MAX_DATA_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(cm['metadata'], old['metadata']);
  if (bool(old['immutable']) === true) {
    if (bool(cm['immutable']) !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!sameStringMap(cm['data'], old['data'])) errs.push(fieldErrors.forbidden('data', IMMUTABLE_WHEN_SET));
    if (!sameStringMap(cm['binaryData'], old['binaryData'])) errs.push(fieldErrors.forbidden('binaryData', IMMUTABLE_WHEN_SET));
  }
  return errs;
}
