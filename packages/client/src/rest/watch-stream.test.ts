import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { WatchEvent } from '../types.js';
import { HttpTransport } from './http.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { decodeWatchEvents, watchEvents } from './watch-stream.js';

async function* chunksOf(...parts: Array<string | Buffer>): AsyncGenerator<Buffer | string> {
  for (const p of parts) yield p;
}

async function collect<T>(it: AsyncIterable<WatchEvent<T>>): Promise<Array<WatchEvent<T>>> {
  const out: Array<WatchEvent<T>> = [];
  for await (const ev of it) out.push(ev);
  return out;
}

const line = (type: string, name: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ type, object: { kind: 'Pod', metadata: { name, ...extra } } }) + '\n';

describe('decodeWatchEvents', () => {
  it('decodes lines split across chunks, several lines in one chunk, and a last line without newline', async () => {
    const all =
      line('ADDED', 'a') + line('MODIFIED', 'b') + line('DELETED', 'c') + JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } });
    // Cut at awkward places: inside the first object, across the first newline, and one chunk holding two lines.
    const cuts = [7, 30, line('ADDED', 'a').length + 3, all.length - 20];
    const parts: string[] = [];
    let prev = 0;
    for (const c of cuts) {
      parts.push(all.slice(prev, c));
      prev = c;
    }
    parts.push(all.slice(prev));
    const events = await collect(decodeWatchEvents<{ metadata: { name?: string } }>(chunksOf(...parts)));
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['ADDED', 'a'],
      ['MODIFIED', 'b'],
      ['DELETED', 'c'],
      ['BOOKMARK', undefined],
    ]);
  });

  it('decodes a multi-byte character split between two byte chunks', async () => {
    const bytes = Buffer.from(line('ADDED', 'ü-pod', { annotations: { note: '✓ done' } }), 'utf8');
    const checkAt = bytes.indexOf(Buffer.from('✓', 'utf8')) + 1; // inside the 3-byte character
    const events = await collect(decodeWatchEvents<any>(chunksOf(bytes.subarray(0, checkAt), bytes.subarray(checkAt))));
    expect(events).toHaveLength(1);
    expect(events[0]!.object.metadata.annotations.note).toBe('✓ done');
    expect(events[0]!.object.metadata.name).toBe('ü-pod');
  });

  it('yields one event per byte when fed one byte at a time, and skips blank lines', async () => {
    const text = '\n' + line('ADDED', 'x') + '\r\n\n' + line('DELETED', 'x');
    const bytes = [...Buffer.from(text)].map((b) => Buffer.from([b]));
    const events = await collect(decodeWatchEvents(chunksOf(...bytes)));
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('yields ERROR events with their Status object', async () => {
    const status = { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' };
    const events = await collect(decodeWatchEvents(chunksOf(JSON.stringify({ type: 'ERROR', object: status }) + '\n')));
    expect(events).toEqual([{ type: 'ERROR', object: status }]);
  });

  it('throws an InternalError ApiError for a line that is not a watch event', async () => {
    for (const bad of ['{"type":"ADDED"', '{"type":"UPSERT","object":{}}', '{"type":"ADDED"}', '[1,2]']) {
      const err = await collect(decodeWatchEvents(chunksOf(line('ADDED', 'ok'), bad + '\n'))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(500);
    }
  });
});

describe('watchEvents over HTTP', () => {
  let srv: TestServer;
  let t: HttpTransport;
  beforeEach(async () => {
    srv = await startTestServer();
    t = new HttpTransport({ server: srv.url });
  });
  afterEach(async () => {
    t.close();
    await srv.close();
  });

  it('ends when the server ends the response', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(line('ADDED', 'a').slice(0, 10));
      setImmediate(() => {
        res.write(line('ADDED', 'a').slice(10) + line('MODIFIED', 'a'));
        res.end(line('DELETED', 'a'));
      });
    });
    const events = await collect(watchEvents(await t.stream({ method: 'GET', path: '/w' })));
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('ends quietly when the signal aborts, closing the connection', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a'));
      res.on('close', () => closed());
    });
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const ev of watchEvents(await t.stream({ method: 'GET', path: '/w', signal: ac.signal }), ac.signal)) {
      seen.push(ev.type);
      ac.abort();
    }
    await serverSawClose;
    expect(seen).toEqual(['ADDED']);
  });

  it('ends quietly when the signal aborts while waiting for the next event', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a'));
    });
    const ac = new AbortController();
    const it = watchEvents(await t.stream({ method: 'GET', path: '/w', signal: ac.signal }), ac.signal)[Symbol.asyncIterator]();
    expect((await it.next()).value?.type).toBe('ADDED');
    const next = it.next();
    ac.abort();
    expect(await next).toEqual({ done: true, value: undefined });
  });

  it('closes the connection when the consumer leaves the loop early', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a') + line('ADDED', 'b'));
      res.on('close', () => closed());
    });
    const res = await t.stream({ method: 'GET', path: '/w' });
    for await (const _ev of watchEvents(res)) break;
    await serverSawClose;
    expect(res.destroyed).toBe(true);
  });

  it('throws when the connection breaks mid-stream', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a'));
      setImmediate(() => res.socket?.destroy());
    });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const ev of watchEvents(await t.stream({ method: 'GET', path: '/w' }))) seen.push(ev.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['ADDED']);
    expect(err).toBeInstanceOf(Error);
  });
});
