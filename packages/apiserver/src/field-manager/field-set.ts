/**
 * A set of field paths, the unit of server-side apply's ownership: what each
 * manager of an object owns, what an apply configuration sets, what an update
 * changed.
 *
 * A path is a list of path elements, each spelled as in `fieldsV1`:
 * `f:<name>` (a field of a struct or a key of a map), `k:<json object>` (an
 * item of a list keyed by its map keys, e.g. `k:{"name":"app"}`),
 * `v:<json value>` (an item of a set list) and `i:<index>` (an item of a list
 * with no identity). The set is a tree: at each level, `members` are the
 * elements whose path is in the set, `children` the elements with paths in
 * the set below them. An element can be both: in `fieldsV1` that is the
 * `".": {}` entry of its object.
 */
import { isJsonObject } from '../patch/json-value.js';

/** The order Kubernetes serialises path elements in: fields, then keys, values and indexes; each kind by its text. */
const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

export function comparePathElements(a: string, b: string): number {
  const ra = RANK[a[0]!] ?? 4;
  const rb = RANK[b[0]!] ?? 4;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FieldSetError extends Error {}

export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  /** Parses a `fieldsV1` object; throws FieldSetError on anything else. */
  static fromFieldsV1(value: unknown): FieldSet {
    const set = new FieldSet();
    if (!isJsonObject(value)) throw new FieldSetError('fieldsV1 must be a JSON object');
    for (const [pe, sub] of Object.entries(value)) {
      if (pe === '.') continue;
      if (!/^[fkvi]:/.test(pe)) throw new FieldSetError(`unknown path element ${JSON.stringify(pe)}`);
      if (!isJsonObject(sub)) throw new FieldSetError(`the value of ${JSON.stringify(pe)} must be a JSON object`);
      const keys = Object.keys(sub);
      if (keys.length === 0 || Object.hasOwn(sub, '.')) set.members.add(pe);
      if (keys.some((k) => k !== '.')) set.children.set(pe, FieldSet.fromFieldsV1(sub));
    }
    return set;
  }

  /** The `fieldsV1` form, elements in Kubernetes' order. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const elements = new Set<string>([...this.members, ...this.children.keys()]);
    for (const pe of [...elements].sort(comparePathElements)) {
      const child = this.children.get(pe);
      const body: Record<string, unknown> = this.members.has(pe) && child ? { '.': {} } : {};
      if (child) Object.assign(body, child.toFieldsV1());
      out[pe] = body;
    }
    return out;
  }

  isEmpty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  insert(path: readonly string[]): void {
    if (path.length === 0) return;
    let node = this as FieldSet;
    for (let i = 0; i < path.length - 1; i++) node = node.child(path[i]!, true);
    node.members.add(path[path.length - 1]!);
  }

  has(path: readonly string[]): boolean {
    if (path.length === 0) return false;
    let node = this as FieldSet | undefined;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]!);
    return node?.members.has(path[path.length - 1]!) ?? false;
  }

  child(pe: string): FieldSet | undefined;
  child(pe: string, create: true): FieldSet;
  child(pe: string, create = false): FieldSet | undefined {
    let c = this.children.get(pe);
    if (!c && create) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  /** Attaches `sub` below `pe` (dropped when empty). */
  setChild(pe: string, sub: FieldSet): void {
    if (sub.isEmpty()) this.children.delete(pe);
    else this.children.set(pe, sub);
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const m of other.members) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      out.children.set(pe, o ? c.union(o) : c.copy());
    }
    for (const [pe, o] of other.children) if (!this.children.has(pe)) out.children.set(pe, o.copy());
    return out;
  }

  /** The paths of this set that are not in `other`. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      out.setChild(pe, o ? c.difference(o) : c.copy());
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (o) out.setChild(pe, c.intersection(o));
    }
    return out;
  }

  /**
   * This set with every field element that has paths below it also a member:
   * a prefix such as `.spec` then counts as owned, so pruning never removes a
   * struct another manager owns a part of (Kubernetes' EnsureNamedFieldsAreMembers).
   */
  withNamedFieldsAsMembers(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, c] of this.children) {
      out.children.set(pe, c.withNamedFieldsAsMembers());
      if (pe.startsWith('f:')) out.members.add(pe);
    }
    return out;
  }

  copy(): FieldSet {
    return this.union(EMPTY);
  }

  /** Every member path, in Kubernetes' order. */
  paths(prefix: readonly string[] = []): string[][] {
    const out: string[][] = [];
    const elements = new Set<string>([...this.members, ...this.children.keys()]);
    for (const pe of [...elements].sort(comparePathElements)) {
      if (this.members.has(pe)) out.push([...prefix, pe]);
      const c = this.children.get(pe);
      if (c) out.push(...c.paths([...prefix, pe]));
    }
    return out;
  }
}

const EMPTY = new FieldSet();

/** A path as Kubernetes prints it in conflicts: `.spec.containers[name="app"].image`, `.metadata.finalizers[="x"]`. */
export function pathString(path: readonly string[]): string {
  let out = '';
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k': {
        const key = JSON.parse(body) as Record<string, unknown>;
        out += `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
        break;
      }
      case 'v':
        out += `[=${body}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}
