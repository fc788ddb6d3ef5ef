/**
 * A small extension API server for aggregation tests, in the manner of
 * Kubernetes' sample-apiserver ("wardle"): HTTPS, serving the namespaced
 * resource `flunders` of `wardle.example.com/v1alpha1` (discovery, list,
 * get, create) from memory. It believes the caller named by the
 * aggregator's `X-Remote-User`/`X-Remote-Group` headers only over a client
 * certificate from `requestHeaderCA` whose CN is allowed (as the request
 * header authenticator of a real extension server does), and records each
 * request so a test can see what the API server sent.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KeyPair } from './test-pki.js';

export const WARDLE_GROUP = 'wardle.example.com';
export const WARDLE_VERSION = 'v1alpha1';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The CN of the client certificate presented, if any. */
  clientCN?: string;
  /** The user the server believed (from the identity headers, over a trusted certificate). */
  user?: string;
  groups: string[];
}

export interface ExtensionApiServer {
  port: number;
  requests: RecordedRequest[];
  /** While false, every request (discovery included) is a 503. */
  healthy: boolean;
  close(): Promise<void>;
}

export interface ExtensionApiServerOptions {
  serving: KeyPair;
  /** Trust identity headers only over client certificates of this CA with a CN in `allowedNames`; without it, always. */
  requestHeaderCA?: Buffer;
  allowedNames?: string[];
}

type Obj = Record<string, unknown>;

const PREFIX = `/apis/${WARDLE_GROUP}/${WARDLE_VERSION}`;
const GVK = { group: WARDLE_GROUP, version: WARDLE_VERSION, kind: 'Flunder' };
const FIELD_VALIDATION = { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } };
const FLUNDER_REF = { $ref: '#/components/schemas/com.example.wardle.v1alpha1.Flunder' };

/** The group version's OpenAPI v3 document: the Flunder schema (`kubectl explain`) and its write paths with `fieldValidation` (kubectl then validates server-side). */
const OPENAPI = {
  openapi: '3.0.0',
  info: { title: 'wardle', version: WARDLE_VERSION },
  paths: {
    [`${PREFIX}/namespaces/{namespace}/flunders`]: {
      post: {
        'x-kubernetes-group-version-kind': GVK,
        parameters: [FIELD_VALIDATION],
        responses: { '201': { description: 'Created', content: { 'application/json': { schema: FLUNDER_REF } } } },
      },
    },
    [`${PREFIX}/namespaces/{namespace}/flunders/{name}`]: {
      patch: {
        'x-kubernetes-group-version-kind': GVK,
        parameters: [FIELD_VALIDATION],
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: FLUNDER_REF } } } },
      },
    },
  },
  components: {
    schemas: {
      'com.example.wardle.v1alpha1.Flunder': {
        type: 'object',
        description: 'A Flunder is an example object of the wardle extension API server.',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: {
            type: 'object',
            description: 'What the flunder refers to.',
            properties: { reference: { type: 'string', description: 'The name of another flunder.' } },
          },
        },
        'x-kubernetes-group-version-kind': [GVK],
      },
    },
  },
};

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

export async function startExtensionApiServer(opts: ExtensionApiServerOptions): Promise<ExtensionApiServer> {
  const flunders = new Map<string, Obj>();
  const requests: RecordedRequest[] = [];
  let rv = 1;
  const state = { healthy: true };
  const server = https.createServer(
    { cert: opts.serving.cert, key: opts.serving.key, requestCert: opts.requestHeaderCA !== undefined, rejectUnauthorized: false, ca: opts.requestHeaderCA },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = opts.requestHeaderCA ? socket.getPeerCertificate() : undefined;
      const clientCN = peer && Object.keys(peer).length > 0 ? String(peer.subject?.CN ?? '') : undefined;
      const trusted = !opts.requestHeaderCA || (socket.authorized && clientCN !== undefined && (opts.allowedNames ?? []).includes(clientCN));
      const header = (name: string): string[] => {
        const v = req.headers[name];
        return v === undefined ? [] : Array.isArray(v) ? v : v.split(',').map((x) => x.trim());
      };
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        clientCN,
        user: trusted ? header('x-remote-user')[0] : undefined,
        groups: trusted ? header('x-remote-group') : [],
      };
      requests.push(record);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!state.healthy) return status(res, 503, 'ServiceUnavailable', 'the wardle server is down');
        if (!record.user) return status(res, 401, 'Unauthorized', 'Unauthorized');
        serve(req, res, Buffer.concat(chunks).toString('utf8'), record);
      });
    },
  );

  function serve(req: IncomingMessage, res: ServerResponse, body: string, record: RecordedRequest): void {
    const url = new URL(req.url ?? '/', 'https://wardle');
    const path = url.pathname.replace(/\/$/, '');
    if (path === '/openapi/v3')
      return send(res, 200, { paths: { [`apis/${WARDLE_GROUP}/${WARDLE_VERSION}`]: { serverRelativeURL: `/openapi/v3${PREFIX}?hash=F1` } } });
    if (path === `/openapi/v3${PREFIX}`) return send(res, 200, OPENAPI);
    if (path === PREFIX) {
      return send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${WARDLE_GROUP}/${WARDLE_VERSION}`,
        resources: [{ name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['create', 'get', 'list'], shortNames: ['fl'] }],
      });
    }
    const m = /^\/apis\/wardle\.example\.com\/v1alpha1\/namespaces\/([^/]+)\/flunders(?:\/([^/]+))?$/.exec(path);
    if (!m) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const [, namespace, name] = m as unknown as [string, string, string | undefined];
    if (req.method === 'GET' && name) {
      const f = flunders.get(`${namespace}/${name}`);
      return f ? send(res, 200, f) : status(res, 404, 'NotFound', `flunders.wardle.example.com "${name}" not found`);
    }
    if (req.method === 'GET') {
      const items = [...flunders.values()].filter((f) => (f['metadata'] as Obj)['namespace'] === namespace);
      return send(res, 200, { kind: 'FlunderList', apiVersion: `${WARDLE_GROUP}/${WARDLE_VERSION}`, metadata: { resourceVersion: String(rv) }, items });
    }
    if (req.method === 'POST') {
      let f: Obj;
      try {
        f = JSON.parse(body) as Obj;
      } catch {
        return status(res, 400, 'BadRequest', 'the body is not JSON');
      }
      const meta = (f['metadata'] ?? {}) as Obj;
      const key = `${namespace}/${String(meta['name'])}`;
      if (flunders.has(key)) return status(res, 409, 'AlreadyExists', `flunders.wardle.example.com "${String(meta['name'])}" already exists`);
      rv++;
      const stored = {
        ...f,
        metadata: {
          ...meta,
          namespace,
          resourceVersion: String(rv),
          creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          annotations: { ...((meta['annotations'] ?? {}) as Obj), 'wardle.example.com/created-by': record.user ?? '' },
        },
      };
      flunders.set(key, stored);
      return send(res, 201, stored);
    }
    status(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    get healthy() {
      return state.healthy;
    },
    set healthy(v: boolean) {
      state.healthy = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
