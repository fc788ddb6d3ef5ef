// mk8s-dockershim as the kubelet will use it: a separate process serving the
// CRI on a unix socket. A pod it started keeps running across a restart of
// the shim, and the new shim finds it again from Docker's labels.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CriClient } from '@mk8s/cri';
import { startComponent, type ComponentProcess } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('mk8s-dockershim', () => {
  let dir: string;
  let socket: string;
  let shim: ComponentProcess | undefined;
  const uid = `e2e-${process.pid}-${Date.now()}`;

  const start = async (): Promise<ComponentProcess> => {
    const { proc } = await startComponent('mk8s-dockershim', { args: ['--socket', socket, '--log-level', 'warn'], ready: /serving CRI on unix:\/\/(\S+)/ });
    return proc;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-shim-'));
    socket = path.join(dir, 'cri.sock');
  });
  afterAll(async () => {
    await shim?.stop();
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${uid}`]);
    if (stdout.trim()) await run('docker', ['rm', '-f', ...stdout.trim().split('\n')]);
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a pod through the CRI, survives its own restart, and adopts the pod', async () => {
    shim = await start();
    let cri = new CriClient(socket);
    expect((await cri.version({})).runtimeName).toBe('docker');
    const config = { metadata: { name: 'web', uid, namespace: 'default', attempt: 0 }, hostname: 'web', logDirectory: path.join(dir, 'logs') };
    const { podSandboxId } = await cri.runPodSandbox({ config });
    const { containerId } = await cri.createContainer({
      podSandboxId,
      sandboxConfig: config,
      config: { metadata: { name: 'app', attempt: 0 }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'], logPath: 'app/0.log' },
    });
    await cri.startContainer({ containerId });
    const { stdout } = await run('docker', ['ps', '--filter', `label=io.kubernetes.pod.uid=${uid}`, '--format', '{{.Label "io.kubernetes.container.name"}}']);
    expect(stdout.trim().split('\n')).toContain('app');
    cri.close();

    expect(await shim.stop()).toBe(0);
    shim = await start();
    cri = new CriClient(socket);
    const status = await cri.containerStatus({ containerId });
    expect(status.status?.state).toBe('CONTAINER_RUNNING');
    const pods = await cri.listPodSandbox({ filter: { labelSelector: {} } });
    expect(pods.items.map((p) => p.id)).toContain(podSandboxId);
    await cri.stopPodSandbox({ podSandboxId });
    await cri.removePodSandbox({ podSandboxId });
    cri.close();
  });
});
