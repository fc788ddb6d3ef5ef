// CVE-2017-1002101 on real runtimes: an init container makes `host` in an
// emptyDir a symlink to `/`, the main container mounts `host` by subPath.
// The kubelet must refuse it (CreateContainerConfigError, a Failed event, no
// container created) so the host's files never show up in the pod, while a
// real subdirectory still mounts. Run against mk8s-dockershim (Docker) and,
// when containerd is installed, containerd's own CRI.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mountsUnder } from '@mk8s/component-base';
import { CriClient } from '@mk8s/cri';
import { eventually, requireTool, startContainerd, startNodeProcesses, type ContainerdInstance, type NodeProcesses } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './support/cluster.js';

interface PodJson {
  metadata: { uid: string };
  status?: {
    phase?: string;
    initContainerStatuses?: Array<{ state?: { terminated?: { exitCode: number } } }>;
    containerStatuses?: Array<{ name: string; state?: { waiting?: { reason?: string; message?: string }; running?: unknown } }>;
  };
}

type Runtime = 'docker' | 'containerd';
// Both runtimes, always: containerd comes with docker.io, which the test scripts install; without it the containerd half fails, saying so.
const runtimes: Runtime[] = ['docker', 'containerd'];

describe.each(runtimes)('subPath symlink escape on %s', (runtime) => {
  const scope = `io.mk8s.e2e=subpath-${process.pid}`;
  const node = `subpath-${runtime}`;
  let dir: string;
  let markerDir: string;
  let marker: string;
  let containerd: ContainerdInstance | undefined;
  let nodeProcs: NodeProcesses | undefined;
  let endpoint: string;

  const api = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: any; text: string }> => {
    const res = await fetch(nodeProcs!.apiserver.url + p, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };
  const getPod = async (name: string): Promise<PodJson> => (await api('GET', `/api/v1/namespaces/default/pods/${name}`)).body as PodJson;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `mk8s-subpath-e2e-${runtime}-`));
    // A file on the host the exploit pod would read through /host if the escape worked.
    markerDir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-subpath-marker-'));
    marker = randomBytes(12).toString('hex');
    await writeFile(path.join(markerDir, 'marker'), `${marker}\n`);
    if (runtime === 'containerd') {
      requireTool('containerd');
      containerd = await startContainerd({ images: ['busybox:latest'], subnet: '10.88.79.0/24', bridge: 'mk8s-ctrdsp' });
    }
    // Docker through mk8s-dockershim, or containerd's own CRI.
    nodeProcs = await startNodeProcesses({ dir, nodeName: node, scopeLabels: scope, runtimeEndpoint: containerd && `unix://${containerd.socket}` });
    endpoint = nodeProcs.runtimeEndpoint;
  });

  afterAll(async () => {
    await nodeProcs?.stop();
    await containerd?.stop();
    if (runtime === 'docker') {
      const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${scope}`]);
      if (stdout.trim()) await run('docker', ['rm', '-f', ...stdout.trim().split('\n')]);
    }
    // Never delete through a mount the kubelet may have left (that would reach into the volume).
    if (dir) for (const m of await mountsUnder(dir)) await run('umount', ['-l', m]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    if (markerDir) await rm(markerDir, { recursive: true, force: true });
  });

  it('refuses a subPath that an init container made a symlink to / (CreateContainerConfigError, Failed event, no container)', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'escape' },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 0,
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [
          {
            name: 'plant',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['ln', '-s', '/', '/data/host'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', `cat /host${markerDir}/marker; sleep 3600`],
            volumeMounts: [{ name: 'data', mountPath: '/host', subPath: 'host' }],
          },
        ],
      },
    };
    expect((await api('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const waiting = await eventually(
      async () => {
        const p = await getPod('escape');
        const w = p.status?.containerStatuses?.find((c) => c.name === 'main')?.state?.waiting;
        return w?.reason === 'CreateContainerConfigError' ? w : undefined;
      },
      { message: 'main to wait with CreateContainerConfigError', timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(waiting.message).toMatch(/subPath "host" of volumeMount "data" in container "main" refused: "host" is a symbolic link/);
    const p = await getPod('escape');
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    const events = await eventually(
      async () => {
        const list = (await api('GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=escape')}`)).body as {
          items: Array<{ reason: string; type: string; message: string }>;
        };
        return list.items.find((e) => e.reason === 'Failed' && e.message.includes('subPath "host"'));
      },
      { message: 'the Failed event', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(events.type).toBe('Warning');
    // The main container was never created, nothing was mounted, and the pod never printed the host's marker.
    const cri = new CriClient(endpoint.slice('unix://'.length));
    try {
      const { containers } = await cri.listContainers({});
      expect(containers.map((c) => c.metadata?.name)).toEqual(['plant']);
    } finally {
      cri.close();
    }
    expect(await mountsUnder(path.join(dir, 'kubelet'))).toEqual([]);
    const log = await api('GET', '/api/v1/namespaces/default/pods/escape/log?container=main');
    expect(log.text).not.toContain(marker);
    // Still refused on the next tries (the kubelet retries it on every sync).
    await new Promise((r) => setTimeout(r, 1500));
    expect((await getPod('escape')).status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CreateContainerConfigError');
  });

  it('still mounts a real subdirectory, through a kubelet-owned mount point that goes with the pod', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'legit' },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 0,
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [
          {
            name: 'prepare',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'mkdir -p /data/sub && echo from-init > /data/sub/hello'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'cat /sub/hello; echo from-main > /sub/written; sleep 3600'],
            volumeMounts: [{ name: 'data', mountPath: '/sub', subPath: 'sub' }],
          },
        ],
      },
    };
    expect((await api('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const running = await eventually(
      async () => {
        const p = await getPod('legit');
        return p.status?.phase === 'Running' ? p : undefined;
      },
      { message: 'legit Running', timeoutMs: 90_000, intervalMs: 200 },
    );
    const log = await eventually(
      async () => {
        const r = await api('GET', '/api/v1/namespaces/default/pods/legit/log?container=main');
        return r.text.includes('from-init') ? r.text : undefined;
      },
      { message: 'the log', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(log).toBe('from-init\n');
    const podDir = path.join(dir, 'kubelet', node, 'pods', running.metadata.uid);
    const written = path.join(podDir, 'volumes', 'empty-dir', 'data', 'sub', 'written');
    expect(
      await eventually(async () => await readFile(written, 'utf8').catch(() => undefined), {
        message: 'the write through the subPath',
        timeoutMs: 60_000,
        intervalMs: 200,
      }),
    ).toBe('from-main\n');
    const target = path.join(podDir, 'volume-subpaths', 'data', 'main', '0');
    expect(await mountsUnder(podDir)).toEqual([target]);
    if (runtime === 'docker') {
      const id = (
        await run('docker', [
          'ps',
          '-q',
          '--filter',
          `label=${scope}`,
          '--filter',
          'label=io.kubernetes.pod.name=legit',
          '--filter',
          'label=io.kubernetes.container.name=main',
        ])
      ).stdout.trim();
      const sources = (await run('docker', ['inspect', '-f', '{{range .Mounts}}{{.Source}} {{end}}', id])).stdout;
      expect(sources).toContain(target);
    }

    for (const name of ['legit', 'escape']) await api('DELETE', `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`);
    await eventually(
      async () =>
        await stat(podDir).then(
          () => undefined,
          () => true,
        ),
      { message: 'the pod folder gone', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(await mountsUnder(path.join(dir, 'kubelet'))).toEqual([]);
  });
});
