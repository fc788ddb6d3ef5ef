/**
 * Schema versions of the level store's layout (layout.ts) and the migrations
 * between them.
 *
 * The version lives in the meta row `m/schema`. A database without it was
 * written before versioning: schema 0. Opening a database runs, in order,
 * every migration from its version to `SCHEMA_VERSION`, each as ONE atomic
 * batch that also records its target version, so a crash between two
 * migrations resumes at the next one. A database of a newer schema than this
 * code knows is refused (StoreSchemaError): reading it could misread or
 * damage it.
 *
 * Changing the layout: append a migration to `MIGRATIONS` (its `to` is the
 * new `SCHEMA_VERSION`) that returns the rows to rewrite, keep a fixture of
 * the previous layout under src/testing/fixtures/ and test the upgrade
 * (migrations.int.test.ts).
 */
import { StoreCorruptError, StoreSchemaError } from './errors.js';
import { META_REVISION, META_SCHEMA, parseRevision } from './layout.js';
import type { AbstractBatchOptions, AbstractLevel } from 'abstract-level';

type Database = AbstractLevel<string | Buffer | Uint8Array, string, string>;

export type MigrationOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

export interface Migration {
  /** The schema this migration produces (its source is `to - 1`). */
  to: number;
  description: string;
  /** The rows to write or delete; committed in one batch with `m/schema = to`. */
  plan(db: Database): Promise<MigrationOp[]>;
}

/** Every migration, in order: `MIGRATIONS[i]` turns schema `i` into `i + 1`. */
export const MIGRATIONS: readonly Migration[] = [
  {
    to: 1,
    description: 'record the schema version in m/schema (the rows are unchanged)',
    plan: async () => [],
  },
];

/** The schema this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export interface SchemaReport {
  /** The schema the database has now (SCHEMA_VERSION). */
  version: number;
  /** The schema it had before this open, when migrations ran. */
  migratedFrom?: number;
  /** True when the database was empty and was initialised by this open. */
  created: boolean;
}

/**
 * Brings the database to `SCHEMA_VERSION`: initialises an empty one
 * (`m/schema` and `m/rev = 0`), migrates an older one, refuses a newer one
 * (StoreSchemaError) and one whose rows exist without `m/rev`
 * (StoreCorruptError). `migrations` is for tests.
 */
export async function prepareSchema(
  db: Database,
  location: string,
  write: AbstractBatchOptions<string, string> & { sync?: boolean },
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<SchemaReport> {
  const latest = migrations.length;
  const [schemaText, revText] = await db.getMany([META_SCHEMA, META_REVISION]);
  let version: number;
  if (schemaText === undefined) {
    if (await isEmpty(db)) {
      await db.batch(
        [
          { type: 'put', key: META_SCHEMA, value: String(latest) },
          { type: 'put', key: META_REVISION, value: '0' },
        ],
        write,
      );
      return { version: latest, created: true };
    }
    version = 0;
  } else {
    version = parseRevision(schemaText);
    if (Number.isNaN(version))
      throw new StoreCorruptError(location, [`the schema row m/schema holds ${JSON.stringify(schemaText.slice(0, 40))}, not a version number`]);
  }
  if (version > latest) throw new StoreSchemaError(location, version, latest);
  if (revText === undefined) {
    throw new StoreCorruptError(location, ['the database has rows but no revision row m/rev (half-written, or not an mk8s database)']);
  }
  if (version === latest) return { version, created: false };
  for (const [i, migration] of migrations.entries()) {
    if (migration.to !== i + 1) throw new Error(`storage: migration ${i} must produce schema ${i + 1}, not ${migration.to}`);
    if (migration.to <= version) continue;
    const ops = await migration.plan(db);
    ops.push({ type: 'put', key: META_SCHEMA, value: String(migration.to) });
    await db.batch(ops, write);
  }
  return { version: latest, migratedFrom: version, created: false };
}

async function isEmpty(db: Database): Promise<boolean> {
  const first = await db.keys({ limit: 1 }).all();
  return first.length === 0;
}
