/**
 * The kubelet's `/exec/...` endpoint: accepts the WebSocket upgrade
 * (`v5.channel.k8s.io` or `v4.channel.k8s.io`) and runs one non-interactive
 * command in the pod's running container through the CRI's ExecSync, then
 * writes its stdout (stream 1), stderr (stream 2) and the Status (stream 3)
 * and closes the connection normally. This is what the API server's
 * `pods/exec` proxies to and what `kubectl exec POD -- CMD` ends up talking to.
 *
 * Honest limits of an ExecSync-only runtime interface:
 * - no stdin and no terminal: a request with `stdin` or `tty` gets a Failure
 *   Status saying so, before anything runs;
 * - output arrives when the command has finished (ExecSync returns it whole,
 *   up to the runtime's cap), not as it is written;
 * - a command has `timeoutSeconds` to finish; a client that leaves early does
 *   not stop it (ExecSync cannot be cancelled).
 *
 * Refused before the upgrade (plain-text HTTP errors): a malformed path or
 * query (400/404), no WebSocket upgrade (400), no offered subprotocol that
 * this server speaks (400). Everything found after the upgrade (no such pod
 * or container, container not running, runtime errors) is a Failure Status
 * on the error stream, which kubectl prints as `error: <message>`.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import type { CriRuntime } from '@mk8s/cri';
import { DeadlineExceededError, FailedPreconditionError, isNotFound } from '@mk8s/cri';
import {
  CHANNEL,
  EXEC_PROTOCOLS,
  ExecRequestError,
  chooseProtocol,
  exitCodeStatus,
  failureStatus,
  frame,
  frames,
  MAX_INCOMING_MESSAGE,
  offeredProtocols,
  parseExecRequest,
  successStatus,
  type ExecRequest,
  type StreamStatus,
} from './exec-protocol.js';
import { findContainerAttempts } from './log-locator.js';
import { errorMessage } from '@mk8s/api';

/** Default time a command may run (ExecSync needs a limit; the CRI client's deadline is built on it). */
export const DEFAULT_EXEC_TIMEOUT_SECONDS = 3600;

export interface ExecServerOptions {
  runtime: CriRuntime;
  /** How long a command may run before the session fails with a Timeout Status (default 1 h). */
  timeoutSeconds?: number;
  log?: FastifyBaseLogger;
}

/** Writes a plain HTTP error on a socket that was not upgraded, then ends it. */
export function rejectUpgrade(socket: Duplex, statusCode: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(`${message}\n`, 'utf8');
  const head =
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

export class ExecServer {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WebSocket>();
  /** Sockets between the upgrade request and the finished handshake. */
  private readonly pending = new Set<Duplex>();
  private readonly timeoutSeconds: number;
  private closed = false;

  constructor(private readonly opts: ExecServerOptions) {
    this.timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_EXEC_TIMEOUT_SECONDS;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: MAX_INCOMING_MESSAGE,
      handleProtocols: (offered) => chooseProtocol(offered) ?? false,
    });
  }

  /** Number of open exec sessions (for tests and shutdown). */
  get size(): number {
    return this.sessions.size;
  }

  /** For the HTTP server's 'upgrade' event on an `/exec/...` path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closed) return rejectUpgrade(socket, 503, 'the kubelet is shutting down');
    let request: ExecRequest;
    try {
      request = parseExecRequest(req.url ?? '/');
    } catch (err) {
      if (err instanceof ExecRequestError) return rejectUpgrade(socket, err.statusCode, err.message);
      throw err;
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || req.method !== 'GET') {
      return rejectUpgrade(socket, 400, `exec is served over WebSocket only (GET with subprotocol ${EXEC_PROTOCOLS.join(' or ')}); SPDY is not supported`);
    }
    const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
    if (!chooseProtocol(offered)) {
      return rejectUpgrade(
        socket,
        400,
        `none of the requested subprotocols [${offered.join(', ')}] is supported: this kubelet speaks ${EXEC_PROTOCOLS.join(', ')}`,
      );
    }
    this.pending.add(socket);
    socket.once('close', () => this.pending.delete(socket));
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.pending.delete(socket);
      if (this.closed) {
        ws.terminate();
        return;
      }
      this.sessions.add(ws);
      ws.once('close', () => this.sessions.delete(ws));
      ws.on('error', (err) => this.opts.log?.debug({ err }, 'exec connection error'));
      // Stdin, resize and close-stream messages are not read: stdin and tty are refused.
      ws.on('message', () => {});
      this.run(ws, request).catch((err: unknown) => {
        this.opts.log?.error({ err, pod: `${request.namespace}/${request.pod}`, container: request.container }, 'exec session failed');
        this.finish(ws, failureStatus(500, 'InternalError', `exec failed: ${errorMessage(err)}`));
      });
    });
  }

  /** Ends every session and refuses new ones (server shutdown). Idempotent. */
  closeAll(): void {
    this.closed = true;
    for (const ws of this.sessions) ws.terminate();
    for (const socket of this.pending) socket.destroy();
    this.sessions.clear();
    this.pending.clear();
  }

  private async run(ws: WebSocket, r: ExecRequest): Promise<void> {
    if (r.stdin || r.tty) {
      const what = [r.stdin ? 'stdin' : '', r.tty ? 'tty' : ''].filter(Boolean).join(' and ');
      return this.finish(
        ws,
        failureStatus(
          400,
          'BadRequest',
          `interactive exec (${what}) is not supported by this kubelet: its runtime interface runs commands with ExecSync, which takes no input and no terminal; run the command without -i/-t`,
        ),
      );
    }
    const found = await findContainerAttempts(this.opts.runtime, r.namespace, r.pod, r.container, r.uid);
    if (!found) return this.finish(ws, failureStatus(404, 'NotFound', `pod ${r.namespace}/${r.pod} not found on this node`));
    const current = found.attempts[0];
    if (!current) return this.finish(ws, failureStatus(404, 'NotFound', `container not found ("${r.container}") in pod ${r.namespace}/${r.pod}`));
    if (current.state !== 'CONTAINER_RUNNING') return this.finish(ws, notRunning(r));

    let result;
    try {
      result = await this.opts.runtime.execSync({ containerId: current.id, cmd: r.command, timeout: this.timeoutSeconds });
    } catch (err) {
      if (err instanceof DeadlineExceededError) {
        return this.finish(
          ws,
          failureStatus(504, 'Timeout', `command did not finish within ${this.timeoutSeconds}s and was abandoned (it may still be running in the container)`),
        );
      }
      if (err instanceof FailedPreconditionError) return this.finish(ws, notRunning(r));
      if (isNotFound(err)) return this.finish(ws, failureStatus(404, 'NotFound', `container not found ("${r.container}") in pod ${r.namespace}/${r.pod}`));
      return this.finish(ws, failureStatus(500, 'InternalError', `exec in container "${r.container}" failed: ${errorMessage(err)}`));
    }
    if (ws.readyState !== WebSocket.OPEN) return; // the client left; nothing to deliver
    if (r.stdout) for (const f of frames(CHANNEL.stdout, result.stdout)) ws.send(f);
    if (r.stderr) for (const f of frames(CHANNEL.stderr, result.stderr)) ws.send(f);
    const code = result.exitCode;
    if (code === 0) return this.finish(ws, successStatus());
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      return this.finish(ws, failureStatus(500, 'InternalError', `command [${r.command.join(' ')}] ended with an exit code outside 0-255: ${code}`));
    }
    return this.finish(ws, exitCodeStatus(code, r.command));
  }

  /** Writes the Status on the error stream and closes normally (what tells the client it is over). */
  private finish(ws: WebSocket, status: StreamStatus): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(frame(CHANNEL.error, JSON.stringify(status)));
    ws.close(1000);
  }
}

function notRunning(r: ExecRequest): StreamStatus {
  return failureStatus(400, 'BadRequest', `container "${r.container}" of pod ${r.namespace}/${r.pod} is not running`);
}
