import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeconfigError, loadKubeconfig, parseKubeconfig } from './config.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const FULL = `
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: http://127.0.0.1:6443
    insecure-skip-tls-verify: true
- name: secure
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n')}
users:
- name: admin
  user:
    token: abc.def
- name: certs
  user:
    client-certificate-data: ${b64('CERT PEM')}
    client-key-data: ${b64('KEY PEM')}
contexts:
- name: dev
  context:
    cluster: local
    user: admin
    namespace: team-a
- name: prod
  context:
    cluster: secure
    user: certs
- name: broken
  context:
    cluster: nowhere
    user: admin
- name: nouser
  context:
    cluster: local
    user: ghost
current-context: dev
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mk8s-kubeconfig-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const f = path.join(dir, name);
  await mkdir(path.dirname(f), { recursive: true });
  await writeFile(f, text);
  return f;
}

describe('loadKubeconfig', () => {
  it('resolves the current context: server, token, insecure flag and namespace', async () => {
    const f = await write('config', FULL);
    expect(await loadKubeconfig(f)).toEqual({ server: 'http://127.0.0.1:6443', insecureSkipTLSVerify: true, token: 'abc.def', namespace: 'team-a' });
  });

  it('resolves a chosen context, decoding CA and client certificate data', async () => {
    const f = await write('config', FULL);
    expect(await loadKubeconfig(f, { context: 'prod' })).toEqual({
      server: 'https://10.0.0.1:6443',
      caData: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
      clientCertData: 'CERT PEM',
      clientKeyData: 'KEY PEM',
    });
  });

  it('reads the file mk8s up writes (user: {})', async () => {
    const f = await write(
      'mk8s.yaml',
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: mk8s',
        '  cluster:',
        '    server: http://127.0.0.1:40000',
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: mk8s-admin',
        '  user: {}',
        'contexts:',
        '- name: mk8s',
        '  context:',
        '    cluster: mk8s',
        '    user: mk8s-admin',
        '    namespace: default',
        'current-context: mk8s',
        '',
      ].join('\n'),
    );
    expect(await loadKubeconfig(f)).toEqual({ server: 'http://127.0.0.1:40000', insecureSkipTLSVerify: true, namespace: 'default' });
  });

  it('reads referenced files relative to the kubeconfig', async () => {
    await write('pki/ca.crt', 'CA FROM FILE');
    await write('pki/token', 'file-token\n');
    await write('pki/client.crt', 'CERT FROM FILE');
    await write('pki/client.key', 'KEY FROM FILE');
    const f = await write(
      'sub/../config',
      `clusters:
- name: c
  cluster: { server: "https://h:1", certificate-authority: pki/ca.crt }
users:
- name: u
  user: { tokenFile: pki/token, client-certificate: pki/client.crt, client-key: ${path.join(dir, 'pki/client.key')} }
contexts:
- name: x
  context: { cluster: c, user: u }
current-context: x
`,
    );
    expect(await loadKubeconfig(f)).toEqual({
      server: 'https://h:1',
      caData: 'CA FROM FILE',
      token: 'file-token',
      clientCertData: 'CERT FROM FILE',
      clientKeyData: 'KEY FROM FILE',
    });
  });

  it('fails clearly for a missing file, context, cluster, user or server', async () => {
    const f = await write('config', FULL);
    await expect(loadKubeconfig(path.join(dir, 'nope'))).rejects.toThrow(/kubeconfig file .*nope does not exist/);
    const noContext = await loadKubeconfig(f, { context: 'staging' }).catch((e: unknown) => e);
    expect(noContext).toBeInstanceOf(KubeconfigError);
    expect((noContext as Error).message).toBe('context "staging" is not in the kubeconfig (contexts: dev, prod, broken, nouser)');
    await expect(loadKubeconfig(f, { context: 'broken' })).rejects.toThrow(
      'cluster "nowhere" of context "broken" is not in the kubeconfig (clusters: local, secure)',
    );
    await expect(loadKubeconfig(f, { context: 'nouser' })).rejects.toThrow('user "ghost" of context "nouser" is not in the kubeconfig');
    const noServer = await write('noserver', 'clusters: [{name: c, cluster: {}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n');
    await expect(loadKubeconfig(noServer)).rejects.toThrow('cluster "c" has no server');
    const noCurrent = await write('nocurrent', 'clusters: [{name: c, cluster: {server: "http://h"}}]\ncontexts: [{name: x, context: {cluster: c}}]\n');
    await expect(loadKubeconfig(noCurrent)).rejects.toThrow(/no current-context/);
    await expect(loadKubeconfig(await write('bad', 'clusters: [unclosed'))).rejects.toThrow(/not valid YAML/);
    await expect(loadKubeconfig(await write('badlist', 'clusters: {a: 1}'))).rejects.toThrow(/clusters must be a list/);
  });

  it('defaults to $KUBECONFIG, merging its files with the first definition winning', async () => {
    const a = await write('a', 'clusters: [{name: c, cluster: {server: "http://first"}}]\ncontexts: [{name: x, context: {cluster: c, namespace: from-a}}]\n');
    const b = await write('b', 'clusters: [{name: c, cluster: {server: "http://second"}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n');
    const env = { KUBECONFIG: [path.join(dir, 'missing'), a, b].join(path.delimiter) };
    expect(await loadKubeconfig(undefined, { env })).toEqual({ server: 'http://first', namespace: 'from-a' });
    await expect(loadKubeconfig(undefined, { env: { KUBECONFIG: path.join(dir, 'missing') } })).rejects.toThrow(/no kubeconfig found/);
  });

  it('defaults to ~/.kube/config without $KUBECONFIG', async () => {
    await write('.kube/config', FULL);
    expect((await loadKubeconfig(undefined, { env: {}, homeDir: dir })).server).toBe('http://127.0.0.1:6443');
  });
});

describe('parseKubeconfig', () => {
  it('resolves YAML text', async () => {
    expect((await parseKubeconfig(FULL, { context: 'prod' })).server).toBe('https://10.0.0.1:6443');
    await expect(parseKubeconfig('')).rejects.toThrow(/no current-context/);
  });
});
