/**
 * Schema migration of a real database written before schema versioning:
 * the committed fixture (testing/fixtures/schema0-store, schema 0) opens
 * with the current code, is migrated, and reads exactly as it was written.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LevelStore } from './level-store.js';
import { SCHEMA_VERSION } from './schema.js';
import { CompactedError } from './errors.js';
import { SCHEMA0_FIXTURE, copyFixture, rawRows, rm, tempDir } from './testing/fixture-helpers.js';
import { revisions, take } from './testing/test-helpers.js';

let dir: string;
let db: string;

beforeEach(async () => {
  dir = await tempDir('mk8s-schema-');
  db = await copyFixture(SCHEMA0_FIXTURE, join(dir, 'db'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a schema 0 database (written before schema versioning)', () => {
  it('is the fixture it claims to be: no schema row, history, log, tombstones and a compaction', async () => {
    const rows = new Map(await rawRows(db));
    expect(rows.has('m/schema')).toBe(false);
    expect(rows.get('m/rev')).toBe('10');
    expect(rows.get('m/compacted')).toBe('3');
    expect([...rows.keys()].filter((k) => k.startsWith('l/'))).toHaveLength(7); // revisions 4..10
    expect([...rows].filter(([k, v]) => k.startsWith('h/') && v.startsWith('d:'))).toHaveLength(2); // two tombstones
  });

  it('is migrated on open and reads exactly as written', async () => {
    const store = await LevelStore.open({ path: db });
    try {
      expect(store.schema).toEqual({ version: SCHEMA_VERSION, migratedFrom: 0, created: false });
      expect(store.currentRevision()).toBe(10);
      expect(store.compactedRevision()).toBe(3);

      // Current state.
      expect(await store.get('/r/a')).toEqual({ key: '/r/a', value: 'a3', createRevision: 1, modRevision: 8 });
      expect(await store.get('/r/b')).toEqual({ key: '/r/b', value: 'b2', createRevision: 7, modRevision: 7 });
      expect(await store.get('/r/c')).toBeUndefined();
      expect(await store.get('/r/d')).toEqual({ key: '/r/d', value: 'd1', createRevision: 10, modRevision: 10 });
      expect(await store.count('/r/')).toBe(3);
      const at = async (revision: number): Promise<string[]> =>
        (await store.list('/r/', { revision })).items.map((kv) => `${kv.key}=${kv.value}@${kv.createRevision}/${kv.modRevision}`);
      expect(await at(10)).toEqual(['/r/a=a3@1/8', '/r/b=b2@7/7', '/r/d=d1@10/10']);

      // History at every readable revision.
      expect(await at(3)).toEqual(['/r/a=a2@1/3', '/r/b=b1@2/2']);
      expect(await at(4)).toEqual(['/r/a=a2@1/3']);
      expect(await at(5)).toEqual(['/r/a=a2@1/3', '/r/c=c1@5/5']);
      expect(await at(6)).toEqual(['/r/a=a2@1/3', '/r/c=c2@5/6']);
      expect(await at(7)).toEqual(['/r/a=a2@1/3', '/r/b=b2@7/7', '/r/c=c2@5/6']);
      expect(await at(8)).toEqual(['/r/a=a3@1/8', '/r/b=b2@7/7', '/r/c=c2@5/6']);
      expect(await at(9)).toEqual(['/r/a=a3@1/8', '/r/b=b2@7/7']);
      await expect(store.list('/r/', { revision: 2 })).rejects.toBeInstanceOf(CompactedError);

      // The log replays every write after the compacted revision, with previous versions.
      const ac = new AbortController();
      const events = await take(store.watch('/r/', { afterRevision: 3, signal: ac.signal })[Symbol.asyncIterator](), 7);
      ac.abort();
      expect(events.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}${e.prevKv ? ` prev ${e.prevKv.value}@${e.prevKv.modRevision}` : ''}`)).toEqual([
        'delete /r/b@4 prev b1@2',
        'create /r/c@5',
        'update /r/c@6 prev c1@5',
        'create /r/b@7',
        'update /r/a@8 prev a2@3',
        'delete /r/c@9 prev c2@6',
        'create /r/d@10',
      ]);
      expect(await store.verify()).toEqual([]);

      // Writing continues where it stopped.
      expect(await store.update('/r/d', 'd2', 10)).toMatchObject({ modRevision: 11, createRevision: 10 });
    } finally {
      await store.close();
    }

    // The marker is on disk, and the next open migrates nothing.
    expect(new Map(await rawRows(db)).get('m/schema')).toBe(String(SCHEMA_VERSION));
    const again = await LevelStore.open({ path: db });
    try {
      expect(again.schema).toEqual({ version: SCHEMA_VERSION, created: false });
      expect(again.currentRevision()).toBe(11);
      const ac = new AbortController();
      expect(revisions(await take(again.watch('/r/', { afterRevision: 8, signal: ac.signal })[Symbol.asyncIterator](), 3))).toEqual([9, 10, 11]);
      ac.abort();
    } finally {
      await again.close();
    }
  });
});
