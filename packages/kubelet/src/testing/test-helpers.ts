import type { Pod } from '@mk8s/api';
import type { FakeClock } from '@mk8s/client';
import type { CriRuntime } from '@mk8s/cri';
import { getRuntimePodStatus } from '../pods/runtime-pod.js';
import { generatePodStatus } from '../pods/status.js';
import type { PodSyncer, SyncResult } from '../pods/sync-pod.js';

/**
 * Test support (imported by tests only): one kubelet sync of `pod` without an
 * API server: sync, let the fake containers run, regenerate the status into
 * `pod.status` as the status manager would have written it.
 */
export async function syncAndStatus(syncer: PodSyncer, runtime: CriRuntime, clock: FakeClock, pod: Pod): Promise<SyncResult> {
  const uid = pod.metadata?.uid ?? '';
  const res = await syncer.sync(pod, await getRuntimePodStatus(runtime, uid));
  await clock.advance(0);
  pod.status = generatePodStatus({
    pod,
    runtimeStatus: await getRuntimePodStatus(runtime, uid),
    now: clock.now(),
    runtimeName: 'mk8s-fake',
    waiting: (name) => syncer.waitingReason(uid, name),
  });
  return res;
}

let seq = 0;

/** A pod bound to node-1 with a uid, as the kubelet receives it. */
export function testPod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-${seq}` },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      ...spec,
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}
