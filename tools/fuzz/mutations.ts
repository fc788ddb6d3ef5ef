/**
 * Mutators that corrupt a valid object into the inputs that break servers:
 * wrong JSON types, out-of-range and fractional numbers, deep nesting,
 * unicode and control characters, prototype keys, duplicate keys, very long
 * strings, empty objects, and malformed text (truncation, invalid UTF-8).
 *
 * A mutation is a plain data PLAN drawn by fast-check (so a seed reproduces
 * it) and applied to a seed by `applyPlan`, which is deterministic: indices
 * in the plan pick mutation points modulo what the seed offers.
 */
import fc from 'fast-check';
import { clone, containers, fromJson, lit, nested, render, strLit, type RawJson } from './raw-json.js';
import type { Json } from './seeds.js';

/** Numbers that overflow int32/int64/double, are negative, fractional or non-canonical, as raw JSON text. */
export const WEIRD_NUMBERS = [
  '2147483648',
  '2147483647',
  '-2147483649',
  '4294967296',
  '9223372036854775808',
  '9007199254740993',
  '1e308',
  '-1e308',
  '1e309',
  '1e-400',
  '-1',
  '0',
  '-0',
  '0.5',
  '1.0',
  '1E2',
  '0.1e1',
  '123456789012345678901234567890',
];

/** Strings with control characters, non-Latin-1 text, lookalikes of other types and of path syntax. */
export const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f\u007f',
  '\r\n',
  '\t',
  'ключ',
  'значение',
  '😀',
  '\u202eevil',
  'e\u0301',
  '../..',
  '..',
  '.',
  '%2e%2e',
  '%00',
  '/',
  'a/b',
  '\\',
  'fz-a',
  'UPPER',
  '-x-',
  'a'.repeat(64),
  'a'.repeat(254),
  'true',
  'null',
  '0',
  '-1',
  '1e3',
  'NaN',
  'Infinity',
  '{}',
  '[]',
  '1Gi',
  '100m',
  '-1Gi',
  '1.5',
  '0x10',
  'Ki',
  '2024-13-45T99:99:99Z',
  'not-a-time',
  '999.1.1.1',
  '::1',
  '10.96.0.1',
  '<script>',
  '${x}',
  '{{x}}',
];

/** Raw JSON string literals JSON.stringify never writes (or writes differently). */
export const RAW_STRING_LITERALS = ['"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"a\\u0000b"', '"\\/"', '"\\u00e9"'];

/** Keys as raw JSON literals: prototype names, non-Latin-1, control characters, patch directives, metadata names. */
export const WEIRD_KEYS = [
  '"__proto__"',
  '"constructor"',
  '"prototype"',
  '"toString"',
  '"hasOwnProperty"',
  '"valueOf"',
  '"ключ"',
  '"🔑"',
  '""',
  '" "',
  '"a.b"',
  '"a/b"',
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  `"${'k'.repeat(1000)}"`,
  '"$patch"',
  '"$retainKeys"',
  '"$setElementOrder/containers"',
  '"$deleteFromPrimitiveList/finalizers"',
  '"kind"',
  '"apiVersion"',
  '"metadata"',
  '"spec"',
  '"status"',
  '"name"',
  '"namespace"',
  '"items"',
];

/** Metadata fields a server must check or own, and values that test that. */
export const META_FIELDS = [
  'name',
  'namespace',
  'generateName',
  'resourceVersion',
  'uid',
  'labels',
  'annotations',
  'finalizers',
  'ownerReferences',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'creationTimestamp',
  'managedFields',
  'generation',
  'selfLink',
];

const NAMES = [
  '',
  '.',
  '..',
  'a/b',
  '%',
  '%2e%2e',
  'a\u0000b',
  '\u0000',
  'ключ',
  'UPPER',
  '-a',
  'a-',
  'a_b',
  'a..b',
  'a'.repeat(64),
  'a'.repeat(254),
  'a'.repeat(300),
  'fz-a',
  'fz-b',
  'default',
  'kube-system',
  'fz-sentinel',
  ' a',
  'a\n',
];

export type Mutation =
  | { op: 'set'; at: number; child: number; value: RawJson }
  | { op: 'add'; at: number; key: string; value: RawJson }
  | { op: 'dup'; at: number; child: number; value: RawJson }
  | { op: 'del'; at: number; child: number }
  | { op: 'meta'; field: string; value: RawJson }
  | { op: 'root'; value: RawJson };

/** Byte-level damage applied after rendering. */
export type TextDamage =
  { op: 'none' } | { op: 'truncate'; at: number } | { op: 'bad-utf8'; at: number; bytes: number[] } | { op: 'bom' } | { op: 'trailing'; text: string };

export interface MutationPlan {
  mutations: Mutation[];
  damage: TextDamage;
}

const longString = fc
  .oneof(
    { weight: 8, arbitrary: fc.constantFrom(300, 1024, 8192) },
    { weight: 3, arbitrary: fc.constant(65_536) },
    { weight: 1, arbitrary: fc.constant(1 << 20) },
  )
  .chain((n) => fc.constantFrom('a', 'я', '\u0000', '😀').map((c) => strLit(c.repeat(Math.ceil(n / c.length)))));

const deep = fc.tuple(fc.constantFrom(16, 100, 512, 2000, 10_000, 100_000), fc.constantFrom('arr' as const, 'obj' as const)).map(([d, k]) => nested(d, k));

/** A value of any JSON type chosen to be wrong or extreme wherever it lands. */
export const weirdValue: fc.Arbitrary<RawJson> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...WEIRD_NUMBERS).map(lit) },
  { weight: 5, arbitrary: fc.constantFrom(...WEIRD_STRINGS).map(strLit) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_STRING_LITERALS).map(lit) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }).map(strLit) },
  { weight: 2, arbitrary: fc.constantFrom('true', 'false', 'null', '[]', '{}', '[null]', '[1,"a",{}]', '[[]]', '{"":""}', '{"ключ":"значение"}').map(lit) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}', '{"prototype":{"polluted":"yes"}}')
      .map(lit),
  },
  { weight: 2, arbitrary: longString },
  { weight: 2, arbitrary: deep },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => fromJson(v as Json)) },
);

const weirdKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WEIRD_KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => JSON.stringify(s)) },
);

const metaValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NAMES).map(strLit) },
  { weight: 3, arbitrary: weirdValue },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '{"a/b/c":"x"}',
        '{"ключ":"v"}',
        '{"":"x"}',
        '{"k":"\\u0000"}',
        '{"k":1}',
        '{"k":null}',
        '["x"]',
        '[{"apiVersion":"v1","kind":"Pod","name":"x","uid":""}]',
        '[{"apiVersion":"v1","kind":"Pod","name":"x","uid":"u","controller":true},{"apiVersion":"v1","kind":"Pod","name":"y","uid":"v","controller":true}]',
        '["kubernetes","kubernetes"]',
        '["a/b/c/d"]',
        '[{"manager":"x","operation":"Apply","fieldsV1":{"f:x":{}}}]',
        '"2024-01-01T00:00:00Z"',
        '"1"',
      )
      .map(lit),
  },
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), child: fc.nat(), value: weirdValue }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: weirdKey, value: weirdValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('dup' as const), at: fc.nat(), child: fc.nat(), value: weirdValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), at: fc.nat(), child: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('meta' as const), field: fc.constantFrom(...META_FIELDS), value: metaValue }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('root' as const), value: fc.oneof(weirdValue, fc.constantFrom('{}', '[]', '""', 'null', '0').map(lit)) }),
  },
);

const damage: fc.Arbitrary<TextDamage> = fc.oneof(
  { weight: 20, arbitrary: fc.constant({ op: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('bad-utf8' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.constantFrom<number[]>([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'bom' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('trailing' as const), text: fc.constantFrom(' x', '{}', ',', '\u0000', ']') }) },
);

/** Mostly one mutation (so most requests fail at one point, deep inside), sometimes a few. */
export const mutationPlan: fc.Arbitrary<MutationPlan> = fc.record({
  mutations: fc.oneof({ weight: 3, arbitrary: mutation.map((m) => [m]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 3 }) }),
  damage,
});

function applyOne(root: RawJson, m: Mutation): RawJson {
  if (m.op === 'root') return m.value;
  if (m.op === 'meta') {
    if (root.t !== 'obj') return root;
    let meta = root.entries.find(([k]) => k === '"metadata"')?.[1];
    if (!meta || meta.t !== 'obj') {
      meta = { t: 'obj', entries: [] };
      root.entries.push(['"metadata"', meta]);
    }
    const key = JSON.stringify(m.field);
    const at = meta.entries.findIndex(([k]) => k === key);
    if (at >= 0) meta.entries[at] = [key, m.value];
    else meta.entries.push([key, m.value]);
    return root;
  }
  const slots = containers(root);
  if (slots.length === 0) return root;
  const slot = slots[m.at % slots.length]!;
  const node = slot.node;
  if (m.op === 'add') {
    if (node.t === 'obj') node.entries.push([m.key, m.value]);
    else node.items.push(m.value);
    return root;
  }
  const size = node.t === 'obj' ? node.entries.length : node.items.length;
  if (size === 0) {
    if (m.op === 'set' || m.op === 'dup') {
      if (node.t === 'obj') node.entries.push(['"x"', m.value]);
      else node.items.push(m.value);
    }
    return root;
  }
  const i = m.child % size;
  if (m.op === 'del') {
    if (node.t === 'obj') node.entries.splice(i, 1);
    else node.items.splice(i, 1);
  } else if (m.op === 'set') {
    if (node.t === 'obj') node.entries[i] = [node.entries[i]![0], m.value];
    else node.items[i] = m.value;
  } else if (node.t === 'obj') {
    // Duplicate key: the same raw key again, later in the object, with another value.
    node.entries.splice(i + 1, 0, [node.entries[i]![0], m.value]);
  } else {
    node.items.splice(i + 1, 0, m.value);
  }
  return root;
}

/** Where a mutation lands, for the finding's description. */
function describeOne(root: RawJson, m: Mutation): string {
  const short = (v: RawJson): string => {
    const t = render(v);
    return t.length > 40 ? `${t.slice(0, 30)}…(${t.length} chars)` : t;
  };
  if (m.op === 'root') return `root=${short(m.value)}`;
  if (m.op === 'meta') return `metadata.${m.field}=${short(m.value)}`;
  const slots = containers(root);
  const where = slots.length ? slots[m.at % slots.length]!.path : '/';
  if (m.op === 'add') return `add ${where}[${m.key.length > 30 ? m.key.slice(0, 20) + '…' : m.key}]=${short(m.value)}`;
  if (m.op === 'del') return `del ${where}#${m.child}`;
  return `${m.op} ${where}#${m.child}=${short(m.value)}`;
}

/** Applies the plan to a copy of `seed`: the bytes to send and a one-line description of what was done. */
export function applyPlan(seed: RawJson, plan: MutationPlan): { body: string | Buffer; description: string } {
  let root = clone(seed);
  const parts: string[] = [];
  for (const m of plan.mutations) {
    parts.push(describeOne(root, m));
    root = applyOne(root, m);
  }
  const text = render(root);
  const d = plan.damage;
  if (d.op !== 'none') parts.push(`damage ${d.op}`);
  const description = parts.join('; ');
  switch (d.op) {
    case 'none':
      return { body: text, description };
    case 'truncate':
      return { body: text.slice(0, Math.floor(text.length * d.at)), description };
    case 'bom':
      return { body: '\ufeff' + text, description };
    case 'trailing':
      return { body: text + d.text, description };
    case 'bad-utf8': {
      const buf = Buffer.from(text, 'utf8');
      const at = Math.floor(buf.length * d.at);
      return { body: Buffer.concat([buf.subarray(0, at), Buffer.from(d.bytes), buf.subarray(at)]), description };
    }
  }
}
