// kube-apiserver as a user runs it, on its on-disk store: kill -9 in the
// middle of a write burst loses no acknowledged write, and a graceful restart
// keeps resourceVersions and lets clients resume their watches.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startApiServerProcess } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function request(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, agent, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

function configMap(name: string) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { payload: 'x'.repeat(512) } };
}

describe('kube-apiserver durability', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-durability-'));
  });
  afterAll(async () => {
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged write when killed with SIGKILL during a burst', async () => {
    const data = path.join(dir, 'kill9');
    const first = await startApiServerProcess({ dataDir: data });
    const acked = new Map<string, string>();
    let stop = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `cm-${w}-${i}`;
        try {
          const r = await request(`${first.url}/api/v1/namespaces/default/configmaps`, 'POST', configMap(name));
          if (r.status === 201) acked.set(name, r.body.metadata.uid);
        } catch {
          return; // the server died under us: this write was never acknowledged
        }
      }
    });
    // Kill in the middle of the burst: once enough writes were acknowledged, whatever the machine's speed.
    const deadline = Date.now() + 60_000;
    while (acked.size < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.proc.kill();
    stop = true;
    await Promise.all(writers);
    expect(acked.size).toBeGreaterThanOrEqual(200);

    const second = await startApiServerProcess({ dataDir: data });
    try {
      const list = await request(`${second.url}/api/v1/namespaces/default/configmaps`, 'GET');
      const stored = new Map<string, string>(list.body.items.map((i: any) => [i.metadata.name, i.metadata.uid]));
      const lost = [...acked].filter(([name, uid]) => stored.get(name) !== uid);
      expect(lost).toEqual([]);
      // The store still works after recovery.
      expect((await request(`${second.url}/api/v1/namespaces/default/configmaps`, 'POST', configMap('after-crash'))).status).toBe(201);
    } finally {
      await second.proc.stop();
    }
  });

  it('continues resourceVersions across a graceful restart and exits 0 on SIGTERM', async () => {
    const data = path.join(dir, 'graceful');
    const a = await startApiServerProcess({ dataDir: data });
    const created = await request(`${a.url}/api/v1/namespaces/default/configmaps`, 'POST', configMap('kept'));
    expect(await a.proc.stop()).toBe(0);
    const b = await startApiServerProcess({ dataDir: data });
    try {
      const got = await request(`${b.url}/api/v1/namespaces/default/configmaps/kept`, 'GET');
      expect(got.body.metadata).toMatchObject({ uid: created.body.metadata.uid, resourceVersion: created.body.metadata.resourceVersion });
      const next = await request(`${b.url}/api/v1/namespaces/default/configmaps`, 'POST', configMap('next'));
      expect(Number(next.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));
    } finally {
      expect(await b.proc.stop()).toBe(0);
    }
  });
});
