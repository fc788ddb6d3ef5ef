import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler, Pod, ReplicaSet } from '@mk8s/api';
import { eventually } from '@mk8s/testing';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { HorizontalPodAutoscalerController } from './hpa-controller.js';
import type { ResourceMetricsSource } from './metrics-source.js';
import type { PodMetrics } from './replica-calculator.js';

/** Metrics the test chooses: millicores per pod name. */
class StubMetrics implements ResourceMetricsSource {
  usage = new Map<string, number>();
  calls = 0;
  async podMetrics(): Promise<PodMetrics> {
    this.calls++;
    return new Map([...this.usage].map(([name, value]) => [name, { value, timestampMs: Date.now(), windowMs: 10_000 }]));
  }
}

const LONG_AGO = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const rs = (replicas: number): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m' } } }] } },
  },
});

const hpa = (behavior?: HorizontalPodAutoscaler['spec'] extends infer S ? (S extends { behavior?: infer B } ? B : never) : never): HorizontalPodAutoscaler => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' },
    minReplicas: 1,
    maxReplicas: 6,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    behavior,
  },
});

describe('HorizontalPodAutoscalerController (API server in process, stub metrics)', () => {
  const bed = controllerTestBed();

  async function runningPod(name: string): Promise<void> {
    const pods = bed.client.pods.inNamespace('default');
    const created = await pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m' } } }] },
    } as Pod);
    created.status = { phase: 'Running', startTime: LONG_AGO, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: LONG_AGO }] };
    await pods.updateStatus(created);
  }

  it('scales a ReplicaSet up through its scale subresource, reports status, conditions and the event', async () => {
    const metrics = new StubMetrics();
    await bed.client.replicaSets.inNamespace('default').create(rs(1));
    await runningPod('web-a');
    metrics.usage.set('web-a', 200); // 200% of the request, target 50% -> 4
    await bed.client.horizontalPodAutoscalers.inNamespace('default').create(hpa());
    bed.start(({ client, factory }) => new HorizontalPodAutoscalerController({ client, factory, metricsSource: metrics, syncPeriodMs: 200 }));

    await eventually(async () => ((await bed.client.replicaSets.inNamespace('default').get('web')).spec?.replicas === 4 ? true : undefined), {
      message: 'replicas 4',
    });
    const h = await eventually(
      async () => {
        const got = await bed.client.horizontalPodAutoscalers.inNamespace('default').get('web');
        return got.status?.currentReplicas === 4 ? got : undefined;
      },
      { message: 'status.currentReplicas 4' },
    );
    expect(h.status?.lastScaleTime).toBeDefined();
    const conditions = Object.fromEntries((h.status?.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));
    expect(conditions['ScalingActive']).toBe('True ValidMetricFound');
    const events = await eventually(
      async () => {
        const list = (await bed.client.events.inNamespace('default').list()).items.filter((e) => e.reason === 'SuccessfulRescale');
        return list.length > 0 ? list : undefined;
      },
      { message: 'a SuccessfulRescale event', timeoutMs: 10_000 },
    );
    expect(events[0]!.message).toBe('New size: 4; reason: cpu resource utilization (percentage of request) above target');
    expect(events[0]!.source?.component).toBe('horizontal-pod-autoscaler');
  });

  it('scales down after the stabilization window of its behavior, within minReplicas', async () => {
    const metrics = new StubMetrics();
    await bed.client.replicaSets.inNamespace('default').create(rs(3));
    for (const n of ['a', 'b', 'c']) {
      await runningPod(`web-${n}`);
      metrics.usage.set(`web-${n}`, 1);
    }
    await bed.client.horizontalPodAutoscalers.inNamespace('default').create(hpa({ scaleDown: { stabilizationWindowSeconds: 1 } }));
    bed.start(({ client, factory }) => new HorizontalPodAutoscalerController({ client, factory, metricsSource: metrics, syncPeriodMs: 200 }));
    await eventually(async () => ((await bed.client.replicaSets.inNamespace('default').get('web')).spec?.replicas === 1 ? true : undefined), {
      message: 'replicas 1',
    });
    const events = (await bed.client.events.inNamespace('default').list()).items.filter((e) => e.reason === 'SuccessfulRescale');
    expect(events.map((e) => e.message)).toContain('New size: 1; reason: All metrics below target');
  });

  it('reports ScalingActive False with the reason when there are no metrics, and leaves the target alone', async () => {
    const metrics = new StubMetrics();
    await bed.client.replicaSets.inNamespace('default').create(rs(2));
    await runningPod('web-a');
    await bed.client.horizontalPodAutoscalers.inNamespace('default').create(hpa());
    bed.start(({ client, factory }) => new HorizontalPodAutoscalerController({ client, factory, metricsSource: metrics, syncPeriodMs: 200 }));
    const h = await eventually(
      async () => {
        const got = await bed.client.horizontalPodAutoscalers.inNamespace('default').get('web');
        return got.status?.conditions?.some((c) => c.type === 'ScalingActive') ? got : undefined;
      },
      { message: 'a ScalingActive condition' },
    );
    expect(h.status?.conditions?.find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
    expect(h.status?.conditions?.find((c) => c.type === 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededGetScale' });
    expect((await bed.client.replicaSets.inNamespace('default').get('web')).spec?.replicas).toBe(2);
  });
});
