// pods/exec: the API server's WebSocket proxy to the kubelet of the pod's
// node, against a stand-in kubelet that speaks the remote command protocol;
// plus the refusals kubectl sees (as Status replies before any upgrade) and
// pods/attach, pods/portforward.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { call, pod, startServer, type TestServer } from './testing/test-support.js';

type Obj = Record<string, any>;
const PODS = '/api/v1/namespaces/default/pods';
const V5 = 'v5.channel.k8s.io';
const V4 = 'v4.channel.k8s.io';

interface FakeKubelet {
  port: number;
  requests: Array<{ url: string; protocol: string | undefined }>;
  /** Open server-side sockets (to watch them close). */
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

/**
 * A stand-in kubelet: `/exec/...?command=echo&command=ARGS` answers ARGS on
 * stdout, `warn` on stderr; `fail` exits 3; `refuse` is a 404 before the
 * upgrade; `cat` echoes stdin frames on stdout until the client's v5
 * close-stream signal for stdin; `hang` never answers.
 */
async function startFakeKubelet(): Promise<FakeKubelet> {
  const requests: FakeKubelet['requests'] = [];
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => [...offered].find((p) => p === V5 || p === V4) ?? false });
  const server = http.createServer((_req, res) => res.writeHead(400).end('upgrade required'));
  server.on('upgrade', (req, socket, head) => {
    requests.push({ url: req.url ?? '', protocol: req.headers['sec-websocket-protocol'] });
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const command = url.searchParams.getAll('command');
    if (command[0] === 'refuse') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 26\r\nConnection: close\r\n\r\ncontainer "web" not found\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      const send = (id: number, data: string) => ws.send(Buffer.concat([Buffer.from([id]), Buffer.from(data)]));
      const done = (status: Obj) => {
        send(3, JSON.stringify(status));
        ws.close(1000);
      };
      switch (command[0]) {
        case 'echo':
          send(1, `${command.slice(1).join(' ')}\n`);
          send(2, 'warn\n');
          return done({ metadata: {}, status: 'Success' });
        case 'fail':
          return done({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
        case 'cat':
          ws.on('message', (data: Buffer) => {
            if (data[0] === 0) send(1, data.subarray(1).toString());
            if (data[0] === 255 && data[1] === 0) done({ metadata: {}, status: 'Success' });
          });
          return;
        default:
          return; // hang
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    sockets,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await new Promise((r) => server.close(r));
    },
  };
}

interface Session {
  protocol: string;
  streams: Map<number, string>;
  closeCode: number;
}

/** Runs one exec session as kubectl does; `onOpen` may talk to the server. Rejects with the refusal's status and Status body. */
function exec(base: string, path: string, protocols: string[] = [V5], onOpen?: (ws: WebSocket) => void): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + path, protocols);
    const streams = new Map<number, string>();
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, body: JSON.parse(body) as Obj })));
    });
    ws.on('error', reject);
    ws.on('open', () => onOpen?.(ws));
    ws.on('message', (data: Buffer) => streams.set(data[0]!, (streams.get(data[0]!) ?? '') + data.subarray(1).toString()));
    ws.on('close', (code) => resolve({ protocol: ws.protocol, streams, closeCode: code }));
  });
}

/** A raw upgrade request that is not a WebSocket (kubectl's SPDY fallback). */
function spdyUpgrade(base: string, path: string): Promise<{ status: number; body: Obj }> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': V4 } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as Obj }));
    });
    req.on('upgrade', () => reject(new Error('unexpectedly upgraded')));
    req.on('error', reject);
    req.end();
  });
}

async function registerNode(s: TestServer, name: string, port: number): Promise<void> {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name } };
  await call(s.url, 'POST', '/api/v1/nodes', node);
  const status = { ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
  expect((await call(s.url, 'PUT', `/api/v1/nodes/${name}/status`, status)).status).toBe(200);
}

describe('API server: pods/exec', () => {
  let s: TestServer;
  let kubelet: FakeKubelet;
  let deadPort: number;

  beforeAll(async () => {
    s = await startServer();
    kubelet = await startFakeKubelet();
    await registerNode(s, 'node-exec', kubelet.port);
    // A port nothing listens on: a kubelet that is down.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    deadPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    await registerNode(s, 'node-down', deadPort);
    expect((await call(s.url, 'POST', PODS, pod('web', { nodeName: 'node-exec' }))).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await kubelet?.close();
  });

  it('is listed in discovery as pods/exec with create and get', async () => {
    const list = await call<Obj>(s.url, 'GET', '/api/v1');
    expect(list.body.resources.find((r: Obj) => r.name === 'pods/exec')).toMatchObject({ kind: 'PodExecOptions', verbs: ['create', 'get'], namespaced: true });
  });

  it('proxies the session to the kubelet: same subprotocol, every frame, normal close', async () => {
    const r = await exec(s.url, `${PODS}/web/exec?command=echo&command=hello&command=world&container=web&stdout=true&stderr=true`);
    expect(r.protocol).toBe(V5);
    expect(r.streams.get(1)).toBe('hello world\n');
    expect(r.streams.get(2)).toBe('warn\n');
    expect(JSON.parse(r.streams.get(3)!)).toEqual({ metadata: {}, status: 'Success' });
    expect(r.closeCode).toBe(1000);
    expect(kubelet.requests.at(-1)).toEqual({ url: '/exec/default/web/web?command=echo&command=hello&command=world&error=1&output=1', protocol: V5 });
  });

  it('reads stdin/stdout/stderr/tty as Kubernetes reads booleans and passes them on as Kubernetes does (input/output/error/tty=1)', async () => {
    for (const v of ['True', 'TRUE', 't', '1']) {
      const r = await exec(s.url, `${PODS}/web/exec?command=echo&command=${v}&stdin=${v}&stdout=${v}&stderr=${v}&tty=${v}`);
      expect(r.streams.get(1), v).toBe(`${v}\n`);
      expect(kubelet.requests.at(-1)!.url, v).toBe(`/exec/default/web/web?command=echo&command=${v}&error=1&input=1&output=1&tty=1`);
    }
    for (const v of ['false', 'False', '0']) {
      await exec(s.url, `${PODS}/web/exec?command=echo&command=${v}&stdin=${v}&stdout=1&stderr=${v}&tty=${v}`);
      expect(kubelet.requests.at(-1)!.url, v).toBe(`/exec/default/web/web?command=echo&command=${v}&output=1`);
      await expect(exec(s.url, `${PODS}/web/exec?command=ls&stdin=${v}&stdout=${v}&stderr=${v}`), v).rejects.toMatchObject({
        statusCode: 400,
        body: { message: 'you must specify at least 1 of stdin, stdout, stderr' },
      });
    }
  });

  it('defaults the container of a one-container pod, relays exit-code Failures and v4', async () => {
    const r = await exec(s.url, `${PODS}/web/exec?command=fail&stdout=true`, [V4]);
    expect(r.protocol).toBe(V4);
    expect(JSON.parse(r.streams.get(3)!)).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(kubelet.requests.at(-1)!.url).toBe('/exec/default/web/web?command=fail&output=1');
  });

  it('carries client frames to the kubelet (stdin and the v5 close-stream signal)', async () => {
    const r = await exec(s.url, `${PODS}/web/exec?command=cat&stdin=true&stdout=true`, [V5], (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed in\n')]));
      ws.send(Buffer.from([255, 0]));
    });
    expect(r.streams.get(1)).toBe('typed in\n');
    expect(r.closeCode).toBe(1000);
    expect(kubelet.requests.at(-1)!.url).toBe('/exec/default/web/web?command=cat&input=1&output=1');
  });

  it('closes a session whose client sends a message over 1 MiB (1009) instead of buffering or relaying it', async () => {
    const r = await exec(s.url, `${PODS}/web/exec?command=cat&stdin=true&stdout=true`, [V5], (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.alloc(1024 * 1024 + 1)]));
    });
    expect(r.closeCode).toBe(1009);
    expect(r.streams.get(1)).toBeUndefined();
  });

  it('refuses before upgrading: unknown pod 404, container choice 400, no node 400, no command 400', async () => {
    await expect(exec(s.url, `${PODS}/ghost/exec?command=ls&stdout=true`)).rejects.toMatchObject({
      statusCode: 404,
      body: { kind: 'Status', reason: 'NotFound', message: 'pods "ghost" not found' },
    });

    const two = pod('two', { nodeName: 'node-exec' }) as Obj;
    two.spec.containers.push({ name: 'side', image: 'busybox:latest' });
    await call(s.url, 'POST', PODS, two);
    await expect(exec(s.url, `${PODS}/two/exec?command=ls&stdout=true`)).rejects.toMatchObject({
      statusCode: 400,
      body: { reason: 'BadRequest', message: 'a container name must be specified for pod two, choose one of: [web side]' },
    });
    await expect(exec(s.url, `${PODS}/two/exec?command=ls&stdout=true&container=nope`)).rejects.toMatchObject({
      statusCode: 400,
      body: { message: 'container nope is not valid for pod two' },
    });

    await call(s.url, 'POST', PODS, pod('unbound'));
    await expect(exec(s.url, `${PODS}/unbound/exec?command=ls&stdout=true`)).rejects.toMatchObject({
      statusCode: 400,
      body: { message: 'pod unbound does not have a host assigned' },
    });

    await expect(exec(s.url, `${PODS}/web/exec?stdout=true`)).rejects.toMatchObject({
      statusCode: 400,
      body: { message: 'you must specify at least one command for the container' },
    });
    await expect(exec(s.url, `${PODS}/web/exec?command=ls`)).rejects.toMatchObject({
      statusCode: 400,
      body: { message: 'you must specify at least 1 of stdin, stdout, stderr' },
    });
  });

  it('503 when the node or its kubelet is not there; a kubelet refusal is relayed', async () => {
    await call(s.url, 'POST', PODS, pod('orphan', { nodeName: 'no-such-node' }));
    await expect(exec(s.url, `${PODS}/orphan/exec?command=ls&stdout=true`)).rejects.toMatchObject({ statusCode: 503, body: { reason: 'ServiceUnavailable' } });

    await call(s.url, 'POST', PODS, pod('stranded', { nodeName: 'node-down' }));
    const down = exec(s.url, `${PODS}/stranded/exec?command=ls&stdout=true`);
    await expect(down).rejects.toMatchObject({ statusCode: 503, body: { reason: 'ServiceUnavailable' } });
    expect(((await down.catch((e: { body: Obj }) => e)) as { body: Obj }).body.message).toMatch(/^the kubelet of node "node-down" did not answer/);

    await expect(exec(s.url, `${PODS}/web/exec?command=refuse&stdout=true`)).rejects.toMatchObject({
      statusCode: 404,
      body: { reason: 'NotFound', message: 'container "web" not found' },
    });
  });

  it('a plain request is a 400 "Upgrade request required"; a SPDY upgrade is a 400 (or 503 when the kubelet is down)', async () => {
    for (const method of ['GET', 'POST']) {
      // A JSON content type: the insecure server refuses a POST without one (http/browser-guard.ts).
      const r = await call<Obj>(s.url, method, `${PODS}/web/exec?command=ls&stdout=true`, undefined, method === 'POST' ? { raw: '' } : {});
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'Upgrade request required' });
    }
    const spdy = await spdyUpgrade(s.url, `${PODS}/web/exec?command=ls&stdout=true`);
    expect(spdy.status).toBe(400);
    expect(spdy.body.message).toMatch(/over WebSocket only/);
    const spdyDown = await spdyUpgrade(s.url, `${PODS}/stranded/exec?command=ls&stdout=true`);
    expect(spdyDown.status).toBe(503);
  });

  it('pods/attach and pods/portforward answer 405 saying they are not supported', async () => {
    const attach = await call<Obj>(s.url, 'POST', `${PODS}/web/attach?stdout=true`, undefined, { raw: '' });
    expect(attach.status).toBe(405);
    expect(attach.body).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed' });
    expect(attach.body.message).toMatch(/^pods\/attach is not supported/);
    const pf = await spdyUpgrade(s.url, `${PODS}/web/portforward?ports=80`);
    expect(pf.status).toBe(405);
    expect(pf.body.message).toMatch(/^pods\/portforward is not supported/);
  });

  it('leaves other routes alone: an upgrade header on a list or a watch is served as usual', async () => {
    const list = await new Promise<{ status: number; body: Obj }>((resolve, reject) => {
      const req = http.request(`${s.url}${PODS}`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as Obj }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(list.status).toBe(200);
    expect(list.body.kind).toBe('PodList');
    // Node does not parse the body of an upgrade request: refused rather than left hanging.
    const withBody = await new Promise<{ status: number; body: Obj }>((resolve, reject) => {
      const req = http.request(`${s.url}${PODS}`, {
        method: 'POST',
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as Obj }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(pod('never')));
    });
    expect(withBody).toMatchObject({ status: 400, body: { kind: 'Status', reason: 'BadRequest' } });
    expect((await call(s.url, 'GET', `${PODS}/never`)).status).toBe(404);
    const r = await call<Obj>(s.url, 'GET', `${PODS}/web`);
    expect(r.status).toBe(200);
  });

  it('counts exec requests in the metrics: 101 for sessions, the code for refusals', async () => {
    const text = (await call(s.url, 'GET', '/metrics')).text;
    expect(text).toMatch(/apiserver_request_total\{verb="get",resource="pods",subresource="exec",code="101"\} \d+/);
    expect(text).toMatch(/apiserver_request_total\{verb="get",resource="pods",subresource="exec",code="404"\} \d+/);
  });

  it('closing the server ends open exec sessions on both sides', async () => {
    const own = await startServer();
    try {
      await registerNode(own, 'node-exec', kubelet.port);
      await call(own.url, 'POST', PODS, pod('web', { nodeName: 'node-exec' }));
      let opened!: () => void;
      const isOpen = new Promise<void>((r) => (opened = r));
      const session = exec(own.url, `${PODS}/web/exec?command=hang&stdout=true`, [V5], () => opened());
      await isOpen;
      await expect.poll(() => kubelet.sockets.size).toBe(1);
      await own.close();
      expect((await session).closeCode).toBe(1001);
      await expect.poll(() => kubelet.sockets.size).toBe(0);
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});

describe('API server: exec sessions in the audit log', () => {
  it('records a session when it opens (ResponseStarted, 101) and when it closes (ResponseComplete), under one auditID', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/mk8s-exec-audit-`);
    const kubelet = await startFakeKubelet();
    const s = await startServer({ audit: { path: `${dir}/audit.log` } });
    try {
      await registerNode(s, 'node-exec', kubelet.port);
      expect((await call(s.url, 'POST', PODS, pod('web', { nodeName: 'node-exec' }))).status).toBe(201);
      await exec(s.url, `${PODS}/web/exec?command=echo&command=hi&stdout=true`);
      const sessionEvents = async () => {
        const lines = (await readFile(`${dir}/audit.log`, 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Obj);
        return lines.filter((e) => e.objectRef?.subresource === 'exec');
      };
      for (let i = 0; i < 50 && (await sessionEvents()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      const events = await sessionEvents();
      expect(events.map((e) => [e.stage, e.responseStatus.code, e.verb])).toEqual([
        ['ResponseStarted', 101, 'get'],
        ['ResponseComplete', 101, 'get'],
      ]);
      expect(events[0]!.auditID).toBe(events[1]!.auditID);
      expect(events[0]!.objectRef).toMatchObject({ resource: 'pods', namespace: 'default', name: 'web', subresource: 'exec' });
    } finally {
      await s.close();
      await kubelet.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
