/**
 * The pod-template hash that names a Deployment's ReplicaSets and labels
 * their pods (`pod-template-hash`). Like Kubernetes' `ComputeHash`: FNV-1a
 * (32 bit) over a canonical rendering of the template, then the optional
 * collision count, rendered as the decimal string mapped character by
 * character into the "safe" alphabet (no vowels, no look-alikes).
 * Our canonical rendering is JSON with sorted keys, so hashes are stable
 * across processes but differ from real Kubernetes' (which hashes Go's spew
 * output); only equality between our own hashes matters.
 */
import type { PodTemplateSpec } from '@mk8s/api';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level; undefined members are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${parts.join(',')}}`;
}

/** FNV-1a, 32 bit, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' `rand.SafeEncodeString`: each character becomes a letter of the safe alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** The hash of `template` (with `collisionCount` mixed in when set, to escape a name collision). */
export function computeTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = new Uint8Array(4);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncode(String(h));
}

function withoutHashLabel(template: PodTemplateSpec | undefined): unknown {
  const t = structuredClone(template ?? {}) as PodTemplateSpec;
  const labels = t.metadata?.labels;
  if (labels && POD_TEMPLATE_HASH_LABEL in labels) delete labels[POD_TEMPLATE_HASH_LABEL];
  return t;
}

/**
 * Whether two templates are the same apart from the pod-template-hash label
 * (Kubernetes' `EqualIgnoreHash`): how a Deployment recognises the
 * ReplicaSet of its current template, including after a rollback.
 */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}
