import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from './storage-backend.js';

describe('openStore (level)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the data folder readable by its owner only, also one that existed with looser modes', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-store-'));
    for (const [name, existing] of [
      ['fresh', false],
      ['loose', true],
    ] as const) {
      const dataDir = path.join(dir, name);
      if (existing) await mkdir(dataDir, { mode: 0o755 });
      const store = await openStore({ backend: 'level', dataDir });
      await store.close();
      expect((await stat(dataDir)).mode & 0o777, name).toBe(0o700);
    }
  });
});
