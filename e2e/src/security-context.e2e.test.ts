// securityContext as a user meets it, on real Docker: kube-apiserver,
// mk8s-dockershim and kubelet as separate processes. Each pod prints what
// its process is from inside the container (id, /proc/self/status, writes,
// chown), and the test reads it through pods/log:
// - a pod that Pod Security "restricted" admits runs as its runAsUser/
//   runAsGroup with supplementalGroups and fsGroup, no capabilities,
//   NoNewPrivs 1, seccomp filtering, a read-only root, and an emptyDir
//   owned by the fsGroup;
// - dropping CHOWN makes chown fail for root (a sibling without the drop
//   succeeds);
// - a Localhost seccomp profile from <root-dir>/<node>/seccomp is enforced;
// - runAsNonRoot with a root image waits in CreateContainerConfigError with
//   Kubernetes' message and a Failed event;
// - hostNetwork/hostPID pods see the node's namespaces, with the node's IP.
import { mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '@mk8s/component-base';
import { eventually, startNodeProcesses, type NodeProcesses } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './support/cluster.js';

const SCOPE = `io.mk8s.e2e=security-${process.pid}`;
const NODE = 'e2e-sec-node';

async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(base + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

describe('securityContext on real Docker', () => {
  let dir: string;
  let node: NodeProcesses | undefined;

  const createPod = async (namespace: string, pod: Record<string, any>): Promise<void> => {
    const spec = { nodeName: NODE, terminationGracePeriodSeconds: 1, ...pod['spec'] };
    const res = await api(node!.apiserver.url, 'POST', `/api/v1/namespaces/${namespace}/pods`, { apiVersion: 'v1', kind: 'Pod', ...pod, spec });
    expect(res.status, res.text).toBe(201);
  };
  /** The log of a container once it printed `done`. */
  const podOf = async (namespace: string, name: string): Promise<any> =>
    (await api(node!.apiserver.url, 'GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).body;
  const logOf = async (namespace: string, pod: string, container?: string): Promise<string> => {
    try {
      return await eventually(
        async () => {
          const r = await api(node!.apiserver.url, 'GET', `/api/v1/namespaces/${namespace}/pods/${pod}/log${container ? `?container=${container}` : ''}`);
          return r.status === 200 && r.text.includes('done\n') ? r.text : undefined;
        },
        { message: `${namespace}/${pod} ${container ?? ''} to print done`, timeoutMs: 60_000, intervalMs: 200 },
      );
    } catch (err) {
      const statuses = (await podOf(namespace, pod).catch(() => undefined))?.status?.containerStatuses;
      throw new Error(`${errorMessage(err)}; container statuses: ${JSON.stringify(statuses)}`);
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-sec-e2e-'));
    // A Localhost seccomp profile in the node's profile folder (<root-dir>/<node>/seccomp): everything allowed but mkdir.
    await mkdir(path.join(dir, 'kubelet', NODE, 'seccomp'), { recursive: true });
    await writeFile(
      path.join(dir, 'kubelet', NODE, 'seccomp', 'no-mkdir.json'),
      JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }),
    );
    node = await startNodeProcesses({ dir, nodeName: NODE, scopeLabels: SCOPE });
    const ns = await api(node.apiserver.url, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    expect(ns.status, ns.text).toBe(201);
    const host = await api(node.apiserver.url, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'hostns', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
    });
    expect(host.status, host.text).toBe(201);
  });

  afterAll(async () => {
    await node?.stop();
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${SCOPE}`]).catch(() => ({ stdout: '' }));
    if (stdout.trim()) await run('docker', ['rm', '-f', '-v', ...stdout.trim().split('\n')]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs a restricted pod as its user and groups, without capabilities or privilege escalation, on a read-only root', async () => {
    await createPod('locked', {
      metadata: { name: 'confined' },
      spec: {
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1234,
          runAsGroup: 2345,
          supplementalGroups: [3456],
          fsGroup: 4567,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            command: [
              'sh',
              '-c',
              [
                'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"',
                'grep -E "^(NoNewPrivs|CapEff|Seccomp):" /proc/self/status',
                'if touch /root-probe 2>/dev/null; then echo root=writable; else echo root=read-only; fi',
                'if touch /data/f 2>/dev/null; then echo data=writable; else echo data=read-only; fi',
                'echo "data-owner=$(stat -c %g:%a /data) file-group=$(stat -c %g /data/f)"',
                'echo done',
                'sleep 3600',
              ].join('\n'),
            ],
          },
        ],
      },
    });
    const log = await logOf('locked', 'confined');
    const ids = /uid=(\d+) gid=(\d+) groups=([\d ]+)/.exec(log);
    expect(ids?.[1]).toBe('1234');
    expect(ids?.[2]).toBe('2345');
    expect([...new Set(ids?.[3]?.trim().split(' '))].sort()).toEqual(['2345', '3456', '4567']);
    expect(log).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(log).toMatch(/^CapEff:\s+0+$/m);
    expect(log).toMatch(/^Seccomp:\s+2$/m);
    expect(log).toContain('root=read-only');
    expect(log).toContain('data=writable');
    expect(log).toContain('data-owner=4567:2777 file-group=4567');
  });

  it('drops CHOWN: chown fails for root where a sibling container without the drop succeeds', async () => {
    const script = 'if chown 1 /tmp 2>/dev/null; then echo chown=allowed; else echo chown=denied; fi; echo "uid=$(id -u)"; echo done; sleep 3600';
    await createPod('default', {
      metadata: { name: 'caps' },
      spec: {
        containers: [
          {
            name: 'dropped',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            securityContext: { runAsUser: 0, capabilities: { drop: ['CHOWN'] } },
            command: ['sh', '-c', script],
          },
          { name: 'control', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sh', '-c', script] },
        ],
      },
    });
    const dropped = await logOf('default', 'caps', 'dropped');
    expect(dropped).toContain('chown=denied');
    expect(dropped).toContain('uid=0');
    expect(await logOf('default', 'caps', 'control')).toContain('chown=allowed');
  });

  it('enforces a Localhost seccomp profile from the kubelet root', async () => {
    await createPod('default', {
      metadata: { name: 'profiled' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'no-mkdir.json' } },
            command: ['sh', '-c', 'if mkdir /tmp/d 2>/dev/null; then echo mkdir=allowed; else echo mkdir=denied; fi; echo done; sleep 3600'],
          },
        ],
      },
    });
    expect(await logOf('default', 'profiled')).toContain('mkdir=denied');
  });

  it('refuses runAsNonRoot with a root image: CreateContainerConfigError, a Failed event, no container', async () => {
    await createPod('default', {
      metadata: { name: 'rootimage' },
      spec: {
        securityContext: { runAsNonRoot: true },
        containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
      },
    });
    const pod = await eventually(
      async () => {
        const p = await podOf('default', 'rootimage');
        return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? p : undefined;
      },
      { message: 'CreateContainerConfigError', timeoutMs: 60_000, intervalMs: 200 },
    );
    const message = `container has runAsNonRoot and image will run as root (pod: "rootimage_default(${pod.metadata.uid})", container: main)`;
    expect(pod.status.containerStatuses[0].state.waiting.message).toBe(message);
    expect(pod.status.phase).toBe('Pending');
    const events = await eventually(
      async () => {
        const r = await api(node!.apiserver.url, 'GET', '/api/v1/namespaces/default/events');
        const found = (r.body?.items ?? []).filter((e: any) => e.involvedObject?.name === 'rootimage' && e.reason === 'Failed');
        return found.length ? found : undefined;
      },
      { message: 'the Failed event', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(events[0].message).toBe(`Error: ${message}`);
    expect(events[0].type).toBe('Warning');
    const { stdout } = await run('docker', [
      'ps',
      '-aq',
      '--filter',
      `label=${SCOPE}`,
      '--filter',
      'label=io.kubernetes.pod.name=rootimage',
      '--filter',
      'label=io.kubernetes.container.name=main',
    ]);
    expect(stdout.trim()).toBe('');
  });

  it("puts hostNetwork and hostPID pods in the node's namespaces, with the node's IP", async () => {
    await createPod('hostns', {
      metadata: { name: 'hostns' },
      spec: {
        hostNetwork: true,
        hostPID: true,
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'echo "net=$(readlink /proc/self/ns/net) pid=$(readlink /proc/self/ns/pid)"; echo done; sleep 3600'],
          },
        ],
      },
    });
    const log = await logOf('hostns', 'hostns');
    expect(log).toContain(`net=${await readlink('/proc/self/ns/net')}`);
    expect(log).toContain(`pid=${await readlink('/proc/self/ns/pid')}`);
    const pod = await eventually(
      async () => {
        const p = await podOf('hostns', 'hostns');
        return p?.status?.podIP ? p : undefined;
      },
      { message: 'pod IP', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(pod.status.podIP).toBe(pod.status.hostIP);
  });
});
