/**
 * JSON as TEXT, not as JavaScript values: a tree whose object entries are an
 * ordered list of (raw key literal, value) pairs and whose leaves are raw
 * literals. This is what lets the fuzzer send what `JSON.stringify` cannot
 * produce: duplicate keys, `"__proto__"` keys (an object literal or
 * assignment would set the prototype instead of a key), numbers beyond double
 * precision (`9007199254740993`, `1e400`), lone surrogate escapes
 * (`"\ud800"`), and non-canonical spellings (`1.0`, `-0`, `1E2`).
 */
import type { Json } from './seeds.js';

export type RawJson = { t: 'lit'; text: string } | { t: 'arr'; items: RawJson[] } | { t: 'obj'; entries: Array<[string, RawJson]> };

export const lit = (text: string): RawJson => ({ t: 'lit', text });
/** A string literal for `s`, escaped as JSON.stringify escapes it. */
export const strLit = (s: string): RawJson => lit(JSON.stringify(s));

export function fromJson(v: Json): RawJson {
  if (Array.isArray(v)) return { t: 'arr', items: v.map(fromJson) };
  if (v !== null && typeof v === 'object') return { t: 'obj', entries: Object.entries(v).map(([k, x]) => [JSON.stringify(k), fromJson(x)]) };
  return lit(JSON.stringify(v));
}

export function render(r: RawJson): string {
  if (r.t === 'lit') return r.text;
  if (r.t === 'arr') return `[${r.items.map(render).join(',')}]`;
  return `{${r.entries.map(([k, v]) => `${k}:${render(v)}`).join(',')}}`;
}

/** A container node of the tree and how to reach it, for picking mutation points. */
export interface Slot {
  node: Extract<RawJson, { t: 'obj' } | { t: 'arr' }>;
  path: string;
}

/** Every object and array in the tree, depth-first, root first. */
export function containers(root: RawJson, path = ''): Slot[] {
  if (root.t === 'lit') return [];
  const out: Slot[] = [{ node: root, path: path || '/' }];
  if (root.t === 'arr') root.items.forEach((x, i) => out.push(...containers(x, `${path}/${i}`)));
  else for (const [k, v] of root.entries) out.push(...containers(v, `${path}/${k.replace(/^"|"$/g, '')}`));
  return out;
}

export function clone(r: RawJson): RawJson {
  if (r.t === 'lit') return r;
  if (r.t === 'arr') return { t: 'arr', items: r.items.map(clone) };
  return { t: 'obj', entries: r.entries.map(([k, v]) => [k, clone(v)]) };
}

/** `depth` nested arrays (or objects) around `inner`, built as text so a depth of 100 000 costs no recursion. */
export function nested(depth: number, kind: 'arr' | 'obj', inner = '1'): RawJson {
  const open = kind === 'arr' ? '[' : '{"a":';
  const close = kind === 'arr' ? ']' : '}';
  return lit(open.repeat(depth) + inner + close.repeat(depth));
}
