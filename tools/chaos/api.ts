/**
 * The little HTTP the chaos run needs: JSON requests to the (plain HTTP)
 * API server, a line-by-line watch reader, and one-connection GETs for the
 * Service load. Every call has a timeout: the API server may be dead.
 */
import http from 'node:http';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export class Api {
  constructor(readonly base: string) {}

  /** One request; rejects on a network error or timeout (the outcome is then unknown), resolves with any HTTP status. */
  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T };
  }

  /** GET that must answer 200. */
  async get<T = unknown>(path: string, timeoutMs = 10_000): Promise<T> {
    const r = await this.request<T>('GET', path, undefined, timeoutMs);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }

  /** Create that must answer 201 (or 200/202); returns the object. */
  async create<T = unknown>(path: string, obj: unknown): Promise<T> {
    const r = await this.request<T>('POST', path, obj);
    if (r.status < 200 || r.status > 202) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }

  /**
   * A watch: calls `onEvent` per line until the stream ends, `signal` aborts
   * or `timeoutMs` passes. Resolves with the HTTP status (200 for a watch that
   * streamed); rejects on a network error.
   */
  async watch(path: string, onEvent: (e: { type: string; object: Record<string, unknown> }) => void, signal: AbortSignal, timeoutMs?: number): Promise<number> {
    const signals = timeoutMs === undefined ? signal : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { signal: signals });
    } catch (err) {
      if (signals.aborted) return 0;
      throw err;
    }
    if (res.status !== 200 || !res.body) {
      await res.text().catch(() => undefined);
      return res.status;
    }
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as { type: string; object: Record<string, unknown> });
        }
      }
    } catch (err) {
      if (!signals.aborted) throw err;
    }
    return 200;
  }
}

/**
 * One GET on a fresh connection (no keep-alive, so each request is
 * load-balanced anew). Resolves with the status and trimmed body; rejects on
 * a connection error or after `timeoutMs`.
 */
export function getOnce(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Polls `fn` until it returns a value (not undefined) or `timeoutMs` passes; errors count as "not yet". */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; what: string; signal?: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    if (opts.signal?.aborted) throw new Error(`interrupted while waiting for ${opts.what}`);
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const lastError = last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : '';
      throw new Error(`${opts.what}: not within ${opts.timeoutMs / 1000}s${lastError}`);
    }
    await sleep(opts.intervalMs ?? 500, opts.signal);
  }
}
