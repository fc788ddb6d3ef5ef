/**
 * Snapshot save and restore (snapshot.ts, restore.ts): a consistent snapshot
 * while writes continue, a restore that keeps data and bumps the revision
 * past every old one with everything below compacted, and the files and
 * folders it refuses.
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LevelStore } from './level-store.js';
import { CompactedError, SnapshotError, StoreLockedError } from './errors.js';
import { SCHEMA_VERSION } from './schema.js';
import { SNAPSHOT_FORMAT, inspectSnapshot } from './snapshot.js';
import { DEFAULT_RESTORE_REVISION_BUMP, restoreSnapshot } from './restore.js';
import { rm, tempDir } from './testing/fixture-helpers.js';
import { range, take } from './testing/test-helpers.js';
import type { KeyValue } from './store.js';

let dir: string;
const open: LevelStore[] = [];

async function openStore(path: string): Promise<LevelStore> {
  const store = await LevelStore.open({ path });
  open.push(store);
  return store;
}

beforeEach(async () => {
  dir = await tempDir('mk8s-snapshot-');
});

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Revisions 1..8, compacted 3: history, tombstones and a log. */
async function populate(store: LevelStore): Promise<void> {
  await store.create('/s/a', 'a1'); // 1
  await store.create('/s/b', 'b1'); // 2
  await store.update('/s/a', 'a2'); // 3
  await store.delete('/s/b'); // 4
  await store.create('/s/c', 'c1'); // 5
  await store.update('/s/c', 'c2'); // 6
  await store.create('/s/b', 'b2'); // 7
  await store.create('/s/d', JSON.stringify({ text: 'line\nbreak, "quotes", \u00e9\u4e2d\ud83d\ude00 and \\0' })); // 8
  await store.compact(3);
}

function entries(items: KeyValue[]): string[] {
  return items.map((kv) => `${kv.key}=${kv.value}@${kv.createRevision}/${kv.modRevision}`);
}

async function lines(file: string): Promise<string[]> {
  return gunzipSync(await readFile(file))
    .toString('utf8')
    .split('\n');
}

describe('saveSnapshot and restoreSnapshot', () => {
  it('round-trips keys, values and revisions, bumping the revision and compacting below it', async () => {
    const source = await openStore(join(dir, 'source'));
    await populate(source);
    const file = join(dir, 'snap.gz');
    const info = await source.saveSnapshot(file);
    expect(info).toMatchObject({ format: SNAPSHOT_FORMAT, schema: SCHEMA_VERSION, revision: 8, compacted: 3, source: join(dir, 'source') });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await inspectSnapshot(file)).toEqual(info);

    // The documented format: header, [key, value] rows in key order, trailer.
    const text = await lines(file);
    expect(JSON.parse(text[0]!)).toMatchObject({ format: 'mk8s-snapshot/1', schema: SCHEMA_VERSION, revision: 8, compacted: 3 });
    expect(text[text.length - 1]).toBe('');
    expect(JSON.parse(text[text.length - 2]!)).toEqual({ trailer: true, rows: info.rows, sha256: info.sha256 });
    const rows = text.slice(1, -2).map((l) => JSON.parse(l) as [string, string]);
    expect(rows).toHaveLength(info.rows);
    expect(rows.map((r) => r[0])).toEqual(rows.map((r) => r[0]).sort());
    expect(rows).toContainEqual(['m/rev', '8']);

    const before = await source.list('/s/');
    await source.close();
    const dataDir = join(dir, 'restored');
    const result = await restoreSnapshot(file, dataDir, { bumpRevision: 1000 });
    expect(result).toEqual({ dataDir, revision: 1008, snapshotRevision: 8, keys: 4 });

    const restored = await openStore(dataDir);
    expect(restored.currentRevision()).toBe(1008);
    expect(restored.compactedRevision()).toBe(1008);
    expect(entries((await restored.list('/s/')).items)).toEqual(entries(before.items));
    expect(await restored.get('/s/a')).toEqual({ key: '/s/a', value: 'a2', createRevision: 1, modRevision: 3 });
    expect(await restored.get('/s/d')).toEqual(before.items[3]);
    expect(await restored.verify()).toEqual([]);

    // A client holding an old resourceVersion gets 410 Gone and relists.
    await expect(restored.list('/s/', { revision: 8 })).rejects.toBeInstanceOf(CompactedError);
    await expect(restored.watch('/s/', { afterRevision: 8 })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(CompactedError);
    await expect(restored.watch('/s/', { afterRevision: 1007 })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(CompactedError);

    // The relist is at the restored revision; watching from it sees new writes above it.
    const relist = await restored.list('/s/', { revision: 1008 });
    expect(entries(relist.items)).toEqual(entries(before.items));
    const ac = new AbortController();
    const watch = restored.watch('/s/', { afterRevision: relist.revision, signal: ac.signal })[Symbol.asyncIterator]();
    const pending = take(watch, 2);
    expect(await restored.update('/s/a', 'a3', 3)).toEqual({ key: '/s/a', value: 'a3', createRevision: 1, modRevision: 1009 });
    expect(await restored.create('/s/e', 'e1')).toMatchObject({ createRevision: 1010, modRevision: 1010 });
    expect((await pending).map((e) => `${e.type}@${e.kv.modRevision}`)).toEqual(['update@1009', 'create@1010']);
    ac.abort();
    // Stale compare-and-swap still conflicts on the kept modRevisions.
    await expect(restored.update('/s/b', 'x', 2)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await restored.verify()).toEqual([]);
  });

  it('bumps by DEFAULT_RESTORE_REVISION_BUMP by default', async () => {
    const source = await openStore(join(dir, 'source'));
    await populate(source);
    const file = join(dir, 'snap.gz');
    await source.saveSnapshot(file);
    const result = await restoreSnapshot(file, join(dir, 'restored'));
    expect(DEFAULT_RESTORE_REVISION_BUMP).toBe(1_000_000_000);
    expect(result.revision).toBe(8 + DEFAULT_RESTORE_REVISION_BUMP);
  });

  it('is consistent at its revision while writes continue during the save', async () => {
    const source = await LevelStore.open({ path: join(dir, 'source'), durable: false });
    open.push(source);
    const value = 'v'.repeat(2_000);
    await Promise.all(range(1, 3000).map((i) => source.create(`/big/${i}`, `${i}:${value}`)));
    let stop = false;
    let writes = 0;
    const writers = range(1, 4).map(async (w) => {
      for (let i = 0; !stop; i++) {
        const key = `/big/${1 + ((w * 7919 + i * 31) % 3000)}`;
        const kv = await source.get(key);
        if (kv && i % 5 === 0) await source.delete(key, kv.modRevision).catch(() => {});
        else if (kv) await source.update(key, `${i}:${w}`, kv.modRevision).catch(() => {});
        else await source.create(key, `re-${i}`).catch(() => {});
        await source.create(`/new/${w}/${i}`, 'n');
        writes++;
      }
    });
    await new Promise((r) => setTimeout(r, 20));
    const startedAt = source.currentRevision();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const info = await source.saveSnapshot(out);
    const endedAt = source.currentRevision();
    stop = true;
    await Promise.all(writers);
    expect(writes).toBeGreaterThan(20);
    // Writes ran before and during the save: the snapshot's revision is one of them, not the end.
    expect(info.revision).toBeGreaterThanOrEqual(startedAt);
    expect(endedAt).toBeGreaterThan(info.revision);
    expect(out.writableEnded).toBe(false);

    const file = join(dir, 'snap.gz');
    await writeFile(file, Buffer.concat(chunks));
    const expected = await source.list('', { revision: info.revision });
    await restoreSnapshot(file, join(dir, 'restored'), { bumpRevision: 10 });
    const restored = await openStore(join(dir, 'restored'));
    expect(restored.currentRevision()).toBe(info.revision + 10);
    const actual = await restored.list('');
    expect(actual.items.length).toBe(expected.items.length);
    expect(actual.items).toEqual(expected.items);
  });

  it('refuses truncated, altered or foreign files, leaving the data folder alone', async () => {
    const source = await openStore(join(dir, 'source'));
    await populate(source);
    const file = join(dir, 'snap.gz');
    await source.saveSnapshot(file);
    const good = await readFile(file);
    const text = gunzipSync(good).toString('utf8');
    const dataDir = join(dir, 'data');
    const bad = join(dir, 'bad.gz');

    const cases: Array<[string, Buffer, RegExp]> = [
      ['cut in the gzip stream', good.subarray(0, Math.floor(good.length / 2)), /it is truncated: the compressed data ends early/],
      [
        'cut at a line, without its trailer',
        gzipSync(text.split('\n').slice(0, 6).join('\n') + '\n'),
        /it is truncated: it ends after 5 rows without its trailer/,
      ],
      ['a value altered', gzipSync(text.replace(':a2"', ':a9"')), /its checksum does not match: the file was altered/],
      [
        'a row dropped',
        gzipSync(
          text
            .split('\n')
            .filter((_, i) => i !== 3)
            .join('\n'),
        ),
        /its trailer counts \d+ rows but it holds \d+/,
      ],
      ['not gzip', Buffer.from('hello world\n'), /it is not an mk8s snapshot \(not gzip data\)/],
      [
        'another format',
        gzipSync('{"format":"mk8s-snapshot/9","schema":1,"revision":1,"compacted":0}\n'),
        /it is in snapshot format mk8s-snapshot\/9; this mk8s reads mk8s-snapshot\/1/,
      ],
      ['not a snapshot', gzipSync('{"hello":"world"}\n'), /it is not an mk8s snapshot \(no format in its header\)/],
      [
        'a newer schema',
        gzipSync(`{"format":"mk8s-snapshot/1","schema":${SCHEMA_VERSION + 1},"revision":1,"compacted":0}\n`),
        new RegExp(`it holds schema ${SCHEMA_VERSION + 1}`),
      ],
    ];
    for (const [name, bytes, pattern] of cases) {
      expect(bytes.equals(good), name).toBe(false);
      await writeFile(bad, bytes);
      const err = await restoreSnapshot(bad, dataDir).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(SnapshotError);
      expect((err as Error).message, name).toMatch(new RegExp(`^storage: snapshot ${bad} cannot be restored: `));
      expect((err as Error).message, name).toMatch(pattern);
      expect(err, name).toMatchObject({ code: 'SNAPSHOT_INVALID', file: bad });
    }
    await expect(restoreSnapshot(join(dir, 'missing.gz'), dataDir)).rejects.toThrow(/cannot be restored: cannot read it \(ENOENT/);
    // Nothing was created or left behind.
    expect((await readdir(dir)).sort()).toEqual(['bad.gz', 'snap.gz', 'source']);
  });

  it('refuses a snapshot whose rows are consistent with its checksum but not with each other', async () => {
    const source = await openStore(join(dir, 'source'));
    await populate(source);
    const file = join(dir, 'snap.gz');
    await source.saveSnapshot(file);
    // Rewrite the file with a history row removed, and a correct trailer.
    const text = gunzipSync(await readFile(file))
      .toString('utf8')
      .split('\n');
    const header = text[0]!;
    const rows = text.slice(1, -2).filter((l) => !l.startsWith('["h//s/c'));
    const { createHash } = await import('node:crypto');
    const body = [header, ...rows].map((l) => l + '\n').join('');
    const sha256 = createHash('sha256').update(body).digest('hex');
    await writeFile(file, gzipSync(body + JSON.stringify({ trailer: true, rows: rows.length, sha256 }) + '\n'));
    const err = await restoreSnapshot(file, join(dir, 'data')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as Error).message).toMatch(/its data does not open as a store as saved: .*"\/s\/c" \(modRevision 6\) has no history row/);
    expect((await readdir(dir)).sort()).toEqual(['snap.gz', 'source']);
  });

  it('moves an existing store aside, never deleting it, and bumps past its newer revision', async () => {
    const dataDir = join(dir, 'data');
    const store = await openStore(dataDir);
    await populate(store);
    const file = join(dir, 'snap.gz');
    await store.saveSnapshot(file);
    // The cluster goes on after the snapshot, then loses its data.
    for (let i = 0; i < 50; i++) await store.create(`/later/${i}`, 'x');
    await store.close();

    const now = new Date('2025-03-04T05:06:07.890Z');
    const result = await restoreSnapshot(file, dataDir, { bumpRevision: 1000, now: () => now });
    expect(result).toEqual({
      dataDir,
      revision: 58 + 1000,
      snapshotRevision: 8,
      previousRevision: 58,
      movedAside: `${dataDir}.before-restore-20250304T050607Z`,
      keys: 4,
    });
    // The old store is intact beside it.
    const old = await openStore(result.movedAside!);
    expect(old.currentRevision()).toBe(58);
    expect(await old.count('/later/')).toBe(50);
    await old.close();
    const restored = await openStore(dataDir);
    expect(await restored.count('/later/')).toBe(0);
    expect((await restored.create('/after', 'x')).modRevision).toBe(1059);
    await restored.close();

    // A second restore in the same second keeps both old folders.
    const again = await restoreSnapshot(file, dataDir, { bumpRevision: 1000, now: () => now });
    expect(again.movedAside).toBe(`${dataDir}.before-restore-20250304T050607Z-2`);
    expect(again.revision).toBe(1059 + 1000);
    expect((await readdir(dir)).sort()).toEqual(['data', 'data.before-restore-20250304T050607Z', 'data.before-restore-20250304T050607Z-2', 'snap.gz']);
  });

  it('restores over a damaged store (its revision unknown) and keeps it aside', async () => {
    const dataDir = join(dir, 'data');
    const store = await openStore(dataDir);
    await populate(store);
    const file = join(dir, 'snap.gz');
    await store.saveSnapshot(file);
    await store.close();
    await rm(join(dataDir, 'CURRENT'));
    const result = await restoreSnapshot(file, dataDir, { bumpRevision: 1000 });
    expect(result).toMatchObject({ revision: 1008, previousUnreadable: 'it has no LevelDB CURRENT file' });
    expect(result.previousRevision).toBeUndefined();
    expect(result.movedAside).toMatch(/data\.before-restore-\d{8}T\d{6}Z$/);
  });

  it('refuses a data folder in use by a running store', async () => {
    const dataDir = join(dir, 'data');
    const store = await openStore(dataDir);
    await populate(store);
    const file = join(dir, 'snap.gz');
    await store.saveSnapshot(file);
    const err = await restoreSnapshot(file, dataDir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as Error).message).toBe(
      `storage: cannot restore into ${dataDir}: the database is locked by a running process (an API server?); stop it, then run \`mk8s snapshot restore FILE\` again (LEVEL_LOCKED)`,
    );
    // Untouched: the store still works, nothing else was created.
    expect((await store.create('/still', 'here')).modRevision).toBe(9);
    expect((await readdir(dir)).sort()).toEqual(['data', 'snap.gz']);
  });

  it('saves an in-memory store too', async () => {
    const { openMemoryStore } = await import('./memory-store.js');
    const memory = await openMemoryStore();
    try {
      await populate(memory as LevelStore);
      const file = join(dir, 'memory.gz');
      const info = await memory.saveSnapshot(file);
      expect(info).toMatchObject({ revision: 8, compacted: 3, source: 'in-memory database' });
      const result = await restoreSnapshot(file, join(dir, 'from-memory'), { bumpRevision: 1 });
      expect(result.revision).toBe(9);
    } finally {
      await memory.close();
    }
  });
});
