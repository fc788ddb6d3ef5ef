/**
 * The certificates and credentials of `mk8s up --secure`, made with the
 * `openssl` CLI (Node's crypto cannot issue X.509 certificates): one CA, the
 * API server's serving certificate (for 127.0.0.1, localhost and the
 * `kubernetes` Service names), and a client certificate per identity
 * (subject CN = user, O = groups), each wrapped in a kubeconfig that trusts
 * the CA. Everything lives in `<home>/pki/`; files that exist are kept, so a
 * restart keeps every credential valid.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { kubeconfig } from './launch.js';

const run = promisify(execFile);

export const pkiDir = (home: string): string => path.join(home, 'pki');

export interface Identity {
  /** File stem under pki/: `<stem>.crt`, `<stem>.key`, `<stem>.kubeconfig`. */
  stem: string;
  user: string;
  groups: string[];
}

/** The identities `mk8s up --secure` issues, by component. */
export const COMPONENT_IDENTITIES: readonly Identity[] = [
  { stem: 'admin', user: 'mk8s-admin', groups: ['system:masters'] },
  { stem: 'kube-controller-manager', user: 'system:kube-controller-manager', groups: [] },
  { stem: 'kube-scheduler', user: 'system:kube-scheduler', groups: [] },
  { stem: 'cloud-controller-manager', user: 'system:cloud-controller-manager', groups: [] },
  { stem: 'kube-proxy', user: 'system:kube-proxy', groups: [] },
];

/** A kubelet's identity: `system:node:<node>` in `system:nodes`, as Kubernetes' Node authorizer expects. */
export const nodeIdentity = (node: string): Identity => ({ stem: `kubelet-${node}`, user: `system:node:${node}`, groups: ['system:nodes'] });

/** The API server's credential towards kubelets (`--kubelet-client-certificate`), as kubeadm's apiserver-kubelet-client. */
export const KUBELET_CLIENT: Identity = { stem: 'apiserver-kubelet-client', user: 'kube-apiserver-kubelet-client', groups: ['system:masters'] };

/** A kubelet's serving certificate `kubelet-<node>-serving.crt` (for 127.0.0.1 and the node's name); kept when present. */
export async function ensureKubeletServing(home: string, node: string): Promise<void> {
  const dir = pkiDir(home);
  const stem = `kubelet-${node}-serving`;
  if (existsSync(path.join(dir, `${stem}.crt`))) return;
  await issue(dir, stem, `/CN=${node}`, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${node},DNS:localhost,IP:127.0.0.1`,
  ]);
}

export class PkiError extends Error {}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new PkiError('mk8s up --secure needs the openssl command (Debian: apt-get install openssl)');
    throw new PkiError(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

const serial = (): string => `0x${randomBytes(16).toString('hex').replace(/^./, '1')}`;

async function newKey(file: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  await chmod(file, 0o600);
}

/** `/O=g1/O=g2/CN=user` (openssl -subj syntax; `/` and `\` in values escaped). */
function subject(user: string, groups: readonly string[]): string {
  const esc = (v: string): string => v.replace(/[\\/]/g, (c) => `\\${c}`);
  return `${groups.map((g) => `/O=${esc(g)}`).join('')}/CN=${esc(user)}`;
}

/** Issues `<stem>.crt` signed by the CA `<caStem>.crt` (the cluster CA by default), for the extensions given (a v3 extension file's lines). */
async function issue(dir: string, stem: string, subj: string, extensions: string[], days = 365, caStem = 'ca'): Promise<void> {
  const key = path.join(dir, `${stem}.key`);
  const csr = path.join(dir, `${stem}.csr`);
  const ext = path.join(dir, `${stem}.ext`);
  await newKey(key);
  await openssl(['req', '-new', '-key', key, '-subj', subj, '-out', csr]);
  await writeFile(ext, `${extensions.join('\n')}\n`);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    path.join(dir, `${caStem}.crt`),
    '-CAkey',
    path.join(dir, `${caStem}.key`),
    '-set_serial',
    serial(),
    '-days',
    String(days),
    '-sha256',
    '-extfile',
    ext,
    '-out',
    path.join(dir, `${stem}.crt`),
  ]);
  await rm(csr, { force: true });
  await rm(ext, { force: true });
}

/** A self-signed CA `<stem>.crt` (kept when present). */
async function ensureCA(dir: string, stem: string, cn: string): Promise<void> {
  if (existsSync(path.join(dir, `${stem}.crt`))) return;
  await newKey(path.join(dir, `${stem}.key`));
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    path.join(dir, `${stem}.key`),
    '-subj',
    `/CN=${cn}`,
    '-days',
    '3650',
    '-sha256',
    '-out',
    path.join(dir, `${stem}.crt`),
  ]);
}

/** The front proxy's CN: the API server's identity towards extension API servers (kubeadm's front-proxy-client). */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

/**
 * The CA and the API server's serving certificate, and the front-proxy CA
 * with the client certificate the API server presents to extension API
 * servers (as kubeadm: a CA of its own, so no client certificate of the
 * cluster CA can pass for the front proxy). Kept when present.
 */
export async function ensureCluster(home: string): Promise<void> {
  const dir = pkiDir(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await ensureCA(dir, 'ca', 'mk8s-ca');
  await ensureCA(dir, 'front-proxy-ca', 'mk8s-front-proxy-ca');
  if (!existsSync(path.join(dir, `${FRONT_PROXY_CLIENT}.crt`))) {
    await issue(
      dir,
      FRONT_PROXY_CLIENT,
      `/CN=${FRONT_PROXY_CLIENT}`,
      ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'],
      365,
      'front-proxy-ca',
    );
  }
  if (!existsSync(path.join(dir, 'apiserver.crt'))) {
    const names = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
    const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:::1', 'IP:10.96.0.1'].join(',');
    await issue(dir, 'apiserver', '/CN=kube-apiserver', [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${san}`,
    ]);
  }
  const tokens = path.join(dir, 'tokens.csv');
  if (!existsSync(tokens)) {
    await writeFile(
      tokens,
      '# Static bearer tokens (--token-auth-file), one a line: token,user,uid,"group1,group2"\n# The API server re-reads this file when it changes.\n',
      { mode: 0o600 },
    );
  }
  // The service-account token key pair (--service-account-signing-key-file / --service-account-key-file).
  if (!existsSync(path.join(dir, 'sa.key'))) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
}

export interface Credential {
  ca: string;
  cert: string;
  key: string;
}

/** A client certificate for `id` and its kubeconfig `<stem>.kubeconfig` for `apiUrl` (kept when present). */
export async function ensureIdentity(home: string, id: Identity, apiUrl: string): Promise<Credential> {
  const dir = pkiDir(home);
  if (!existsSync(path.join(dir, `${id.stem}.crt`))) {
    await issue(dir, id.stem, subject(id.user, id.groups), [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
    ]);
  }
  const cred = await readCredential(home, id.stem);
  await writeFile(path.join(dir, `${id.stem}.kubeconfig`), kubeconfig(apiUrl, { ...cred, user: id.user }), { mode: 0o600 });
  return cred;
}

export async function readCredential(home: string, stem: string): Promise<Credential> {
  const dir = pkiDir(home);
  const [ca, cert, key] = await Promise.all(['ca.crt', `${stem}.crt`, `${stem}.key`].map((f) => readFile(path.join(dir, f), 'utf8')));
  return { ca: ca!, cert: cert!, key: key! };
}
