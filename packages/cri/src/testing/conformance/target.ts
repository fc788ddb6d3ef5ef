import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient } from '../../client.js';
import type { CriRuntime } from '../../runtime.js';
import { serveCri, type CriServer } from '../../server.js';

/** What a runtime's setup hands the conformance suite. */
export type ConformanceTarget = {
  /** An image present on the runtime that has `sh`, `echo` and `sleep` (e.g. busybox:latest). */
  image: string;
  /** Releases what setup acquired (stops dockerd's helpers, a containerd instance...). */
  cleanup(): Promise<void>;
} & (
  | {
      /** An in-process runtime: the suite serves it on a temporary socket with serveCri. */
      runtime: CriRuntime;
    }
  | {
      /** The socket of a runtime that serves CRI itself (containerd, a dockershim binary). */
      socket: string;
    }
);

export type ConformanceSetup = () => Promise<ConformanceTarget>;

/** The suite's view of a target: always a CriClient over a real unix socket. */
export interface ConnectedTarget {
  client: CriClient;
  image: string;
  close(): Promise<void>;
}

/** Serves (if needed) and connects; close() undoes both, then the target's cleanup. */
export async function connectTarget(target: ConformanceTarget): Promise<ConnectedTarget> {
  let server: CriServer | undefined;
  let dir: string | undefined;
  let socket: string;
  if ('runtime' in target) {
    // Short path: unix socket paths are limited to ~107 bytes.
    dir = await mkdtemp(join(tmpdir(), 'mk8s-cri-'));
    socket = join(dir, 'cri.sock');
    server = await serveCri(target.runtime, socket);
  } else {
    socket = target.socket;
  }
  const client = new CriClient(socket, { timeoutMs: 30_000, pullTimeoutMs: 30_000 });
  return {
    client,
    image: target.image,
    async close() {
      client.close();
      try {
        await server?.close();
        if (dir) await rm(dir, { recursive: true, force: true });
      } finally {
        await target.cleanup();
      }
    },
  };
}
