/**
 * Server-side apply's view of an object through its schema: what is a leaf,
 * which lists are keyed and by what, and the four operations built on that
 * (Kubernetes' structured-merge-diff): the field set of a value, the
 * comparison of two values, the merge of an apply configuration into a live
 * object, and the removal of a set of fields.
 *
 * The schema vocabulary is the OpenAPI one both built-in and custom kinds
 * carry: `x-kubernetes-list-type` (`atomic`, the default, `set` or `map` with
 * `x-kubernetes-list-map-keys`) and `x-kubernetes-map-type: atomic` for maps
 * and structs replaced as a whole. A subtree without a schema (preserved
 * unknown fields) is "deduced" as Kubernetes does: objects are granular maps,
 * arrays are atomic, everything else a scalar.
 */
import { deepEqual } from '@mk8s/api';
import { cloneJson, getOwn, isJsonObject, setOwn, type JsonObject } from '../patch/json-value.js';
import { itemSchema, propertySchema, type SchemaNode } from '../patch/schema-node.js';
import { FieldSet, pathString } from './field-set.js';

/** A configuration the schema cannot place (a keyed list item without its keys). */
export class TypedError extends Error {}

export interface TypedOptions {
  /**
   * Built-in kinds are Go structs on Kubernetes' side: an update never owns a
   * struct field itself, only what is inside it (the live object always has
   * the struct). Custom resources are unstructured, so a new object field is
   * owned itself too, as a map key is.
   */
  readonly structsAreValues: boolean;
}

type Shape =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'struct' | 'map'; readonly node: SchemaNode | undefined }
  | { readonly kind: 'list'; readonly node: SchemaNode | undefined; readonly keys: readonly string[] | undefined };

const LEAF: Shape = { kind: 'leaf' };

/** How the schema (or, without one, the value) says `value` merges. */
function shapeOf(node: SchemaNode | undefined, value: unknown): Shape {
  if (Array.isArray(value)) {
    const listType = node?.['x-kubernetes-list-type'];
    if (listType === 'set') return { kind: 'list', node, keys: undefined };
    if (listType === 'map') {
      const keys = node?.['x-kubernetes-list-map-keys'];
      return { kind: 'list', node, keys: Array.isArray(keys) ? keys : [] };
    }
    return LEAF;
  }
  if (!isJsonObject(value)) return LEAF;
  if (node === undefined) return { kind: 'map', node };
  if (node['x-kubernetes-map-type'] === 'atomic' || node['x-kubernetes-int-or-string'] === true) return LEAF;
  if (isJsonObject(node.properties)) return { kind: 'struct', node };
  return { kind: 'map', node };
}

function isEmptyContainer(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

/** The path element of list item `item` (at `index`) of a set or keyed list. */
function itemElement(shape: Extract<Shape, { kind: 'list' }>, item: unknown, index: number, path: readonly string[]): string {
  if (shape.keys === undefined) return `v:${JSON.stringify(item)}`;
  if (!isJsonObject(item) || shape.keys.length === 0) return `i:${index}`;
  const key: JsonObject = {};
  const props = itemSchema(shape.node);
  for (const k of [...shape.keys].sort()) {
    let v = getOwn(item, k);
    // A key field the item leaves out takes its schema default (a port's protocol is TCP).
    if (v === undefined) v = propertySchema(props, k)?.['default'];
    if (v === undefined) {
      throw new TypedError(
        `${pathString(path)}: element ${index}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`,
      );
    }
    key[k] = v;
  }
  return `k:${JSON.stringify(key)}`;
}

/** As itemElement, for a live item that may lack its keys (it then has no identity but its index). */
function itemElementOrIndex(shape: Extract<Shape, { kind: 'list' }>, item: unknown, index: number): string {
  try {
    return itemElement(shape, item, index, []);
  } catch (err) {
    if (err instanceof TypedError) return `i:${index}`;
    throw err;
  }
}

/**
 * The items of a set or keyed list by path element; a repeated element keeps
 * its last item. With `path` (a configuration) an item without its keys is an
 * error naming it; without (a live object) it is known by its index.
 */
function itemsOf(shape: Extract<Shape, { kind: 'list' }>, list: unknown, path: readonly string[] | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!Array.isArray(list)) return out;
  list.forEach((item, i) => out.set(path ? itemElement(shape, item, i, path) : itemElementOrIndex(shape, item, i), item));
  return out;
}

function fieldSchema(shape: Extract<Shape, { kind: 'struct' | 'map' }>, key: string): SchemaNode | undefined {
  return propertySchema(shape.node, key);
}

/**
 * The fields `value` sets (Kubernetes' ToFieldSet): every leaf, every item of
 * a set or keyed list, never a struct or map on its own. `strict` (an apply
 * configuration) refuses a keyed item without its keys.
 */
export function fieldSetOf(value: unknown, node: SchemaNode | undefined, strict: boolean): FieldSet {
  const out = new FieldSet();
  walkSet(value, node, [], out, strict);
  return out;
}

function walkSet(value: unknown, node: SchemaNode | undefined, path: string[], out: FieldSet, strict: boolean): void {
  const shape = shapeOf(node, value);
  if (shape.kind === 'leaf') {
    if (path.length > 0) out.insert(path);
    return;
  }
  if (shape.kind === 'list') {
    for (const [pe, item] of itemsOf(shape, value, strict ? path : undefined)) {
      path.push(pe);
      walkSet(item, itemSchema(shape.node), path, out, strict);
      out.insert(path);
      path.pop();
    }
    return;
  }
  for (const [k, v] of Object.entries(value as JsonObject)) {
    path.push(`f:${k}`);
    walkSet(v, fieldSchema(shape, k), path, out, strict);
    path.pop();
  }
}

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/** What changed from `lhs` to `rhs` (Kubernetes' Compare). */
export function compare(lhs: unknown, rhs: unknown, node: SchemaNode | undefined, opts: TypedOptions): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, node, [], c, opts, true);
  return c;
}

/**
 * `path` is one array pushed and popped along the walk (sets copy what they
 * insert). `implicit`: the value is a field every object has on Kubernetes' side (a
 * Go struct, or a list or map field without omitempty, which the schema marks
 * required), so adding or removing its contents never adds or removes the
 * field itself.
 */
function walkCompare(lhs: unknown, rhs: unknown, node: SchemaNode | undefined, path: string[], c: Comparison, opts: TypedOptions, implicit: boolean): void {
  const ls = lhs === undefined ? undefined : shapeOf(node, lhs);
  const rs = rhs === undefined ? undefined : shapeOf(node, rhs);
  const shape = rs ?? ls!;
  // A leaf, a change of shape, or two empty containers (which keeps {} apart from absent) compare as values.
  const leaf = shape.kind === 'leaf' || (ls && rs && ls.kind !== rs.kind) || (isEmptyContainer(lhs) && isEmptyContainer(rhs));
  if (leaf) {
    if (path.length === 0) return;
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!deepEqual(lhs, rhs)) c.modified.insert(path);
    return;
  }
  if (shape.kind === 'list') {
    const li = itemsOf(shape, lhs, undefined);
    const ri = itemsOf(shape, rhs, undefined);
    const items = itemSchema(shape.node);
    const item = (pe: string, l: unknown, r: unknown) => {
      path.push(pe);
      walkCompare(l, r, items, path, c, opts, false);
      path.pop();
    };
    for (const [pe, l] of li) item(pe, l, ri.get(pe));
    for (const [pe, r] of ri) if (!li.has(pe)) item(pe, undefined, r);
  } else {
    const lo = isJsonObject(lhs) ? lhs : {};
    const ro = isJsonObject(rhs) ? rhs : {};
    const required = shape.kind === 'struct' && opts.structsAreValues && Array.isArray(shape.node?.['required']) ? (shape.node['required'] as string[]) : [];
    const child = (k: string, l: unknown, r: unknown) => {
      const schema = fieldSchema(shape, k);
      const fieldImplicit = shape.kind === 'struct' && opts.structsAreValues && (required.includes(k) || shapeOf(schema, r ?? l).kind === 'struct');
      path.push(`f:${k}`);
      walkCompare(l, r, schema, path, c, opts, fieldImplicit);
      path.pop();
    };
    for (const k of Object.keys(lo)) child(k, lo[k], getOwn(ro, k));
    for (const k of Object.keys(ro)) if (!Object.hasOwn(lo, k)) child(k, undefined, ro[k]);
  }
  if (implicit) return;
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
}

/**
 * `config` merged into `live` (Kubernetes' Merge): the configuration's
 * values win; structs and maps merge key by key, set and keyed lists item by
 * item (live items keep their order, new ones follow in the configuration's
 * order); leaves and atomic values are replaced. A `null` in the
 * configuration removes the field. Neither input is modified.
 */
export function merge(live: unknown, config: unknown, node: SchemaNode | undefined): unknown {
  if (config === undefined) return cloneJson(live);
  if (live === undefined || config === null) return cloneJson(config);
  const ls = shapeOf(node, live);
  const cs = shapeOf(node, config);
  if (cs.kind === 'leaf' || ls.kind !== cs.kind) return cloneJson(config);
  if (cs.kind === 'list') {
    const ci = itemsOf(cs, config, undefined);
    const items = itemSchema(cs.node);
    const out: unknown[] = [];
    const seen = new Set<string>();
    // Live items keep their place (a repeated one too: live objects may hold duplicates, nothing is dropped).
    (live as unknown[]).forEach((l, i) => {
      const pe = itemElementOrIndex(cs, l, i);
      out.push(ci.has(pe) && !seen.has(pe) ? merge(l, ci.get(pe), items) : cloneJson(l));
      seen.add(pe);
    });
    for (const [pe, c] of ci) if (!seen.has(pe)) out.push(cloneJson(c));
    return out;
  }
  const out = cloneJson(live as JsonObject);
  for (const [k, v] of Object.entries(config as JsonObject)) {
    if (v === null) delete out[k];
    else setOwn(out, k, merge(getOwn(out, k), v, fieldSchema(cs, k)));
  }
  return out;
}

/**
 * `value` without the members of `set` (a member takes its whole subtree; a
 * map or struct left empty by the removal goes too). `value` is not modified.
 */
export function removeItems(value: unknown, set: FieldSet, node: SchemaNode | undefined): unknown {
  if (set.isEmpty()) return value;
  const shape = shapeOf(node, value);
  if (shape.kind === 'leaf') return value;
  if (shape.kind === 'list') {
    const out: unknown[] = [];
    (value as unknown[]).forEach((item, i) => {
      const pe = itemElementOrIndex(shape, item, i);
      if (set.members.has(pe)) return;
      const sub = set.children.get(pe);
      out.push(sub ? removeItems(item, sub, itemSchema(shape.node)) : item);
    });
    return out;
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value as JsonObject)) {
    const pe = `f:${k}`;
    if (set.members.has(pe)) continue;
    const sub = set.children.get(pe);
    if (!sub) {
      setOwn(out, k, v);
      continue;
    }
    // A map or struct the removal empties goes too (labels whose last label was removed).
    const kept = removeItems(v, sub, fieldSchema(shape, k));
    if (!(isEmptyContainer(kept) && !isEmptyContainer(v))) setOwn(out, k, kept);
  }
  return out;
}
