/**
 * The resource definitions a CustomResourceDefinition stands for: one per
 * served version, all stored under one key space (`/registry/<plural>.<group>/`)
 * in the storage version (conversion `None`: only apiVersion differs).
 */
import {
  validateObjectMeta,
  validateObjectMetaUpdate,
  type CustomResourceDefinition,
  type CustomResourceDefinitionVersion,
  type ResourceType,
} from '@mk8s/api';
import { scaleSubresourceAt } from '../../http/scale.js';
import { defineResource, fieldText, type Obj, type ResourceDefinition, type SelectableFields, type SubresourceDefinition } from '../definition.js';
import { customResourcePrinter } from './printer.js';
import { compileSchema, jsonPathSegments } from './schema.js';

/** Kubernetes' version priority: GA (v2 > v1), then beta, then alpha, then anything else by name. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v];
    const rank = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [rank, Number(m[1]), Number(m[3] ?? 0), v];
  };
  const [ra, ma, na, sa] = parse(a);
  const [rb, mb, nb, sb] = parse(b);
  if (ra !== rb) return rb - ra;
  if (ra === 0) return sa.localeCompare(sb);
  if (ma !== mb) return mb - ma;
  return nb - na;
}

/** A version's `selectableFields` (JSONPaths such as `.spec.color`) as field labels; values rendered as strings. */
function selectable(fields: CustomResourceDefinitionVersion['selectableFields']): SelectableFields<Obj> | undefined {
  if (!fields || fields.length === 0) return undefined;
  const paths = fields.map((f) => jsonPathSegments(f.jsonPath));
  const labels = paths.map((p) => p.join('.'));
  return {
    labels,
    of(obj) {
      const out: Record<string, string> = {};
      paths.forEach((p, i) => (out[labels[i]!] = fieldText(obj, ...p)));
      return out;
    },
  };
}

/** Custom objects' metadata follows apimachinery's rules: any qualified finalizer name. */
const metaUpdate = (obj: Obj, old: Obj) => validateObjectMetaUpdate(obj['metadata'], old['metadata'], 'metadata', 'generic');

/** `stable.example.com` -> `com.example.stable`: Kubernetes' OpenAPI definition prefix of a group. */
function reversedGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

function versionDefinition(crd: CustomResourceDefinition, version: CustomResourceDefinitionVersion, storageApiVersion: string): ResourceDefinition {
  const { group, names, scope } = crd.spec;
  const apiVersion = `${group}/${version.name}`;
  const schema = compileSchema((version.schema?.openAPIV3Schema ?? { type: 'object' }) as Obj, `${reversedGroup(group)}.${version.name}.${names.kind}`);
  const hasStatus = version.subresources?.status !== undefined;
  const scale = version.subresources?.scale;
  const subresources: Record<string, SubresourceDefinition> = {};
  if (scale) {
    subresources['scale'] = scaleSubresourceAt({
      specReplicas: jsonPathSegments(scale.specReplicasPath),
      statusReplicas: jsonPathSegments(scale.statusReplicasPath),
      selector: scale.labelSelectorPath ? { path: jsonPathSegments(scale.labelSelectorPath), serialized: true } : undefined,
    });
  }
  const namespaced = scope === 'Namespaced';
  const type: ResourceType = {
    group,
    version: version.name,
    apiVersion,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    resource: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    schema: schema.published as never,
    definition: String(schema.published['x-mk8s-definition']),
    subresources: [...(hasStatus ? ['status'] : []), ...(scale ? ['scale'] : [])],
    strategicMergePatch: false,
  };
  return defineResource<Obj>({
    type,
    // Kubernetes bumps a custom resource's generation on any change but metadata (and status, with the status subresource).
    strategy: { statusSubresource: hasStatus, tracksGeneration: true },
    defaults: (obj) => schema.applyDefaults(obj),
    validation: {
      create: (obj) => [...validateObjectMeta(obj['metadata'], { namespaced, finalizerRule: 'generic' }), ...schema.validate(obj)],
      update: (obj, old) => metaUpdate(obj, old),
      status: (obj, old) => [...metaUpdate(obj, old), ...schema.validate(obj)],
    },
    printer: customResourcePrinter(version.additionalPrinterColumns),
    subresources,
    storageResource: `${names.plural}.${group}`,
    storageApiVersion,
    decode: (body) => schema.decode(body),
    fields: selectable(version.selectableFields),
  });
}

/** The definitions of a CRD's served versions, the highest-priority version first (discovery's preferred one). */
export function definitionsFor(crd: CustomResourceDefinition): ResourceDefinition[] {
  const storage = crd.spec.versions.find((v) => v.storage);
  if (!storage) return [];
  const storageApiVersion = `${crd.spec.group}/${storage.name}`;
  return crd.spec.versions
    .filter((v) => v.served)
    .sort((a, b) => compareVersions(a.name, b.name))
    .map((v) => versionDefinition(crd, v, storageApiVersion));
}
