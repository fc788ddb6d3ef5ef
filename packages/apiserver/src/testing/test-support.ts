/**
 * Test helpers for this package's tests: an API server over a fresh memory
 * store (or a given store), listening on a free loopback port, plus small
 * HTTP and watch clients. Not exported from the package.
 */
import http from 'node:http';
import net from 'node:net';
import { openMemoryStore, type Store } from '@mk8s/storage';
import { buildApiServer, type ApiServer, type ApiServerOptions } from '../app.js';

export interface TestServer extends ApiServer {
  url: string;
  store: Store;
  close(): Promise<void>;
}

export async function startServer(opts: Partial<ApiServerOptions> & { store?: Store; keepStore?: boolean } = {}): Promise<TestServer> {
  const store = opts.store ?? (await openMemoryStore());
  const server = await buildApiServer({ ...opts, store });
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...server,
    url,
    store,
    close: async () => {
      await server.app.close();
      if (!opts.keepStore) await store.close();
    },
  };
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
  text: string;
}

/** One HTTP request; JSON bodies are encoded unless `raw` is given. */
export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { contentType?: string; accept?: string; raw?: string | Buffer } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  let payload: string | Buffer | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.accept) headers['accept'] = opts.accept;
  const res = await fetch(base + path, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const hdrs: http.IncomingHttpHeaders = {};
  res.headers.forEach((v, k) => (hdrs[k] = v));
  return { status: res.status, headers: hdrs, body: parsed as T, text };
}

export interface WatchEventLine {
  type: string;
  // Tests read deep into events; the watch protocol is what is under test, not these types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: Record<string, any>;
}

/** Opens a watch and collects its events; `next(n)` waits for n more. */
export function openWatch(base: string, path: string, accept?: string) {
  const events: WatchEventLine[] = [];
  let waiters: Array<() => void> = [];
  let ended = false;
  let status = 0;
  const req = http.get(base + path, { headers: accept ? { accept } : {} }, (res) => {
    status = res.statusCode ?? 0;
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) events.push(JSON.parse(line) as WatchEventLine);
      }
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
    res.on('end', () => {
      ended = true;
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
  });
  req.on('error', () => {
    ended = true;
  });
  return {
    events,
    get status() {
      return status;
    },
    get ended() {
      return ended;
    },
    /** Resolves when at least `count` events arrived (or the stream ended). */
    async waitFor(count: number, timeoutMs = 15_000): Promise<WatchEventLine[]> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count && !ended) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${count} watch events, got ${events.length}: ${JSON.stringify(events.map((e) => e.type))}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return events;
    },
    async waitEnd(timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!ended) {
        if (Date.now() > deadline) throw new Error('watch did not end');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => req.destroy(),
  };
}

export function pod(name: string, extra: { labels?: Record<string, string>; nodeName?: string; image?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: extra.labels },
    spec: {
      containers: [{ name: 'web', image: extra.image ?? 'busybox:latest', command: ['httpd', '-f', '-p', '8080'] }],
      nodeName: extra.nodeName,
    },
  };
}

export interface RawReply {
  /** HTTP status of the first response, 0 when none arrived. */
  status: number;
  head: string;
  body: string;
  /** True when the server did not close the connection within the time limit. */
  timedOut: boolean;
}

/**
 * Sends `text` as is over TCP (no client-side URL normalization, any bytes)
 * and reads until the server closes or `timeoutMs` passes. Send
 * `Connection: close` to have the server close after its reply.
 */
export function rawRequest(base: string, text: string | Buffer, timeoutMs = 5_000): Promise<RawReply> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(text));
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const head = split < 0 ? all : all.slice(0, split);
      const body = split < 0 ? '' : all.slice(split + 4);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body, timedOut });
    });
  });
}
