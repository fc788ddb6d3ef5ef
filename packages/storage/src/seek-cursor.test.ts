import { describe, expect, it } from 'vitest';
import { MemoryLevel } from 'memory-level';
import { SeekCursor } from './seek-cursor.js';

async function filled(n: number): Promise<MemoryLevel<string, string>> {
  const db = new MemoryLevel<string, string>();
  await db.batch(Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `k${String(i).padStart(3, '0')}`, value: String(i) })));
  return db;
}

describe('SeekCursor', () => {
  it('skips inside the current batch and by seeking beyond it', async () => {
    const db = await filled(100);
    const cursor = new SeekCursor(db.iterator({ gte: 'k', lt: 'l' }), 10);
    expect((await cursor.next())?.[0]).toBe('k000');
    cursor.skipTo('k005'); // inside the batch
    expect((await cursor.next())?.[0]).toBe('k005');
    cursor.skipTo('k0505'); // past the batch: a seek, landing on the next key
    expect((await cursor.next())?.[0]).toBe('k051');
    expect((await cursor.next())?.[0]).toBe('k052');
    cursor.skipTo('k098');
    expect((await cursor.next())?.[0]).toBe('k098');
    expect((await cursor.next())?.[0]).toBe('k099');
    expect(await cursor.next()).toBeUndefined();
    cursor.skipTo('k200');
    expect(await cursor.next()).toBeUndefined();
    await cursor.close();
    await db.close();
  });

  it('reads everything in order without skips', async () => {
    const db = await filled(25);
    const cursor = new SeekCursor(db.iterator(), 7);
    const keys: string[] = [];
    for (let e = await cursor.next(); e; e = await cursor.next()) keys.push(e[0]);
    expect(keys).toHaveLength(25);
    expect(keys).toEqual([...keys].sort());
    await cursor.close();
    await db.close();
  });
});
