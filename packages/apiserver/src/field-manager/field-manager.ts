/**
 * Field ownership: the two operations every write goes through (Kubernetes'
 * structured-merge-diff Updater, wrapped as its FieldManager).
 *
 * - `trackUpdate` (create, update, patch): the writer's manager takes the
 *   fields the write added or changed; every other manager loses them, and
 *   everyone loses the fields the write removed.
 * - `applyConfiguration` (server-side apply): the configuration is merged
 *   into the live object; the applier then owns exactly the configuration's
 *   fields; fields it owned before, left out now and owned by no one else
 *   are removed; a change to a field another manager owns is a conflict
 *   unless forced, which moves the field to the applier.
 *
 * Every set leaves out what no one owns: apiVersion, kind, the server's
 * metadata (name, namespace, uid, resourceVersion, ...), and the part of the
 * object the write's endpoint does not change (status for the main resource
 * of a kind with a status subresource, everything but status for /status).
 */
import { deepEqual, metaTime } from '@mk8s/api';
import { isJsonObject, type JsonObject } from '../patch/json-value.js';
import type { SchemaNode } from '../patch/schema-node.js';
import { FieldSet } from './field-set.js';
import { decodeManagedFields, encodeManagedFields, isResetManagedFields, managerId, type ManagerEntry, type Managers } from './managed-fields.js';
import { compare, fieldSetOf, merge, removeItems, type Comparison, type TypedOptions } from './typed.js';

export interface FieldContext extends TypedOptions {
  readonly schema: SchemaNode | undefined;
  /** The apiVersion the entries record (the served version of the request). */
  readonly apiVersion: string;
  /** The kind has a status subresource: main-resource writes own no status. */
  readonly statusSubresource: boolean;
  readonly now: () => number;
}

/** A field another manager owns that an apply would change. */
export interface Conflict {
  readonly entry: ManagerEntry;
  readonly path: readonly string[];
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: readonly Conflict[]) {
    super(`Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}`);
  }
}

/** The manager Kubernetes credits with the fields of an object that predates its first apply. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';

const STRIPPED = new FieldSet();
for (const f of ['apiVersion', 'kind', 'metadata']) STRIPPED.insert([`f:${f}`]);
for (const f of ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion']) {
  STRIPPED.insert(['f:metadata', `f:${f}`]);
}

/** `set` without what no manager owns at this endpoint (see the module comment). */
function owned(set: FieldSet, ctx: FieldContext, subresource: string): FieldSet {
  const out = set.difference(STRIPPED);
  if (subresource === 'status') {
    const status = new FieldSet();
    if (out.members.has('f:status')) status.members.add('f:status');
    const below = out.children.get('f:status');
    if (below) status.children.set('f:status', below);
    return status;
  }
  if (subresource === '' && ctx.statusSubresource) {
    out.members.delete('f:status');
    out.children.delete('f:status');
  }
  return out;
}

/**
 * The part of an apply configuration its endpoint writes, as Kubernetes
 * resets the rest before merging: no status through the main resource of a
 * kind with a status subresource, only status (and the identity) through /status.
 */
function endpointPart(config: JsonObject, ctx: FieldContext, subresource: string): JsonObject {
  if (subresource === 'status') {
    const out: JsonObject = {};
    for (const k of ['apiVersion', 'kind', 'status']) if (Object.hasOwn(config, k)) out[k] = config[k];
    const m = config['metadata'];
    if (isJsonObject(m)) out['metadata'] = Object.fromEntries(['name', 'namespace'].filter((k) => Object.hasOwn(m, k)).map((k) => [k, m[k]]));
    return out;
  }
  if (subresource === '' && ctx.statusSubresource && Object.hasOwn(config, 'status')) {
    const { status: _ignored, ...rest } = config;
    return rest;
  }
  return config;
}

function withoutManagedFields(obj: JsonObject | undefined): JsonObject {
  if (!obj) return {};
  const m = obj['metadata'];
  if (!isJsonObject(m) || !Object.hasOwn(m, 'managedFields')) return obj;
  const { managedFields: _dropped, ...rest } = m;
  return { ...obj, metadata: rest };
}

function liveManagers(live: JsonObject | undefined): Managers {
  const m = live?.['metadata'];
  return (isJsonObject(m) ? decodeManagedFields(m['managedFields']) : undefined) ?? new Map();
}

/**
 * Takes the fields `next` changes from every manager but `self`; with
 * `force` false, a change to another manager's field is an ApplyConflictError
 * instead. Returns the comparison of `live` and `next`.
 */
function takeChanged(live: JsonObject, next: JsonObject, managers: Managers, self: string, force: boolean, ctx: FieldContext): Comparison {
  const cmp = compare(live, next, ctx.schema, ctx);
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  for (const [id, entry] of managers) {
    if (id === self) continue;
    const taken = entry.set.intersection(changed);
    if (!force) for (const path of taken.paths()) conflicts.push({ entry, path });
    entry.set = entry.set.difference(taken).difference(cmp.removed);
  }
  if (conflicts.length > 0) throw new ApplyConflictError(conflicts);
  return cmp;
}

/**
 * The managedFields of `next` after a create (`live` undefined), update or
 * patch by `manager` (at `subresource`, '' for the main resource). `incoming`
 * is the managedFields the request sent: `[{}]` clears them, a readable
 * non-empty list replaces them (main resource only), anything else keeps the
 * live object's. Undefined when no manager owns anything.
 */
export function trackUpdate(
  ctx: FieldContext,
  live: JsonObject | undefined,
  next: JsonObject,
  manager: string,
  subresource: string,
  incoming: unknown,
): Record<string, unknown>[] | undefined {
  let managers: Managers;
  if (subresource === '' && isResetManagedFields(incoming)) managers = new Map();
  else {
    const sent = subresource === '' ? decodeManagedFields(incoming) : undefined;
    managers = sent && sent.size > 0 ? sent : liveManagers(live);
  }
  const self = managerId({ manager, operation: 'Update', apiVersion: ctx.apiVersion, subresource });
  const cmp = takeChanged(withoutManagedFields(live), withoutManagedFields(next), managers, self, true, ctx);
  const changed = owned(cmp.modified.union(cmp.added), ctx, subresource);
  const previous = managers.get(self);
  if (previous) previous.set = previous.set.difference(cmp.removed);
  if (!changed.isEmpty()) {
    const time = metaTime(ctx.now());
    if (previous) {
      previous.set = previous.set.union(changed);
      previous.time = time;
    } else {
      managers.set(self, { manager, operation: 'Update', apiVersion: ctx.apiVersion, subresource, time, set: changed });
    }
  }
  return encodeManagedFields(managers);
}

/**
 * Server-side apply of `config` (a decoded apply configuration) to `live`
 * (undefined: the object is being created) by `manager`. Returns the object
 * to write (without managedFields) and its managedFields. Throws
 * ApplyConflictError, and TypedError for a configuration whose keyed list
 * item lacks its keys.
 */
export function applyConfiguration(
  ctx: FieldContext,
  live: JsonObject | undefined,
  config: JsonObject,
  manager: string,
  subresource: string,
  force: boolean,
): { object: JsonObject; managedFields: Record<string, unknown>[] | undefined } {
  config = endpointPart(config, ctx, subresource);
  const base = withoutManagedFields(live);
  const managers = liveManagers(live);
  // An object written before its first apply: its fields belong to one stand-in manager, so an apply conflicts where it differs.
  if (live && managers.size === 0) {
    const set = owned(fieldSetOf(base, ctx.schema, false), ctx, '');
    const entry = { manager: BEFORE_FIRST_APPLY, operation: 'Update' as const, apiVersion: ctx.apiVersion, subresource: '', time: undefined, set };
    managers.set(managerId(entry), entry);
  }
  const configSet = owned(fieldSetOf(config, ctx.schema, true), ctx, subresource);
  const self = managerId({ manager, operation: 'Apply', apiVersion: ctx.apiVersion, subresource });
  const last = managers.get(self);
  const entry: ManagerEntry = { manager, operation: 'Apply', apiVersion: ctx.apiVersion, subresource, time: last?.time, set: configSet };
  managers.set(self, entry);
  let object = merge(base, config, ctx.schema) as JsonObject;
  if (last && !last.set.isEmpty()) {
    // Remove what this applier set last time, left out now, and no manager (this configuration included) owns.
    // A struct field another manager owns a part of counts as owned, so it is never removed whole.
    let all = new FieldSet();
    for (const e of managers.values()) all = all.union(e.set);
    const dropped = last.set.difference(all.withNamedFieldsAsMembers());
    object = removeItems(object, dropped, ctx.schema) as JsonObject;
  }
  takeChanged(base, object, managers, self, force, ctx);
  if (entry.time === undefined || !deepEqual(base, object)) entry.time = metaTime(ctx.now());
  return { object, managedFields: encodeManagedFields(managers) };
}
