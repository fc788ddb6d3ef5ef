// The audit log of a real API server in process: one audit.k8s.io/v1 Event
// line per request with the request's coordinates, the level None writing
// nothing, and the drop counter in /metrics.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, startServer, type TestServer } from '../testing/test-support.js';

type Any = any;

async function lines(file: string): Promise<Any[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** onResponse runs after the reply is sent and the writer flushes later: wait for `count` lines. */
async function linesWhen(file: string, count: number): Promise<Any[]> {
  return vi.waitFor(
    async () => {
      const got = await lines(file);
      if (got.length < count) throw new Error(`${got.length} lines`);
      return got;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('audit log', () => {
  let s: TestServer | undefined;
  let dir: string;
  afterEach(async () => {
    await s?.close();
    s = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes one Event line per request at Metadata level', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'audit-'));
    const file = path.join(dir, 'audit.log');
    s = await startServer({ audit: { path: file, level: 'Metadata' } });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { secret: 'not-logged' } };
    expect((await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', cm)).status).toBe(201);
    const ua = await fetch(`${s.url}/api/v1/namespaces/default/configmaps/c1`, { headers: { 'user-agent': 'kubectl/v1.32.0', 'audit-id': 'fixed-id' } });
    expect(ua.status).toBe(200);
    expect((await call(s.url, 'DELETE', '/api/v1/namespaces/default/configmaps/c1')).status).toBe(200);
    expect((await call(s.url, 'GET', '/api/v1/namespaces/default/configmaps/c1')).status).toBe(404);
    const events = await linesWhen(file, 4);
    expect(events.map((e) => [e.verb, e.responseStatus.code])).toEqual([
      ['create', 201],
      ['get', 200],
      ['delete', 200],
      ['get', 404],
    ]);
    const [create, get] = events;
    expect(create).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/configmaps',
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      objectRef: { resource: 'configmaps', namespace: 'default', apiGroup: '', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
    });
    expect(create.auditID).toMatch(/^[0-9a-f-]{36}$/);
    expect(create.sourceIPs).toContain('127.0.0.1');
    expect(create.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(create.stageTimestamp)).toBeGreaterThanOrEqual(Date.parse(create.requestReceivedTimestamp));
    expect(create.latency).toMatch(/ms$/);
    expect(JSON.stringify(create)).not.toContain('not-logged');
    expect(get).toMatchObject({ auditID: 'fixed-id', userAgent: 'kubectl/v1.32.0', objectRef: { name: 'c1' } });
    const metrics = await call(s.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(/apiserver_audit_event_total \d+/);
  });

  it('writes nothing at level None', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'audit-'));
    const file = path.join(dir, 'audit.log');
    s = await startServer({ audit: { path: file, level: 'None' } });
    expect((await call(s.url, 'GET', '/api/v1/namespaces')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('follows a policy', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'audit-'));
    const file = path.join(dir, 'audit.log');
    s = await startServer({
      audit: {
        path: file,
        policy: {
          rules: [
            { level: 'None', verbs: ['list', 'get'] },
            { level: 'Metadata', resources: [{ group: '', resources: ['configmaps'] }] },
          ],
        },
      },
    });
    await call(s.url, 'GET', '/api/v1/namespaces/default/configmaps');
    await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    await call(s.url, 'POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    expect(await linesWhen(file, 1)).toHaveLength(1);
    expect((await lines(file)).map((e) => `${e.verb} ${e.objectRef.resource}`)).toEqual(['create configmaps']);
  });
});
