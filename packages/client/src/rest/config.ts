/**
 * How a client reaches an API server, and reading that from a kubeconfig file
 * the way kubectl does (clusters, users, contexts, current-context).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '@mk8s/api';

export interface ClientConfig {
  /** Base URL of the API server, e.g. `http://127.0.0.1:6443`; `https:` URLs use TLS. */
  server: string;
  /**
   * More API servers of the same cluster for client-side failover (docs/ha.md):
   * a request that reaches no server goes to the next. From a kubeconfig:
   * the cluster's `mk8s.io/servers` extension (kubectl ignores it).
   */
  servers?: string[];
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** PEM of the CA(s) that signed the server's certificate (https only). */
  caData?: string;
  /** Accept any server certificate (https only). */
  insecureSkipTLSVerify?: boolean;
  /** PEM client certificate and key for mutual TLS (https only). */
  clientCertData?: string;
  clientKeyData?: string;
  /** The default namespace of the kubeconfig context, when it names one. */
  namespace?: string;
  /** Sustained request starts per second; default 50. `Infinity` (or <= 0) disables rate limiting. */
  qps?: number;
  /** Request starts allowed in a burst above `qps`; default 100. */
  burst?: number;
  /** `User-Agent` header; default `mk8s-client/<node version>`. */
  userAgent?: string;
  /** Deadline of a whole non-streaming request; default none. Watches and logs are not bounded by it. */
  timeoutMs?: number;
}

export const DEFAULT_QPS = 50;

/**
 * Name of the kubeconfig cluster extension that lists every API server for
 * failover: `extensions: [{ name: mk8s.io/servers, extension: { servers: [URL, ...] } }]`.
 */
export const SERVERS_EXTENSION = 'mk8s.io/servers';
export const DEFAULT_BURST = 100;

export interface KubeconfigOptions {
  /** Use this context instead of `current-context`. */
  context?: string;
  /** Environment to read `KUBECONFIG` from; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Home folder for the `~/.kube/config` default; default `os.homedir()`. */
  homeDir?: string;
}

/** A kubeconfig file (or set of merged files) that cannot be turned into a ClientConfig. */
export class KubeconfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeconfigError';
  }
}

interface Named<T> {
  name: string;
  value: T;
}

interface KubeCluster {
  server?: string;
  /** kubeconfig's NamedExtension list; mk8s reads `mk8s.io/servers` (SERVERS_EXTENSION). */
  extensions?: Array<{ name?: string; extension?: unknown }>;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
}

interface KubeUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
}

interface KubeContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** One kubeconfig document, entries keeping the folder of the file they came from (relative paths resolve there). */
interface ParsedKubeconfig {
  clusters: Array<Named<KubeCluster> & { dir: string }>;
  users: Array<Named<KubeUser> & { dir: string }>;
  contexts: Array<Named<KubeContext>>;
  currentContext?: string;
}

/**
 * Reads a kubeconfig and resolves one context to a ClientConfig.
 *
 * Which files: `file` when given; else every existing file in `$KUBECONFIG`
 * (path-list, merged with the first file's entries winning, as kubectl
 * does); else `~/.kube/config`. File references (`certificate-authority`,
 * `client-certificate`, `client-key`, `tokenFile`) are read, relative to the
 * file that names them. Throws KubeconfigError for a missing file, context,
 * cluster or user, or a cluster without a server.
 */
export async function loadKubeconfig(file?: string, opts: KubeconfigOptions = {}): Promise<ClientConfig> {
  const env = opts.env ?? process.env;
  let files: string[];
  if (file !== undefined) files = [file];
  else if (env['KUBECONFIG']) files = env['KUBECONFIG'].split(path.delimiter).filter((f) => f !== '');
  else files = [path.join(opts.homeDir ?? homedir(), '.kube', 'config')];

  const parsed: ParsedKubeconfig[] = [];
  const missing: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        missing.push(f);
        continue;
      }
      throw new KubeconfigError(`cannot read kubeconfig ${f}: ${errorMessage(err)}`, { cause: err });
    }
    parsed.push(parseDocument(text, f));
  }
  // Like kubectl: a named file must exist; in a $KUBECONFIG list, missing files are skipped.
  if (file !== undefined && missing.length > 0) throw new KubeconfigError(`kubeconfig file ${file} does not exist`);
  if (parsed.length === 0) throw new KubeconfigError(`no kubeconfig found (looked for ${files.join(', ')})`);
  return resolve(merge(parsed), opts.context, readText);
}

/**
 * Resolves a kubeconfig given as YAML text (relative file references resolve
 * against `baseDir`, default the working folder). Same rules and errors as
 * loadKubeconfig.
 */
export async function parseKubeconfig(text: string, opts: { context?: string; baseDir?: string } = {}): Promise<ClientConfig> {
  const doc = parseDocument(text, path.join(opts.baseDir ?? process.cwd(), 'kubeconfig'));
  return resolve(doc, opts.context, readText);
}

type ReadText = (file: string, what: string) => Promise<string>;

const readText: ReadText = async (file, what) => {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read ${what} ${file}: ${errorMessage(err)}`, { cause: err });
  }
};

function parseDocument(text: string, file: string): ParsedKubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${file} is not valid YAML: ${errorMessage(err)}`, { cause: err });
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeconfigError(`kubeconfig ${file} is not a mapping`);
  const d = doc as Record<string, unknown>;
  const dir = path.dirname(file);
  const current = d['current-context'];
  return {
    clusters: namedList<KubeCluster>(d['clusters'], 'cluster', file).map((c) => ({ ...c, dir })),
    users: namedList<KubeUser>(d['users'], 'user', file).map((u) => ({ ...u, dir })),
    contexts: namedList<KubeContext>(d['contexts'], 'context', file),
    currentContext: typeof current === 'string' && current !== '' ? current : undefined,
  };
}

function namedList<T>(raw: unknown, field: string, file: string): Array<Named<T>> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new KubeconfigError(`kubeconfig ${file}: ${field}s must be a list`);
  return raw.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e['name'] !== 'string' || e['name'] === '') throw new KubeconfigError(`kubeconfig ${file}: ${field}s[${i}] has no name`);
    const value = e[field] ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new KubeconfigError(`kubeconfig ${file}: ${field}s[${i}].${field} must be a mapping`);
    return { name: e['name'], value: value as T };
  });
}

/** First definition of a name wins, as in kubectl's merge of $KUBECONFIG files. */
function merge(docs: ParsedKubeconfig[]): ParsedKubeconfig {
  const firstByName = <E extends { name: string }>(lists: E[][]): E[] => {
    const seen = new Set<string>();
    const out: E[] = [];
    for (const list of lists) {
      for (const e of list) {
        if (seen.has(e.name)) continue;
        seen.add(e.name);
        out.push(e);
      }
    }
    return out;
  };
  const current = docs.find((d) => d.currentContext !== undefined)?.currentContext;
  return {
    clusters: firstByName(docs.map((d) => d.clusters)),
    users: firstByName(docs.map((d) => d.users)),
    contexts: firstByName(docs.map((d) => d.contexts)),
    currentContext: current,
  };
}

async function resolve(kc: ParsedKubeconfig, contextName: string | undefined, read: ReadText): Promise<ClientConfig> {
  const name = contextName ?? kc.currentContext;
  if (name === undefined) {
    throw new KubeconfigError(`kubeconfig has no current-context and no context was chosen (contexts: ${names(kc.contexts)})`);
  }
  const ctx = kc.contexts.find((c) => c.name === name);
  if (!ctx) throw new KubeconfigError(`context "${name}" is not in the kubeconfig (contexts: ${names(kc.contexts)})`);
  const clusterName = ctx.value.cluster;
  if (!clusterName) throw new KubeconfigError(`context "${name}" names no cluster`);
  const cluster = kc.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new KubeconfigError(`cluster "${clusterName}" of context "${name}" is not in the kubeconfig (clusters: ${names(kc.clusters)})`);
  const server = cluster.value.server;
  if (typeof server !== 'string' || server === '') throw new KubeconfigError(`cluster "${clusterName}" has no server`);

  const config: ClientConfig = { server };
  const c = cluster.value;
  const servers = serversExtension(c, clusterName);
  if (servers) config.servers = servers;
  const at = (dir: string, f: string): string => path.resolve(dir, f);
  if (c['certificate-authority-data']) config.caData = fromBase64(c['certificate-authority-data'], `certificate-authority-data of cluster "${clusterName}"`);
  else if (c['certificate-authority']) config.caData = await read(at(cluster.dir, c['certificate-authority']), 'certificate-authority');
  if (c['insecure-skip-tls-verify'] === true) config.insecureSkipTLSVerify = true;

  const userName = ctx.value.user;
  if (userName) {
    const user = kc.users.find((u) => u.name === userName);
    if (!user) throw new KubeconfigError(`user "${userName}" of context "${name}" is not in the kubeconfig (users: ${names(kc.users)})`);
    const u = user.value;
    if (u.token) config.token = u.token;
    else if (u.tokenFile) config.token = (await read(at(user.dir, u.tokenFile), 'tokenFile')).trim();
    if (u['client-certificate-data']) config.clientCertData = fromBase64(u['client-certificate-data'], `client-certificate-data of user "${userName}"`);
    else if (u['client-certificate']) config.clientCertData = await read(at(user.dir, u['client-certificate']), 'client-certificate');
    if (u['client-key-data']) config.clientKeyData = fromBase64(u['client-key-data'], `client-key-data of user "${userName}"`);
    else if (u['client-key']) config.clientKeyData = await read(at(user.dir, u['client-key']), 'client-key');
  }
  if (ctx.value.namespace) config.namespace = ctx.value.namespace;
  return config;
}

/** The failover list of a cluster's `mk8s.io/servers` extension, if it has one. */
function serversExtension(c: KubeCluster, clusterName: string): string[] | undefined {
  if (c.extensions === undefined || c.extensions === null) return undefined;
  if (!Array.isArray(c.extensions)) throw new KubeconfigError(`cluster "${clusterName}": extensions must be a list`);
  const ext = c.extensions.find((e) => e?.name === SERVERS_EXTENSION)?.extension as { servers?: unknown } | undefined;
  if (ext === undefined) return undefined;
  const list = ext?.servers;
  if (!Array.isArray(list) || list.some((u) => typeof u !== 'string' || u === '')) {
    throw new KubeconfigError(`cluster "${clusterName}": extension ${SERVERS_EXTENSION} needs servers: a list of URLs`);
  }
  return list as string[];
}

function fromBase64(data: string, what: string): string {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(data)) throw new KubeconfigError(`${what} is not base64`);
  return Buffer.from(data, 'base64').toString('utf8');
}

function names(list: Array<{ name: string }>): string {
  return list.length ? list.map((e) => e.name).join(', ') : 'none';
}
