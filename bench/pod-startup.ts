/**
 * Pod startup: from the API create of a pod (already bound to a
 * node) to a watch seeing it Running, through kube-apiserver, kubelet and
 * mk8s-dockershim on real Docker; beside a raw `docker run -d` of the same
 * image, measured alternately in the same run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startNodeProcesses } from '@mk8s/testing';

const run = promisify(execFile);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface PodStartupResult {
  pods: number;
  podP50Ms: number;
  podP99Ms: number;
  dockerP50Ms: number;
  dockerP99Ms: number;
}

/** Resolves when a watch on the namespace sees the named pod Running. */
function runningSeen(api: string, name: string, rv: string): { done: Promise<number>; abort(): void } {
  const ac = new AbortController();
  const done = (async () => {
    const res = await fetch(`${api}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3D${name}`, {
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) throw new Error('watch ended');
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const ev = JSON.parse(buf.slice(0, nl)) as { object: { status?: { phase?: string } } };
        buf = buf.slice(nl + 1);
        if (ev.object.status?.phase === 'Running') {
          ac.abort();
          return performance.now();
        }
      }
    }
  })();
  return { done, abort: () => ac.abort() };
}

export async function runPodStartupBench(pods = 20): Promise<PodStartupResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-podstart-'));
  const scope = `io.mk8s.bench=podstart-${process.pid}`;
  const node = await startNodeProcesses({ dir, nodeName: 'bench', scopeLabels: scope });
  const api = node.apiserver;
  const podMs: number[] = [];
  const dockerMs: number[] = [];
  try {
    for (let i = 0; i < pods + 1; i++) {
      const rv = ((await (await fetch(`${api.url}/api/v1/namespaces/default/pods?limit=1`)).json()) as { metadata: { resourceVersion: string } }).metadata
        .resourceVersion;
      const name = `start-${i}`;
      const seen = runningSeen(api.url, name, rv);
      const t0 = performance.now();
      const res = await fetch(`${api.url}/api/v1/namespaces/default/pods`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name },
          spec: {
            nodeName: 'bench',
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'c', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
          },
        }),
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}`);
      const at = await seen.done;
      const d0 = performance.now();
      const { stdout } = await run('docker', ['run', '-d', '--pull=never', '--label', scope, 'busybox:latest', 'sleep', '3600']);
      const dockerRun = performance.now() - d0;
      await run('docker', ['rm', '-f', stdout.trim()]);
      // The first round warms caches for both and is not counted.
      if (i > 0) {
        podMs.push(at - t0);
        dockerMs.push(dockerRun);
      }
      await fetch(`${api.url}/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`, { method: 'DELETE' });
    }
    podMs.sort((a, b) => a - b);
    dockerMs.sort((a, b) => a - b);
    return {
      pods,
      podP50Ms: percentile(podMs, 50),
      podP99Ms: percentile(podMs, 99),
      dockerP50Ms: percentile(dockerMs, 50),
      dockerP99Ms: percentile(dockerMs, 99),
    };
  } finally {
    await node.stop();
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${scope}`]);
    if (stdout.trim()) await run('docker', ['rm', '-f', ...stdout.trim().split('\n')]);
    await rm(dir, { recursive: true, force: true });
  }
}
