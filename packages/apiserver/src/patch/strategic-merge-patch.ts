/**
 * Strategic merge patch, the `application/strategic-merge-patch+json` PATCH
 * type: what `kubectl apply` (client-side), `kubectl patch` (default type),
 * `kubectl label/annotate/scale/set image` and `kubectl edit` send.
 *
 * It is a JSON merge patch that reads the kind's schema for list fields:
 * - a list whose schema has `x-kubernetes-patch-strategy: merge` and a merge
 *   key (e.g. `containers` keyed by `name`) is merged item by item: patch items
 *   whose key matches a live item are merged into it recursively, others are
 *   added; a list of primitives with strategy `merge` becomes the union;
 * - every other list is replaced by the patch's list;
 * - a map field with strategy `replace` is replaced instead of merged;
 * - `null` deletes a key; where the schema says nothing, the subtree behaves
 *   like a JSON merge patch.
 *
 * Directives, as Kubernetes defines them:
 * - `$patch: replace` in a map: the map becomes the patch's map (minus the
 *   directive); as a list item: the list becomes the patch's other items;
 * - `$patch: delete` in a map: the map becomes `{}`; as a list item with the
 *   merge key: every live item with that key is removed;
 * - `$patch: merge`: the default behaviour, accepted and ignored;
 * - `$deleteFromPrimitiveList/<field>: [values]` removes values from a
 *   primitive list (applied after the field itself has been merged);
 * - `$setElementOrder/<field>: [items]` fixes the order of the merged list:
 *   items named there come in that order, live items not named keep their
 *   relative live order and are interleaved where the live order puts them;
 * - `$retainKeys: [keys]` clears every key of the map not in the list; every
 *   non-null key of the patch map must be in it.
 * Any other `$`-prefixed key or `$patch` value is rejected with 400.
 *
 * Item order without `$setElementOrder` follows Kubernetes' rule: items named
 * by the patch are placed in patch order and live-only items are interleaved
 * by their live position; a new item therefore lands before live items it
 * cannot be compared with (kubectl always sends `$setElementOrder` when list
 * contents change, so its results are fully determined).
 */
import { PatchError } from './errors.js';
import { cloneJson, getOwn, isJsonObject, setOwn } from './json-value.js';
import type { JsonObject } from './json-value.js';
import { fieldPatchMeta, itemSchema, propertySchema } from './schema-node.js';
import type { SchemaNode } from './schema-node.js';

const PATCH_DIRECTIVE = '$patch';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

/**
 * Applies `patch` to `doc` using `schema` (the kind's schema, or undefined
 * for none) and returns the patched object. Neither input is modified and the
 * result shares no objects with them.
 *
 * Throws PatchError 400 for malformed directives or list items that lack the
 * merge key, and 422 for lists of lists, as kube-apiserver does.
 */
export function applyStrategicMergePatch(
  doc: Record<string, unknown>,
  patch: Record<string, unknown>,
  schema: SchemaNode | undefined,
): Record<string, unknown> {
  if (!isJsonObject(doc)) {
    throw PatchError.badRequest('strategic merge patch target must be a JSON object');
  }
  if (!isJsonObject(patch)) {
    throw PatchError.badRequest('strategic merge patch must be a JSON object');
  }
  return mergeMap(cloneJson(doc), patch, schema, '');
}

/**
 * Merges `patch` into `original`, which the caller owns and may be changed in
 * place; `patch` is only read. Returns the merged map (a new object when a
 * directive replaces the whole map).
 */
function mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode | undefined, path: string): JsonObject {
  if (Object.hasOwn(patch, PATCH_DIRECTIVE)) {
    const directive = patch[PATCH_DIRECTIVE];
    if (directive === 'replace') {
      const { [PATCH_DIRECTIVE]: _directive, ...replacement } = patch;
      return mergeMap({}, replacement, schema, path);
    }
    if (directive === 'delete') {
      return {};
    }
    if (directive !== 'merge') {
      throw PatchError.badRequest(`unknown patch type: ${JSON.stringify(directive)} in map at ${where(path)}`);
    }
  }

  if (Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) {
    applyRetainKeys(original, patch, path);
  }

  // Fields whose patch value a $setElementOrder directive has already merged.
  const ordered = new Set<string>();
  for (const key of Object.keys(patch)) {
    if (key.startsWith(SET_ELEMENT_ORDER_PREFIX)) {
      const field = directiveField(key, SET_ELEMENT_ORDER_PREFIX, 'setElementOrder list', path);
      applySetElementOrder(original, patch, field, patch[key], schema, join(path, field));
      ordered.add(field);
    }
  }

  const deletions: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH_DIRECTIVE || key === RETAIN_KEYS_DIRECTIVE || key.startsWith(SET_ELEMENT_ORDER_PREFIX)) {
      continue;
    }
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      deletions.push([directiveField(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX, 'primitive list', path), value]);
      continue;
    }
    if (key.startsWith('$')) {
      throw PatchError.badRequest(`unknown strategic merge patch directive ${JSON.stringify(key)} at ${where(path)}`);
    }
    if (ordered.has(key)) {
      continue;
    }
    mergeField(original, key, value, propertySchema(schema, key), join(path, key));
  }

  for (const [field, values] of deletions) {
    deleteFromPrimitiveList(original, field, values, join(path, field));
  }
  return original;
}

/** Merges one member of a patch map into the owned `original`. */
function mergeField(original: JsonObject, key: string, patchValue: unknown, schema: SchemaNode | undefined, path: string): void {
  if (patchValue === null) {
    delete original[key];
    return;
  }
  const current = getOwn(original, key);
  if (isJsonObject(current) && isJsonObject(patchValue)) {
    const merged = fieldPatchMeta(schema).strategy === 'replace' ? mergeMap({}, patchValue, schema, path) : mergeMap(current, patchValue, schema, path);
    setOwn(original, key, merged);
    return;
  }
  if (Array.isArray(current) && Array.isArray(patchValue)) {
    setOwn(original, key, mergeList(current, patchValue, schema, path));
    return;
  }
  setOwn(original, key, materialize(patchValue, schema, path));
}

/**
 * The value a patch member produces where there is nothing to merge with:
 * maps are merged into `{}` (dropping nulls and applying directives), lists
 * merged into `[]`, anything else copied.
 */
function materialize(value: unknown, schema: SchemaNode | undefined, path: string): unknown {
  if (isJsonObject(value)) {
    return mergeMap({}, value, schema, path);
  }
  if (Array.isArray(value)) {
    return mergeList([], value, schema, path);
  }
  return value;
}

/**
 * Merges a patch list into the owned live list `original` according to the
 * field's patch strategy; returns the resulting list.
 */
function mergeList(original: unknown[], patch: unknown[], schema: SchemaNode | undefined, path: string): unknown[] {
  const meta = fieldPatchMeta(schema);
  if (meta.strategy !== 'merge') {
    return cloneJson(patch);
  }
  if (original.length === 0 && patch.length === 0) {
    return original;
  }
  const kind = elementKind(original, patch, path);
  if (kind === 'scalar') {
    const merged = dedupe([...original, ...cloneJson(patch)]);
    return enforceOrder(merged, patch, original, undefined);
  }

  const mergeKey = meta.mergeKey;
  if (mergeKey === undefined) {
    throw PatchError.badRequest(`cannot merge lists without a merge key at ${where(path)}`);
  }
  const items = itemSchema(schema);
  let live = original;
  const plain: JsonObject[] = [];
  let replace = false;
  patch.forEach((item, index) => {
    if (!isJsonObject(item)) {
      throw PatchError.badRequest(`item ${index} of the patch list at ${where(path)} is not an object`);
    }
    if (!Object.hasOwn(item, PATCH_DIRECTIVE)) {
      plain.push(item);
      return;
    }
    const directive = item[PATCH_DIRECTIVE];
    if (directive === 'delete') {
      const keyValue = requireMergeKey(item, mergeKey, path);
      live = live.filter((liveItem) => !(isJsonObject(liveItem) && getOwn(liveItem, mergeKey) === keyValue));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive !== 'merge') {
      throw PatchError.badRequest(`unknown patch type: ${JSON.stringify(directive)} in list at ${where(path)}`);
    }
  });

  if (replace) {
    return plain.map((item) => mergeMap({}, item, items, path));
  }

  const merged = [...live];
  for (const item of plain) {
    const keyValue = requireMergeKey(item, mergeKey, path);
    const index = merged.findIndex((liveItem) => isJsonObject(liveItem) && getOwn(liveItem, mergeKey) === keyValue);
    const liveItem = index >= 0 ? merged[index] : undefined;
    if (isJsonObject(liveItem)) {
      merged[index] = mergeMap(liveItem, item, items, path);
    } else {
      merged.push(mergeMap({}, item, items, path));
    }
  }
  return enforceOrder(merged, plain, live, mergeKey);
}

/** Applies `$setElementOrder/<field>` together with the patch's `<field>`. */
function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  field: string,
  order: unknown,
  parentSchema: SchemaNode | undefined,
  path: string,
): void {
  if (!Array.isArray(order)) {
    throw PatchError.badRequest(`invalid patch format of setElementOrder list at ${where(path)}: not a list`);
  }
  const schema = propertySchema(parentSchema, field);
  const mergeKey = fieldPatchMeta(schema).mergeKey;
  const liveValue = getOwn(original, field);
  const patchValue = getOwn(patch, field);
  if (liveValue !== undefined && !Array.isArray(liveValue)) {
    throw PatchError.badRequest(`$setElementOrder applies to ${where(path)}, which is not a list`);
  }
  if (patchValue !== undefined && !Array.isArray(patchValue)) {
    throw PatchError.badRequest(`$setElementOrder applies to ${where(path)}, but the patch value is not a list`);
  }
  if (patchValue !== undefined) {
    checkOrderMatchesPatch(patchValue, order, mergeKey, path);
  }

  let merged: unknown[];
  if (liveValue !== undefined && patchValue !== undefined) {
    merged = mergeList(liveValue, patchValue, schema, path);
  } else if (patchValue !== undefined) {
    merged = mergeList([], patchValue, schema, path);
  } else if (liveValue !== undefined) {
    merged = liveValue;
  } else {
    return;
  }
  setOwn(original, field, enforceOrder(merged, order, liveValue ?? [], mergeKey));
}

/**
 * Every non-directive item of the patch list must appear in the order list,
 * in the same relative order.
 */
function checkOrderMatchesPatch(patchList: unknown[], order: unknown[], mergeKey: string | undefined, path: string): void {
  if (patchList.length === 0 || order.length === 0) {
    return;
  }
  const named = patchList.filter((item) => !(isJsonObject(item) && Object.hasOwn(item, PATCH_DIRECTIVE)));
  let patchIndex = 0;
  let orderIndex = 0;
  while (patchIndex < named.length && orderIndex < order.length) {
    if (mergeKey !== undefined) {
      const patchItem = named[patchIndex];
      const orderItem = order[orderIndex];
      if (!isJsonObject(patchItem) || !isJsonObject(orderItem)) {
        throw PatchError.badRequest(`invalid patch format of setElementOrder list at ${where(path)}: items must be objects`);
      }
      if (requireMergeKey(patchItem, mergeKey, path) === requireMergeKey(orderItem, mergeKey, path)) {
        patchIndex++;
      }
    } else if (named[patchIndex] === order[orderIndex]) {
      patchIndex++;
    }
    orderIndex++;
  }
  if (patchIndex < named.length) {
    throw PatchError.badRequest(`the order of the patch list at ${where(path)} does not match its $setElementOrder list`);
  }
}

/**
 * Orders `merged`: items named in `patchOrder` come in that order; the others
 * keep their order in `liveOrder`; the two runs are interleaved so that a live
 * item goes before a named item only when both are live and the live order
 * says so.
 */
function enforceOrder(merged: unknown[], patchOrder: unknown[], liveOrder: unknown[], mergeKey: string | undefined): unknown[] {
  const identity = (item: unknown): unknown => (mergeKey === undefined ? item : isJsonObject(item) ? getOwn(item, mergeKey) : undefined);
  const indexIn = (list: unknown[], item: unknown): number => {
    const id = identity(item);
    if (id === undefined) {
      return -1;
    }
    return list.findIndex((candidate) => identity(candidate) === id);
  };
  const named: unknown[] = [];
  const liveOnly: unknown[] = [];
  for (const item of merged) {
    (indexIn(patchOrder, item) >= 0 ? named : liveOnly).push(item);
  }
  const byPosition =
    (list: unknown[]) =>
    (a: unknown, b: unknown): number => {
      const ia = indexIn(list, a);
      const ib = indexIn(list, b);
      return ia >= 0 && ib >= 0 ? ia - ib : 0;
    };
  named.sort(byPosition(patchOrder));
  liveOnly.sort(byPosition(liveOrder));

  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < liveOnly.length && j < named.length) {
    const liveIndex = indexIn(liveOrder, liveOnly[i]);
    const namedIndex = indexIn(liveOrder, named[j]);
    if (liveIndex >= 0 && namedIndex >= 0 && liveIndex < namedIndex) {
      result.push(liveOnly[i++]);
    } else {
      result.push(named[j++]);
    }
  }
  return [...result, ...liveOnly.slice(i), ...named.slice(j)];
}

/** `$deleteFromPrimitiveList/<field>`: removes the given values from a primitive list. */
function deleteFromPrimitiveList(original: JsonObject, field: string, values: unknown, path: string): void {
  if (!Array.isArray(values)) {
    throw PatchError.badRequest(`invalid patch format of primitive list at ${where(path)}: not a list`);
  }
  const current = getOwn(original, field);
  if (current === undefined) {
    return;
  }
  if (!Array.isArray(current) || current.some((item) => isJsonObject(item) || Array.isArray(item))) {
    throw PatchError.badRequest(`$deleteFromPrimitiveList applies to ${where(path)}, which is not a list of primitives`);
  }
  setOwn(
    original,
    field,
    current.filter((item) => !values.includes(item)),
  );
}

/**
 * `$retainKeys`: validates the list against the patch and clears every key of
 * the owned `original` that is not in it.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  const retain = patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retain)) {
    throw PatchError.badRequest(`invalid patch format of retainKeys at ${where(path)}: not a list`);
  }
  const kept = new Set(retain);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !key.startsWith('$') && !kept.has(key)) {
      throw PatchError.badRequest(`invalid patch format of retainKeys at ${where(path)}: ${JSON.stringify(key)} is not retained`);
    }
  }
  for (const key of Object.keys(original)) {
    if (!kept.has(key)) {
      delete original[key];
    }
  }
}

type ElementKind = 'map' | 'scalar';

/** All items of both lists must be maps, or all scalars of one JSON type. */
function elementKind(original: unknown[], patch: unknown[], path: string): ElementKind {
  let seen: string | undefined;
  for (const item of [...original, ...patch]) {
    if (Array.isArray(item)) {
      throw PatchError.unprocessable(`lists of lists are not supported (at ${where(path)})`);
    }
    const kind = isJsonObject(item) ? 'map' : item === null ? 'null' : typeof item;
    if (seen !== undefined && seen !== kind) {
      throw PatchError.badRequest(`list element types are not identical at ${where(path)}`);
    }
    seen = kind;
  }
  return seen === 'map' ? 'map' : 'scalar';
}

function requireMergeKey(item: JsonObject, mergeKey: string, path: string): unknown {
  if (!Object.hasOwn(item, mergeKey)) {
    throw PatchError.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey} (at ${where(path)})`);
  }
  return item[mergeKey];
}

/** The field name after `<prefix>/`; 400 when the key has no such part. */
function directiveField(key: string, prefix: string, what: string, path: string): string {
  const rest = key.slice(prefix.length);
  if (!rest.startsWith('/') || rest.length === 1) {
    throw PatchError.badRequest(`invalid patch format of ${what}: ${JSON.stringify(key)} at ${where(path)}`);
  }
  return rest.slice(1);
}

function dedupe(items: unknown[]): unknown[] {
  return items.filter((item, index) => items.indexOf(item) === index);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function where(path: string): string {
  return path === '' ? 'the top level' : path;
}
