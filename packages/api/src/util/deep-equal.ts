/**
 * Structural equality of JSON values, whatever the order of object keys (a
 * member that is `undefined` equals one that is absent, as in JSON). What
 * change detection needs, e.g. "did this status change, should it be
 * written": `JSON.stringify(a) === JSON.stringify(b)` says no when only the
 * key order differs. For Kubernetes' looser "semantic" equality, where zero
 * values equal absent fields, see `semanticEqual`.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(Object.hasOwn(ao, k) ? ao[k] : undefined, Object.hasOwn(bo, k) ? bo[k] : undefined)) return false;
  return true;
}
