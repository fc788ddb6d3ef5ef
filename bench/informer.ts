/**
 * Informer figures: initial sync of many pods and the rate of
 * updates an informer absorbs, each beside a raw baseline doing the least
 * work the same result needs (one list + JSON.parse; a bare watch stream
 * parsed line by line), measured in the same run against the same server.
 */
import http from 'node:http';
import { Clientset, SharedInformer, listOf, listerWatchersFor, objectKey, type KubeObject, type ListerWatcher } from '@mk8s/client';
import { startApiServerProcess } from '@mk8s/testing';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(url: string, method: string, body?: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body ? { 'content-type': contentType } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function parallel(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface InformerBenchResult {
  pods: number;
  rawListMs: number;
  informerSyncMs: number;
  updates: number;
  rawWatchPerSecond: number;
  informerPerSecond: number;
  /** In process, no network: events/s through reflector + indexer + handler vs. a bare Map update loop. */
  inProcessEvents: number;
  inProcessInformerPerSecond: number;
  inProcessMapPerSecond: number;
}

/** The informer's own capacity: a scripted watch feeds events as fast as it can take them. */
async function inProcessAbsorb(objects: number, events: number): Promise<{ informer: number; map: number }> {
  const pod = (i: number, rv: number): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'default', resourceVersion: String(rv), labels: { app: 'bench' } },
  });
  const initial = Array.from({ length: objects }, (_, i) => pod(i, i + 1));
  const updates = Array.from({ length: events }, (_, j) => ({ type: 'MODIFIED' as const, object: pod(j % objects, objects + j + 1) }));
  // A ListerWatcher replaying prepared events as fast as the reflector pulls them.
  let served = false;
  const lw: ListerWatcher<KubeObject> = {
    list: async () => listOf(String(objects), initial),
    async *watch(opts) {
      if (served) {
        await new Promise((r) => opts.signal?.addEventListener('abort', r));
        return;
      }
      served = true;
      for (const ev of updates) yield ev;
      await new Promise((r) => opts.signal?.addEventListener('abort', r));
    },
  };
  const informer = new SharedInformer<KubeObject>(lw);
  let seen = 0;
  let t0 = 0;
  informer.addEventHandler({
    onUpdate: () => {
      if (seen++ === 0) t0 = performance.now();
    },
  });
  const ac = new AbortController();
  void informer.run(ac.signal);
  await informer.waitForSync(ac.signal);
  while (seen < events) await new Promise((r) => setImmediate(r));
  const informerRate = events / ((performance.now() - t0) / 1000);
  ac.abort();

  const map = new Map<string, KubeObject>(initial.map((o) => [objectKey(o), o]));
  let handled = 0;
  const t1 = performance.now();
  for (const ev of updates) {
    const key = objectKey(ev.object);
    if (map.get(key) !== ev.object) handled++;
    map.set(key, ev.object);
  }
  const mapRate = handled / ((performance.now() - t1) / 1000);
  return { informer: informerRate, map: mapRate };
}

/** Opens a raw watch and counts MODIFIED events; resolves the time of the `expected`-th. */
function rawWatchCounter(url: string, expected: number): { done: Promise<number>; close(): void } {
  let count = 0;
  let req: http.ClientRequest | undefined;
  const done = new Promise<number>((resolve, reject) => {
    req = http.get(url, { agent: false }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl)) as { type: string };
          buf = buf.slice(nl + 1);
          if (ev.type === 'MODIFIED' && ++count === expected) resolve(performance.now());
        }
      });
    });
    req.on('error', reject);
  });
  return { done, close: () => req?.destroy() };
}

export async function runInformerBench(pods = Number(process.env['BENCH_INFORMER_PODS'] ?? 10_000), updates = 3000): Promise<InformerBenchResult> {
  const { proc, url } = await startApiServerProcess();
  const client = new Clientset({ server: url, qps: 1e9, burst: 1e9 });
  try {
    const body = (i: number) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p-${i}`, labels: { app: 'bench', shard: String(i % 10) } },
        spec: {
          nodeName: `node-${i % 20}`,
          containers: [{ name: 'c', image: 'busybox:latest', command: ['sleep', '3600'], resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
        },
      });
    await parallel(pods, 64, async (i) => {
      const r = await request(`${url}/api/v1/namespaces/default/pods`, 'POST', body(i));
      if (r.status !== 201) throw new Error(`create answered ${r.status}: ${r.text.slice(0, 200)}`);
    });

    const rawList: number[] = [];
    const sync: number[] = [];
    for (let round = 0; round < 3; round++) {
      let t0 = performance.now();
      const list = JSON.parse((await request(`${url}/api/v1/pods`, 'GET')).text) as { items: unknown[] };
      if (list.items.length !== pods) throw new Error(`listed ${list.items.length} pods`);
      rawList.push(performance.now() - t0);

      const ac = new AbortController();
      const informer = new SharedInformer<KubeObject>(listerWatchersFor(client)('pods', {}));
      t0 = performance.now();
      void informer.run(ac.signal);
      await informer.waitForSync(ac.signal);
      sync.push(performance.now() - t0);
      if (informer.getStore().size !== pods) throw new Error(`informer holds ${informer.getStore().size} pods`);
      ac.abort();
    }

    // Updates: both consumers watch the same stream of label patches.
    const ac = new AbortController();
    const informer = new SharedInformer<KubeObject>(listerWatchersFor(client)('pods', {}));
    let seen = 0;
    let informerDone = 0;
    informer.addEventHandler({
      onUpdate: () => {
        if (++seen === updates) informerDone = performance.now();
      },
    });
    void informer.run(ac.signal);
    await informer.waitForSync(ac.signal);
    const rv = JSON.parse((await request(`${url}/api/v1/pods?limit=1`, 'GET')).text).metadata.resourceVersion as string;
    const raw = rawWatchCounter(`${url}/api/v1/pods?watch=true&resourceVersion=${rv}`, updates);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await parallel(updates, 64, async (i) => {
      const r = await request(
        `${url}/api/v1/namespaces/default/pods/p-${i % pods}`,
        'PATCH',
        JSON.stringify({ metadata: { labels: { round: String(i) } } }),
        'application/merge-patch+json',
      );
      if (r.status !== 200) throw new Error(`patch answered ${r.status}`);
    });
    const rawDone = await raw.done;
    const deadline = Date.now() + 30_000;
    while (!informerDone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    raw.close();
    ac.abort();
    if (!informerDone) throw new Error(`informer saw ${seen} of ${updates} updates`);
    const absorb = await inProcessAbsorb(pods, 100_000);
    return {
      inProcessEvents: 100_000,
      inProcessInformerPerSecond: absorb.informer,
      inProcessMapPerSecond: absorb.map,
      pods,
      rawListMs: median(rawList),
      informerSyncMs: median(sync),
      updates,
      rawWatchPerSecond: updates / ((rawDone - t0) / 1000),
      informerPerSecond: updates / ((informerDone - t0) / 1000),
    };
  } finally {
    client.close();
    agent.destroy();
    await proc.stop();
  }
}
