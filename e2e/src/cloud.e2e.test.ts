// The cloud controller manager with the local cloud, as a user sees it:
// `mk8s up` starts cloud-controller-manager and every node is initialized by
// it (providerID, zone, no uninitialized taint); a LoadBalancer Service gets
// an address from 127.240.0.0/24 that kube-proxy serves, spread over its
// pods; `mk8s node add` grows the cluster by an initialized node; `mk8s node
// remove` takes one away, its Node object is deleted and its pods come back
// elsewhere. Timings are printed, never asserted.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { eventually } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, run, type E2eCluster } from './support/cluster.js';

interface NodeJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { providerID?: string; taints?: Array<{ key: string }> };
  status: { conditions?: Array<{ type: string; status: string }> };
}
interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { conditions?: Array<{ type: string; status: string }> };
}

const UNINITIALIZED = 'node.cloudprovider.kubernetes.io/uninitialized';
const PORT = 18_080;
const ready = (p: PodJson): boolean => !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const initialized = (n: NodeJson): boolean => n.spec.providerID === `mk8s://${n.metadata.name}` && !(n.spec.taints ?? []).some((t) => t.key === UNINITIALIZED);

describe('cloud-controller-manager with the local cloud', () => {
  let c: E2eCluster;
  const pods = async (): Promise<PodJson[]> => (await c.kubectlJson<{ items: PodJson[] }>('get', 'pods', '-l', 'app=lb-web')).items;

  beforeAll(async () => {
    c = await e2eCluster();
    const { stdout } = await c.mk8s('up', '--nodes', '2');
    expect(stdout).toMatch(/ok cloud-controller-manager\s+pid \d+/);
  });
  afterAll(async () => {
    await c?.destroy();
  });

  it('initializes the nodes mk8s up starts', async () => {
    const nodes = (await c.kubectlJson<{ items: NodeJson[] }>('get', 'nodes')).items;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(['node-1', 'node-2']);
    for (const n of nodes) {
      expect(initialized(n)).toBe(true);
      expect(n.metadata.labels).toMatchObject({ 'topology.kubernetes.io/zone': 'local-a', 'topology.kubernetes.io/region': 'local' });
    }
  });

  it('a LoadBalancer Service gets an address and curl spreads over its pods', async () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'lb-web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'lb-web' } },
        template: {
          metadata: { labels: { app: 'lb-web' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'httpd',
                image: 'busybox:latest',
                imagePullPolicy: 'Never',
                command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    };
    const file = path.join(c.home, 'lb-web.json');
    await writeFile(file, JSON.stringify(manifest));
    await c.kubectl('apply', '-f', file);
    await eventually(async () => ((await pods()).filter(ready).length === 2 ? true : undefined), {
      message: '2 ready lb-web pods',
      timeoutMs: 90_000,
      intervalMs: 200,
    });

    const svcFile = path.join(c.home, 'lb-svc.json');
    await writeFile(
      svcFile,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'lb-web' },
        spec: { type: 'LoadBalancer', selector: { app: 'lb-web' }, ports: [{ port: PORT, targetPort: 8080 }] },
      }),
    );
    const t0 = Date.now();
    await c.kubectl('apply', '-f', svcFile);
    const ip = await eventually(
      async () => (await c.kubectl('get', 'svc', 'lb-web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}')).stdout.trim() || undefined,
      { message: 'an ingress IP', timeoutMs: 30_000 },
    );
    console.log(`[cloud e2e] LoadBalancer address ${ip} after ${Date.now() - t0} ms`);
    expect(ip).toMatch(/^127\.240\.0\.\d+$/);
    expect((await c.kubectl('get', 'svc', 'lb-web')).stdout).toContain(ip);

    const url = `http://${ip}:${PORT}/`;
    const t1 = Date.now();
    await eventually(async () => (await run('curl', ['-sf', '--max-time', '2', url])).stdout || undefined, {
      message: `${url} answering`,
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    console.log(`[cloud e2e] ${url} answered ${Date.now() - t1} ms after the address appeared`);
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const answer = (await run('curl', ['-sf', '--max-time', '5', url])).stdout.trim();
      counts.set(answer, (counts.get(answer) ?? 0) + 1);
    }
    console.log(`[cloud e2e] 40 requests over the LoadBalancer address: ${JSON.stringify(Object.fromEntries(counts))}`);
    expect([...counts.keys()].sort()).toEqual(
      (await pods())
        .filter(ready)
        .map((p) => p.metadata.name)
        .sort(),
    );
  });

  it('mk8s node add starts an initialized, Ready node-3', async () => {
    const t0 = Date.now();
    const { stdout } = await c.mk8s('node', 'add');
    expect(stdout).toMatch(/ok kubelet-node-3\s+pid \d+/);
    expect(stdout).toContain('node node-3 added');
    const node = await c.kubectlJson<NodeJson>('get', 'node', 'node-3');
    console.log(`[cloud e2e] mk8s node add took ${Date.now() - t0} ms`);
    expect(initialized(node)).toBe(true);
    expect(node.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    expect((await c.mk8s('status')).stdout).toMatch(/kubelet-node-3\s+running/);
  });

  it('mk8s node remove: the Node object is deleted and its pods come back on other nodes', async () => {
    const victim = (await pods()).filter(ready)[0]!.spec.nodeName!;
    const t0 = Date.now();
    const { stdout } = await c.mk8s('node', 'remove', victim);
    expect(stdout).toContain(`node ${victim} removed`);
    await eventually(
      async () => {
        const names = (await c.kubectlJson<{ items: NodeJson[] }>('get', 'nodes')).items.map((n) => n.metadata.name);
        return names.includes(victim) ? undefined : true;
      },
      { message: `Node ${victim} deleted`, timeoutMs: 90_000, intervalMs: 250 },
    );
    console.log(`[cloud e2e] Node ${victim} deleted ${Date.now() - t0} ms after mk8s node remove`);
    const moved = await eventually(
      async () => {
        const all = await pods();
        return all.every((p) => p.spec.nodeName !== victim) && all.filter(ready).length === 2 ? all : undefined;
      },
      { message: '2 ready lb-web pods, none bound to the removed node', timeoutMs: 90_000, intervalMs: 250 },
    );
    console.log(`[cloud e2e] pods back on ${moved.map((p) => p.spec.nodeName).join(', ')} ${Date.now() - t0} ms after mk8s node remove`);
    const t1 = Date.now();
    const events = (await c.kubectl('get', 'events', '-A', '--field-selector', 'reason=DeletingNode', '-o', 'jsonpath={.items[*].message}')).stdout;
    expect(events).toContain(`Deleting node ${victim}`);
    expect((await c.mk8s('status')).stdout).not.toMatch(new RegExp(`kubelet-${victim}\\s+running`));
    // The Service still answers from the surviving pods.
    const ip = (await c.kubectl('get', 'svc', 'lb-web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}')).stdout.trim();
    const t2 = Date.now();
    await eventually(async () => (await run('curl', ['-sf', '--max-time', '2', `http://${ip}:${PORT}/`])).stdout || undefined, {
      message: 'the LoadBalancer answering after the move',
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    console.log(`[cloud e2e] events+status checks ${t2 - t1} ms; LoadBalancer answered ${Date.now() - t2} ms later`);
  });
});
