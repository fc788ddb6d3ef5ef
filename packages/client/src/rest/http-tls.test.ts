import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport, TransportError } from './http.js';

// A self-signed certificate for IP 127.0.0.1, valid 2000-2100 (test fixture only).
const CERT = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBWTCB/6ADAgECAgEBMAoGCCqGSM49BAMCMBQxEjAQBgNVBAMMCTEyNy4wLjAu',
  'MTAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowFDESMBAGA1UEAwwJ',
  'MTI3LjAuMC4xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAELQt3+8qsn7GymUB/',
  'Y2O6GIdfuVvXYQtQvmb3lZqWTcXWRMcPitM1yoDe6Ew2hmjui9B+UyJj9vfz1QI2',
  '85duKKNAMD4wDAYDVR0TAQH/BAIwADAPBgNVHREECDAGhwR/AAABMB0GA1UdDgQW',
  'BBQOmusG5jC0WzPHTQ11VCWnCl9ZCTAKBggqhkjOPQQDAgNJADBGAiEAvhuJwzrh',
  'S6zwcrFkmyzn6KPfztkB8iOT2vJ1S1QuOkwCIQDwtFbnWyGsh3O+E6vW779gDOXj',
  '89LR71Ch3oCQc26MJw==',
  '-----END CERTIFICATE-----',
].join('\n');
const KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgI5z0mCANSgf/pmQY',
  'xuDE5453fQ3u0xcGberIJTAACnqhRANCAAQtC3f7yqyfsbKZQH9jY7oYh1+5W9dh',
  'C1C+ZveVmpZNxdZExw+K0zXKgN7oTDaGaO6L0H5TImP29/PVAjbzl24o',
  '-----END PRIVATE KEY-----',
].join('\n');

describe('HttpTransport over https', () => {
  let server: https.Server;
  let url: string;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    server = https.createServer({ cert: CERT, key: KEY }, (req, res) => {
      seen.push(req.headers['authorization']);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"secure":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('trusts the server through caData and sends the token', async () => {
    const t = new HttpTransport({ server: url, caData: CERT, token: 'tls-token' });
    try {
      expect(await t.request({ method: 'GET', path: '/version' })).toEqual({ secure: true });
      expect(seen[seen.length - 1]).toBe('Bearer tls-token');
    } finally {
      t.close();
    }
  });

  it('refuses an unknown certificate with a TransportError', async () => {
    const t = new HttpTransport({ server: url });
    try {
      const err = (await t.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e)) as TransportError;
      expect(err).toBeInstanceOf(TransportError);
      expect(err.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    } finally {
      t.close();
    }
  });

  it('accepts any certificate with insecureSkipTLSVerify', async () => {
    const t = new HttpTransport({ server: url, insecureSkipTLSVerify: true });
    try {
      expect(await t.request({ method: 'GET', path: '/version' })).toEqual({ secure: true });
    } finally {
      t.close();
    }
  });
});
