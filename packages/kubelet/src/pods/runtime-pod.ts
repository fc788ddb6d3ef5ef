import type { ContainerStatus, CriRuntime, PodSandboxStatus } from '@mk8s/cri';
import { isNotFound } from '@mk8s/cri';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './labels.js';

/**
 * Everything the runtime holds for one pod (Kubernetes' kubecontainer.PodStatus):
 * its sandboxes, newest first, and its containers across all of them, newest
 * attempt first. This, not the API object, is the truth the syncer acts on.
 */
export interface RuntimePodStatus {
  uid: string;
  sandboxes: PodSandboxStatus[];
  containers: RuntimeContainer[];
}

/** A container's CRI status plus the sandbox it lives in (ContainerStatus does not say). */
export type RuntimeContainer = ContainerStatus & { podSandboxId: string };

/** Reads a pod's sandboxes and containers by the pod uid label. Objects that vanish meanwhile are skipped. */
export async function getRuntimePodStatus(runtime: CriRuntime, uid: string): Promise<RuntimePodStatus> {
  const [sbList, ctrList] = await Promise.all([
    runtime.listPodSandbox({ filter: { labelSelector: { [LABEL_POD_UID]: uid } } }),
    runtime.listContainers({ filter: { labelSelector: { [LABEL_POD_UID]: uid } } }),
  ]);
  const sandboxes = (await Promise.all(sbList.items.map((s) => ignoreNotFound(runtime.podSandboxStatus({ podSandboxId: s.id }).then((r) => r.status))))).filter(
    (s): s is PodSandboxStatus => s !== undefined,
  );
  const containers = (
    await Promise.all(
      ctrList.containers.map((c) =>
        ignoreNotFound(runtime.containerStatus({ containerId: c.id }).then((r) => ({ ...r.status, podSandboxId: c.podSandboxId }))),
      ),
    )
  ).filter((c): c is RuntimeContainer => c !== undefined);
  sandboxes.sort((a, b) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0) || b.createdAt - a.createdAt);
  containers.sort(newestFirst);
  return { uid, sandboxes, containers };
}

/** Newest attempt first; ties (should not happen) by creation time. */
export function newestFirst(a: ContainerStatus, b: ContainerStatus): number {
  return (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0) || b.createdAt - a.createdAt;
}

/** The newest ready sandbox, if any. */
export function readySandbox(status: RuntimePodStatus): PodSandboxStatus | undefined {
  return status.sandboxes.find((s) => s.state === 'SANDBOX_READY');
}

/** A container's runtime instances (by its name label or metadata name), newest attempt first. */
export function containersNamed(status: RuntimePodStatus, name: string): RuntimeContainer[] {
  return status.containers.filter((c) => (c.labels[LABEL_CONTAINER_NAME] ?? c.metadata.name) === name);
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
