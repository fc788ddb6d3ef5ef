/**
 * The setup this package's integration tests share (not part of its public
 * API): a fresh in-process API server per test, and controllers started on
 * one informer factory that stop, with the factory, when the test ends (even
 * when it fails).
 */
import { SharedInformerFactory, listerWatchersFor, type Clientset } from '@mk8s/client';
import { startTestCluster, type TestCluster } from '@mk8s/testing';
import { afterEach, beforeEach } from 'vitest';

export interface ControllerTestBed {
  /** This test's cluster (valid inside a test). */
  readonly cluster: TestCluster;
  readonly client: Clientset;
  /** Builds controllers on a new factory, starts the factory and runs them until the test ends; abort the result to stop earlier. */
  start(make: (deps: { client: Clientset; factory: SharedInformerFactory }) => Runnable | Runnable[]): AbortController;
  /** Stops every controller started so far and waits until they (and their informers) have stopped: a restart's first half. */
  stopAll(): Promise<void>;
}

interface Runnable {
  run(signal: AbortSignal): Promise<void>;
}

/** Call inside a `describe`: registers the beforeEach/afterEach that own the cluster and the controllers. */
export function controllerTestBed(): ControllerTestBed {
  let cluster: TestCluster | undefined;
  const stops: AbortController[] = [];
  const runs: Promise<unknown>[] = [];
  beforeEach(async () => {
    cluster = await startTestCluster();
  });
  const stopAll = async (): Promise<void> => {
    for (const s of stops.splice(0)) s.abort();
    await Promise.allSettled(runs.splice(0));
  };
  afterEach(async () => {
    await stopAll();
    await cluster?.stop();
    cluster = undefined;
  });
  const bed: ControllerTestBed = {
    get cluster(): TestCluster {
      if (!cluster) throw new Error('controllerTestBed: no cluster outside a test');
      return cluster;
    },
    get client(): Clientset {
      return bed.cluster.client;
    },
    start(make) {
      const stop = new AbortController();
      stops.push(stop);
      const client = bed.client;
      const factory = new SharedInformerFactory(listerWatchersFor(client));
      const controllers = [make({ client, factory })].flat();
      factory.start(stop.signal);
      runs.push(...controllers.map((c) => c.run(stop.signal)), factory.stopped());
      return stop;
    },
    stopAll,
  };
  return bed;
}
