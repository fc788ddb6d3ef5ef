/**
 * Secrets: data keys, base64 values, total size <= 1 MiB, per-type required keys;
 * `stringData` is merged into `data` first, as the API server does on decode. The type is
 * immutable, and an immutable Secret keeps its data and stays immutable.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { errorMessage } from '../util/error-message.js';
import { invalidEach, validateImmutable } from './common.js';
import { IMMUTABLE_WHEN_SET, MAX_DATA_SIZE, base64Error, decodeBase64 } from './config-map.js';
import { bool, obj, str, type JsonObject } from './json.js';
import { isConfigMapKey } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';

/** data (decoded) with stringData laid over it; malformed base64 entries are reported in `errs`. */
function effectiveData(secret: JsonObject, errs: FieldError[] | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(obj(secret['data'])).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const encoded = str(value) ?? '';
    const decoded = decodeBase64(encoded);
    if (decoded === undefined) errs?.push(fieldErrors.invalid(fieldPath.key('data', key), '<secret contents redacted>', base64Error(encoded)));
    out.set(key, decoded ?? Buffer.alloc(0));
  }
  for (const [key, value] of Object.entries(obj(secret['stringData']))) out.set(key, Buffer.from(str(value) ?? '', 'utf8'));
  return out;
}

export function validateSecret(secret: JsonObject, namespaced = true): FieldError[] {
  const errs = validateObjectMeta(secret['metadata'], { namespaced });
  const data = effectiveData(secret, errs);
  let total = 0;
  for (const [key, value] of [...data].sort(([a], [b]) => (a < b ? -1 : 1))) {
    errs.push(...invalidEach(fieldPath.key('data', key), key, isConfigMapKey(key)));
    total += value.length;
  }
  if (total > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong('data', MAX_DATA_SIZE));

  const required = (key: string): void => {
    if (!data.has(key)) errs.push(fieldErrors.required(fieldPath.key('data', key)));
  };
  const requireJSON = (key: string): void => {
    const value = data.get(key);
    if (value === undefined) return required(key);
    try {
      const parsed: unknown = JSON.parse(value.toString('utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    } catch (e) {
      errs.push(fieldErrors.invalid(fieldPath.key('data', key), '<secret contents redacted>', errorMessage(e)));
    }
  };
  switch (str(secret['type']) ?? '') {
    case 'kubernetes.io/service-account-token': {
      const annotations = obj(obj(secret['metadata'])['annotations']);
      if ((str(annotations[SERVICE_ACCOUNT_NAME_KEY]) ?? '') === '') {
        errs.push(fieldErrors.required(fieldPath.key('metadata.annotations', SERVICE_ACCOUNT_NAME_KEY)));
      }
      break;
    }
    case 'kubernetes.io/dockercfg':
      requireJSON('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      requireJSON('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!data.has('username') && !data.has('password')) {
        required('username');
        required('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if ((data.get('ssh-privatekey')?.length ?? 0) === 0) errs.push(fieldErrors.required(fieldPath.key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      required('tls.crt');
      required('tls.key');
      break;
  }
  return errs;
}

function sameData(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const other = b.get(k);
    if (!other || !other.equals(v)) return false;
  }
  return true;
}

export function validateSecretUpdate(secret: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(secret['metadata'], old['metadata']);
  // An absent type is defaulted to Opaque.
  errs.push(...validateImmutable(str(secret['type']) || 'Opaque', str(old['type']) || 'Opaque', 'type'));
  if (bool(old['immutable']) === true) {
    if (bool(secret['immutable']) !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!sameData(effectiveData(secret, undefined), effectiveData(old, undefined))) errs.push(fieldErrors.forbidden('data', IMMUTABLE_WHEN_SET));
  }
  return errs;
}
