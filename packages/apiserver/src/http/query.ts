/**
 * Typed access to Kubernetes' query parameters, with the 400s Kubernetes
 * gives for malformed ones.
 */
import { errors } from '../errors.js';

export type Query = Record<string, unknown>;

export function str(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return v === undefined ? undefined : String(v);
}

export function int(q: Query, name: string): number | undefined {
  const v = str(q, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return n;
}

export function bool(q: Query, name: string): boolean {
  const v = str(q, name);
  return v === 'true' || v === '1';
}

/** `dryRun=All` (the only value Kubernetes defines). */
export function dryRun(q: Query): boolean {
  const v = q['dryRun'];
  const values = Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
  for (const d of values) if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${d}, supported values: [All]`);
  return values.length > 0;
}

export function fieldValidation(q: Query): 'Strict' | 'Warn' | 'Ignore' {
  const v = str(q, 'fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(v)}`);
}
