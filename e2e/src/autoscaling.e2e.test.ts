// Auto-scaling as a user sees it, on real Docker: `mk8s up`, the CPU-burning
// example Deployment (requests.cpu 100m, limits.cpu 200m), an HPA made with
// `kubectl autoscale --cpu-percent=50` (autoscaling/v1, as kubectl 1.32
// sends it) and given a 10 s scale-down stabilization window with
// `kubectl patch`. `kubectl top` prints the metrics pipeline's numbers; when
// the pod starts burning CPU (a file switched on with `kubectl exec`), the
// HPA scales the Deployment up; when the load stops, back down to 1.
// Default --metrics-resolution (10 s) and HPA sync period (15 s): the waits
// are generous, nothing asserts timings.
import path from 'node:path';
import { REPO_ROOT, eventually } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, type E2eCluster } from './support/cluster.js';

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  status: { conditions?: Array<{ type: string; status: string }> };
}
interface HpaJson {
  status?: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: Array<{ resource?: { current?: { averageUtilization?: number } } }> };
}

const ready = (p: PodJson): boolean => !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('horizontal pod autoscaling on real CPU usage', () => {
  let c: E2eCluster;
  const seen: string[] = [];
  const readyPods = async (): Promise<PodJson[]> => (await c.kubectlJson<{ items: PodJson[] }>('get', 'pods', '-l', 'app=cpu-burner')).items.filter(ready);
  const hpaLine = async (): Promise<string> => {
    const line = (await c.kubectl('get', 'hpa', 'cpu-burner', '--no-headers')).stdout.trim();
    if (seen.at(-1) !== line) seen.push(line);
    return line;
  };

  beforeAll(async () => {
    c = await e2eCluster();
    const { stdout } = await c.mk8s('up');
    expect(stdout).toMatch(/ok kube-controller-manager/);
  }, 180_000);
  afterAll(async () => {
    if (seen.length > 0) console.log(`kubectl get hpa over the test:\n${seen.join('\n')}`);
    await c?.destroy();
  }, 120_000);

  let burner = '';

  it('kubectl autoscale creates an HPA for the example Deployment; kubectl get hpa shows its CPU target', async () => {
    await c.kubectl('apply', '-f', path.join(REPO_ROOT, 'examples/hpa-deployment.json'));
    const pods = await eventually(
      async () => {
        const ps = await readyPods();
        return ps.length === 1 ? ps : undefined;
      },
      { message: 'one ready cpu-burner pod', timeoutMs: 120_000, intervalMs: 200 },
    );
    burner = pods[0]!.metadata.name;
    const made = await c.kubectl('autoscale', 'deployment', 'cpu-burner', '--cpu-percent=50', '--min=1', '--max=5');
    expect(made.stdout).toContain('horizontalpodautoscaler.autoscaling/cpu-burner autoscaled');
    await c.kubectl('patch', 'hpa', 'cpu-burner', '--type', 'merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":10}}}}');
    // Metrics need two scrapes of the kubelet, then an HPA sync.
    const line = await eventually(
      async () => {
        const l = await hpaLine();
        return /cpu: \d+%\/50%/.test(l) ? l : undefined;
      },
      { message: 'a measured CPU utilization in kubectl get hpa', timeoutMs: 120_000, intervalMs: 2000 },
    );
    expect(line).toMatch(/^cpu-burner\s+Deployment\/cpu-burner\s+cpu: \d+%\/50%\s+1\s+5\s+1\s/);
  }, 300_000);

  it('kubectl top nodes and kubectl top pods print usage numbers', async () => {
    const nodes = (await c.kubectl('top', 'nodes')).stdout;
    expect(nodes).toMatch(/NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)/);
    expect(nodes).toMatch(/node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    const pods = (await c.kubectl('top', 'pods', '-l', 'app=cpu-burner')).stdout;
    expect(pods).toMatch(new RegExp(`${burner}\\s+\\d+m\\s+\\d+(Ki|Mi)`));
    console.log(`kubectl top nodes:\n${nodes}\nkubectl top pods:\n${pods}`);
  }, 60_000);

  it('scales up when the pod burns CPU, and the new pods become Ready', async () => {
    await c.kubectl('exec', burner, '--', 'touch', '/tmp/load');
    const hpa = await eventually(
      async () => {
        await hpaLine();
        const h = await c.kubectlJson<HpaJson>('get', 'hpa', 'cpu-burner');
        return (h.status?.desiredReplicas ?? 0) > 1 ? h : undefined;
      },
      { message: 'the HPA scaling up', timeoutMs: 240_000, intervalMs: 2000 },
    );
    expect(hpa.status!.currentMetrics?.[0]?.resource?.current?.averageUtilization ?? 0).toBeGreaterThan(55);
    const want = hpa.status!.desiredReplicas!;
    await eventually(async () => ((await readyPods()).length >= want ? true : undefined), {
      message: `${want} ready pods`,
      timeoutMs: 180_000,
      intervalMs: 1000,
    });
    const events = (await c.kubectl('get', 'events', '--field-selector', 'reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}')).stdout;
    expect(events).toMatch(/New size: \d; reason: cpu resource utilization \(percentage of request\) above target/);
  }, 480_000);

  it('scales back down to 1 once the load stops', async () => {
    await c.kubectl('exec', burner, '--', 'rm', '-f', '/tmp/load');
    await eventually(
      async () => {
        await hpaLine();
        const d = await c.kubectlJson<{ spec: { replicas: number } }>('get', 'deployment', 'cpu-burner');
        return d.spec.replicas === 1 ? true : undefined;
      },
      { message: 'the Deployment back at 1 replica', timeoutMs: 300_000, intervalMs: 2000 },
    );
    const events = (await c.kubectl('get', 'events', '--field-selector', 'reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}')).stdout;
    expect(events).toContain('New size: 1; reason: All metrics below target');
    // status.currentReplicas follows at the next sync after the rescale.
    const final = await eventually(
      async () => {
        const l = await hpaLine();
        return /cpu: \d+%\/50%\s+1\s+5\s+1\s/.test(l) ? l : undefined;
      },
      { message: 'kubectl get hpa showing 1 replica', timeoutMs: 90_000, intervalMs: 2000 },
    );
    expect(final).toContain('Deployment/cpu-burner');
  }, 420_000);
});
