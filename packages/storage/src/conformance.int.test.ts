// The Store conformance suite on LevelStore over classic-level on disk, as the API server runs it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { defineStoreConformance } from './testing/conformance.js';
import { LevelStore } from './level-store.js';

let dir = '';
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-level-conformance-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

defineStoreConformance('level', () => LevelStore.open({ path: path.join(dir, `db-${n++}`) }));
