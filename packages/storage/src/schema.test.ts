import { describe, expect, it } from 'vitest';
import { MemoryLevel } from 'memory-level';
import { StoreCorruptError, StoreSchemaError } from './errors.js';
import { LevelStore } from './level-store.js';
import { MIGRATIONS, SCHEMA_VERSION, prepareSchema } from './schema.js';
import type { Migration } from './schema.js';

const SYNC = { sync: true };

async function rows(db: MemoryLevel<string, string>): Promise<Array<[string, string]>> {
  return db.iterator().all();
}

describe('schema versions', () => {
  it('numbers the migrations 1..SCHEMA_VERSION', () => {
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.map((m) => m.to)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('gives a new database the current schema and revision 0', async () => {
    const db = new MemoryLevel<string, string>();
    const store = await LevelStore.open({ db });
    expect(store.schema).toEqual({ version: SCHEMA_VERSION, created: true });
    expect(await db.get('m/schema')).toBe(String(SCHEMA_VERSION));
    expect(await db.get('m/rev')).toBe('0');
    expect(await store.verify()).toEqual([]);
    await store.close();
  });

  it('runs each pending migration in order, one atomic batch each, recording its version', async () => {
    const db = new MemoryLevel<string, string>();
    await db.open();
    await db.batch([
      { type: 'put', key: 'm/rev', value: '7' },
      { type: 'put', key: 'old/a', value: '1' },
    ]);
    const seen: string[] = [];
    const migrations: Migration[] = [
      { to: 1, description: 'first', plan: async () => (seen.push('1'), [{ type: 'put', key: 'one', value: 'x' }]) },
      {
        to: 2,
        description: 'second, sees the first',
        plan: async (d) => (seen.push(`2 saw schema ${await d.get('m/schema')}`), [{ type: 'del', key: 'old/a' }]),
      },
      { to: 3, description: 'third', plan: async () => (seen.push('3'), []) },
    ];
    const batches: unknown[] = [];
    const batch = db.batch.bind(db);
    (db as unknown as { batch: unknown }).batch = (ops: unknown, opts: unknown) => (batches.push(ops), batch(ops as never, opts as never));

    expect(await prepareSchema(db, 'DB', SYNC, migrations)).toEqual({ version: 3, migratedFrom: 0, created: false });
    expect(seen).toEqual(['1', '2 saw schema 1', '3']);
    expect(batches).toEqual([
      [
        { type: 'put', key: 'one', value: 'x' },
        { type: 'put', key: 'm/schema', value: '1' },
      ],
      [
        { type: 'del', key: 'old/a' },
        { type: 'put', key: 'm/schema', value: '2' },
      ],
      [{ type: 'put', key: 'm/schema', value: '3' }],
    ]);
    expect(await rows(db)).toEqual([
      ['m/rev', '7'],
      ['m/schema', '3'],
      ['one', 'x'],
    ]);

    // A database at schema 2 runs only the third.
    await db.put('m/schema', '2');
    seen.length = 0;
    expect(await prepareSchema(db, 'DB', SYNC, migrations)).toEqual({ version: 3, migratedFrom: 2, created: false });
    expect(seen).toEqual(['3']);
    // Up to date: nothing runs.
    seen.length = 0;
    expect(await prepareSchema(db, 'DB', SYNC, migrations)).toEqual({ version: 3, created: false });
    expect(seen).toEqual([]);
    await db.close();
  });

  it('refuses a database of a newer schema, naming both versions and the folder', async () => {
    const db = new MemoryLevel<string, string>();
    await db.open();
    await db.batch([
      { type: 'put', key: 'm/schema', value: String(SCHEMA_VERSION + 1) },
      { type: 'put', key: 'm/rev', value: '3' },
    ]);
    const err = await prepareSchema(db, '/data/mk8s', SYNC).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreSchemaError);
    expect(err).toMatchObject({ code: 'SCHEMA_TOO_NEW', found: SCHEMA_VERSION + 1, known: SCHEMA_VERSION, path: '/data/mk8s' });
    expect((err as Error).message).toBe(
      `storage: the database at /data/mk8s was written by a newer mk8s (schema ${SCHEMA_VERSION + 1}, this one knows ${SCHEMA_VERSION}); ` +
        'refusing to open it: run that newer mk8s, or restore a snapshot taken by this version with `mk8s snapshot restore FILE`',
    );
    // Nothing was written.
    expect(await db.get('m/schema')).toBe(String(SCHEMA_VERSION + 1));
    await db.close();
  });

  it('refuses rows without m/rev, and a schema row that is not a number', async () => {
    const db = new MemoryLevel<string, string>();
    await db.open();
    await db.put('k//a', '1:1:x');
    await expect(prepareSchema(db, 'DB', SYNC)).rejects.toThrow(StoreCorruptError);
    await expect(prepareSchema(db, 'DB', SYNC)).rejects.toThrow(/has rows but no revision row m\/rev/);
    await db.put('m/schema', 'one');
    await expect(prepareSchema(db, 'DB', SYNC)).rejects.toThrow(/m\/schema holds "one"/);
    await db.close();
  });
});
