/**
 * A full disk, for real: the store lives on a 4 MiB tmpfs that the test
 * mounts (root only). Writes fill it until one fails; the store turns
 * unhealthy with a clear error, keeps serving reads, waits for free space,
 * and once the filesystem grows (remount at 64 MiB) it reopens the database,
 * passes its probe write and accepts writes again, with every acknowledged
 * write still there after a close and reopen.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelStore } from './level-store.js';
import { StoreUnavailableError } from './errors.js';
import type { StoreHealth } from './store.js';
import { range } from './testing/test-helpers.js';

let mountPoint = '';
let mounted = false;
const stores: LevelStore[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error('this suite mounts a tmpfs to fill a real filesystem and must run as root (it does in the dev container and CI)');
  }
  mountPoint = await mkdtemp(join(tmpdir(), 'mk8s-full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountPoint]);
  mounted = true;
});

afterAll(async () => {
  for (const store of stores.splice(0)) await store.close().catch(() => {});
  if (mounted) {
    try {
      execFileSync('umount', [mountPoint]);
    } catch {
      execFileSync('umount', ['-l', mountPoint]);
    }
    mounted = false;
  }
  if (mountPoint) await rmdir(mountPoint);
});

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LevelStore on a full disk', () => {
  it('refuses writes clearly, serves reads, and recovers without a restart once space is freed', async () => {
    const path = join(mountPoint, 'db');
    const changes: StoreHealth[] = [];
    const store = await LevelStore.open({
      path,
      recoveryIntervalMs: 50,
      maxRecoveryIntervalMs: 200,
      recoveryMinFreeBytes: 1024 * 1024,
      onHealthChange: (h) => changes.push(h),
    });
    stores.push(store);

    // Eight writers fill the disk; each stops at its first failure.
    const value = 'x'.repeat(16 * 1024);
    const acked = new Map<string, number>();
    const failures: unknown[] = [];
    await Promise.all(
      range(1, 8).map(async (w) => {
        for (let i = 0; i < 1_000; i++) {
          const key = `/fill/${w}/${i}`;
          try {
            acked.set(key, (await store.create(key, value)).modRevision);
          } catch (err) {
            failures.push(err);
            return;
          }
        }
      }),
    );
    expect(failures).toHaveLength(8);
    const expected = `storage write failed: no space left on device (${path}); writes are refused until the store recovers (it retries in the background)`;
    for (const err of failures) {
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toBe(expected);
    }
    expect(acked.size).toBeGreaterThan(100);
    const lastAcked = Math.max(...acked.values());
    expect(store.currentRevision()).toBe(lastAcked);
    expect([...acked.values()].sort((a, b) => a - b)).toEqual(range(1, lastAcked));

    // Unhealthy, with the same clear error; writes refused at once; reads served.
    expect(store.health()).toMatchObject({ ok: false, error: expected });
    expect(changes).toMatchObject([{ ok: false, error: expected }]);
    await expect(store.create('/more', 'x')).rejects.toThrow(expected);
    expect(await store.get('/fill/1/0')).toMatchObject({ modRevision: acked.get('/fill/1/0') });
    expect(await store.count('/fill/')).toBe(acked.size);

    // The disk is still full: recovery waits for space without closing the database.
    await until(() => (store.health().recoveryAttempts ?? 0) >= 2, 5_000, 'recovery attempts');
    expect(store.health().lastRecoveryError).toMatch(/^waiting for free space: \d+ bytes free, 1048576 needed$/);
    expect((await store.list('/fill/1/', { limit: 1 })).items).toHaveLength(1);

    // Free space: the filesystem grows. The store reopens, probes and is healthy again.
    execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
    await until(() => store.health().ok, 10_000, 'the store to recover');
    expect(changes.map((h) => h.ok)).toEqual([false, true]);
    expect(store.currentRevision()).toBe(lastAcked);
    expect(await store.create('/after', 'x')).toMatchObject({ modRevision: lastAcked + 1 });
    expect(await store.verify()).toEqual([]);

    // Every acknowledged write survives a close and reopen.
    await store.close();
    const reopened = await LevelStore.open({ path });
    stores.push(reopened);
    expect(reopened.currentRevision()).toBe(lastAcked + 1);
    for (const [key, revision] of acked) expect(await reopened.get(key), key).toMatchObject({ createRevision: revision, modRevision: revision });
    expect(await reopened.get('/after')).toMatchObject({ modRevision: lastAcked + 1 });
    expect(await reopened.count('')).toBe(acked.size + 1);
    expect(await reopened.verify()).toEqual([]);
  });
});
