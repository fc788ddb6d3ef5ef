// TLS client certificates: CN is the user, O values the groups; a certificate
// of another CA is a 401. Certificates are made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryStore } from '@mk8s/storage';
import { buildApiServer, type ApiServer } from '../app.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mk8s-x509-'));
const f = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

function ca(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    f(`${name}.key`),
    '-subj',
    `/CN=${name}`,
    '-days',
    '2',
    '-out',
    f(`${name}.crt`),
  );
}
function leaf(name: string, caName: string, subject: string, ext: string): void {
  openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    f(`${name}.key`),
    '-subj',
    subject,
    '-out',
    f(`${name}.csr`),
  );
  writeFileSync(f(`${name}.ext`), ext);
  openssl(
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    '-CA',
    f(`${caName}.crt`),
    '-CAkey',
    f(`${caName}.key`),
    '-days',
    '2',
    '-extfile',
    f(`${name}.ext`),
    '-out',
    f(`${name}.crt`),
  );
}

function get(port: number, p: string, client?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path: p,
        ca: readFileSync(f('ca.crt')),
        cert: client ? readFileSync(f(`${client}.crt`)) : undefined,
        key: client ? readFileSync(f(`${client}.key`)) : undefined,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
  });
}

describe('client certificate authentication over HTTPS', () => {
  let server: ApiServer;
  let port: number;

  beforeAll(async () => {
    ca('ca');
    ca('other-ca');
    leaf('serving', 'ca', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    leaf('admin', 'ca', '/O=system:masters/CN=root', 'extendedKeyUsage=clientAuth\n');
    leaf('dev', 'ca', '/O=dev/O=qa/CN=dana', 'extendedKeyUsage=clientAuth\n');
    leaf('stranger', 'other-ca', '/O=system:masters/CN=mallory', 'extendedKeyUsage=clientAuth\n');
    server = await buildApiServer({
      store: await openMemoryStore(),
      https: {
        cert: readFileSync(f('serving.crt')),
        key: readFileSync(f('serving.key')),
        ca: readFileSync(f('ca.crt')),
        requestCert: true,
        rejectUnauthorized: false,
      },
      auth: { clientCertificates: true, authorizationModes: ['Node', 'RBAC'] },
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await server?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the user from CN and the groups from O', async () => {
    expect((await get(port, '/api/v1/nodes', 'admin')).status).toBe(200);
    const r = await get(port, '/api/v1/namespaces/default/pods', 'dev');
    expect(r.status).toBe(403);
    expect(r.body['message']).toBe('pods is forbidden: User "dana" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it('answers 401 without a certificate, and to a certificate of another CA', async () => {
    expect((await get(port, '/api/v1/nodes')).status).toBe(401);
    const r = await get(port, '/api/v1/nodes', 'stranger');
    expect(r.status).toBe(401);
    expect(r.body['reason']).toBe('Unauthorized');
  });
});
