/**
 * The benches' smallest HTTP call: send a body over a keep-alive agent and
 * resolve with the status code once the reply is drained, so a load loop
 * measures the server, not the client's parsing.
 */
import http from 'node:http';

export function statusOf(agent: http.Agent, url: string, method: string, body: string, contentType = 'application/json'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
