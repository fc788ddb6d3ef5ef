/**
 * What must hold, whatever the fuzzer sends. Each check returns findings
 * (never throws); a finding names the invariant, carries the request that
 * caused it when there is one, and a message for the report.
 *
 * Per response:
 *   server-error     no 5xx, except the one 5xx Kubernetes itself answers to
 *                    valid input: 504 "Too large resource version" for a
 *                    resourceVersion ahead of the store;
 *   status-body      every 4xx/5xx JSON body is a `kind: Status` whose `code`
 *                    equals the HTTP status;
 *   hang             a response (its head, for a watch) within 5 s;
 *   no-response      a well-formed request is answered before the server hangs
 *                    up (malformed request lines and framing may be dropped);
 *   k8s-rejects      a request Kubernetes certainly refuses is not answered 2xx:
 *                    a path it refuses (k8sRefusedPath), or the generator's
 *                    own `expectReject` cases;
 *   k8s-watch        `watch=<anything but 0/false>` is a watch, not a list.
 * Per state (after risky requests, per batch, at the end):
 *   alive, memory, guarded-namespaces, sentinel, list-get, watch-list.
 */
import { pathOf, reproLine, type FuzzRequest } from './fuzz-request.js';
import { SENTINEL_CONFIGMAP, SENTINEL_NS, SYSTEM_NAMESPACES } from './generators.js';
import { sendJson, type Outcome, type Target } from './raw-http.js';

export interface Finding {
  invariant: string;
  message: string;
  status?: number | string;
  request?: FuzzRequest;
  /** Index of the request in the seeded sequence (replay with --seed S --replay I). */
  index?: number;
}

export const HANG_MS = 5000;

interface StatusBody {
  kind?: unknown;
  code?: unknown;
  message?: unknown;
  reason?: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Go's path unescaping: every %XX becomes its byte; the bytes are read as UTF-8 (invalid sequences become U+FFFD). */
function percentDecode(path: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '%' && /^[0-9a-fA-F]{2}$/.test(path.slice(i + 1, i + 3))) {
      bytes.push(parseInt(path.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(path[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Why Kubernetes certainly refuses this path (4xx), or undefined. Mirrors
 * how Kubernetes reads a path: Go's URL parser refuses a malformed
 * `%`-escape (400) and decodes the whole path, then RequestInfoFactory
 * splits it on `/` and reads [namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]].
 * A NAME of `.` or `..` or containing `%` is refused (IsValidPathSegmentName,
 * 400); a RESOURCE or SUBRESOURCE of `.`/`..` routes nothing (404). A dot
 * segment in the NAMESPACE position is not judged: Kubernetes may serve an
 * (empty) collection there.
 */
export function k8sRefusedPath(target: string): string | undefined {
  const p = pathOf(target);
  if (!/^\/apis?\//.test(p)) return undefined;
  if (/%(?![0-9a-fA-F]{2})/.test(p)) return 'a malformed %-escape in the path (Go refuses the request: 400)';
  const parts = percentDecode(p)
    .replace(/^\/+|\/+$/g, '')
    .split('/');
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  if (rest[0] === 'watch') rest = rest.slice(1);
  if (rest[0] === 'namespaces' && rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  const [resource, name, sub] = rest;
  const dot = (s: string | undefined): boolean => s === '.' || s === '..';
  if (dot(resource)) return `resource segment ${JSON.stringify(resource)} (Kubernetes routes nothing: 404)`;
  if (name !== undefined && (dot(name) || name.includes('%'))) return `name ${JSON.stringify(name)} (Kubernetes: "may not be '..'"/"may not contain '%'", 400)`;
  if (dot(sub)) return `subresource ${JSON.stringify(sub)} (Kubernetes routes nothing: 404)`;
  return undefined;
}

/** The Status message of a response, if it has one. */
export function statusMessage(o: Outcome): string {
  if (o.kind !== 'response') return o.detail;
  const j = parseJson(o.res.body) as StatusBody | undefined;
  if (j && typeof j === 'object' && typeof j.message === 'string') return j.message;
  return o.res.body.slice(0, 160);
}

const BIG_BODY = 1024 * 1024;

export function checkResponse(req: FuzzRequest, o: Outcome, index?: number): Finding[] {
  const out: Finding[] = [];
  const at = index === undefined ? {} : { index };
  if (o.kind === 'hang') return [{ invariant: 'hang', message: o.detail, status: 'hang', request: req, ...at }];
  if (o.kind !== 'response') {
    // Dropping a malformed request without an answer is what HTTP servers do; dropping a well-formed one is a crash or a bug.
    // A server may also refuse an oversized body by answering early and closing: the reset that follows can destroy the answer.
    const bodyBytes = req.body === undefined ? 0 : Buffer.byteLength(req.body);
    if (!req.malformed && bodyBytes <= BIG_BODY) out.push({ invariant: 'no-response', message: o.detail, status: o.kind, request: req, ...at });
    return out;
  }
  const { status, body, headers, streamed } = o.res;
  const json = streamed ? undefined : (parseJson(body) as StatusBody | undefined);
  if (status >= 500) {
    const tooLarge = status === 504 && json?.reason === 'Timeout' && typeof json.message === 'string' && json.message.startsWith('Too large resource version');
    if (!tooLarge) out.push({ invariant: 'server-error', message: statusMessage(o), status, request: req, ...at });
  }
  // A HEAD response has headers but no body to judge.
  if (status >= 400 && req.method !== 'HEAD') {
    const looksJson = /json/i.test(headers['content-type'] ?? '') || /^\s*[{[]/.test(body);
    if (looksJson) {
      if (!json || typeof json !== 'object')
        out.push({ invariant: 'status-body', message: `unparsable JSON error body: ${body.slice(0, 120)}`, status, request: req, ...at });
      else if (json.kind !== 'Status' || json.code !== status) {
        out.push({ invariant: 'status-body', message: `error body is not a Status with code ${status}: ${body.slice(0, 120)}`, status, request: req, ...at });
      }
    }
  }
  if (status >= 200 && status < 300) {
    const refused = k8sRefusedPath(req.target);
    if (refused !== undefined)
      out.push({ invariant: 'k8s-rejects', message: `answered ${status}; Kubernetes refuses ${refused}`, status, request: req, ...at });
    else if (req.expectReject) out.push({ invariant: 'k8s-rejects', message: `answered ${status}; ${req.expectReject}`, status, request: req, ...at });
  }
  if (req.expectWatch && status === 200 && !streamed) {
    const kind = json && typeof json === 'object' ? json.kind : undefined;
    out.push({
      invariant: 'k8s-watch',
      message: `served ${typeof kind === 'string' ? kind : 'a complete body'} instead of a watch stream; ${req.expectWatch}`,
      status,
      request: req,
      ...at,
    });
  }
  return out;
}

/** Whether the guarded state must be re-checked right after this request (it could have deleted something). */
export function isRisky(req: FuzzRequest): boolean {
  return req.method === 'DELETE' || req.klass === 'protocol.system-ns' || req.klass === 'protocol.path' || k8sRefusedPath(req.target) !== undefined;
}

/**
 * The guarded state: the system namespaces, the fuzz namespace and the
 * sentinel namespace exist and are Active, and the sentinel ConfigMap exists.
 * No generated request names any of them for deletion (the system-ns class
 * aside, which Kubernetes refuses), so any violation is a finding.
 */
export async function checkGuards(target: Target, fuzzNs: string): Promise<string[]> {
  const problems: string[] = [];
  for (const ns of [...SYSTEM_NAMESPACES, fuzzNs, SENTINEL_NS]) {
    const { outcome, json } = await sendJson(target, 'GET', `/api/v1/namespaces/${ns}`);
    if (outcome.kind !== 'response') problems.push(`GET namespace ${ns}: ${outcome.kind} ${outcome.detail}`);
    else if (outcome.res.status !== 200) problems.push(`namespace ${ns} is gone (GET ${outcome.res.status})`);
    else {
      const ns_ = json as { status?: { phase?: string }; metadata?: { deletionTimestamp?: string } };
      if (ns_.status?.phase !== 'Active' || ns_.metadata?.deletionTimestamp)
        problems.push(`namespace ${ns} is ${ns_.status?.phase ?? 'without phase'}${ns_.metadata?.deletionTimestamp ? ' (deletionTimestamp set)' : ''}`);
    }
  }
  const { outcome } = await sendJson(target, 'GET', `/api/v1/namespaces/${SENTINEL_NS}/configmaps/${SENTINEL_CONFIGMAP}`);
  if (outcome.kind !== 'response' || outcome.res.status !== 200)
    problems.push(`sentinel configmap ${SENTINEL_NS}/${SENTINEL_CONFIGMAP} is gone (${outcome.kind === 'response' ? outcome.res.status : outcome.kind})`);
  return problems;
}

export interface MemoryVerdict {
  findings: Finding[];
  summary: string;
}

const MiB = 1024 * 1024;

/**
 * Memory: every sample below `capBytes`, and no steady climb: the median of
 * the last quarter of samples may not exceed the median of the second
 * quarter by more than max(256 MiB, 50 %). The first quarter is warm-up (JIT,
 * caches); thresholds are generous because GC makes RSS noisy.
 */
export function checkMemory(samples: number[], capBytes: number): MemoryVerdict {
  const findings: Finding[] = [];
  if (samples.length === 0) return { findings, summary: 'memory: no RSS samples' };
  const max = Math.max(...samples);
  if (max > capBytes)
    findings.push({ invariant: 'memory', message: `RSS reached ${(max / MiB).toFixed(0)} MiB, over the cap of ${(capBytes / MiB).toFixed(0)} MiB` });
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const q = Math.floor(samples.length / 4);
  let summary = `memory: RSS first ${(samples[0]! / MiB).toFixed(0)} MiB, max ${(max / MiB).toFixed(0)} MiB, last ${(samples[samples.length - 1]! / MiB).toFixed(0)} MiB (${samples.length} samples)`;
  if (q >= 2) {
    const early = median(samples.slice(q, 2 * q));
    const late = median(samples.slice(3 * q));
    summary += `; median 2nd quarter ${(early / MiB).toFixed(0)} MiB, last quarter ${(late / MiB).toFixed(0)} MiB`;
    if (late - early > Math.max(256 * MiB, early * 0.5)) findings.push({ invariant: 'memory', message: `RSS keeps growing: ${summary}` });
  }
  return { findings, summary };
}

/** `findings` as one line each: invariant, status, message, reproduction. */
export function formatFinding(f: Finding): string {
  const where = f.request
    ? ` | ${f.request.klass}${f.index !== undefined ? ` #${f.index}` : ''}${f.request.note ? ` (${f.request.note})` : ''} | ${reproLine(f.request)}`
    : '';
  return `[${f.invariant}] ${f.status ?? ''} ${f.message}${where}`;
}

/**
 * The class of a finding for deduplication: invariant + method + path shape +
 * status + message with specifics masked. For the Kubernetes-semantics
 * invariants the resource and the query are masked too: those are about
 * how parameters and paths are read, the same code for every resource.
 */
export function findingClass(f: Finding): string {
  const msg = f.message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .replace(/\d+/g, 'N')
    .slice(0, 140);
  let shape = f.request?.shape ?? '-';
  if (f.invariant === 'k8s-rejects' || f.invariant === 'k8s-watch') {
    shape = shape.replace(/^\/apis?\/(?:[^/]+\/)?v[^/]*(\/watch)?(\/namespaces\/\{ns\})?\/[^/?]+/, '{gv}$1$2/{resource}');
    if (f.request?.expectReject || f.request?.expectWatch) shape = shape.replace(/\?.*$/, '?…');
  }
  return `${f.invariant} ${f.request ? `${f.request.method} ${shape}` : '-'} -> ${f.status ?? '-'} ${msg}`;
}
