/**
 * The CRI conformance suite against containerd's own CRI v1 server: a second
 * containerd instance of ours (own root, state, socket and CNI bridge; images
 * imported from the local Docker engine, never pulled). Passing it proves our
 * proto and CriClient are wire-compatible with a CRI runtime we did not write.
 */
import { CriClient } from '@mk8s/cri';
import { defineConformanceSuite } from '@mk8s/cri/conformance';
import { requireTool, startContainerd, type ContainerdInstance } from '@mk8s/testing';
import { afterAll, beforeAll, describe } from 'vitest';

/** busybox:latest as containerd names an image imported from `docker save`. */
const IMAGE = 'docker.io/library/busybox:latest';

/** Waits until containerd's CRI plugin reports both the runtime and the CNI network ready. */
async function waitForCriReady(socket: string, instance: ContainerdInstance): Promise<void> {
  const client = new CriClient(socket, { timeoutMs: 5_000 });
  const until = Date.now() + 30_000;
  let last = '';
  try {
    for (;;) {
      try {
        const { status } = await client.status({});
        const ready = (type: string): boolean => status.conditions.some((c) => c.type === type && c.status);
        if (ready('RuntimeReady') && ready('NetworkReady')) return;
        last = JSON.stringify(status.conditions);
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > until) throw new Error(`containerd's CRI did not become ready; last: ${last}\n${instance.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
}

/** Stops and removes every pod sandbox the instance still has (it is ours alone). */
async function removeAllSandboxes(socket: string): Promise<void> {
  const client = new CriClient(socket);
  try {
    const { items } = await client.listPodSandbox({});
    for (const { id } of items) {
      await client.stopPodSandbox({ podSandboxId: id }).catch(() => undefined);
      await client.removePodSandbox({ podSandboxId: id }).catch(() => undefined);
    }
  } finally {
    client.close();
  }
}

requireTool('containerd');

describe('containerd CRI', () => {
  let instance: ContainerdInstance | undefined;

  beforeAll(async () => {
    instance = await startContainerd({ images: ['busybox:latest'] });
    await waitForCriReady(instance.socket, instance);
  });

  afterAll(async () => {
    await instance?.stop();
  });

  defineConformanceSuite('containerd', async () => {
    if (!instance) throw new Error('containerd did not start');
    const { socket } = instance;
    return {
      socket,
      image: IMAGE,
      // The suite removes what each test created; this sweeps whatever a failed cleanup left.
      cleanup: () => removeAllSandboxes(socket),
    };
  });
});
