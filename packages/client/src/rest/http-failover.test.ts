import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeconfigError, parseKubeconfig } from './config.js';
import { HttpTransport, TransportError, serverList } from './http.js';
import { sendJson, startTestServer, type TestServer } from '../testing/test-server.js';

/** A loopback port nothing listens on (connections are refused). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('kubeconfig: the mk8s.io/servers failover extension', () => {
  const kubeconfig = (extension: string): string => `
clusters:
- name: ha
  cluster:
    server: http://127.0.0.1:6443
${extension}
contexts:
- name: ha
  context: { cluster: ha }
current-context: ha
`;

  it('reads the failover list and leaves server as kubectl sees it', async () => {
    const config = await parseKubeconfig(
      kubeconfig(`    extensions:
    - name: other.example/thing
      extension: { anything: 1 }
    - name: mk8s.io/servers
      extension:
        servers: [http://127.0.0.1:6443, http://127.0.0.1:6444]`),
    );
    expect(config.server).toBe('http://127.0.0.1:6443');
    expect(config.servers).toEqual(['http://127.0.0.1:6443', 'http://127.0.0.1:6444']);
    expect(serverList(config)).toEqual(['http://127.0.0.1:6443', 'http://127.0.0.1:6444']);
  });

  it('has no list without the extension, and rejects a malformed one', async () => {
    expect((await parseKubeconfig(kubeconfig(''))).servers).toBeUndefined();
    await expect(parseKubeconfig(kubeconfig(`    extensions:\n    - name: mk8s.io/servers\n      extension: { servers: 5 }`))).rejects.toBeInstanceOf(
      KubeconfigError,
    );
  });
});

describe('HttpTransport failover', () => {
  let a: TestServer;
  let b: TestServer;
  let dead: string;

  beforeEach(async () => {
    a = await startTestServer();
    b = await startTestServer();
    dead = `http://127.0.0.1:${await deadPort()}`;
    a.handle((_req, res) => sendJson(res, 200, { from: 'a' }));
    b.handle((_req, res) => sendJson(res, 200, { from: 'b' }));
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('sends any method to the next server when a server refuses connections, then sticks to it', async () => {
    const t = new HttpTransport({ server: dead, servers: [a.url] });
    try {
      expect(await t.request({ method: 'POST', path: '/x', body: { n: 1 } })).toEqual({ from: 'a' });
      expect(t.base.href).toBe(`${a.url}/`);
      expect(await t.request({ method: 'GET', path: '/y' })).toEqual({ from: 'a' });
      expect(a.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /x', 'GET /y']);
    } finally {
      t.close();
    }
  });

  it('moves on when the server it was using goes away (streams too)', async () => {
    const t = new HttpTransport({ server: a.url, servers: [b.url] });
    try {
      expect(await t.request({ method: 'GET', path: '/1' })).toEqual({ from: 'a' });
      await a.close();
      // A kept-alive socket to `a` may still look open: GET is retried on a fresh connection, refused, then sent to b.
      expect(await t.request({ method: 'GET', path: '/2' })).toEqual({ from: 'b' });
      expect(await t.request({ method: 'POST', path: '/3', body: {} })).toEqual({ from: 'b' });
      const res = await t.stream({ method: 'GET', path: '/watch' });
      res.resume();
      expect(b.requests.map((r) => r.path)).toEqual(['/2', '/3', '/watch']);
    } finally {
      t.close();
    }
  });

  it('retries an idempotent request on the next server when the connection breaks before an answer, but not a POST', async () => {
    a.handle((_req, res) => {
      res.socket?.destroy();
    });
    const t = new HttpTransport({ server: a.url, servers: [b.url] });
    try {
      expect(await t.request({ method: 'GET', path: '/get' })).toEqual({ from: 'b' });
      const post = new HttpTransport({ server: a.url, servers: [b.url] });
      try {
        await expect(post.request({ method: 'POST', path: '/post', body: {} })).rejects.toBeInstanceOf(TransportError);
        expect(b.requests.map((r) => r.path)).toEqual(['/get']);
      } finally {
        post.close();
      }
    } finally {
      t.close();
    }
  });

  it('does not fail over on HTTP errors, and reports the last failure when every server is down', async () => {
    a.handle((_req, res) => sendJson(res, 503, { kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: 'busy' }));
    const t = new HttpTransport({ server: a.url, servers: [b.url] });
    const down = new HttpTransport({ server: dead, servers: [dead.replace(/\d+$/, String(await deadPort()))] });
    try {
      await expect(t.request({ method: 'GET', path: '/z' })).rejects.toMatchObject({ code: 503 });
      expect(b.requests).toHaveLength(0);
      await expect(down.request({ method: 'GET', path: '/z' })).rejects.toMatchObject({ name: 'TransportError', code: 'ECONNREFUSED' });
    } finally {
      t.close();
      down.close();
    }
  });

  it('refuses to mix http and https servers', () => {
    expect(() => new HttpTransport({ server: 'http://127.0.0.1:1', servers: ['https://127.0.0.1:2'] })).toThrow(TypeError);
  });
});
