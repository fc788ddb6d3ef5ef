/**
 * The audit log: one JSON line per request, in the shape of Kubernetes'
 * audit.k8s.io/v1 Event (stage `ResponseComplete`, Metadata level: who did
 * what to which object and how it ended; never bodies), plus `latency`.
 * Called from the API server's onResponse hook, and by the exec proxy for
 * sessions (`ResponseStarted` at the upgrade, `ResponseComplete` at the end,
 * one auditID); never blocks or fails a request (see RotatingFileWriter).
 *
 * Metrics: `apiserver_audit_event_total` (events logged) and
 * `apiserver_audit_error_total{plugin="log"}` (events dropped: buffer full or
 * write errors), as Kubernetes names them.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { UserInfo } from '../auth/user.js';
import type { RequestInfo } from '../http/request-info.js';
import { RotatingFileWriter } from './file-writer.js';
import { globalPolicy, levelFor, type AuditLevel, type AuditPolicy } from './policy.js';

export interface AuditOptions {
  /** File to append to (`--audit-log-path`); `-` writes to stdout. */
  path: string;
  /** Policy (`--audit-policy-file`); when absent, `level` applies to every request. */
  policy?: AuditPolicy;
  /** `--audit-log-level` (mk8s' shortcut for a one-rule policy); default Metadata. */
  level?: AuditLevel;
  /** `--audit-log-maxsize` in megabytes; 0 never rotates. */
  maxSizeMB?: number;
  /** `--audit-log-maxbackup`; 0 keeps all rotated files. */
  maxBackups?: number;
  /** Events that may wait for the disk (`--audit-log-buffer-size`, default 10000). */
  bufferSize?: number;
  now?: () => number;
}

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  /** `ResponseStarted` only for long-running requests (an exec session when it opens). */
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: { username: string; uid?: string; groups: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus: { metadata: Record<string, never>; code: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  /** mk8s' addition: time from request received to response complete, e.g. `1.25ms`. */
  latency: string;
  /** Audit annotations added while serving the request (admission: `pod-security.kubernetes.io/audit-violations`...). */
  annotations?: Record<string, string>;
}

const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** metav1.MicroTime's format: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  return new Date(whole).toISOString().replace(/\.(\d{3})Z$/, (_m, milli: string) => `.${milli}${String(micros).padStart(3, '0').slice(0, 3)}Z`);
}

const NON_RESOURCE_VERBS: Record<string, string> = { GET: 'get', HEAD: 'head', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete', OPTIONS: 'options' };

function sourceIPs(req: FastifyRequest): string[] {
  const out: string[] = [];
  const fwd = req.headers['x-forwarded-for'];
  for (const v of (Array.isArray(fwd) ? fwd.join(',') : (fwd ?? '')).split(',')) if (v.trim()) out.push(v.trim());
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real && !out.includes(real)) out.push(real);
  const remote = req.socket?.remoteAddress;
  if (remote && !out.includes(remote)) out.push(remote);
  return out;
}

/** Builds the event for a finished request (exported for tests). */
export type AuditStage = 'ResponseStarted' | 'ResponseComplete';

/** Every stage of one request carries the same auditID. */
const AUDIT_ID = Symbol('auditID');

const ANNOTATIONS = Symbol('auditAnnotations');

/** The request's audit annotations (Kubernetes' audit.AddAuditAnnotations): handlers add to this map; the event carries it. */
export function auditAnnotations(req: FastifyRequest): Record<string, string> {
  return ((req as { [ANNOTATIONS]?: Record<string, string> })[ANNOTATIONS] ??= {});
}

export function auditEvent(
  req: FastifyRequest,
  code: number,
  elapsedMs: number,
  level: AuditLevel,
  nowMs: number,
  stage: AuditStage = 'ResponseComplete',
): AuditEvent {
  const info = (req as { requestInfo?: RequestInfo }).requestInfo;
  const user = (req as { user?: UserInfo }).user ?? ANONYMOUS;
  const resourceRequest = info !== undefined && !info.discovery && info.resource !== undefined;
  const headerID = req.headers['audit-id'];
  const event: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level,
    auditID: typeof headerID === 'string' && headerID ? headerID : ((req as { [AUDIT_ID]?: string })[AUDIT_ID] ??= randomUUID()),
    stage,
    requestURI: req.url,
    verb: resourceRequest ? info.verb : (NON_RESOURCE_VERBS[req.method] ?? req.method.toLowerCase()),
    user: { username: user.name, uid: user.uid || undefined, groups: [...user.groups] },
    sourceIPs: sourceIPs(req),
    userAgent: req.headers['user-agent'] || undefined,
    responseStatus: { metadata: {}, code },
    requestReceivedTimestamp: microTime(nowMs - elapsedMs),
    stageTimestamp: microTime(nowMs),
    latency: `${elapsedMs.toFixed(3).replace(/\.?0+$/, '') || '0'}ms`,
  };
  if (resourceRequest) {
    event.objectRef = {
      resource: info.resource!,
      namespace: info.namespace || undefined,
      name: info.name || undefined,
      apiGroup: info.group,
      apiVersion: info.version,
      subresource: info.subresource || undefined,
    };
  }
  const annotations = (req as { [ANNOTATIONS]?: Record<string, string> })[ANNOTATIONS];
  if (annotations && Object.keys(annotations).length > 0) event.annotations = { ...annotations };
  return event;
}

export class AuditLogger {
  private readonly policy: AuditPolicy;
  private readonly writer: RotatingFileWriter | undefined;
  private readonly events: Counter<never>;
  private readonly errors: Counter<'plugin'>;
  private readonly now: () => number;
  private readonly stdout: boolean;

  constructor(opts: AuditOptions, registry?: Registry) {
    this.policy = opts.policy ?? globalPolicy(opts.level ?? 'Metadata');
    this.now = opts.now ?? Date.now;
    this.events = new Counter({
      name: 'apiserver_audit_event_total',
      help: 'Audit events generated and sent to the audit backend.',
      registers: registry ? [registry] : [],
    });
    this.errors = new Counter({
      name: 'apiserver_audit_error_total',
      help: 'Audit events that failed to be audited (dropped: buffer full or write error).',
      labelNames: ['plugin'],
      registers: registry ? [registry] : [],
    });
    const onDrop = (n: number) => this.errors.inc({ plugin: 'log' }, n);
    if (opts.path !== '-' && this.policy.rules.some((r) => r.level !== 'None')) {
      this.writer = new RotatingFileWriter({
        path: opts.path,
        maxSizeBytes: Math.max(0, opts.maxSizeMB ?? 0) * 1024 * 1024,
        maxBackups: opts.maxBackups ?? 0,
        bufferSize: opts.bufferSize,
        onDrop,
      });
    }
    this.stdout = opts.path === '-';
  }

  /** The level a request gets under the policy. */
  levelOf(req: FastifyRequest): AuditLevel {
    const info = (req as { requestInfo?: RequestInfo }).requestInfo;
    const user = (req as { user?: UserInfo }).user ?? ANONYMOUS;
    const resourceRequest = info !== undefined && !info.discovery && info.resource !== undefined;
    return levelFor(this.policy, {
      verb: resourceRequest ? info.verb : (NON_RESOURCE_VERBS[req.method] ?? req.method.toLowerCase()),
      user: user.name,
      groups: user.groups,
      path: req.url.split('?')[0] ?? req.url,
      resource: resourceRequest
        ? {
            group: info.group,
            resource: info.resource!,
            subresource: info.subresource ?? '',
            namespace: info.namespace ?? '',
            name: info.name ?? '',
          }
        : undefined,
    });
  }

  /** Records a finished request (onResponse). Never throws. */
  record(req: FastifyRequest, reply: FastifyReply): void {
    this.recordStage(req, reply.statusCode, reply.elapsedTime, 'ResponseComplete');
  }

  /**
   * Records one stage of a request whose reply was taken over (an exec
   * session, which fastify's onResponse never sees): `ResponseStarted` with
   * code 101 when the session opens, `ResponseComplete` when it closes, as
   * Kubernetes audits long-running requests. Never throws.
   */
  recordStage(req: FastifyRequest, code: number, elapsedMs: number, stage: AuditStage): void {
    try {
      let level = this.levelOf(req);
      if (level === 'None') return;
      // Bodies are never recorded: Request and RequestResponse log as Metadata.
      level = 'Metadata';
      const line = JSON.stringify(auditEvent(req, code, elapsedMs, level, this.now(), stage));
      this.events.inc();
      if (this.stdout) process.stdout.write(`${line}\n`);
      else this.writer?.write(line);
    } catch {
      this.errors.inc({ plugin: 'log' });
    }
  }

  /** Waits for queued lines to reach the file. */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  async close(): Promise<void> {
    await this.writer?.close();
  }
}
