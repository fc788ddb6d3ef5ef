/**
 * A damaged or half-written database is refused with StoreCorruptError
 * (never opened as an empty store); `verify()` finds what the open checks do
 * not. Each damage is made by the test: files deleted, truncated or
 * rewritten, rows changed through a raw classic-level handle.
 */
import { readdir, mkdir, readFile, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClassicLevel } from 'classic-level';
import { LevelStore } from './level-store.js';
import { StoreCorruptError } from './errors.js';
import { historyKey, logKey } from './layout.js';
import { SCHEMA0_FIXTURE, copyFixture, rawBatch, rm, tempDir } from './testing/fixture-helpers.js';
import { range } from './testing/test-helpers.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir('mk8s-integrity-');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Opens, expecting StoreCorruptError that names the folder and the restore command; returns its problems. */
async function refused(path: string, pattern: RegExp): Promise<string> {
  const err = await LevelStore.open({ path }).then(
    async (store) => {
      await store.close();
      throw new Error(`expected ${path} to be refused`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreCorruptError);
  const message = (err as Error).message;
  expect(message).toContain(`the database at ${path} is damaged and was not opened`);
  expect(message).toContain('restore the latest snapshot with `mk8s snapshot restore FILE`');
  expect(message).toMatch(pattern);
  expect(err).toMatchObject({ code: 'STORE_CORRUPT', path });
  return message;
}

/** A schema-0 fixture copy: LevelDB files with a table (000005.ldb), a log and a manifest. */
async function fixture(): Promise<string> {
  return copyFixture(SCHEMA0_FIXTURE, join(dir, 'db'));
}

/** A store written by the current code: revisions 1..6, compacted 2. */
async function written(): Promise<string> {
  const path = join(dir, 'db');
  const store = await LevelStore.open({ path });
  await store.create('/x/a', 'a1'); // 1
  await store.create('/x/b', 'b1'); // 2
  await store.update('/x/a', 'a2'); // 3
  await store.delete('/x/b'); // 4
  await store.create('/x/c', 'c1'); // 5
  await store.update('/x/c', 'c2'); // 6
  await store.compact(2);
  await store.close();
  return path;
}

describe('opening a folder', () => {
  it('creates a new store in a missing folder, an empty one, or one holding only LevelDB lock and info files', async () => {
    const missing = join(dir, 'missing', 'deeper');
    const empty = join(dir, 'empty');
    const bookkeeping = join(dir, 'bookkeeping');
    await mkdir(empty);
    await mkdir(bookkeeping);
    await writeFile(join(bookkeeping, 'LOCK'), '');
    await writeFile(join(bookkeeping, 'LOG'), 'leveldb info log\n');
    for (const path of [missing, empty, bookkeeping]) {
      const store = await LevelStore.open({ path });
      expect(store.schema.created).toBe(true);
      expect(store.currentRevision()).toBe(0);
      await store.create('/k', 'v');
      await store.close();
      const again = await LevelStore.open({ path });
      expect(again.schema.created).toBe(false);
      expect(await again.get('/k')).toMatchObject({ value: 'v', modRevision: 1 });
      await again.close();
    }
  });

  it('refuses a folder with files but no LevelDB CURRENT, and leaves it untouched', async () => {
    const notes = join(dir, 'notes');
    await mkdir(notes);
    await writeFile(join(notes, 'readme.txt'), 'not a database');
    await refused(notes, /the folder has files \(readme\.txt\) but no LevelDB CURRENT file/);
    expect(await readdir(notes)).toEqual(['readme.txt']);

    const db = await fixture();
    await unlink(join(db, 'CURRENT'));
    const before = (await readdir(db)).sort();
    await refused(db, /no LevelDB CURRENT file.*point the API server at an empty or missing folder/);
    expect((await readdir(db)).sort()).toEqual(before);
  });

  it('refuses LevelDB damage: a missing manifest or table, a truncated table, a garbage CURRENT', async () => {
    let db = await fixture();
    await unlink(join(db, 'MANIFEST-000004'));
    await refused(db, /LevelDB reports: .*MANIFEST-000004: No such file or directory/);
    await rm(db, { recursive: true });

    db = await fixture();
    await unlink(join(db, '000005.ldb'));
    await refused(db, /LevelDB reports: .*Corruption: 1 missing files/);
    await rm(db, { recursive: true });

    db = await fixture();
    await truncate(join(db, '000005.ldb'), 200);
    await refused(db, /000005\.ldb/);
    await rm(db, { recursive: true });

    db = await fixture();
    await writeFile(join(db, 'CURRENT'), 'MANIFEST-999999\n');
    await refused(db, /LevelDB reports: .*MANIFEST-999999/);
    expect(await readFile(join(db, 'CURRENT'), 'utf8')).toBe('MANIFEST-999999\n');
  });

  it('refuses inconsistent meta rows', async () => {
    const cases: Array<[string, Parameters<typeof rawBatch>[1], RegExp]> = [
      ['m/rev missing', [{ type: 'del', key: 'm/rev' }], /has rows but no revision row m\/rev/],
      ['m/rev garbage', [{ type: 'put', key: 'm/rev', value: 'six' }], /m\/rev holds "six"/],
      [
        'm/compacted above m/rev',
        [{ type: 'put', key: 'm/compacted', value: '9' }],
        /compacted revision \(m\/compacted = 9\) is above the current revision \(m\/rev = 6\)/,
      ],
      [
        'a log row above m/rev',
        [{ type: 'put', key: logKey(7), value: 'c:0:/x/z' }],
        /newest log row is for revision 7, above the current revision m\/rev = 6/,
      ],
      [
        'm/rev behind the log (a lost revision row)',
        [{ type: 'put', key: 'm/rev', value: '5' }],
        /newest log row is for revision 6, above the current revision m\/rev = 5/,
      ],
      ['a current row above m/rev', [{ type: 'put', key: 'k//x/a', value: '1:8:a2' }], /"\/x\/a" has modRevision 8, above the current revision m\/rev = 6/],
      [
        'a current row without its history row',
        [{ type: 'del', key: historyKey('/x/c', 6) }],
        /"\/x\/c" \(modRevision 6\) has no history row at that revision/,
      ],
      ['a current row that does not decode', [{ type: 'put', key: 'k//x/a', value: 'garbage' }], /the current row of "\/x\/a" does not decode/],
    ];
    for (const [name, ops, pattern] of cases) {
      const db = await written();
      await rawBatch(db, ops);
      await expect(refused(db, pattern), name).resolves.toBeTypeOf('string');
      await rm(db, { recursive: true });
    }
  });
});

describe('verify()', () => {
  it('finds damage the open checks do not look for', async () => {
    const cases: Array<[string, Parameters<typeof rawBatch>[1], RegExp]> = [
      ['a log row missing', [{ type: 'del', key: logKey(4) }], /the log row for revision 4 is missing/],
      [
        'the version a log row replaced is missing',
        [{ type: 'del', key: historyKey('/x/c', 5) }],
        /l\/6 \(u "\/x\/c"\) replaced the version at revision 5, which has no live history row/,
      ],
      [
        "a history row at another key's revision",
        [{ type: 'put', key: historyKey('/x/a', 5), value: 'v:1:a?' }],
        /the log row l\/5 is for "\/x\/c", but a history row of "\/x\/a" has that revision/,
      ],
      ['a stray row', [{ type: 'put', key: 'zzz', value: '1' }], /unexpected row "zzz"/],
      ['an unknown meta row', [{ type: 'put', key: 'm/what', value: '1' }], /unexpected meta row "m\/what"/],
      [
        'a deleted key with a current row',
        [{ type: 'put', key: 'k//x/b', value: '2:2:b1' }],
        /"\/x\/b" has a current row but its newest history row \(revision 4\) is a tombstone/,
      ],
      [
        'a live key without a current row',
        [{ type: 'del', key: 'k//x/c' }],
        /"\/x\/c" has no current row but its newest history row \(revision 6\) is a live version/,
      ],
    ];
    for (const [name, ops, pattern] of cases) {
      const db = await written();
      await rawBatch(db, ops);
      const store = await LevelStore.open({ path: db }).catch((err: unknown) => {
        throw new Error(`${name}: open failed: ${String(err)}`);
      });
      const problems = await store.verify();
      await store.close();
      expect(problems.join('\n'), name).toMatch(pattern);
      await rm(db, { recursive: true });
    }
  });

  it('reports a consistent store as consistent while writes and compactions run', async () => {
    const store = await LevelStore.open({ path: join(dir, 'busy'), durable: false });
    try {
      let stop = false;
      const writers = range(1, 4).map(async (w) => {
        for (let i = 0; !stop; i++) {
          const key = `/busy/${w}/${i % 20}`;
          const kv = await store.get(key);
          if (!kv) await store.create(key, `v${i}`);
          else if (i % 3 === 0) await store.delete(key, kv.modRevision);
          else await store.update(key, `v${i}`, kv.modRevision);
        }
      });
      for (let round = 0; round < 8; round++) {
        await new Promise((r) => setTimeout(r, 20));
        await store.compact(Math.max(0, store.currentRevision() - 30));
        expect(await store.verify()).toEqual([]);
      }
      stop = true;
      await Promise.all(writers);
      expect(store.currentRevision()).toBeGreaterThan(100);
      expect(await store.verify()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('passes on a store written by this code and on a raw database holding it', async () => {
    const db = await written();
    const store = await LevelStore.open({ path: db });
    expect(await store.verify()).toEqual([]);
    await store.close();
    // A raw handle is what snapshot restore checks.
    const raw = new ClassicLevel<string, string>(db);
    await raw.open();
    const { verifyDatabase } = await import('./integrity.js');
    expect(await verifyDatabase(raw)).toEqual([]);
    await raw.close();
  });
});
