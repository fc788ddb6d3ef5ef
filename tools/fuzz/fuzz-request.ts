/**
 * The unit the fuzzer sends and reports: a raw request plus what the
 * generator knew about it (its class, the path shape used to deduplicate
 * findings, and what Kubernetes would do with it when that is certain).
 */
import type { RawRequest } from './raw-http.js';

export interface FuzzRequest extends RawRequest {
  /** Request class for the histogram, e.g. `mutate.post`, `protocol.path`. */
  klass: string;
  /** The path with names and namespaces abstracted (`/api/v1/namespaces/{ns}/configmaps/%2e%2e`). */
  shape: string;
  /** What the generator did to the body, if anything (mutation plan, patch type). */
  note?: string;
  /**
   * Set when Kubernetes certainly refuses the request (4xx), with the reason:
   * e.g. an int64 query parameter that does not parse. A 2xx is a finding.
   */
  expectReject?: string;
  /** Set when Kubernetes certainly serves a watch stream here (and not a list). */
  expectWatch?: string;
  /** Not valid HTTP/1.1 (request line, framing, header syntax): the server may hang up without answering. */
  malformed?: boolean;
}

/** Kubernetes' boolean query parameter: false only when absent, `0` or `false` (any case). */
export function k8sBool(value: string | undefined): boolean {
  return value !== undefined && value !== '0' && value.toLowerCase() !== 'false';
}

/** The raw query parameters of a request-target (first value wins, as in Kubernetes), decoded leniently. */
export function queryOf(target: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = target.indexOf('?');
  if (q < 0) return out;
  for (const pair of target.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    const dec = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    if (!out.has(dec(k))) out.set(dec(k), dec(v));
  }
  return out;
}

export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

/** True when Kubernetes would answer this request with a watch stream if it answers 200. */
export function isWatchRequest(req: Pick<FuzzRequest, 'method' | 'target'>): boolean {
  if (req.method !== 'GET') return false;
  return /^\/apis?\/(?:[^/]+\/)?[^/]+\/watch\//.test(pathOf(req.target)) || k8sBool(queryOf(req.target).get('watch'));
}

/** One line that reproduces the request: method, raw target, headers, body (truncated). */
export function reproLine(req: FuzzRequest, maxBody = 300): string {
  const headers = req.headers.map(([n, v]) => `${n}: ${v.length > 80 ? `${v.slice(0, 60)}…(${v.length} chars)` : v}`);
  let body = '';
  if (req.body !== undefined) {
    const text = Buffer.isBuffer(req.body) ? req.body.toString('latin1') : req.body;
    const shown = JSON.stringify(text.length > maxBody ? text.slice(0, maxBody) : text);
    body = ` body=${shown}${text.length > maxBody ? `…(${Buffer.byteLength(req.body)} bytes)` : ''}`;
  }
  const target = req.target.length > 300 ? `${req.target.slice(0, 200)}…(${req.target.length} chars)` : req.target;
  return `${req.method} ${JSON.stringify(target).slice(1, -1)}${req.httpVersion ? ` ${req.httpVersion}` : ''} headers=${JSON.stringify(headers)}${body}`;
}
