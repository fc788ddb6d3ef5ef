/**
 * Shared by the scheduler's integration tests: a test cluster with a
 * Scheduler running against it, and polling helpers. Everything started
 * here is stopped by `stop()`.
 */
import type { Event, Pod } from '@mk8s/api';
import { Clientset } from '@mk8s/client';
import { startTestCluster, type TestCluster } from '@mk8s/testing';
import type { SchedulerConfiguration } from '../config.js';
import { Scheduler } from '../scheduler.js';

export interface Harness {
  cluster: TestCluster;
  client: Clientset;
  scheduler: Scheduler;
  /** Starts (another) scheduler instance against the same cluster; stopped by `stop`. */
  startScheduler(config?: SchedulerConfiguration): Scheduler;
  stop(): Promise<void>;
}

export async function startHarness(config?: SchedulerConfiguration): Promise<Harness> {
  const cluster = await startTestCluster();
  const clients: Clientset[] = [];
  const runs: Array<{ ac: AbortController; done: Promise<void> }> = [];
  const startScheduler = (cfg?: SchedulerConfiguration): Scheduler => {
    const client = new Clientset({ server: cluster.url, qps: 1e6, burst: 1e6 });
    clients.push(client);
    const scheduler = new Scheduler({ client, config: cfg });
    const ac = new AbortController();
    runs.push({ ac, done: scheduler.run(ac.signal) });
    return scheduler;
  };
  const scheduler = startScheduler(config);
  return {
    cluster,
    client: cluster.client,
    scheduler,
    startScheduler,
    async stop() {
      for (const r of runs) r.ac.abort();
      await Promise.allSettled(runs.map((r) => r.done));
      for (const c of clients) c.close();
      await cluster.stop();
    },
  };
}

export async function listPods(client: Clientset, namespace = 'default'): Promise<Pod[]> {
  return (await client.pods.inNamespace(namespace).list()).items;
}

export async function eventsFor(client: Clientset, pod: string, namespace = 'default'): Promise<Event[]> {
  return (await client.events.inNamespace(namespace).list()).items.filter((e) => e.involvedObject?.name === pod);
}

export function scheduledCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
}
