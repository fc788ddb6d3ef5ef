/**
 * A minimal HTTP/1.1 client over node:net that sends a request exactly as
 * given: the request-target is written byte for byte (fetch and node:http
 * would normalise `..`, refuse control characters or re-encode `%`), headers
 * may be huge, duplicated or malformed, and the body may be any bytes.
 *
 * Contract: `send` always resolves (never rejects) within `hangMs` plus a
 * little, with either a parsed response or the reason there is none:
 *   - `hang`: no complete response head (or, for a non-streaming response,
 *     no complete body) within `hangMs`;
 *   - `closed`: the server closed the connection before a response head;
 *   - `truncated`: the connection closed in the middle of a framed body.
 * A request the caller marks `stream` (a watch, in Kubernetes' sense) only
 * needs its head in time: the body is read for `streamPeekMs` and then the
 * connection is dropped, so a long-lived watch is not a hang.
 * Every connection is closed when `send` resolves.
 */
import net from 'node:net';

export interface Target {
  host: string;
  port: number;
}

export interface RawRequest {
  method: string;
  /** The request-target as written on the request line (path and query, not normalised). */
  target: string;
  headers: Array<[string, string]>;
  body?: string | Buffer;
  /** Skip the automatic Content-Length (the headers carry their own framing, or none on purpose). */
  rawFraming?: boolean;
  /** Send this instead of `HTTP/1.1` on the request line. */
  httpVersion?: string;
}

export interface RawResponse {
  status: number;
  reason: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The (de-chunked) body as UTF-8; for a stream, what arrived during the peek. */
  body: string;
  /** True when the body was still open when the peek ended (a streaming response). */
  streamed: boolean;
}

export type Outcome = { kind: 'response'; res: RawResponse; ms: number } | { kind: 'hang' | 'closed' | 'truncated'; ms: number; detail: string };

export interface SendOptions {
  hangMs: number;
  /** When set, a chunked response is a stream: read this long after the head, then hang up. */
  streamPeekMs?: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Decodes as much of a chunked body as has arrived; `done` once the terminal chunk is seen. */
export function dechunk(buf: Buffer): { data: Buffer; done: boolean; malformed: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return { data: Buffer.concat(parts), done: false, malformed: false };
    const sizeText = buf.subarray(at, eol).toString('latin1').split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return { data: Buffer.concat(parts), done: false, malformed: true };
    const size = parseInt(sizeText, 16);
    if (size === 0) return { data: Buffer.concat(parts), done: buf.indexOf('\r\n', eol + 2) >= 0, malformed: false };
    if (buf.length < eol + 2 + size + 2) {
      parts.push(buf.subarray(eol + 2, Math.min(buf.length, eol + 2 + size)));
      return { data: Buffer.concat(parts), done: false, malformed: false };
    }
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function parseHead(head: string): { status: number; reason: string; headers: Record<string, string> } | undefined {
  const lines = head.split('\r\n');
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), reason: m[2] ?? '', headers };
}

/** The bytes written on the wire for `req` (exported for reproduction lines and tests). */
export function encodeRequest(req: RawRequest, target: Target): Buffer {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  const names = new Set(req.headers.map(([n]) => n.toLowerCase()));
  const lines = [`${req.method} ${req.target} ${req.httpVersion ?? 'HTTP/1.1'}`];
  if (!names.has('host')) lines.push(`Host: ${target.host}:${target.port}`);
  for (const [n, v] of req.headers) lines.push(`${n}: ${v}`);
  if (!req.rawFraming && body !== undefined && !names.has('content-length') && !names.has('transfer-encoding')) lines.push(`Content-Length: ${body.length}`);
  // One request per connection: the response ends with the connection, and nothing is pipelined by accident.
  if (!names.has('connection')) lines.push('Connection: close');
  // Header values may carry raw UTF-8 on purpose (non-Latin-1 headers), so the head is encoded as UTF-8.
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
  return body === undefined ? head : Buffer.concat([head, body]);
}

export function send(target: Target, req: RawRequest, opts: SendOptions): Promise<Outcome> {
  const started = Date.now();
  return new Promise<Outcome>((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let buf = Buffer.alloc(0);
    let settled = false;
    let peekTimer: NodeJS.Timeout | undefined;
    let head: ReturnType<typeof parseHead>;
    let bodyStart = -1;

    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(hangTimer);
      if (peekTimer) clearTimeout(peekTimer);
      socket.destroy();
      resolve(o);
    };
    const ms = (): number => Date.now() - started;
    const responseOf = (body: Buffer, streamed: boolean): Outcome => ({
      kind: 'response',
      ms: ms(),
      res: { status: head!.status, reason: head!.reason, headers: head!.headers, body: body.toString('utf8'), streamed },
    });
    const chunked = (): boolean => /\bchunked\b/i.test(head?.headers['transfer-encoding'] ?? '');

    /** Returns the outcome once the response is complete, else undefined. */
    const complete = (ended: boolean): Outcome | undefined => {
      if (!head) return undefined;
      const raw = buf.subarray(bodyStart);
      const noBody = req.method === 'HEAD' || head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200);
      if (noBody) return responseOf(Buffer.alloc(0), false);
      if (chunked()) {
        const d = dechunk(raw);
        if (d.done) return responseOf(d.data, false);
        if (d.malformed) return { kind: 'truncated', ms: ms(), detail: `HTTP ${head.status}: malformed chunked body` };
        return ended ? { kind: 'truncated', ms: ms(), detail: `HTTP ${head.status}: connection closed inside a chunked body` } : undefined;
      }
      const cl = head.headers['content-length'];
      if (cl !== undefined && /^\d+$/.test(cl)) {
        const n = Number(cl);
        if (raw.length >= n) return responseOf(raw.subarray(0, n), false);
        return ended ? { kind: 'truncated', ms: ms(), detail: `HTTP ${head.status}: ${raw.length} of ${n} body bytes before close` } : undefined;
      }
      return ended ? responseOf(raw, false) : undefined;
    };

    const hangTimer = setTimeout(() => {
      const what = head ? `HTTP ${head.status} head arrived, body incomplete` : 'no response head';
      finish({ kind: 'hang', ms: ms(), detail: `${what} after ${opts.hangMs} ms` });
    }, opts.hangMs);

    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (!head) {
        const end = buf.indexOf(HEAD_END);
        if (end < 0) return;
        head = parseHead(buf.subarray(0, end).toString('latin1'));
        if (!head) return finish({ kind: 'closed', ms: ms(), detail: `unparsable response head: ${JSON.stringify(buf.subarray(0, 120).toString('latin1'))}` });
        bodyStart = end + 4;
        // An interim response (100 Continue) precedes the real one: drop it and read the next head.
        if (head.status >= 100 && head.status < 200 && head.status !== 101) {
          buf = buf.subarray(bodyStart);
          head = undefined;
          continue;
        }
        if (opts.streamPeekMs !== undefined && chunked() && head.status === 200) {
          peekTimer = setTimeout(() => {
            const d = dechunk(buf.subarray(bodyStart));
            finish(responseOf(d.data, !d.done));
          }, opts.streamPeekMs);
        }
      }
      const done = complete(false);
      if (done) finish(done);
    });
    socket.on('end', () => {
      if (!head)
        return finish({
          kind: 'closed',
          ms: ms(),
          detail: buf.length ? `closed after ${buf.length} bytes without a response head` : 'closed without a response',
        });
      finish(complete(true)!);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (head) return finish(complete(true)!);
      finish({ kind: 'closed', ms: ms(), detail: `${err.code ?? err.message} before a response head` });
    });
    socket.on('close', () => {
      if (!settled) finish(head ? complete(true)! : { kind: 'closed', ms: ms(), detail: 'closed without a response' });
    });
    socket.on('connect', () => {
      // Writing may fail if the server hangs up early (e.g. 431 on a huge head); the outcome comes from the read side.
      socket.write(encodeRequest(req, target), () => undefined);
    });
  });
}

/** A well-formed JSON request, for the fuzzer's own setup and checks (not fuzzed). */
export async function sendJson(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
  opts: { hangMs?: number; contentType?: string } = {},
): Promise<{ outcome: Outcome; json: unknown }> {
  const headers: Array<[string, string]> = [['Accept', 'application/json']];
  if (body !== undefined) headers.push(['Content-Type', opts.contentType ?? 'application/json']);
  const outcome = await send(
    target,
    { method, target: path, headers, body: body !== undefined ? JSON.stringify(body) : undefined },
    { hangMs: opts.hangMs ?? 5000 },
  );
  let json: unknown;
  if (outcome.kind === 'response') {
    try {
      json = JSON.parse(outcome.res.body);
    } catch {
      json = undefined;
    }
  }
  return { outcome, json };
}
