/**
 * The query of the kubelet's `/containerLogs/{ns}/{pod}/{container}`: the
 * subset of Kubernetes' PodLogOptions the API server passes through for
 * `pods/log` (follow, previous, timestamps, tailLines, sinceSeconds, sinceTime,
 * limitBytes), parsed and validated like the API server validates
 * PodLogOptions, so a bad value is a 400 here too.
 */
import { parseBoolParam } from '@mk8s/api';

export interface ContainerLogOptions {
  /** Keep streaming as the log grows, until the container exits (or the client leaves). */
  follow: boolean;
  /** Read the previous (terminated) attempt of the container instead of the current one. */
  previous: boolean;
  /** Prefix each line with its RFC3339Nano timestamp and a space. */
  timestamps: boolean;
  /** Only the last N lines present when the request starts (0: none); absent: all. */
  tailLines?: number;
  /** Stop after this many bytes of output (at least 1); absent: no limit. */
  limitBytes?: number;
  /** Only lines stamped at or after this instant (ms since the epoch); absent: all. */
  sinceMs?: number;
}

/** A query the kubelet refuses; the server answers 400 with its message. */
export class LogOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogOptionsError';
  }
}

/** What a query string parser yields: a value, repeated values, or nothing. */
export type RawQuery = Record<string, string | string[] | undefined>;

/**
 * Parses and validates the query. `nowMs` anchors `sinceSeconds`.
 * Throws LogOptionsError for malformed numbers, negative
 * tailLines, limitBytes or sinceSeconds below 1, and sinceSeconds together
 * with sinceTime (Kubernetes' PodLogOptions rules).
 */
export function parseLogOptions(query: RawQuery, nowMs: number): ContainerLogOptions {
  const opts: ContainerLogOptions = {
    follow: bool(query, 'follow'),
    previous: bool(query, 'previous'),
    timestamps: bool(query, 'timestamps'),
  };
  const tailLines = int(query, 'tailLines');
  if (tailLines !== undefined) {
    if (tailLines < 0) throw new LogOptionsError(`tailLines must be greater than or equal to 0, got ${tailLines}`);
    opts.tailLines = tailLines;
  }
  const limitBytes = int(query, 'limitBytes');
  if (limitBytes !== undefined) {
    if (limitBytes < 1) throw new LogOptionsError(`limitBytes must be greater than 0, got ${limitBytes}`);
    opts.limitBytes = limitBytes;
  }
  const sinceSeconds = int(query, 'sinceSeconds');
  const sinceTime = first(query, 'sinceTime');
  if (sinceSeconds !== undefined && sinceTime !== undefined) {
    throw new LogOptionsError('at most one of sinceTime or sinceSeconds may be specified');
  }
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) throw new LogOptionsError(`sinceSeconds must be greater than 0, got ${sinceSeconds}`);
    opts.sinceMs = nowMs - sinceSeconds * 1000;
  }
  if (sinceTime !== undefined) {
    // RFC 3339 with a zone, as metav1.Time marshals it; Date.parse alone
    // would also accept local-time forms that mean different instants per host.
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(sinceTime) ? Date.parse(sinceTime) : NaN;
    if (Number.isNaN(ms)) throw new LogOptionsError(`sinceTime must be an RFC 3339 time, got ${JSON.stringify(sinceTime)}`);
    opts.sinceMs = ms;
  }
  return opts;
}

function first(query: RawQuery, key: string): string | undefined {
  const v = query[key];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * As the kubelet decodes PodLogOptions (the parameter codec's
 * runtime.Convert_Slice_string_To_bool): false when absent, `0` or `false`
 * in any case; anything else (`?follow`, `True`, `t`, `1`, `yes`) is true.
 */
function bool(query: RawQuery, key: string): boolean {
  return parseBoolParam(first(query, key));
}

function int(query: RawQuery, key: string): number | undefined {
  const v = first(query, key);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new LogOptionsError(`${key} must be an integer, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new LogOptionsError(`${key} is out of range: ${v}`);
  return n;
}
