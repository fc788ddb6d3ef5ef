/**
 * Runtime figures: starting a pod (sandbox + one container) through
 * the CRI on Docker, beside a raw `docker run -d` of the same image measured
 * in the same run; and runtime-fake's operations per second, called directly
 * and through gRPC.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CriClient, serveCri, type CriRuntime, type PodSandboxConfig } from '@mk8s/cri';
import { DockerRuntime, cleanupByLabel } from '@mk8s/runtime-docker';
import { FakeRuntime } from '@mk8s/runtime-fake';

const run = promisify(execFile);
const LABEL = `io.mk8s.bench=${process.pid}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function sandboxConfig(i: number, logDirectory: string): PodSandboxConfig {
  return { metadata: { name: `bench-${i}`, uid: `uid-${process.pid}-${i}`, namespace: 'bench', attempt: 0 }, hostname: `bench-${i}`, logDirectory };
}

/** One pod: sandbox, create, start; returns ms until the container runs. */
async function startPod(rt: CriRuntime, i: number, logDir: string): Promise<{ ms: number; sandbox: string }> {
  const config = sandboxConfig(i, logDir);
  const t0 = performance.now();
  const { podSandboxId } = await rt.runPodSandbox({ config });
  const { containerId } = await rt.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: { metadata: { name: 'main', attempt: 0 }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'], logPath: 'main/0.log' },
  });
  await rt.startContainer({ containerId });
  return { ms: performance.now() - t0, sandbox: podSandboxId };
}

async function removePod(rt: CriRuntime, sandbox: string): Promise<void> {
  await rt.stopPodSandbox({ podSandboxId: sandbox });
  await rt.removePodSandbox({ podSandboxId: sandbox });
}

export interface CriBenchResult {
  rounds: number;
  criPodStartMs: number;
  dockerRunMs: number;
  fakeDirectOpsPerSecond: number;
  fakeGrpcOpsPerSecond: number;
}

export async function runCriBench(rounds = 10): Promise<CriBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-cri-bench-'));
  // The scope label lands on every container the runtime creates, so cleanup finds them all.
  const [labelKey, labelValue] = LABEL.split('=') as [string, string];
  const docker = new DockerRuntime({ scopeLabels: { [labelKey]: labelValue } });
  const server = await serveCri(docker, path.join(dir, 'docker.sock'));
  const client = new CriClient(path.join(dir, 'docker.sock'));
  try {
    const cri: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < rounds + 1; i++) {
      const pod = await startPod(client, i, path.join(dir, `logs-${i}`));
      const t0 = performance.now();
      const { stdout } = await run('docker', ['run', '-d', '--pull=never', '--label', LABEL, 'busybox:latest', 'sleep', '3600']);
      const rawMs = performance.now() - t0;
      // The first round warms caches for both and is not counted.
      if (i > 0) {
        cri.push(pod.ms);
        raw.push(rawMs);
      }
      await removePod(client, pod.sandbox);
      await run('docker', ['rm', '-f', stdout.trim()]);
    }

    const fake = new FakeRuntime();
    const fakeServer = await serveCri(fake, path.join(dir, 'fake.sock'));
    const fakeClient = new CriClient(path.join(dir, 'fake.sock'));
    const ops = async (rt: CriRuntime, n: number): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const pod = await startPod(rt, 100_000 + i, path.join(dir, 'fake-logs'));
        await removePod(rt, pod.sandbox);
      }
      // Each iteration is 5 CRI calls: run, create, start, stop, remove.
      return (n * 5) / ((performance.now() - t0) / 1000);
    };
    const direct = await ops(fake, 2000);
    const grpc = await ops(fakeClient, 500);
    fakeClient.close();
    await fakeServer.close();
    fake.close();
    return { rounds, criPodStartMs: median(cri), dockerRunMs: median(raw), fakeDirectOpsPerSecond: direct, fakeGrpcOpsPerSecond: grpc };
  } finally {
    client.close();
    await server.close();
    await cleanupByLabel(docker.docker, LABEL).catch(() => undefined);
    await docker.close();
    await rm(dir, { recursive: true, force: true });
  }
}
