/**
 * A CustomResourceDefinition version's `openAPIV3Schema`, put to work:
 *
 * - decoding and pruning: the schema, wrapped with apiVersion, kind and
 *   ObjectMeta, goes through the same decoder as built-in kinds (type
 *   errors, unknown fields dropped unless `x-kubernetes-preserve-unknown-fields`,
 *   `x-kubernetes-int-or-string`);
 * - defaulting: `default` values fill absent fields of objects that are
 *   present, top-down, as Kubernetes' structural defaulting does;
 * - validation: ajv (JSON Schema draft 2019 semantics, OpenAPI's
 *   `nullable`), its errors turned into Kubernetes' field errors
 *   (`spec.replicas: Invalid value: 0: spec.replicas in body should be
 *   greater than or equal to 1`).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { decodeObject, fieldErrors, ObjectMetaSchema, type DecodeResult, type FieldError } from '@mk8s/api';
import type { Obj } from '../definition.js';

const DEFINITION_KEY = 'x-mk8s-definition';
const INT_OR_STRING = 'x-kubernetes-int-or-string';

export interface CompiledSchema {
  /** The schema as OpenAPI publishes it, under `definition` (`com.example.v1.Widget`). */
  readonly published: Obj;
  decode(body: Obj): DecodeResult;
  applyDefaults(obj: Obj): void;
  validate(obj: Obj): FieldError[];
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The user's schema as ajv reads it: int-or-string as its two types; `metadata` left to ObjectMeta validation. */
function forAjv(node: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties' && isObj(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, child]) => [name, isObj(child) ? forAjv(child) : child]));
    else if ((k === 'items' || k === 'additionalProperties') && isObj(v)) out[k] = forAjv(v);
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = v.map((s) => (isObj(s) ? forAjv(s) : s));
    else if (k === 'not' && isObj(v)) out[k] = forAjv(v);
    else if (k === 'default' || k === 'example' || k === 'description' || k.startsWith('x-')) continue;
    else out[k] = v;
  }
  if (node[INT_OR_STRING] === true && out['type'] === undefined) out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  return out;
}

function pathOf(instancePath: string): string {
  if (instancePath === '') return '';
  return instancePath
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function valueAt(obj: unknown, instancePath: string): unknown {
  if (instancePath === '') return obj;
  let cur = obj;
  for (const seg of instancePath.slice(1).split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/** One ajv error in Kubernetes' words (k8s.io/kube-openapi's validate errors). */
function fieldError(e: ErrorObject, obj: Obj): FieldError | undefined {
  const path = pathOf(e.instancePath);
  const value = valueAt(obj, e.instancePath);
  const inBody = `${path || 'body'} in body`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(p['missingProperty']);
      return fieldErrors.required(path ? `${path}.${missing}` : missing);
    }
    case 'enum':
      return fieldErrors.notSupported(path, value, ((p['allowedValues'] as unknown[]) ?? []).map(String));
    case 'type':
      return fieldErrors.typeInvalid(
        path,
        value,
        `${inBody} must be of type ${String(p['type'])}: ${JSON.stringify(typeof value === 'object' ? 'object' : typeof value)}`,
      );
    case 'minimum':
    case 'exclusiveMinimum':
      return fieldErrors.invalid(path, value, `${inBody} should be greater than ${e.keyword === 'minimum' ? 'or equal to ' : ''}${String(p['limit'])}`);
    case 'maximum':
    case 'exclusiveMaximum':
      return fieldErrors.invalid(path, value, `${inBody} should be less than ${e.keyword === 'maximum' ? 'or equal to ' : ''}${String(p['limit'])}`);
    case 'pattern':
      return fieldErrors.invalid(path, value, `${inBody} should match '${String(p['pattern'])}'`);
    case 'minLength':
      return fieldErrors.invalid(path, value, `${inBody} should be at least ${String(p['limit'])} chars long`);
    case 'maxLength':
      return fieldErrors.tooLong(path, Number(p['limit']));
    case 'minItems':
      return fieldErrors.invalid(path, value, `${inBody} should have at least ${String(p['limit'])} items`);
    case 'maxItems':
      return fieldErrors.tooMany(path, Number(p['limit']));
    case 'uniqueItems':
      return fieldErrors.duplicate(`${path}[${String(p['j'])}]`, Array.isArray(value) ? value[Number(p['j'])] : value);
    case 'minProperties':
      return fieldErrors.invalid(path, value, `${inBody} should have at least ${String(p['limit'])} properties`);
    case 'maxProperties':
      return fieldErrors.tooMany(path, Number(p['limit']));
    case 'multipleOf':
      return fieldErrors.invalid(path, value, `${inBody} should be a multiple of ${String(p['multipleOf'])}`);
    case 'anyOf':
    case 'oneOf':
    case 'allOf':
    case 'not':
      return fieldErrors.invalid(path, value, `${inBody} must validate ${e.keyword === 'not' ? 'not ' : ''}${e.keyword === 'not' ? 'the schema' : e.keyword}`);
    case 'if':
      return undefined; // reported by the branch that failed
    default:
      return fieldErrors.invalid(path, value, `${inBody} ${e.message ?? 'is invalid'}`);
  }
}

/** Fills absent fields from `default` where their parent object exists (Kubernetes' structural defaulting). */
function defaults(node: Obj, value: unknown): void {
  if (Array.isArray(value) && isObj(node['items'])) {
    for (const item of value) defaults(node['items'], item);
    return;
  }
  if (!isObj(value)) return;
  if (isObj(node['properties'])) {
    for (const [name, child] of Object.entries(node['properties'])) {
      if (!isObj(child)) continue;
      if (value[name] === undefined && child['default'] !== undefined) value[name] = structuredClone(child['default']);
      if (value[name] !== undefined) defaults(child, value[name]);
    }
  } else if (isObj(node['additionalProperties'])) {
    for (const v of Object.values(value)) defaults(node['additionalProperties'], v);
  }
}

/**
 * Compiles one version's schema. `definition` names it in OpenAPI; the root
 * gets apiVersion, kind and metadata (ObjectMeta) as Kubernetes adds them.
 */
export function compileSchema(openAPIV3Schema: Obj, definition: string): CompiledSchema {
  const userProps = isObj(openAPIV3Schema['properties']) ? openAPIV3Schema['properties'] : {};
  const rest = Object.fromEntries(Object.entries(userProps).filter(([k]) => k !== 'metadata' && k !== 'apiVersion' && k !== 'kind'));
  const published: Obj = {
    ...openAPIV3Schema,
    [DEFINITION_KEY]: definition,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: ObjectMetaSchema,
      ...rest,
    },
  };
  const check: ValidateFunction = ajv.compile({ ...forAjv(openAPIV3Schema), properties: forAjv({ properties: rest })['properties'] ?? {} });
  return {
    published,
    decode: (body) => decodeObject(published as never, body),
    applyDefaults: (obj) => defaults(openAPIV3Schema, obj),
    validate(obj) {
      const copy: Obj = { ...obj };
      delete copy['metadata'];
      if (check(copy)) return [];
      return (check.errors ?? []).map((e) => fieldError(e, copy)).filter((e): e is FieldError => e !== undefined);
    },
  };
}

/** `.spec.replicas` or `spec.replicas` -> ['spec', 'replicas']. */
export function jsonPathSegments(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}
