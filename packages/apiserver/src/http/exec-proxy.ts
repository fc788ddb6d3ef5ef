/**
 * `pods/{name}/exec`: a transparent WebSocket proxy to the kubelet of the
 * pod's node (`/exec/{ns}/{pod}/{container}?command=..`), as Kubernetes'
 * API server does for `kubectl exec`. The client's subprotocols
 * (`v5.channel.k8s.io`, `v4.channel.k8s.io`) go to the kubelet; the one it
 * picks is the one the client gets. Data messages pass both ways unchanged,
 * and when either side closes, the other is closed with the same code.
 *
 * Connection upgrades: Node hands requests carrying `Upgrade` to the
 * server's 'upgrade' event, not to fastify. `installUpgradeDispatch` routes
 * them through fastify like any request (same hooks, request info, metrics
 * and error handler: a refusal is an ordinary `Status` reply on that
 * socket), remembering the socket; only this handler takes the socket over,
 * after the kubelet has accepted its half.
 *
 * Refusals, before any upgrade: unknown pod 404; several containers and none
 * named, an unknown container, a pod without a node, a completed pod, no
 * command or no stream 400; node or kubelet address unknown, kubelet
 * unreachable 503; a kubelet refusal is relayed (400/404) or 503. A request
 * without an upgrade is a 400 "Upgrade request required"; a SPDY upgrade
 * (kubectl's fallback when the WebSocket upgrade failed) is a 400 saying SPDY
 * is not served, after the same checks, so the reason kubectl prints is the
 * real one.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ResourceType } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import { errors, StatusError } from '../errors.js';
import type { ServerContext } from './context.js';
import { kubeletTarget, type KubeletTarget } from './kubelet-target.js';
import { bool, str, type Query } from './query.js';
import { kubeletScheme, type KubeletClientTLS } from './kubelet-client.js';

/** The socket and first bytes of a request that arrived through the 'upgrade' event. */
interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

const kUpgrade = Symbol('mk8s.upgrade');
const kProtocol = Symbol('mk8s.upgrade.protocol');
type UpgradeCarrier = IncomingMessage & { [kUpgrade]?: PendingUpgrade; [kProtocol]?: string };

/**
 * PodExecOptions' stream flags, each with the name Kubernetes' API server
 * passes it on to the kubelet under (api.ExecStdinParam ...: `input`,
 * `output`, `error`, `tty`, set to `1` when true, as its streamParams does).
 */
const STREAM_FLAGS = [
  ['stdin', 'input'],
  ['stdout', 'output'],
  ['stderr', 'error'],
  ['tty', 'tty'],
] as const;
/**
 * The largest message either peer may send through the proxy (ws closes the
 * session with 1009 beyond it, instead of buffering up to its 100 MiB
 * default): clients send stdin and the kubelet its output in frames of at
 * most tens of KiB.
 */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const KUBELET_HANDSHAKE_TIMEOUT_MS = 10_000;
const SHUTDOWN_GRACE_MS = 1_000;

/**
 * Sends the server's upgrade requests through fastify's router (call once,
 * right after creating the app). A handler that does not take the socket
 * over answers on it as on any connection, and the socket is then ended.
 */
export function installUpgradeDispatch(app: FastifyInstance): void {
  app.server.on('upgrade', (req: UpgradeCarrier, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Node stops parsing at the headers of an upgrade: a body would never reach a route.
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined) {
      const body = Buffer.from(errors.badRequest('a request that asks for a connection upgrade cannot carry a body').body);
      socket.end(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
          body,
        ]),
      );
      return;
    }
    req[kUpgrade] = { socket, head };
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    app.routing(req, res);
  });
}

/** The upgrade this request asked for: undefined for a plain request. */
function pendingUpgrade(req: FastifyRequest): PendingUpgrade | undefined {
  return (req.raw as UpgradeCarrier)[kUpgrade];
}

/** The client half: one server for all sessions, answering with the subprotocol the kubelet chose. */
const clientSide = new WebSocketServer({
  noServer: true,
  clientTracking: false,
  perMessageDeflate: false,
  maxPayload: MAX_MESSAGE_BYTES,
  handleProtocols: (_offered, req: UpgradeCarrier) => req[kProtocol] ?? false,
});

export async function serveExec(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  q: Query,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const target = await kubeletTarget(ctx, rt, ns, name, str(q, 'container'), 'exec');
  const phase = ((target.pod['status'] as Obj | undefined)?.['phase'] ?? '') as string;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  const command = new URL(req.url, 'http://apiserver').searchParams.getAll('command');
  if (command.length === 0 || command[0] === '') throw errors.badRequest('you must specify at least one command for the container');
  // Booleans as Kubernetes decodes them: `stdout=True`, `stdout=t` and `stdout` are true, only `0` and `false` (any case) false.
  if (!bool(q, 'stdin') && !bool(q, 'stdout') && !bool(q, 'stderr')) {
    throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  }

  const upgrade = pendingUpgrade(req);
  if (!upgrade) throw errors.badRequest('Upgrade request required');
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    await probeKubelet(target);
    throw errors.badRequest(
      `unable to upgrade connection: this API server streams exec over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io), not ${req.headers.upgrade ?? 'this protocol'}`,
    );
  }
  if (req.method !== 'GET') throw errors.badRequest('a WebSocket upgrade must be a GET request');

  const params = new URLSearchParams();
  for (const c of command) params.append('command', c);
  for (const [flag, kubeletName] of STREAM_FLAGS) if (bool(q, flag)) params.set(kubeletName, '1');
  // Go's url.Values.Encode: keys sorted, repeated values in order.
  params.sort();
  const url = `${kubeletScheme(ctx.kubeletTLS, true)}://${target.host}:${target.port}/exec/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(target.container)}?${params}`;
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');

  let clientGone = false;
  const onGone = () => (clientGone = true);
  upgrade.socket.once('close', onGone);
  const upstream = await dialKubelet(url, offered, target.nodeName, ctx.kubeletTLS);
  upgrade.socket.off('close', onGone);
  reply.hijack();
  if (clientGone || upgrade.socket.destroyed) {
    upstream.ws.terminate();
    return reply;
  }
  (reply.raw as ServerResponse).detachSocket(upgrade.socket as Socket);
  (req.raw as UpgradeCarrier)[kProtocol] = upstream.ws.protocol;
  // The client handshake can still fail (a malformed key...): ws then answers
  // 400 itself and never calls back, so the kubelet side must not outlive it.
  const abandon = () => upstream.ws.terminate();
  upgrade.socket.once('close', abandon);
  const where = { pod: `${ns}/${name}`, container: target.container, node: target.nodeName };
  clientSide.handleUpgrade(req.raw, upgrade.socket, upgrade.head, (client) => {
    upgrade.socket.off('close', abandon);
    ctx.metrics.requests.inc({ verb: req.method === 'GET' ? 'get' : 'create', resource: 'pods', subresource: 'exec', code: '101' });
    req.log.info({ ...where, protocol: client.protocol }, 'exec session opened');
    ctx.audit?.recordStage(req, 101, reply.elapsedTime, 'ResponseStarted');
    splice(ctx, client, upstream, () => {
      req.log.info(where, 'exec session closed');
      ctx.audit?.recordStage(req, 101, reply.elapsedTime, 'ResponseComplete');
    });
  });
  return reply;
}

/** What the kubelet sent before the client half existed (it may answer and close at once). */
interface Early {
  messages: Array<{ data: RawData; isBinary: boolean }>;
  close?: { code: number; reason: Buffer };
}

interface Upstream {
  ws: WebSocket;
  /** Stops holding back the kubelet's messages and hands over what was held. Call once. */
  release(): Early;
}

/** Opens the kubelet half; the kubelet's refusal or silence becomes a StatusError. */
function dialKubelet(url: string, protocols: string[], nodeName: string, tls?: KubeletClientTLS): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const ws = new WebSocket(url, protocols, {
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      handshakeTimeout: KUBELET_HANDSHAKE_TIMEOUT_MS,
      cert: tls?.cert,
      key: tls?.key,
      ca: tls?.ca,
    });
    const fail = (err: StatusError) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    ws.on('error', (err) => fail(errors.unavailable(`the kubelet of node "${nodeName}" did not answer at ${url}: ${err.message}`)));
    ws.once('unexpected-response', (request, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => {
        request.destroy();
        fail(kubeletRefusal(res.statusCode ?? 0, body.trim().slice(0, 1000), nodeName));
      });
      res.on('error', () => fail(errors.unavailable(`the kubelet of node "${nodeName}" answered ${res.statusCode ?? 0}`)));
    });
    ws.once('open', () => {
      if (settled) {
        ws.terminate();
        return;
      }
      settled = true;
      const early: Early = { messages: [] };
      const hold = (data: RawData, isBinary: boolean) => early.messages.push({ data, isBinary });
      const held = (code: number, reason: Buffer) => (early.close = { code, reason });
      ws.on('message', hold);
      ws.once('close', held);
      resolve({
        ws,
        release: () => {
          ws.off('message', hold);
          ws.off('close', held);
          return early;
        },
      });
    });
  });
}

function kubeletRefusal(code: number, text: string, nodeName: string): StatusError {
  if (code === 400) return errors.badRequest(text || `the kubelet of node "${nodeName}" refused the exec request`);
  if (code === 404) return new StatusError(404, 'NotFound', text || `the kubelet of node "${nodeName}" does not know this pod or container`);
  return errors.unavailable(`the kubelet of node "${nodeName}" answered ${code}: ${text}`);
}

/** For a refused SPDY upgrade: is the kubelet there at all? A 503 if not, so the reason kubectl prints is the real one. */
function probeKubelet(target: KubeletTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const host = target.host.replace(/^\[(.*)\]$/, '$1');
    const socket = net.connect({ host, port: target.port });
    const timer = setTimeout(() => socket.destroy(new Error('timed out')), 2000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(errors.unavailable(`the kubelet of node "${target.nodeName}" did not answer at ${target.host}:${target.port}: ${err.message}`));
    });
  });
}

/** Close codes that may be sent in a close frame (1005/1006/1015 only describe what happened). */
function sendableCode(code: number): number {
  if (code === 1005) return 1000;
  if (code === 1006 || code === 1015) return 1011;
  return (code >= 1000 && code <= 1014 && code !== 1004) || (code >= 3000 && code <= 4999) ? code : 1011;
}

function closePeer(ws: WebSocket, code: number, reason: Buffer | string): void {
  if (ws.readyState === WebSocket.OPEN) ws.close(sendableCode(code), reason);
  else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
}

/** Pipes messages both ways until either side closes; the server's shutdown ends it too. */
function splice(ctx: ServerContext, client: WebSocket, kubelet: Upstream, onEnd: () => void): void {
  const upstream = kubelet.ws;
  const forward = (to: WebSocket) => (data: RawData, isBinary: boolean) => {
    if (to.readyState === WebSocket.OPEN) to.send(data, { binary: isBinary });
  };
  const toClient = forward(client);
  const early = kubelet.release();
  for (const m of early.messages) toClient(m.data, m.isBinary);
  client.on('message', forward(upstream));
  upstream.on('message', toClient);
  client.on('close', (code, reason) => closePeer(upstream, code, reason));
  upstream.on('close', (code, reason) => closePeer(client, code, reason));
  client.on('error', () => upstream.terminate());
  upstream.on('error', () => client.terminate());

  let open = early.close ? 1 : 2;
  if (early.close) closePeer(client, early.close.code, early.close.reason);
  const shutdown = async (): Promise<void> => {
    closePeer(client, 1001, 'the API server is shutting down');
    closePeer(upstream, 1001, 'the API server is shutting down');
    if (open === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      const check = () => {
        if (open === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      client.once('close', check);
      upstream.once('close', check);
    });
    client.terminate();
    upstream.terminate();
  };
  ctx.closeStreams.add(shutdown);
  const ended = () => {
    open -= 1;
    if (open === 0) {
      ctx.closeStreams.delete(shutdown);
      onEnd();
    }
  };
  client.once('close', ended);
  if (!early.close) upstream.once('close', ended);
}
