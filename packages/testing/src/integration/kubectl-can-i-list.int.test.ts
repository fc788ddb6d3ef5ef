// The real kubectl (v1.32) against an API server in this process:
// `kubectl auth can-i --list` sends a SelfSubjectRulesReview for the
// namespace and prints its rules as a table (Resources, Non-Resource URLs,
// Resource Names, Verbs). A user bound to `edit` in one namespace sees the
// edit rules there and not in another; under AlwaysAllow everything is `*`.
// kubectl sends bearer tokens only over HTTPS, so the RBAC server serves a
// self-signed certificate made with openssl; the review arrives as protobuf.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoleBinding } from '@mk8s/api';
import { Clientset } from '@mk8s/client';
import { buildApiServer, openStore, type ApiServer, type Store } from '@mk8s/apiserver';
import { REPO_ROOT } from '../component-process.js';
import { requireTool } from '../require-tool.js';
import { startTestCluster, type TestCluster } from '../test-cluster.js';

const PINNED = path.join(REPO_ROOT, '.tools', 'bin', 'kubectl');
const KUBECTL = process.env['KUBECTL'] ?? (existsSync(PINNED) ? PINNED : 'kubectl');
requireTool('kubectl', KUBECTL, ['version', '--client']);
requireTool('openssl', 'openssl', ['version']);

const run = promisify(execFile);

describe('kubectl auth can-i --list', () => {
  let dir: string;
  let kubeconfig: string;
  const canIList = async (server: string, token: string | undefined, namespace: string): Promise<string> => {
    const auth = token ? ['--token', token] : [];
    const tls = server.startsWith('https:') ? ['--certificate-authority', path.join(dir, 'serving.crt')] : [];
    const args = [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      path.join(dir, 'cache'),
      '--server',
      server,
      ...tls,
      ...auth,
      'auth',
      'can-i',
      '--list',
      '-n',
      namespace,
    ];
    const { stdout } = await run(KUBECTL, args, { timeout: 30_000 });
    return stdout;
  };
  /** The table's row of a resource (`pods`, `deployments.apps`) or a non-resource URL, its columns split. */
  const row = (table: string, name: string): string[] | undefined =>
    table
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/))
      .find((cols) => cols[0] === name || cols[0] === `[${name}]`);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mk8s-can-i-'));
    // An empty kubeconfig: only the flags count, never the user's own.
    kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, '');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('with RBAC', () => {
    let store: Store;
    let server: ApiServer;
    let url: string;
    beforeAll(async () => {
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        path.join(dir, 'serving.key'),
        '-out',
        path.join(dir, 'serving.crt'),
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '2',
      ]);
      store = await openStore({ backend: 'memory' });
      server = await buildApiServer({
        store,
        https: { cert: await readFile(path.join(dir, 'serving.crt')), key: await readFile(path.join(dir, 'serving.key')) },
        auth: {
          tokens: new Map([
            ['admin-token', { name: 'admin', groups: ['system:masters'] }],
            ['jane-token', { name: 'jane', groups: [] }],
          ]),
          authorizationModes: ['Node', 'RBAC'],
        },
      });
      url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const client = new Clientset({ server: url, token: 'admin-token', caData: await readFile(path.join(dir, 'serving.crt'), 'utf8') });
      try {
        await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
        await client.resource<RoleBinding>('rbac.authorization.k8s.io', 'v1', 'rolebindings').create({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'jane-edit', namespace: 'team' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
        });
      } finally {
        client.close();
      }
    });
    afterAll(async () => {
      await server?.app.close();
      await store?.close();
    });

    it("prints the edit rules in the binding's namespace", async () => {
      const table = await canIList(url, 'jane-token', 'team');
      expect(table.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
      expect(row(table, 'pods')).toEqual(['pods', '[]', '[]', '[get list watch create delete deletecollection patch update]']);
      expect(row(table, 'deployments.apps')).toEqual(['deployments.apps', '[]', '[]', '[get list watch create delete deletecollection patch update]']);
      expect(row(table, 'endpoints')).toEqual(['endpoints', '[]', '[]', '[get list watch]']);
      expect(row(table, 'selfsubjectrulesreviews.authorization.k8s.io')).toEqual(['selfsubjectrulesreviews.authorization.k8s.io', '[]', '[]', '[create]']);
      // Non-resource URLs (from the cluster roles of system:authenticated) have no Resources column.
      expect(row(table, '/healthz')).toEqual(['[/healthz]', '[]', '[get]']);
      expect(table).not.toContain('[/metrics]');
    });

    it('prints no edit rules in another namespace', async () => {
      const table = await canIList(url, 'jane-token', 'default');
      expect(row(table, 'pods')).toBeUndefined();
      expect(row(table, 'selfsubjectaccessreviews.authorization.k8s.io')).toEqual(['selfsubjectaccessreviews.authorization.k8s.io', '[]', '[]', '[create]']);
      expect(row(table, '/version')).toEqual(['[/version]', '[]', '[get]']);
    });
  });

  describe('under AlwaysAllow', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await startTestCluster();
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('prints * on everything', async () => {
      const table = await canIList(cluster.url, undefined, 'default');
      expect(row(table, '*.*')).toEqual(['*.*', '[]', '[]', '[*]']);
      expect(row(table, '*')).toEqual(['[*]', '[]', '[*]']);
    });
  });
});
