import { rm } from 'node:fs/promises';
import { isNotFound } from '../../errors.js';
import type { CriRuntime } from '../../runtime.js';

/**
 * Remembers what a test created so afterEach removes it even when the test
 * failed halfway. Removing twice is fine (CRI removal is idempotent).
 */
export class Tracker {
  private containers: string[] = [];
  private sandboxes: string[] = [];
  private dirs: string[] = [];

  container(id: string): string {
    this.containers.push(id);
    return id;
  }

  sandbox(id: string): string {
    this.sandboxes.push(id);
    return id;
  }

  dir(path: string): string {
    this.dirs.push(path);
    return path;
  }

  /** Removes everything; throws (after trying all) if anything but "not found" failed. */
  async cleanup(runtime: CriRuntime): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (!isNotFound(err)) failures.push(err);
      }
    };
    for (const containerId of this.containers.splice(0).reverse()) {
      await attempt(() => runtime.stopContainer({ containerId, timeout: 0 }));
      await attempt(() => runtime.removeContainer({ containerId }));
    }
    for (const podSandboxId of this.sandboxes.splice(0).reverse()) {
      await attempt(() => runtime.stopPodSandbox({ podSandboxId }));
      await attempt(() => runtime.removePodSandbox({ podSandboxId }));
    }
    for (const dir of this.dirs.splice(0)) {
      await attempt(() => rm(dir, { recursive: true, force: true }));
    }
    if (failures.length > 0) throw new AggregateError(failures, `conformance cleanup failed ${failures.length} time(s)`);
  }
}
