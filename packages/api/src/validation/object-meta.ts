/**
 * ObjectMeta validation on create and update (apimachinery's api/validation/objectmeta.go
 * plus the core API's finalizer-name rule). Paths start at `path` (default `metadata`).
 *
 * Not checked here: `resourceVersion` on update (the registry handles preconditions and
 * unconditional updates) and managedFields.
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { goStringSlice, invalidEach, validateAnnotations, validateImmutable, validateLabels, validateNonnegative } from './common.js';
import { arr, bool, has, num, obj, str } from './json.js';
import { isDNS1123Label, isQualifiedName, validateNameByRule, type NameRule } from './names.js';

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** How `name` and `generateName` are checked; default `subdomain`. */
  nameRule?: NameRule;
  /**
   * `core` (default): an un-prefixed finalizer must be a standard one, as the
   * built-in kinds' validation requires; `generic`: any qualified name, as
   * apimachinery's validation of CustomResourceDefinitions and custom objects.
   */
  finalizerRule?: 'core' | 'generic';
}

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';
const STANDARD_FINALIZERS = new Set(['kubernetes', FINALIZER_ORPHAN, FINALIZER_FOREGROUND]);

/** Parses an apiVersion like Kubernetes' ParseGroupVersion; undefined when malformed. */
function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] ?? '' };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return undefined;
}

/** Owner references: required identity fields (paths are not indexed, as in Kubernetes) and one controller at most. */
export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = arr(refs);
  let firstController = '';
  for (const raw of list) {
    const ref = obj(raw);
    const apiVersion = str(ref['apiVersion']) ?? '';
    const kind = str(ref['kind']) ?? '';
    const name = str(ref['name']) ?? '';
    const uid = str(ref['uid']) ?? '';
    const gv = parseGroupVersion(apiVersion);
    if (!gv || gv.version === '') {
      errs.push(fieldErrors.invalid(fieldPath.child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    }
    if (kind === '') errs.push(fieldErrors.invalid(fieldPath.child(path, 'kind'), kind, 'must not be empty'));
    if (name === '') errs.push(fieldErrors.invalid(fieldPath.child(path, 'name'), name, 'must not be empty'));
    if (uid === '') errs.push(fieldErrors.invalid(fieldPath.child(path, 'uid'), uid, 'must not be empty'));
    if (gv && gv.group === '' && gv.version === 'v1' && kind === 'Event') {
      errs.push(fieldErrors.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (bool(ref['controller']) === true) {
      const current = `${kind}/${name}`;
      if (firstController !== '') {
        errs.push(
          fieldErrors.invalid(
            path,
            list,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

/** Finalizer names: qualified names; un-prefixed ones must be standard; not both orphan and foreground. */
export function validateFinalizers(finalizers: unknown, path: string, rule: 'core' | 'generic' = 'core'): FieldError[] {
  const errs: FieldError[] = [];
  const names = arr(finalizers).map((f) => str(f) ?? '');
  names.forEach((name, i) => {
    errs.push(...invalidEach(path, name, isQualifiedName(name)));
    if (rule === 'core' && !name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
      errs.push(fieldErrors.invalid(fieldPath.index(path, i), name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  if (names.includes(FINALIZER_ORPHAN) && names.includes(FINALIZER_FOREGROUND)) {
    errs.push(fieldErrors.invalid(path, names, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`));
  }
  return errs;
}

/** The parts of ObjectMeta validated the same way on create and update. */
function validateMetaCommon(meta: Record<string, unknown>, path: string, finalizerRule: 'core' | 'generic' = 'core'): FieldError[] {
  return [
    ...validateLabels(meta['labels'], fieldPath.child(path, 'labels')),
    ...validateAnnotations(meta['annotations'], fieldPath.child(path, 'annotations')),
    ...validateOwnerReferences(meta['ownerReferences'], fieldPath.child(path, 'ownerReferences')),
    ...validateFinalizers(meta['finalizers'], fieldPath.child(path, 'finalizers'), finalizerRule),
  ];
}

/**
 * Validates metadata of an object being created (after name generation): name or
 * generateName, the name rule, namespace presence, generation, labels, annotations,
 * owner references and finalizers.
 */
export function validateObjectMeta(metaValue: unknown, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  const meta = obj(metaValue);
  const rule = opts.nameRule ?? 'subdomain';
  const errs: FieldError[] = [];
  const generateName = str(meta['generateName']) ?? '';
  if (generateName !== '') {
    errs.push(...invalidEach(fieldPath.child(path, 'generateName'), generateName, validateNameByRule(rule, generateName, true)));
  }
  const name = str(meta['name']) ?? '';
  if (name === '') errs.push(fieldErrors.required(fieldPath.child(path, 'name'), 'name or generateName is required'));
  else errs.push(...invalidEach(fieldPath.child(path, 'name'), name, validateNameByRule(rule, name, false)));

  const namespace = str(meta['namespace']) ?? '';
  if (opts.namespaced) {
    if (namespace === '') errs.push(fieldErrors.required(fieldPath.child(path, 'namespace')));
    else errs.push(...invalidEach(fieldPath.child(path, 'namespace'), namespace, isDNS1123Label(namespace)));
  } else if (namespace !== '') {
    errs.push(fieldErrors.forbidden(fieldPath.child(path, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegative(num(meta['generation']), fieldPath.child(path, 'generation')));
  errs.push(...validateMetaCommon(meta, path, opts.finalizerRule));
  return errs;
}

/**
 * Validates metadata on update: identity and timestamps are immutable, generation may
 * not go backwards, finalizers may not be added once deletion started, and labels,
 * annotations, owner references and finalizers are re-validated.
 */
export function validateObjectMetaUpdate(
  newMetaValue: unknown,
  oldMetaValue: unknown,
  path = 'metadata',
  finalizerRule: 'core' | 'generic' = 'core',
): FieldError[] {
  const newMeta = obj(newMetaValue);
  const oldMeta = obj(oldMetaValue);
  const errs: FieldError[] = [];
  if (has(oldMeta, 'deletionTimestamp')) {
    const oldFinalizers = new Set(arr(oldMeta['finalizers']).map((f) => str(f) ?? ''));
    const added = [...new Set(arr(newMeta['finalizers']).map((f) => str(f) ?? ''))].filter((f) => !oldFinalizers.has(f)).sort();
    if (added.length > 0) {
      errs.push(
        fieldErrors.forbidden(
          fieldPath.child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
        ),
      );
    }
  }
  const newGeneration = num(newMeta['generation']) ?? 0;
  if (newGeneration < (num(oldMeta['generation']) ?? 0)) {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'generation'), newGeneration, 'must not be decremented'));
  }
  for (const field of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    errs.push(...validateImmutable(newMeta[field], oldMeta[field], fieldPath.child(path, field)));
  }
  errs.push(...validateMetaCommon(newMeta, path, finalizerRule));
  return errs;
}
