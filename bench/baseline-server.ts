/**
 * The benchmark's baseline: a bare fastify server doing the same JSON work
 * as a pod create (parse, stamp metadata, serialise) with no storage,
 * validation or watch cache, and fanning each object out to open
 * chunked-JSON watch streams. mk8s figures are reported relative to it.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 3 * 1024 * 1024, forceCloseConnections: true });
const watchers = new Set<ServerResponse>();
let revision = 0;

app.post('/api/v1/namespaces/:ns/pods', async (req, reply) => {
  const obj = req.body as { metadata?: Record<string, unknown> };
  const metadata = (obj.metadata ??= {});
  metadata['uid'] = randomUUID();
  metadata['creationTimestamp'] = new Date().toISOString();
  metadata['resourceVersion'] = String(++revision);
  const line = JSON.stringify({ type: 'ADDED', object: obj }) + '\n';
  for (const w of watchers) w.write(line);
  reply.code(201);
  return obj;
});

app.get('/api/v1/namespaces/:ns/pods', (req, reply) => {
  reply.hijack();
  reply.raw.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  reply.raw.flushHeaders();
  watchers.add(reply.raw);
  req.raw.on('close', () => watchers.delete(reply.raw));
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`baseline listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
