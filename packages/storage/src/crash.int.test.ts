/**
 * kill -9 durability: a child process writes a burst of creates and prints
 * each acknowledged key; the parent SIGKILLs it mid-burst and checks that
 * every acknowledged write survived and that revisions are gap-free.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LevelStore } from './level-store.js';
import { range } from './testing/test-helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../..');
const storeModule = pathToFileURL(join(here, 'level-store.ts')).href;

const CHILD = `
import { LevelStore } from ${JSON.stringify(storeModule)};
const [path, round] = process.argv.slice(2);
const store = await LevelStore.open({ path });
process.stdout.write('ready ' + store.currentRevision() + '\\n');
async function writer(w) {
  for (let n = 0; ; n++) {
    const key = '/crash/' + round + '/' + w + '/' + n;
    const kv = await store.create(key, 'value-' + n);
    process.stdout.write('ack ' + key + ' ' + kv.modRevision + '\\n');
  }
}
for (let w = 0; w < 16; w++) writer(w);
`;

interface Ack {
  key: string;
  revision: number;
}

/** Runs the child until it has acknowledged `acks` writes, then SIGKILLs it. */
async function burstAndKill(script: string, dbPath: string, round: number, acks: number): Promise<{ ready: number; acked: Ack[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dbPath, String(round)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((done) => child.on('exit', (code, signal) => done(signal ?? code)));
  let ready = -1;
  const acked: Ack[] = [];
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'ready') ready = Number(a);
    if (kind === 'ack') acked.push({ key: a!, revision: Number(b) });
    if (acked.length === acks) child.kill('SIGKILL');
  }
  const how = await exited;
  if (how !== 'SIGKILL') throw new Error(`child ended with ${String(how)} before the kill: ${stderr}`);
  return { ready, acked };
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mk8s-crash-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('LevelStore kill -9', () => {
  it('keeps every acknowledged write and a gap-free revision history', async () => {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, CHILD);
    const dbPath = join(dir, 'db');

    const round1 = await burstAndKill(script, dbPath, 1, 400);
    expect(round1.ready).toBe(0);
    const round2 = await burstAndKill(script, dbPath, 2, 400);
    const max1 = Math.max(...round1.acked.map((a) => a.revision));
    // Revisions keep growing across the crash.
    expect(round2.ready).toBeGreaterThanOrEqual(max1);
    expect(Math.min(...round2.acked.map((a) => a.revision))).toBeGreaterThan(round2.ready);

    const store = await LevelStore.open({ path: dbPath });
    try {
      const current = store.currentRevision();
      for (const { key, revision } of [...round1.acked, ...round2.acked]) {
        expect(await store.get(key), key).toMatchObject({ key, createRevision: revision, modRevision: revision });
      }
      // Only creates happened: every revision 1..current belongs to exactly one key.
      const all = await store.list('/crash/');
      expect(all.items.map((kv) => kv.modRevision).sort((a, b) => a - b)).toEqual(range(1, current));
      expect(await store.count('/crash/')).toBe(current);
      // The log agrees: a watch from 0 replays exactly those revisions.
      const seen: number[] = [];
      const ac = new AbortController();
      for await (const event of store.watch('/crash/', { afterRevision: 0, signal: ac.signal })) {
        seen.push(event.kv.modRevision);
        if (seen.length === current) ac.abort();
      }
      expect(seen).toEqual(range(1, current));
    } finally {
      await store.close();
    }
  });
});
