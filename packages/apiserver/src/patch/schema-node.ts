/**
 * The slice of a kind's JSON Schema that strategic merge patch reads: plain
 * inline schema objects (no `$ref`) whose list fields carry Kubernetes' patch
 * annotations, e.g. `spec.containers` has
 * `x-kubernetes-patch-strategy: merge` and `x-kubernetes-patch-merge-key: name`.
 */
import { isJsonObject } from './json-value.js';

export type SchemaNode = {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [k: string]: unknown;
};

/** How a field's value combines with the patch, from its patch annotations. */
export interface FieldPatchMeta {
  /** `merge` (lists merge by key / primitives union), `replace`, or none (the default). */
  readonly strategy: 'merge' | 'replace' | undefined;
  /** The key that identifies list items, for lists of objects with strategy `merge`. */
  readonly mergeKey: string | undefined;
}

const NO_META: FieldPatchMeta = { strategy: undefined, mergeKey: undefined };

/**
 * The schema of property `key` of an object described by `node`: a declared
 * property first, then a schema-valued `additionalProperties` (map types).
 * Undefined when the schema says nothing, which callers treat as "no patch
 * strategy" (JSON merge patch behaviour for that subtree).
 */
export function propertySchema(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (node === undefined) {
    return undefined;
  }
  const properties = node.properties;
  if (isJsonObject(properties) && Object.hasOwn(properties, key)) {
    const declared = properties[key];
    return isJsonObject(declared) ? declared : undefined;
  }
  const additional = node.additionalProperties;
  return isJsonObject(additional) ? additional : undefined;
}

/** The schema of the items of a list field, if declared. */
export function itemSchema(node: SchemaNode | undefined): SchemaNode | undefined {
  const items = node?.items;
  return isJsonObject(items) ? items : undefined;
}

/**
 * Reads the patch annotations of a field. The strategy annotation is a
 * comma-separated list such as `merge,retainKeys`; `retainKeys` only matters
 * to the client that builds the patch (the server honours a `$retainKeys`
 * directive wherever it appears), so it is dropped here.
 */
export function fieldPatchMeta(node: SchemaNode | undefined): FieldPatchMeta {
  if (node === undefined) {
    return NO_META;
  }
  const rawStrategy = node['x-kubernetes-patch-strategy'];
  const rawKey = node['x-kubernetes-patch-merge-key'];
  let strategy: FieldPatchMeta['strategy'];
  if (typeof rawStrategy === 'string') {
    for (const part of rawStrategy.split(',')) {
      const trimmed = part.trim();
      if (trimmed === 'merge' || trimmed === 'replace') {
        strategy = trimmed;
      }
    }
  }
  const mergeKey = typeof rawKey === 'string' && rawKey !== '' ? rawKey : undefined;
  return { strategy, mergeKey };
}
