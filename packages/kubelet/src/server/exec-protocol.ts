/**
 * The wire side of Kubernetes' remote command protocol as the kubelet serves
 * it over WebSocket: the request's path and query, the subprotocols, the
 * channel framing and the `Status` written on the error channel. Pure: no
 * I/O, so both the server and tests use it.
 *
 * Framing: every binary message starts with a byte naming its stream
 * (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize); `v5.channel.k8s.io` adds
 * 255, a "close stream" signal whose second byte names the stream. The error
 * stream carries one JSON `Status`: Success, or Failure with reason
 * `NonZeroExitCode` and the exit code as the cause `ExitCode` (what kubectl
 * turns into "command terminated with exit code N" and its own exit code).
 */

import { parseBoolParam } from '@mk8s/api';

export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
/** The subprotocols served: both carry a JSON Status on the error stream. */
export const EXEC_PROTOCOLS: readonly string[] = [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4];

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Data messages are cut into frames of at most this many payload bytes. */
export const MAX_FRAME_PAYLOAD = 32 * 1024;

/**
 * The largest message a peer may send (ws closes the session with 1009
 * "Message Too Big" beyond it). kubectl and client libraries send stdin in
 * frames of tens of KiB; without a cap ws would buffer up to 100 MiB per
 * message for anyone who can open a session.
 */
export const MAX_INCOMING_MESSAGE = 1024 * 1024;

export interface ExecRequest {
  namespace: string;
  pod: string;
  /** Only with the `/exec/{ns}/{pod}/{uid}/{container}` form. */
  uid?: string;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A request refused before the upgrade, with the HTTP code to answer. */
export class ExecRequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExecRequestError';
  }
}

/**
 * The first of `names` present, read as Kubernetes reads a boolean parameter
 * (false only for `0` and `false` in any case; `True`, `t`, `1`, empty are
 * true). Kubernetes' API server sends `1`.
 */
function flag(params: URLSearchParams, ...names: string[]): boolean {
  for (const n of names) {
    const v = params.get(n);
    if (v !== null) return parseBoolParam(v);
  }
  return false;
}

/**
 * Parses `/exec/{namespace}/{pod}[/{uid}]/{container}?command=..&command=..`
 * with the stream flags: `input`, `output`, `error`, `tty` (the names
 * Kubernetes' API server sends, as `1`; they win) or PodExecOptions'
 * `stdin`, `stdout`, `stderr`. Throws ExecRequestError (400/404)
 * for anything else.
 */
export function parseExecRequest(rawUrl: string): ExecRequest {
  const url = new URL(rawUrl, 'http://kubelet');
  let parts: string[];
  try {
    parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map((p) => decodeURIComponent(p));
  } catch {
    throw new ExecRequestError(400, `malformed exec path ${url.pathname}`);
  }
  if (parts[0] !== 'exec' || (parts.length !== 4 && parts.length !== 5)) {
    throw new ExecRequestError(404, `exec is served at /exec/{namespace}/{pod}/{container}, not ${url.pathname}`);
  }
  const [, namespace, pod] = parts as [string, string, string];
  const uid = parts.length === 5 ? parts[3] : undefined;
  const container = parts[parts.length - 1]!;
  const command = url.searchParams.getAll('command');
  if (command.length === 0 || command[0] === '') throw new ExecRequestError(400, 'you must specify at least one command for the container');
  const req: ExecRequest = {
    namespace,
    pod,
    container,
    command,
    stdin: flag(url.searchParams, 'input', 'stdin'),
    stdout: flag(url.searchParams, 'output', 'stdout'),
    stderr: flag(url.searchParams, 'error', 'stderr'),
    tty: flag(url.searchParams, 'tty'),
  };
  if (uid !== undefined) req.uid = uid;
  if (!req.stdin && !req.stdout && !req.stderr) throw new ExecRequestError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  return req;
}

/** The subprotocols a `Sec-WebSocket-Protocol` header offers, in the client's order. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** The first offered subprotocol this server speaks (the client's preference wins), or undefined. */
export function chooseProtocol(offered: Iterable<string>): string | undefined {
  for (const p of offered) if (EXEC_PROTOCOLS.includes(p)) return p;
  return undefined;
}

/** metav1.Status as the error stream carries it (no kind/apiVersion, as Kubernetes writes it). */
export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: Array<{ reason: string; message: string }> };
}

export function successStatus(): StreamStatus {
  return { metadata: {}, status: 'Success' };
}

/** The Failure that tells the client the command's exit code. */
export function exitCodeStatus(exitCode: number, command: readonly string[]): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command [${command.join(' ')}] exited with code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Any other failure: the client prints `message`. */
export function failureStatus(code: number, reason: string, message: string): StreamStatus {
  return { metadata: {}, status: 'Failure', message, reason, code };
}

/** One message on `channel`: the stream byte, then the payload. */
export function frame(channel: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** `data` on `channel` as frames of at most MAX_FRAME_PAYLOAD bytes each (none for empty data). */
export function frames(channel: number, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_FRAME_PAYLOAD) out.push(frame(channel, data.subarray(at, at + MAX_FRAME_PAYLOAD)));
  return out;
}
