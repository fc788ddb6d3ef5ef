/**
 * kube-apiserver: serves the Kubernetes API over the embedded store, or over
 * a real etcd cluster shared by several API servers (docs/ha.md).
 *
 *   kube-apiserver --port 6443 --data-dir .mk8s/data/apiserver
 *   kube-apiserver --port 6443 --storage-backend etcd --etcd-servers http://127.0.0.1:2379
 *
 * Prints `kube-apiserver listening on http://HOST:PORT` once it accepts
 * requests (with --port 0 the kernel picks the port). SIGTERM closes open
 * watches, finishes in-flight requests and closes the store: a restart on
 * the same --data-dir continues where it stopped.
 */
import { readFileSync } from 'node:fs';
import {
  ADMISSION_PLUGINS,
  AUDIT_LEVELS,
  AUTHORIZATION_MODES,
  DEFAULT_ISSUER,
  POD_SECURITY_LEVELS,
  ServiceAccountKeys,
  buildApiServer,
  enabledPlugins,
  loadPolicyFile,
  folderSize,
  openStore,
  startCompactor,
  type AdmissionOptions,
  type AuditLevel,
  type AuditOptions,
  type AuthOptions,
  type AuthorizationMode,
  type PodSecurityLevel,
} from '@mk8s/apiserver';
import {
  errorMessage,
  aborted,
  createLogger,
  durationFlag,
  FlagError,
  helpText,
  intFlag,
  loggingFlags,
  parseFlags,
  reportFatal,
  runMain,
  type FlagValues,
} from '@mk8s/component-base';

const LOGGING = loggingFlags();

const FLAGS = {
  port: { type: 'string', description: 'port to serve on; 0 picks a free one', default: '6443' },
  'bind-address': { type: 'string', description: 'address to listen on', default: '127.0.0.1' },
  'data-dir': { type: 'string', description: 'folder of the embedded store (required unless --storage-backend=memory)' },
  'storage-backend': {
    type: 'string',
    description: 'level (on disk, durable), memory (lost on exit) or etcd (--etcd-servers; several API servers)',
    default: 'level',
  },
  'etcd-servers': { type: 'string', description: 'comma-separated etcd client URLs for --storage-backend=etcd, e.g. http://127.0.0.1:2379' },
  'etcd-prefix': { type: 'string', description: 'prefix of every key in etcd (default: none, keys are /registry/...)' },
  'compaction-interval': { type: 'string', description: 'how often history is compacted', default: '60s' },
  'compaction-window': { type: 'string', description: 'how much history watches can resume from', default: '5m' },
  'event-ttl': {
    type: 'string',
    description: 'how long Events are kept after their last activity (as Kubernetes, where etcd leases expire them)',
    default: '1h0m0s',
  },
  'bookmark-interval': { type: 'string', description: 'interval of watch bookmarks', default: '10s' },
  'request-read-timeout': {
    type: 'string',
    description: 'how long a client may take to send a whole request, headers and body, before a 408 (watches and exec streams are not bounded by it)',
    default: '60s',
  },
  'default-watch-cache-size': { type: 'string', description: 'events the watch cache keeps per resource for resuming watches', default: '10000' },
  'watch-cache-max-bytes': {
    type: 'string',
    description: 'approximate bytes (JSON length) of the events the watch cache keeps, all resources together; older watches are served from the store',
    default: '64Mi',
  },
  'watch-max-buffered-bytes': {
    type: 'string',
    description: 'bytes a watch client may leave unread before the watch is closed (the client re-watches)',
    default: '8Mi',
  },
  'watch-max-total-buffered-bytes': {
    type: 'string',
    description: 'bytes all watch clients together may leave unread; past it the watches holding the most are closed',
    default: '128Mi',
  },
  'storage-history-max-bytes': {
    type: 'string',
    description:
      'level and memory backends: bytes of old versions kept for watches and reads at older revisions; past it the oldest are compacted (default 128Mi for memory, 0 = only --compaction-window for level)',
  },
  'default-not-ready-toleration-seconds': {
    type: 'string',
    description: 'tolerationSeconds of the not-ready:NoExecute toleration added to every pod that has none (Kubernetes: 300; mk8s heals fast)',
    default: '0',
  },
  'default-unreachable-toleration-seconds': {
    type: 'string',
    description: 'tolerationSeconds of the unreachable:NoExecute toleration added to every pod that has none (Kubernetes: 300)',
    default: '0',
  },
  'service-cluster-ip-range': { type: 'string', description: 'IPv4 CIDR Services get ClusterIPs from', default: '10.96.0.0/16' },
  'service-node-port-range': { type: 'string', description: 'inclusive port range NodePort Services get ports from', default: '30000-32767' },
  'metrics-resolution': {
    type: 'string',
    description: 'how often kubelets are scraped for metrics.k8s.io (kubectl top, HPAs); 0 turns scraping off',
    default: '10s',
  },
  'secure-port': { type: 'string', description: 'HTTPS port, used when --tls-cert-file is given (then --port is not served)', default: '6443' },
  'tls-cert-file': { type: 'string', description: 'PEM serving certificate: serve HTTPS on --secure-port' },
  'tls-private-key-file': { type: 'string', description: 'PEM private key of --tls-cert-file' },
  'client-ca-file': { type: 'string', description: 'PEM CA bundle: client certificates it signed authenticate as CN (user) and O (groups)' },
  'token-auth-file': { type: 'string', description: 'CSV of static bearer tokens: token,user,uid,"group1,group2"' },
  'service-account-signing-key-file': {
    type: 'string',
    description: 'PEM private key that signs service-account tokens (default: a key pair generated in memory; its tokens die with the process)',
  },
  'service-account-key-file': { type: 'string', description: 'PEM public (or private) key(s) that verify service-account tokens, besides the signing key' },
  'service-account-issuer': {
    type: 'string',
    description: 'the iss claim of service-account tokens (and the audience accepted)',
    default: DEFAULT_ISSUER,
  },
  'authorization-mode': {
    type: 'string',
    description: 'ordered authorizers, of AlwaysAllow, AlwaysDeny, Node, RBAC (default: Node,RBAC when serving HTTPS, else AlwaysAllow)',
  },
  'anonymous-auth': {
    type: 'string',
    description: 'serve requests without credentials as system:anonymous (default: only on plain HTTP bound to a loopback address)',
  },
  'enable-admission-plugins': {
    type: 'string',
    description: `admission plugins to turn on besides the defaults (all on by default: ${ADMISSION_PLUGINS.join(',')})`,
  },
  'disable-admission-plugins': { type: 'string', description: 'admission plugins to turn off, comma-separated' },
  'pod-security-default': {
    type: 'string',
    description: 'Pod Security level of namespaces without a pod-security.kubernetes.io/enforce label: privileged, baseline or restricted',
    default: 'baseline',
  },
  'pod-security-exempt-namespaces': { type: 'string', description: 'namespaces Pod Security admission never checks, comma-separated', default: 'kube-system' },
  'pod-security-exempt-usernames': { type: 'string', description: 'users whose requests Pod Security admission never checks, comma-separated' },
  'pod-security-exempt-runtime-classes': { type: 'string', description: 'runtime classes whose pods Pod Security admission never checks, comma-separated' },
  'audit-log-path': {
    type: 'string',
    description: 'append one audit.k8s.io/v1 Event JSON line per request to this file ("-" for stdout); no audit log when unset',
  },
  'audit-log-level': { type: 'string', description: 'audit level of every request when no --audit-policy-file: None or Metadata', default: 'Metadata' },
  'audit-policy-file': { type: 'string', description: "audit Policy (JSON) whose rules pick each request's level" },
  'audit-log-maxsize': { type: 'string', description: 'megabytes before the audit log is rotated; 0 never rotates', default: '0' },
  'audit-log-maxbackup': { type: 'string', description: 'rotated audit log files to keep; 0 keeps all', default: '0' },
  'audit-log-buffer-size': { type: 'string', description: 'audit events that may wait for the disk before new ones are dropped', default: '10000' },
  'kubelet-client-certificate': { type: 'string', description: 'PEM client certificate to call kubelets with over HTTPS (logs, exec, stats)' },
  'kubelet-client-key': { type: 'string', description: 'PEM private key of --kubelet-client-certificate' },
  'kubelet-certificate-authority': { type: 'string', description: "PEM CA of the kubelets' serving certificates" },
  'proxy-client-cert-file': { type: 'string', description: 'PEM client certificate presented to extension API servers (APIServices with a service)' },
  'proxy-client-key-file': { type: 'string', description: 'PEM private key of --proxy-client-cert-file' },
  'requestheader-client-ca-file': {
    type: 'string',
    description: 'PEM CA bundle of front proxies: their client certificates may assert the user in --requestheader-username-headers',
  },
  'requestheader-allowed-names': { type: 'string', description: 'client certificate CNs allowed to assert users, comma-separated (any of the CA when empty)' },
  'requestheader-username-headers': { type: 'string', description: 'request headers holding the user name, first non-empty wins (e.g. X-Remote-User)' },
  'requestheader-group-headers': { type: 'string', description: 'request headers holding groups (e.g. X-Remote-Group)' },
  'requestheader-extra-headers-prefix': { type: 'string', description: 'request header prefixes of extra attributes (e.g. X-Remote-Extra-)' },
  ...LOGGING.flags,
} as const;

type Flags = FlagValues<typeof FLAGS>;

/** Byte sizes: a plain number of bytes or one with a suffix Ki, Mi, Gi (powers of 1024) or K, M, G (powers of 1000). */
function bytesFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const m = /^(\d+)(Ki|Mi|Gi|K|M|G)?$/.exec(value.trim());
  if (!m) throw new FlagError(`--${name} must be a byte size such as 8Mi, 512Ki or 1000000, got "${value}"`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

function listFlag(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The admission chain the flags ask for (docs/admission.md). */
function admissionFromFlags(flags: Flags): AdmissionOptions {
  const opts: AdmissionOptions = { enable: listFlag(flags['enable-admission-plugins']), disable: listFlag(flags['disable-admission-plugins']) };
  try {
    enabledPlugins(opts);
  } catch (err) {
    throw new FlagError(`--enable-admission-plugins/--disable-admission-plugins: ${errorMessage(err)}`);
  }
  const level = flags['pod-security-default'];
  if (!(POD_SECURITY_LEVELS as readonly string[]).includes(level))
    throw new FlagError(`--pod-security-default must be one of ${POD_SECURITY_LEVELS.join(', ')}, got "${level}"`);
  return {
    ...opts,
    podSecurity: {
      defaultLevel: level as PodSecurityLevel,
      exemptNamespaces: listFlag(flags['pod-security-exempt-namespaces']),
      exemptUsernames: listFlag(flags['pod-security-exempt-usernames']),
      exemptRuntimeClasses: listFlag(flags['pod-security-exempt-runtime-classes']),
    },
  };
}

/** The audit log the flags ask for (docs/audit.md); undefined without --audit-log-path. */
function auditFromFlags(flags: Flags): AuditOptions | undefined {
  const path = flags['audit-log-path'];
  if (!path) return undefined;
  const level = flags['audit-log-level'];
  if (!(AUDIT_LEVELS as readonly string[]).includes(level)) throw new FlagError(`--audit-log-level must be one of ${AUDIT_LEVELS.join(', ')}, got "${level}"`);
  const policyFile = flags['audit-policy-file'];
  return {
    path,
    level: level as AuditLevel,
    policy: policyFile ? loadPolicyFile(policyFile) : undefined,
    maxSizeMB: intFlag('audit-log-maxsize', flags['audit-log-maxsize'], 0),
    maxBackups: intFlag('audit-log-maxbackup', flags['audit-log-maxbackup'], 0),
    bufferSize: intFlag('audit-log-buffer-size', flags['audit-log-buffer-size'], 10_000),
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** The authentication and authorization the flags ask for (docs/security.md). */
function authFromFlags(flags: Flags, secure: boolean, host: string): AuthOptions {
  const modes = (flags['authorization-mode'] ?? (secure ? 'Node,RBAC' : 'AlwaysAllow'))
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  for (const m of modes) {
    if (!AUTHORIZATION_MODES.includes(m as AuthorizationMode))
      throw new FlagError(`--authorization-mode: unknown mode "${m}" (one of ${AUTHORIZATION_MODES.join(', ')})`);
  }
  const anonymousFlag = flags['anonymous-auth'];
  if (anonymousFlag !== undefined && anonymousFlag !== 'true' && anonymousFlag !== 'false') throw new FlagError('--anonymous-auth must be true or false');
  const loopbackInsecure = !secure && LOOPBACK.test(host);
  // Anonymous requests only ever reach a loopback-only plain-HTTP server (the curl workflow).
  if (anonymousFlag === 'true' && !loopbackInsecure) throw new FlagError('--anonymous-auth=true is only allowed on plain HTTP bound to a loopback address');
  return {
    anonymous: anonymousFlag === undefined ? loopbackInsecure : anonymousFlag === 'true',
    authorizationModes: modes as AuthorizationMode[],
    clientCertificates: secure && flags['client-ca-file'] !== undefined,
    clientCA: flags['client-ca-file'] ? readFileSync(flags['client-ca-file']) : undefined,
    requestHeader: requestHeaderFromFlags(flags, secure),
    bootstrapTokens: modes.some((m) => m !== 'AlwaysAllow'),
    tokenAuthFile: flags['token-auth-file'],
    serviceAccountKeys: serviceAccountKeysFromFlags(flags),
  };
}

/**
 * `--requestheader-*`: front-proxy authentication, on when a CA and at least
 * one username header are given (as Kubernetes); the other flags need them.
 */
function requestHeaderFromFlags(flags: Flags, secure: boolean): AuthOptions['requestHeader'] {
  const ca = flags['requestheader-client-ca-file'];
  const usernameHeaders = listFlag(flags['requestheader-username-headers']);
  const others = ['requestheader-allowed-names', 'requestheader-group-headers', 'requestheader-extra-headers-prefix'] as const;
  if (!ca) {
    const set = [...others, 'requestheader-username-headers' as const].filter((f) => flags[f] !== undefined);
    if (set.length > 0) throw new FlagError(`--${set[0]} needs --requestheader-client-ca-file`);
    return undefined;
  }
  if (!secure) throw new FlagError('--requestheader-client-ca-file needs --tls-cert-file (front proxies present client certificates over HTTPS)');
  if (usernameHeaders.length === 0) throw new FlagError('--requestheader-client-ca-file needs --requestheader-username-headers (e.g. X-Remote-User)');
  return {
    clientCA: readFileSync(ca),
    allowedNames: listFlag(flags['requestheader-allowed-names']),
    usernameHeaders,
    groupHeaders: listFlag(flags['requestheader-group-headers']),
    extraHeadersPrefixes: listFlag(flags['requestheader-extra-headers-prefix']),
  };
}

/** `--service-account-signing-key-file` / `--service-account-key-file` / `--service-account-issuer`. */
function serviceAccountKeysFromFlags(flags: Flags): AuthOptions['serviceAccountKeys'] {
  const signing = flags['service-account-signing-key-file'];
  const verify = flags['service-account-key-file'];
  const issuer = flags['service-account-issuer'];
  if (!signing && verify) throw new FlagError('--service-account-key-file needs --service-account-signing-key-file');
  try {
    if (signing) return ServiceAccountKeys.fromFiles(signing, verify ? [verify] : [], issuer);
  } catch (err) {
    throw new FlagError(`--service-account-signing-key-file/--service-account-key-file: ${errorMessage(err)}`);
  }
  return issuer === DEFAULT_ISSUER ? undefined : ServiceAccountKeys.generate(issuer);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('kube-apiserver', 'the Kubernetes API over an embedded store', FLAGS));
    return;
  }
  const host = flags['bind-address'];
  const secure = flags['tls-cert-file'] !== undefined;
  if (secure !== (flags['tls-private-key-file'] !== undefined)) throw new FlagError('--tls-cert-file and --tls-private-key-file go together');
  if (flags['client-ca-file'] && !secure) throw new FlagError('--client-ca-file needs --tls-cert-file (client certificates come with HTTPS)');
  const port = secure ? intFlag('secure-port', flags['secure-port'], 6443) : intFlag('port', flags.port, 6443);
  const auth = authFromFlags(flags, secure, host);
  const https = secure
    ? {
        cert: readFileSync(flags['tls-cert-file']!),
        key: readFileSync(flags['tls-private-key-file']!),
        // Kept: TLS server options, spread again by the API server; without a client CA none of these keys is set.
        // Front proxies' certificates are requested and verified too; authentication tells the two CAs apart.
        ...(flags['client-ca-file'] || auth.requestHeader
          ? { ca: [auth.clientCA, auth.requestHeader?.clientCA].filter((b): b is Buffer => b !== undefined), requestCert: true, rejectUnauthorized: false }
          : {}),
      }
    : undefined;
  if ((flags['kubelet-client-certificate'] === undefined) !== (flags['kubelet-client-key'] === undefined)) {
    throw new FlagError('--kubelet-client-certificate and --kubelet-client-key go together');
  }
  if ((flags['proxy-client-cert-file'] === undefined) !== (flags['proxy-client-key-file'] === undefined)) {
    throw new FlagError('--proxy-client-cert-file and --proxy-client-key-file go together');
  }
  const proxyClient = flags['proxy-client-cert-file']
    ? { cert: readFileSync(flags['proxy-client-cert-file']), key: readFileSync(flags['proxy-client-key-file']!) }
    : undefined;
  const kubeletClient = flags['kubelet-client-certificate']
    ? {
        cert: readFileSync(flags['kubelet-client-certificate']),
        key: readFileSync(flags['kubelet-client-key']!),
        ca: flags['kubelet-certificate-authority'] ? readFileSync(flags['kubelet-certificate-authority']) : undefined,
      }
    : undefined;
  const backend = flags['storage-backend'];
  if (backend !== 'level' && backend !== 'memory' && backend !== 'etcd')
    throw new FlagError(`--storage-backend must be level, memory or etcd, got "${backend}"`);
  if (backend === 'level' && !flags['data-dir']) throw new FlagError('--data-dir is required with --storage-backend=level');
  const etcdServers = (flags['etcd-servers'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (backend === 'etcd' && etcdServers.length === 0) throw new FlagError('--etcd-servers is required with --storage-backend=etcd');
  const compactionInterval = durationFlag('compaction-interval', flags['compaction-interval'], 60_000);
  const compactionWindow = durationFlag('compaction-window', flags['compaction-window'], 300_000);
  const bookmarkIntervalMs = durationFlag('bookmark-interval', flags['bookmark-interval'], 10_000);
  const metricsResolutionMs = durationFlag('metrics-resolution', flags['metrics-resolution'], 10_000);
  const requestReadTimeoutMs = durationFlag('request-read-timeout', flags['request-read-timeout'], 60_000);
  const eventTtlMs = durationFlag('event-ttl', flags['event-ttl'], 3_600_000);
  if (eventTtlMs <= 0) throw new FlagError('--event-ttl must be positive');
  if (requestReadTimeoutMs <= 0) throw new FlagError('--request-read-timeout must be positive');
  const memoryLimits = {
    watchCacheWindow: intFlag('default-watch-cache-size', flags['default-watch-cache-size'], 10_000),
    watchCacheMaxBytes: bytesFlag('watch-cache-max-bytes', flags['watch-cache-max-bytes'], 64 * 2 ** 20),
    watchMaxBufferedBytes: bytesFlag('watch-max-buffered-bytes', flags['watch-max-buffered-bytes'], 8 * 2 ** 20),
    watchMaxTotalBufferedBytes: bytesFlag('watch-max-total-buffered-bytes', flags['watch-max-total-buffered-bytes'], 128 * 2 ** 20),
  };
  for (const [flag, v] of [
    ['default-watch-cache-size', memoryLimits.watchCacheWindow],
    ['watch-cache-max-bytes', memoryLimits.watchCacheMaxBytes],
    ['watch-max-buffered-bytes', memoryLimits.watchMaxBufferedBytes],
    ['watch-max-total-buffered-bytes', memoryLimits.watchMaxTotalBufferedBytes],
  ] as const) {
    if (v <= 0) throw new FlagError(`--${flag} must be positive`);
  }
  const historyMaxBytes = bytesFlag('storage-history-max-bytes', flags['storage-history-max-bytes'], backend === 'memory' ? 128 * 2 ** 20 : 0);
  const admission = {
    defaultNotReadyTolerationSeconds: intFlag('default-not-ready-toleration-seconds', flags['default-not-ready-toleration-seconds'], 0),
    defaultUnreachableTolerationSeconds: intFlag('default-unreachable-toleration-seconds', flags['default-unreachable-toleration-seconds'], 0),
  };
  const admissionControl = admissionFromFlags(flags);
  const audit = auditFromFlags(flags);
  const log = createLogger('kube-apiserver', LOGGING.parse(flags).level);

  await runMain({
    name: 'kube-apiserver',
    log,
    run: async (signal) => {
      const store = await openStore({
        backend,
        dataDir: flags['data-dir'],
        etcdServers,
        etcdPrefix: flags['etcd-prefix'],
        historyMaxBytes,
        onCompactionError: (err) => log.error({ err }, 'compaction for --storage-history-max-bytes failed'),
      });
      const stopCompactor = startCompactor(store, { intervalMs: compactionInterval, retainMs: compactionWindow });
      try {
        const server = await buildApiServer({
          store,
          loggerInstance: log,
          bookmarkIntervalMs,
          ...memoryLimits,
          requestReadTimeoutMs,
          eventTtlMs,
          storageSizeBytes: backend === 'level' && flags['data-dir'] ? folderSize.bind(null, flags['data-dir']) : undefined,
          processMetrics: true,
          admission,
          admissionControl,
          audit,
          serviceClusterIPRange: flags['service-cluster-ip-range'],
          serviceNodePortRange: flags['service-node-port-range'],
          metricsResolutionMs,
          auth,
          https,
          kubeletClient,
          proxyClient,
        });
        const address = await server.app.listen({ port, host });
        log.info({ address, revision: store.currentRevision(), backend, authorizationModes: auth.authorizationModes, anonymous: auth.anonymous }, 'serving');
        console.log(`kube-apiserver listening on ${address}`);
        await aborted(signal);
        await server.app.close();
      } finally {
        await stopCompactor();
        await store.close();
      }
    },
  });
}

main().catch((err: unknown) => reportFatal('kube-apiserver', err));
