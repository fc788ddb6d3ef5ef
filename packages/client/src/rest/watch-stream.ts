/**
 * Decoding of Kubernetes watch streams: a chunked body of newline-separated
 * `{"type","object"}` JSON lines, where chunk boundaries fall anywhere (inside
 * a line, inside a multi-byte character, or between several lines).
 */
import type { IncomingMessage } from 'node:http';
import { apiErrorFrom } from '../errors.js';
import type { WatchEvent, WatchEventType } from '../types.js';

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * Splits a byte stream into lines and decodes each as a watch event. Blank
 * lines are skipped; a final line without a newline still counts. A line
 * that is not a watch event throws an ApiError 500 (InternalError), as
 * client-go turns undecodable events into an internal error.
 */
export async function* decodeWatchEvents<T>(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const ev = parseLine<T>(line);
      if (ev) yield ev;
    }
  }
  pending += decoder.decode();
  const ev = parseLine<T>(pending);
  if (ev) yield ev;
}

function parseLine<T>(line: string): WatchEvent<T> | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw apiErrorFrom(500, undefined, `unable to decode a watch event: ${text.slice(0, 200)}`);
  }
  const v = value as { type?: unknown; object?: unknown } | null;
  if (!v || typeof v !== 'object' || typeof v.type !== 'string' || !EVENT_TYPES.has(v.type) || !v.object || typeof v.object !== 'object') {
    throw apiErrorFrom(500, undefined, `not a watch event: ${text.slice(0, 200)}`);
  }
  return { type: v.type as WatchEventType, object: v.object as T };
}

/**
 * The events of a watch response until the server ends it or `signal`
 * aborts (which destroys the response; the iterator then returns quietly).
 * Leaving the loop early also destroys the response. A connection that
 * breaks mid-stream rejects with the stream's error.
 */
export async function* watchEvents<T>(res: IncomingMessage, signal?: AbortSignal): AsyncGenerator<WatchEvent<T>, void, undefined> {
  if (signal?.aborted) {
    res.destroy();
    return;
  }
  const onAbort = (): void => void res.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const ev of decodeWatchEvents<T>(res)) {
      if (signal?.aborted) return;
      yield ev;
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!res.destroyed) res.destroy();
  }
}
