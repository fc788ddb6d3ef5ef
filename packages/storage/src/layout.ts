/**
 * On-disk layout of the level store: one level database, four key prefixes.
 *
 * | row                          | value                      | purpose |
 * |------------------------------|----------------------------|---------|
 * | `k/<key>`                    | `<create>:<mod>:<value>`   | current version of a live key |
 * | `h/<key>\0<inverted rev>`    | `v:<create>:<value>` or `d:<create>:` | every version (and tombstone) of a key |
 * | `l/<rev>`                    | `<c|u|d>:<prevMod>:<key>`  | the revision log, for watch replay and compaction |
 * | `m/rev`, `m/compacted`       | decimal                    | current and compacted revision |
 * | `m/schema`                   | decimal                    | layout version (schema.ts); absent: 0 |
 *
 * Revisions are 16 zero-padded digits so string order is numeric order.
 * History records use the *inverted* revision (MAX_REVISION - rev) so that a
 * key's newest version sorts first: one seek to `h/<key>\0<inverted R>` finds
 * the newest version at or below revision R. NUL is the separator between key
 * and revision, so keys must not contain it (and a key's records then sort
 * before any longer key that extends it).
 *
 * The numeric prefixes of values are parsed up to the first/second colon; the
 * value itself may contain anything.
 */
import { InvalidKeyError } from './errors.js';

/** The largest revision the layout can hold (and the base of inversion). */
export const MAX_REVISION = Number.MAX_SAFE_INTEGER;

const WIDTH = 16;

export const CURRENT_PREFIX = 'k/';
export const HISTORY_PREFIX = 'h/';
export const LOG_PREFIX = 'l/';
export const META_REVISION = 'm/rev';
export const META_COMPACTED = 'm/compacted';
export const META_SCHEMA = 'm/schema';
export const META_PREFIX = 'm/';
/** Written and deleted in one batch by the store's recovery probe: never visible. */
export const META_PROBE = 'm/probe';

export type LogType = 'c' | 'u' | 'd';

/** Throws InvalidKeyError for keys the layout cannot represent. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'must be a non-empty string');
  if (key.includes('\0')) throw new InvalidKeyError(key, 'must not contain NUL');
}

export function padRevision(rev: number): string {
  return String(rev).padStart(WIDTH, '0');
}

export function currentKey(key: string): string {
  return CURRENT_PREFIX + key;
}

export function historyKey(key: string, rev: number): string {
  return `${HISTORY_PREFIX}${key}\0${padRevision(MAX_REVISION - rev)}`;
}

/** Smallest history row key past every record of `key` (and before any longer key). */
export function historyKeyEnd(key: string): string {
  return `${HISTORY_PREFIX}${key}\x01`;
}

export function parseHistoryKey(row: string): { key: string; rev: number } {
  const key = row.slice(HISTORY_PREFIX.length, row.length - WIDTH - 1);
  const rev = MAX_REVISION - Number(row.slice(row.length - WIDTH));
  return { key, rev };
}

export function logKey(rev: number): string {
  return LOG_PREFIX + padRevision(rev);
}

export function parseLogKey(row: string): number {
  return Number(row.slice(LOG_PREFIX.length));
}

/**
 * The smallest string greater than every string that starts with `prefix`
 * (an exclusive upper bound for a prefix scan). `prefix` must be non-empty.
 */
export function prefixEnd(prefix: string): string {
  let end = prefix;
  while (end.length > 0) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xffff) return end.slice(0, -1) + String.fromCharCode(last + 1);
    end = end.slice(0, -1);
  }
  throw new RangeError('prefixEnd: no upper bound for this prefix');
}

function splitNumber(text: string, from: number): [number, number] {
  const colon = text.indexOf(':', from);
  const n = colon < 0 ? NaN : parseRevision(text.slice(from, colon));
  if (Number.isNaN(n)) throw new Error(`storage: corrupt record ${JSON.stringify(text.slice(0, 40))}`);
  return [n, colon + 1];
}

/** A decimal revision (0 .. MAX_REVISION), or NaN if `text` is not one. */
export function parseRevision(text: string): number {
  if (!/^\d{1,16}$/.test(text)) return NaN;
  const n = Number(text);
  return n <= MAX_REVISION ? n : NaN;
}

export interface CurrentRow {
  createRevision: number;
  modRevision: number;
  value: string;
}

export function encodeCurrent(row: CurrentRow): string {
  return `${row.createRevision}:${row.modRevision}:${row.value}`;
}

export function decodeCurrent(text: string): CurrentRow {
  const [createRevision, a] = splitNumber(text, 0);
  const [modRevision, b] = splitNumber(text, a);
  return { createRevision, modRevision, value: text.slice(b) };
}

/** A history record: a version (`value` set) or a tombstone (`value` undefined). */
export interface HistoryRecord {
  createRevision: number;
  value: string | undefined;
}

export function encodeVersion(createRevision: number, value: string): string {
  return `v:${createRevision}:${value}`;
}

export function encodeTombstone(createRevision: number): string {
  return `d:${createRevision}:`;
}

export function decodeHistory(text: string): HistoryRecord {
  if (!text.startsWith('v:') && !text.startsWith('d:')) throw new Error(`storage: corrupt history record ${JSON.stringify(text.slice(0, 40))}`);
  const [createRevision, rest] = splitNumber(text, 2);
  return { createRevision, value: text.startsWith('v:') ? text.slice(rest) : undefined };
}

export interface LogEntry {
  type: LogType;
  /** modRevision of the version this write replaced (0 for a create). */
  prevModRevision: number;
  key: string;
}

export function encodeLog(entry: LogEntry): string {
  return `${entry.type}:${entry.prevModRevision}:${entry.key}`;
}

export function decodeLog(text: string): LogEntry {
  const type = text[0];
  if (type !== 'c' && type !== 'u' && type !== 'd') throw new Error(`storage: corrupt log entry ${JSON.stringify(text.slice(0, 40))}`);
  const [prevModRevision, rest] = splitNumber(text, 2);
  return { type, prevModRevision, key: text.slice(rest) };
}
