/**
 * `metadata.managedFields`: the entries an object carries, decoded into one
 * field set per manager and encoded back in Kubernetes' form and order.
 *
 * A manager is identified as Kubernetes identifies it: its name, operation
 * and subresource, plus the apiVersion for `Update` managers (an applier
 * keeps one entry whatever version it applies with). At most ten `Update`
 * entries are kept; older ones merge into `ancient-changes`, as Kubernetes
 * caps them so a busy object's metadata stays small.
 */
import { isJsonObject } from '../patch/json-value.js';
import { FieldSet, FieldSetError } from './field-set.js';

export type Operation = 'Apply' | 'Update';

export interface ManagerEntry {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource: string;
  /** RFC 3339, second precision: the last time this manager changed the object. */
  time: string | undefined;
  set: FieldSet;
}

/** The managers of one object, by identity (see `managerId`). */
export type Managers = Map<string, ManagerEntry>;

export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES = 'ancient-changes';

export function managerId(e: { manager: string; operation: string; apiVersion: string; subresource: string }): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource]);
}

/** The one-empty-entry list (`[{}]`) a client sends to strip an object's managedFields. */
export function isResetManagedFields(value: unknown): boolean {
  return Array.isArray(value) && value.length === 1 && isJsonObject(value[0]) && Object.keys(value[0]).length === 0;
}

/**
 * Decodes `metadata.managedFields`. Undefined when it cannot be read as
 * managers: not a list, an entry without an `Apply`/`Update` operation, an
 * apiVersion or the `FieldsV1` type, or a `fieldsV1` that is not a field set.
 * The caller then keeps the live object's managers, as Kubernetes does so a
 * client that mangles the field cannot wipe ownership.
 */
export function decodeManagedFields(value: unknown): Managers | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Managers = new Map();
  for (const raw of value) {
    if (!isJsonObject(raw)) return undefined;
    const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
    const operation = str('operation');
    if ((operation !== 'Apply' && operation !== 'Update') || str('apiVersion') === '' || str('fieldsType') !== 'FieldsV1') return undefined;
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(raw['fieldsV1'] ?? {});
    } catch (err) {
      if (err instanceof FieldSetError) return undefined;
      throw err;
    }
    const entry: ManagerEntry = {
      manager: str('manager'),
      operation,
      apiVersion: str('apiVersion'),
      subresource: str('subresource'),
      time: str('time') || undefined,
      set,
    };
    const id = managerId(entry);
    const previous = out.get(id);
    if (previous) previous.set = previous.set.union(set);
    else out.set(id, entry);
  }
  return out;
}

/** The entries to store: no empty sets, `Update` managers capped, in Kubernetes' order. */
export function encodeManagedFields(managers: Managers): Record<string, unknown>[] | undefined {
  const entries = [...managers.values()].filter((e) => !e.set.isEmpty());
  const kept = entries.filter((e) => e.operation === 'Apply');
  const updates = entries.filter((e) => e.operation === 'Update').sort(byTime);
  // Fold the oldest updates into one `ancient-changes` bucket until at most ten remain.
  while (updates.length > MAX_UPDATE_MANAGERS) {
    let bucket = updates.findIndex((e) => e.manager === ANCIENT_CHANGES);
    if (bucket < 0) {
      updates[0] = { ...updates[0]!, manager: ANCIENT_CHANGES, subresource: '' };
      bucket = 0;
    }
    const victim = updates.findIndex((e) => e.manager !== ANCIENT_CHANGES);
    const into = updates[bucket]!;
    const from = updates[victim]!;
    updates[bucket] = { ...into, set: into.set.union(from.set), time: byTime(into, from) < 0 ? from.time : into.time };
    updates.splice(victim, 1);
  }
  kept.push(...updates);
  if (kept.length === 0) return undefined;
  kept.sort(
    (a, b) =>
      cmp(a.operation, b.operation) || byTime(a, b) || cmp(a.manager, b.manager) || cmp(a.apiVersion, b.apiVersion) || cmp(a.subresource, b.subresource),
  );
  return kept.map((e) => {
    const out: Record<string, unknown> = {};
    if (e.manager !== '') out['manager'] = e.manager;
    out['operation'] = e.operation;
    if (e.apiVersion !== '') out['apiVersion'] = e.apiVersion;
    if (e.time !== undefined) out['time'] = e.time;
    out['fieldsType'] = 'FieldsV1';
    out['fieldsV1'] = e.set.toFieldsV1();
    if (e.subresource !== '') out['subresource'] = e.subresource;
    return out;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byTime(a: ManagerEntry, b: ManagerEntry): number {
  return cmp(a.time ?? '', b.time ?? '');
}

/**
 * The manager of a write that names none (`fieldManager` unset): the
 * client's User-Agent up to its first `/`, printable characters only, at
 * most 128 bytes (Kubernetes' prefixFromUserAgent), e.g. `kubectl`.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]!) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}
