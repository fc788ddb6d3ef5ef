import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingFileWriter, backupName } from './file-writer.js';

describe('RotatingFileWriter', () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names backups after the UTC time', () => {
    expect(backupName('/var/log/audit.log', Date.UTC(2024, 4, 1, 10, 0, 0, 123))).toBe('/var/log/audit-2024-05-01T10-00-00.123.log');
  });

  it('rotates before a file grows past the maximum and keeps maxBackups files', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'audit-'));
    const file = path.join(dir, 'audit.log');
    let t = Date.UTC(2024, 0, 1);
    const w = new RotatingFileWriter({ path: file, maxSizeBytes: 100, maxBackups: 2, now: () => (t += 1000) });
    const line = 'x'.repeat(39); // 40 bytes with the newline: two lines per file
    for (let i = 0; i < 9; i++) {
      w.write(`${line.slice(0, 38)}${i}`);
      if (i % 3 === 0) await w.flush();
    }
    await w.close();
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(3);
    expect(files[2]).toBe('audit.log');
    for (const f of files) expect((await readFile(path.join(dir, f))).length).toBeLessThanOrEqual(100);
    // The newest lines are in the live file, in order.
    expect((await readFile(file, 'utf8')).trim().split('\n').at(-1)).toMatch(/8$/);
  });

  it('writes files only their owner may read, rotated ones too', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'audit-'));
    const w = new RotatingFileWriter({ path: path.join(dir, 'audit.log'), maxSizeBytes: 10, maxBackups: 2 });
    for (let i = 0; i < 4; i++) {
      w.write(`line ${i}!`);
      await w.flush();
    }
    await w.close();
    for (const f of await readdir(dir)) expect((await stat(path.join(dir, f))).mode & 0o777, f).toBe(0o600);
  });

  it('drops lines past the buffer instead of waiting, and counts them', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'audit-'));
    let dropped = 0;
    const w = new RotatingFileWriter({ path: path.join(dir, 'a.log'), bufferSize: 3, onDrop: (n) => (dropped += n) });
    const accepted = Array.from({ length: 5 }, (_, i) => w.write(`line ${i}`));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(dropped).toBe(2);
    await w.close();
    expect(w.write('late')).toBe(false);
    expect((await readFile(path.join(dir, 'a.log'), 'utf8')).split('\n').filter(Boolean)).toEqual(['line 0', 'line 1', 'line 2']);
  });
});
