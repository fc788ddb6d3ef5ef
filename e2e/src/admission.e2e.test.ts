// Admission as a user meets it, on real Docker (`mk8s up --nodes 1`):
// a ResourceQuota applied with kubectl caps a Deployment that wants more
// pods than it allows: the ReplicaSet's FailedCreate event carries the
// quota's message, only the allowed pods run, and `kubectl describe quota`
// shows used/hard. A privileged pod is refused with Pod Security's message.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, type E2eCluster } from './support/cluster.js';
import { podReady, sleep } from './support/workloads.js';

interface EventJson {
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string };
}

describe('admission on a real cluster', () => {
  let c: E2eCluster;
  let dir: string;

  const apply = async (name: string, obj: unknown): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, JSON.stringify(obj));
    return (await c.kubectl('apply', '-f', file)).stdout;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-admission-'));
    c = await e2eCluster();
    const { stdout } = await c.mk8s('up', '--nodes', '1');
    expect(stdout).toMatch(/ok kube-controller-manager/);
  }, 240_000);
  afterAll(async () => {
    await c?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('a ResourceQuota caps a Deployment: FailedCreate shows the quota message, only the allowed pods run', async () => {
    await c.kubectl('create', 'namespace', 'team');
    expect(
      await apply('quota.json', {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'team-quota', namespace: 'team' },
        spec: { hard: { pods: '2', 'requests.cpu': '1' } },
      }),
    ).toContain('resourcequota/team-quota created');
    await apply('deploy.json', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'greedy', namespace: 'team' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'greedy' } },
        template: {
          metadata: { labels: { app: 'greedy' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              { name: 'c', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sleep', '3600'], resources: { requests: { cpu: '400m' } } },
            ],
          },
        },
      },
    });
    const event = await eventually(
      async () => {
        const events = await c.kubectlJson<{ items: EventJson[] }>('get', 'events', '-n', 'team');
        return events.items.find((e) => e.reason === 'FailedCreate' && e.involvedObject.kind === 'ReplicaSet');
      },
      { message: 'a FailedCreate event with the quota message', timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(event.message).toMatch(
      /^Error creating: pods "greedy-[a-z0-9-]+" is forbidden: exceeded quota: team-quota, requested: pods=1,requests\.cpu=400m, used: pods=2,requests\.cpu=800m, limited: pods=2,requests\.cpu=1$/,
    );
    await eventually(
      async () => {
        const pods = await c.kubectlJson<{ items: Parameters<typeof podReady>[0][] }>('get', 'pods', '-n', 'team', '-l', 'app=greedy');
        return pods.items.filter(podReady).length === 2 ? pods : undefined;
      },
      { message: 'two running greedy pods', timeoutMs: 120_000, intervalMs: 1000 },
    );
    // The third replica stays refused.
    await sleep(3000);
    const pods = await c.kubectlJson<{ items: unknown[] }>('get', 'pods', '-n', 'team', '-l', 'app=greedy');
    expect(pods.items).toHaveLength(2);
    const describe = await eventually(
      async () => {
        const out = (await c.kubectl('describe', 'quota', 'team-quota', '-n', 'team')).stdout;
        return /pods\s+2\s+2/.test(out) ? out : undefined;
      },
      { message: 'kubectl describe quota with usage', timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(describe).toMatch(/Resource\s+Used\s+Hard/);
    expect(describe).toMatch(/requests\.cpu\s+800m\s+1/);
    const table = (await c.kubectl('get', 'quota', '-n', 'team')).stdout;
    expect(table).toMatch(/team-quota\s+\S+\s+pods: 2\/2, requests\.cpu: 800m\/1/);
  }, 300_000);

  it('refuses a privileged pod with the PodSecurity message, and allows it in a privileged namespace', async () => {
    const privileged = (ns: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: ns },
      spec: {
        containers: [{ name: 'c', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sleep', '3600'], securityContext: { privileged: true } }],
      },
    });
    const refused = await apply('priv.json', privileged('default')).then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? String(err),
    );
    expect(refused).toContain(
      'pods "root" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
    await c.kubectl('create', 'namespace', 'ops');
    await c.kubectl('label', 'namespace', 'ops', 'pod-security.kubernetes.io/enforce=privileged');
    expect(await apply('priv-ops.json', privileged('ops'))).toContain('pod/root created');
  }, 120_000);
});
