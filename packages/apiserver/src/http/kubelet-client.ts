/**
 * How the API server calls kubelets (pods/log, pods/exec, stats for the
 * metrics API): plain HTTP by default; HTTPS with a client certificate when
 * `--kubelet-client-certificate`/`--kubelet-client-key` are given (the
 * kubelet then checks it), verifying the kubelet against
 * `--kubelet-certificate-authority`.
 */
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface KubeletClientTLS {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA of the kubelets' serving certificates; absent: the system's roots. */
  ca?: string | Buffer;
}

export function kubeletScheme(tls: KubeletClientTLS | undefined, websocket = false): string {
  if (websocket) return tls ? 'wss' : 'ws';
  return tls ? 'https' : 'http';
}

/** GET `url` from a kubelet, as a fetch Response (streamed body). */
export function kubeletFetch(url: string, tls: KubeletClientTLS | undefined, signal: AbortSignal): Promise<Response> {
  if (!tls) return fetch(url, { signal });
  return new Promise((resolve, reject) => {
    const req = https.get(url, { cert: tls.cert, key: tls.key, ca: tls.ca, signal }, (res) => {
      const body = Readable.toWeb(res) as unknown as WebReadableStream;
      resolve(
        new Response(body as unknown as ReadableStream, {
          status: res.statusCode ?? 502,
          headers: { 'content-type': String(res.headers['content-type'] ?? 'text/plain') },
        }),
      );
    });
    req.on('error', reject);
  });
}
