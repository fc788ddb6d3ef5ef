/**
 * CustomResourceDefinition validation (Kubernetes' apiextensions
 * validation): the name is `<plural>.<group>`, names are DNS labels, one
 * storage version, a structural `openAPIV3Schema` per version (a type on
 * every node unless it is int-or-string or keeps unknown fields, an object
 * at the root), no conversion webhook and no CEL rules (mk8s evaluates
 * neither, and refuses what it would not honour).
 */
import type { FieldError } from '../field-errors.js';
import { fieldErrors } from '../field-errors.js';
import { arr, isObject, obj, str, type JsonObject } from './json.js';
import { isDNS1035Label, isDNS1123Subdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const SCOPES = ['Cluster', 'Namespaced'];
const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

function validateNames(names: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['plural', 'singular', 'kind', 'listKind'] as const) {
    const v = str(names[key]);
    if (v === undefined || v === '') {
      if (key === 'plural' || key === 'kind') errs.push(fieldErrors.required(`${path}.${key}`));
      continue;
    }
    if (key === 'plural' || key === 'singular') {
      for (const m of isDNS1035Label(v)) errs.push(fieldErrors.invalid(`${path}.${key}`, v, m));
    } else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(v)) {
      errs.push(fieldErrors.invalid(`${path}.${key}`, v, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
    }
  }
  arr(names['shortNames']).forEach((s, i) => {
    for (const m of isDNS1035Label(String(s))) errs.push(fieldErrors.invalid(`${path}.shortNames[${i}]`, s, m));
  });
  return errs;
}

/** Structural-schema checks on one node and its children (Kubernetes' structural schema rules, in part). */
function validateSchemaNode(node: JsonObject, path: string, root: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(node['type']);
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (node['x-kubernetes-validations'] !== undefined) {
    errs.push(fieldErrors.forbidden(`${path}.x-kubernetes-validations`, 'CEL validation rules are not supported by this API server'));
  }
  if (node['$ref'] !== undefined) errs.push(fieldErrors.forbidden(`${path}.$ref`, '$ref is forbidden in a structural schema'));
  if (type === undefined || type === '') {
    if (!intOrString && !preserve) errs.push(fieldErrors.required(`${path}.type`, 'must not be empty for specified object fields'));
  } else if (!TYPES.includes(type)) {
    errs.push(fieldErrors.notSupported(`${path}.type`, type, TYPES));
  }
  if (root && type !== 'object') errs.push(fieldErrors.invalid(`${path}.type`, type ?? '', 'must be object at the root'));
  if (isObject(node['properties'])) {
    for (const [name, child] of Object.entries(node['properties'])) {
      if (isObject(child)) errs.push(...validateSchemaNode(child, `${path}.properties[${name}]`, false));
    }
  }
  if (isObject(node['items'])) errs.push(...validateSchemaNode(node['items'], `${path}.items`, false));
  else if (type === 'array') errs.push(fieldErrors.required(`${path}.items`, 'must be specified'));
  if (isObject(node['additionalProperties'])) {
    if (isObject(node['properties']) && Object.keys(node['properties']).length > 0) {
      errs.push(fieldErrors.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    }
    errs.push(...validateSchemaNode(node['additionalProperties'], `${path}.additionalProperties`, false));
  }
  if (node['pattern'] !== undefined) {
    try {
      new RegExp(String(node['pattern']), 'u');
    } catch {
      errs.push(fieldErrors.invalid(`${path}.pattern`, node['pattern'], 'must be a valid regular expression'));
    }
  }
  return errs;
}

function validateVersions(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const versions = arr(spec['versions']);
  if (versions.length === 0) return [fieldErrors.required('spec.versions', 'must have exactly one version marked as storage version')];
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((raw, i) => {
    const v = obj(raw);
    const path = `spec.versions[${i}]`;
    const name = str(v['name']) ?? '';
    if (!name) errs.push(fieldErrors.required(`${path}.name`));
    else {
      for (const m of isDNS1035Label(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, m));
      if (seen.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
      seen.add(name);
    }
    if (v['storage'] === true) storage++;
    const schema = obj(v['schema'])['openAPIV3Schema'];
    if (!isObject(schema)) errs.push(fieldErrors.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
    else errs.push(...validateSchemaNode(schema, `${path}.schema.openAPIV3Schema`, true));
    const scale = obj(obj(v['subresources'])['scale']);
    if (isObject(obj(v['subresources'])['scale'])) {
      for (const key of ['specReplicasPath', 'statusReplicasPath'] as const) {
        const p = str(scale[key]);
        if (!p) errs.push(fieldErrors.required(`${path}.subresources.scale.${key}`));
        else if (!/^\.[A-Za-z0-9_.]+$/.test(p))
          errs.push(fieldErrors.invalid(`${path}.subresources.scale.${key}`, p, 'should be a json path under .spec or .status'));
      }
    }
    const selectable = arr(v['selectableFields']);
    if (selectable.length > 8) errs.push(fieldErrors.tooMany(`${path}.selectableFields`, 8));
    selectable.forEach((f, j) => {
      const p = str(obj(f)['jsonPath']) ?? '';
      if (!p) errs.push(fieldErrors.required(`${path}.selectableFields[${j}].jsonPath`));
      else if (!/^(\.[A-Za-z0-9_-]+)+$/.test(p)) {
        errs.push(fieldErrors.invalid(`${path}.selectableFields[${j}].jsonPath`, p, 'must be a simple path to a field, such as .spec.color'));
      }
    });
    arr(v['additionalPrinterColumns']).forEach((c, j) => {
      const col = obj(c);
      const cp = `${path}.additionalPrinterColumns[${j}]`;
      if (!str(col['name'])) errs.push(fieldErrors.required(`${cp}.name`));
      if (!str(col['jsonPath'])) errs.push(fieldErrors.required(`${cp}.jsonPath`));
      const type = str(col['type']) ?? '';
      const types = ['integer', 'number', 'string', 'boolean', 'date'];
      if (!types.includes(type)) errs.push(fieldErrors.notSupported(`${cp}.type`, type, types));
    });
  });
  if (storage !== 1)
    errs.push(
      fieldErrors.invalid(
        'spec.versions',
        versions.map((v) => str(obj(v)['name'])),
        'must have exactly one version marked as storage version',
      ),
    );
  return errs;
}

export function validateCustomResourceDefinition(crd: JsonObject): FieldError[] {
  const errs = validateObjectMeta(crd['metadata'], { namespaced: false, finalizerRule: 'generic' });
  const spec = obj(crd['spec']);
  const names = obj(spec['names']);
  const group = str(spec['group']) ?? '';
  if (!group) errs.push(fieldErrors.required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) errs.push(fieldErrors.invalid('spec.group', group, m));
    if (!group.includes('.')) errs.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const name = str(obj(crd['metadata'])['name']) ?? '';
  if (name && name !== `${str(names['plural']) ?? ''}.${group}`)
    errs.push(fieldErrors.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  const scope = str(spec['scope']) ?? '';
  if (!SCOPES.includes(scope)) errs.push(scope ? fieldErrors.notSupported('spec.scope', scope, SCOPES) : fieldErrors.required('spec.scope'));
  errs.push(...validateNames(names, 'spec.names'));
  errs.push(...validateVersions(spec));
  const strategy = str(obj(spec['conversion'])['strategy']);
  if (strategy !== undefined && strategy !== 'None') {
    errs.push(fieldErrors.notSupported('spec.conversion.strategy', strategy, ['None']));
  }
  if (spec['preserveUnknownFields'] === true) {
    errs.push(fieldErrors.invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));
  }
  return errs;
}

export function validateCustomResourceDefinitionUpdate(crd: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(crd['metadata'], old['metadata'], 'metadata', 'generic');
  const scope = str(obj(crd['spec'])['scope']);
  const oldScope = str(obj(old['spec'])['scope']);
  if (scope !== oldScope) errs.push(fieldErrors.invalid('spec.scope', scope, 'field is immutable'));
  const group = str(obj(crd['spec'])['group']);
  if (group !== str(obj(old['spec'])['group'])) errs.push(fieldErrors.invalid('spec.group', group, 'field is immutable'));
  return errs;
}
