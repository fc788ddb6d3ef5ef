/**
 * One HTTPS request for tests that talk TLS to an API server or an extension
 * API server themselves (client certificates, tokens, raw headers): the
 * status, headers, body text and, when it is JSON, the parsed body.
 */
import https from 'node:https';

export interface HttpsCallOptions {
  method?: string;
  /** The CA that signed the server's certificate. */
  ca: Buffer;
  /** A client certificate and key to present. */
  cert?: { cert: Buffer; key: Buffer };
  /** A bearer token. */
  token?: string;
  /** A JSON body (sent with `content-type: application/json` unless a header says otherwise). */
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

export interface HttpsReply<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON; `{}` when it is not JSON. */
  json: T;
}

/** `T`: the shape the caller expects of a JSON body (not checked). */
export function httpsCall<T = Record<string, unknown>>(url: string, opts: HttpsCallOptions): Promise<HttpsReply<T>> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        ca: opts.ca,
        cert: opts.cert?.cert,
        key: opts.cert?.key,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json = {} as T;
          try {
            json = JSON.parse(text) as T;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
