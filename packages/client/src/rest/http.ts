/**
 * The transport under every client call: one keep-alive Agent per server,
 * JSON in and out, `Status` replies turned into ApiError, connection trouble
 * into TransportError, and request starts throttled by a RateLimiter.
 *
 * Client-side failover (docs/ha.md): with several API servers
 * (`ClientConfig.servers`), a request that provably reached none (connection
 * refused, host unreachable) goes to the next server, as does an idempotent
 * one whose connection broke before any answer. The server that answers
 * becomes the one later requests try first. One server: exactly one try.
 */
import http from 'node:http';
import https from 'node:https';
import { apiErrorFrom } from '../errors.js';
import type { ClientConfig } from './config.js';
import { rateLimiterFor, type RateLimiter } from './rate-limiter.js';

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestSpec {
  method: string;
  /** Absolute path on the server, e.g. `/api/v1/namespaces/default/pods`; appended to any path in `server`. */
  path: string;
  /** Query parameters; `undefined` values are left out, arrays repeat the parameter. */
  query?: Record<string, QueryValue>;
  /** JSON-encoded unless a string or Buffer (sent as is). */
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  /** Default `application/json`. */
  accept?: string;
  /** Aborting destroys the request; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the config's `timeoutMs` for this call (non-streaming calls only). */
  timeoutMs?: number;
}

/**
 * The request never got an HTTP answer (connection refused or reset, TLS
 * failure, timeout, malformed reply). `cause` keeps the underlying error; the
 * errors module's `isRetryable` counts these as retryable.
 */
export class TransportError extends Error {
  /** Node's error code (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`...), when there is one. */
  readonly code: string | undefined;
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'TransportError';
    this.code = options?.code ?? ((options?.cause as NodeJS.ErrnoException | undefined)?.code || undefined);
  }
}

export interface TransportOptions {
  /** Shared throttle; default one built from the config's qps/burst. */
  rateLimiter?: RateLimiter;
}

interface Opened {
  res: http.IncomingMessage;
  url: string;
  done: () => void;
  cut: () => unknown;
}

/** Methods safe to send twice when the first try provably got no answer. */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Connection errors that prove the request reached no server: any method may go to the next one. */
const NOT_CONNECTED: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);
/** The connection broke before any answer: the server may have seen the request (idempotent methods only). */
const BROKEN: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

/** The distinct server URLs of a config: `server` first, then `servers`. */
export function serverList(config: ClientConfig): string[] {
  return [...new Set([config.server, ...(config.servers ?? [])])];
}

function parseServer(server: string): URL {
  let base: URL;
  try {
    base = new URL(server);
  } catch (err) {
    throw new TypeError(`invalid server URL ${JSON.stringify(server)}`, { cause: err });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`server URL must be http: or https:, got ${server}`);
  return base;
}

const DEFAULT_USER_AGENT = `mk8s-client/0.1.0 (node ${process.version})`;

/**
 * Owns the Agent: share one transport per process/component so connections
 * are reused, and call `close()` once when done (it destroys idle and open
 * sockets, ending any stream still running).
 */
export class HttpTransport {
  readonly rateLimiter: RateLimiter;
  /** Every API server, in failover order; `current` indexes the one tried first. */
  private readonly bases: URL[];
  private current = 0;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number | undefined;

  constructor(
    readonly config: ClientConfig,
    opts: TransportOptions = {},
  ) {
    this.bases = serverList(config).map(parseServer);
    const base = this.bases[0]!;
    if (this.bases.some((b) => b.protocol !== base.protocol)) throw new TypeError('server URLs must all be http: or all https:');
    if (base.protocol === 'https:') {
      this.mod = https;
      this.agent = new https.Agent({
        keepAlive: true,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        // Left out rather than undefined: the agent spreads its options over each request's.
        ...(config.caData ? { ca: config.caData } : {}),
        ...(config.clientCertData ? { cert: config.clientCertData } : {}),
        ...(config.clientKeyData ? { key: config.clientKeyData } : {}),
      });
    } else {
      this.mod = http;
      this.agent = new http.Agent({ keepAlive: true });
    }
    this.headers = { 'User-Agent': config.userAgent ?? DEFAULT_USER_AGENT };
    if (config.token) this.headers['Authorization'] = `Bearer ${config.token}`;
    this.timeoutMs = config.timeoutMs;
    this.rateLimiter = opts.rateLimiter ?? rateLimiterFor(config);
  }

  /**
   * One request, its 2xx JSON reply parsed (`undefined` for an empty body).
   * Non-2xx replies reject with ApiError (the server's Status when it sent
   * one); no answer rejects with TransportError.
   */
  async request<T = unknown>(spec: RequestSpec): Promise<T> {
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const opened = await this.open(spec, timeoutMs);
    const { res, url, done } = opened;
    try {
      const text = await readBody(opened, spec.method);
      const code = res.statusCode ?? 0;
      if (code < 200 || code >= 300) throw errorFromReply(code, text);
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new TransportError(`${spec.method} ${url}: the server answered ${code} with a body that is not JSON`, spec.method, url, { cause: err });
      }
    } finally {
      done();
    }
  }

  /**
   * Starts a streaming request (watch, logs) and resolves with the response
   * once a 2xx status arrives; the caller reads and owns it. Non-2xx replies
   * reject with ApiError after reading their body. Aborting the signal
   * destroys the request and the response. Takes one rate-limiter token.
   */
  async stream(spec: RequestSpec): Promise<http.IncomingMessage> {
    const opened = await this.open(spec, undefined);
    const { res, done } = opened;
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) {
      res.once('close', done);
      return res;
    }
    try {
      throw errorFromReply(code, await readBody(opened, spec.method));
    } finally {
      done();
    }
  }

  /** The server requests go to first (the last one that answered). */
  get base(): URL {
    return this.bases[this.current]!;
  }

  /** Destroys the agent's sockets. Idempotent. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Resolves when response headers arrive. `done` detaches the abort and
   * timeout watchers; `cut()` is why this transport destroyed the request
   * (the abort reason or a timeout), if it did.
   */
  private async open(spec: RequestSpec, timeoutMs: number | undefined): Promise<Opened> {
    await this.rateLimiter.acquire(spec.signal);
    const headers: Record<string, string> = { ...this.headers, Accept: spec.accept ?? 'application/json' };
    let payload: Buffer | undefined;
    if (spec.body !== undefined) {
      payload = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const idempotent = IDEMPOTENT.has(spec.method.toUpperCase());
    const first = this.current;
    let lastError: unknown;
    for (let i = 0; i < this.bases.length; i++) {
      const index = (first + i) % this.bases.length;
      try {
        const opened = await this.send(spec, this.url(spec, this.bases[index]!), headers, payload, timeoutMs, idempotent);
        this.current = index;
        return opened;
      } catch (err) {
        const code = err instanceof TransportError ? err.code : undefined;
        const next = code !== undefined && !spec.signal?.aborted && (NOT_CONNECTED.has(code) || (idempotent && BROKEN.has(code)));
        if (!next) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  /**
   * One attempt. A keep-alive socket the server closed while idle fails the
   * next request sent on it before anything was answered; an idempotent
   * request is then sent once more on a fresh connection (`retryStale`).
   */
  private send(
    spec: RequestSpec,
    url: string,
    headers: Record<string, string>,
    payload: Buffer | undefined,
    timeoutMs: number | undefined,
    retryStale: boolean,
  ): Promise<Opened> {
    const { signal } = spec;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const req = this.mod.request(url, { method: spec.method, headers, agent: this.agent });
      let settled = false;
      let cutReason: unknown;
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      };
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        done();
        reject(err);
      };
      // Abort and timeout also cut a response that is being read: destroying the request destroys it.
      const cut = (reason: unknown): void => {
        cutReason ??= reason;
        fail(reason);
        req.destroy();
      };
      const onAbort = (): void => cut(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(
          () => cut(new TransportError(`${spec.method} ${url}: no complete answer within ${timeoutMs}ms`, spec.method, url, { code: 'ETIMEDOUT' })),
          timeoutMs,
        );
      }
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled && cutReason === undefined && retryStale && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          settled = true;
          done();
          resolve(this.send(spec, url, headers, payload, timeoutMs, false));
          return;
        }
        fail(cutReason ?? new TransportError(`${spec.method} ${url}: ${err.message}`, spec.method, url, { cause: err }));
      });
      req.on('response', (res) => {
        if (settled) return void res.resume();
        settled = true;
        resolve({ res, url, done, cut: () => cutReason });
      });
      req.end(payload);
    });
  }

  private url(spec: RequestSpec, base: URL): string {
    const u = new URL(base.href);
    u.pathname = base.pathname.replace(/\/+$/, '') + spec.path;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v as readonly string[]) params.append(k, item);
      else params.append(k, String(v));
    }
    u.search = params.toString();
    return u.href;
  }
}

/** The whole body as text; a reply cut off midway rejects with why (abort reason, timeout, or TransportError). */
function readBody(o: Opened, method: string): Promise<string> {
  const { res, url } = o;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cutOff = (err?: Error): void => {
      reject(
        o.cut() ??
          new TransportError(`${method} ${url}: the reply was cut off${err ? `: ${err.message}` : ''}`, method, url, {
            code: 'ECONNRESET',
            cause: err,
          }),
      );
    };
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', cutOff);
    res.on('close', () => {
      if (!res.complete) cutOff();
    });
  });
}

function errorFromReply(code: number, text: string) {
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: apiErrorFrom quotes the text.
  }
  return apiErrorFrom(code, body);
}
