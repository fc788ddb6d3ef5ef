// `mk8s up --secure`: HTTPS with a generated CA, a client certificate per
// component, RBAC and the Node authorizer. kubectl works through the admin
// kubeconfig, every component works under its own identity (a pod becomes
// Running), requests without credentials get 401, a token-file user bound to
// `edit` gets yes/no from `kubectl auth can-i`, and a kubelet's credential
// cannot touch another node's pod. Extension API servers learn whom to
// trust from kube-system/extension-apiserver-authentication, and the API
// server believes its front proxy's certificate with X-Remote-User.
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { eventually, httpsCall } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, kubectlToken, run, type E2eCluster } from './support/cluster.js';

interface PodList {
  items: Array<{ metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string } }>;
}

describe('mk8s up --secure', () => {
  let cluster: E2eCluster;
  let api: string;
  let pki: string;

  beforeAll(async () => {
    cluster = await e2eCluster();
    api = cluster.api.replace('http://', 'https://');
    pki = path.join(cluster.home, 'pki');
    const { stdout } = await cluster.mk8s('up', '--secure', '--nodes', '2');
    expect(stdout).toContain(`API at ${api}`);
  }, 240_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 120_000);

  const kubectlAs = (kubeconfig: string, ...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: cluster.env, timeout: 60_000 });
  const canI = async (token: string, ...args: string[]): Promise<string> => {
    try {
      return (await kubectlToken(cluster, token, 'auth', 'can-i', ...args)).stdout.trim();
    } catch (err) {
      // `can-i` exits 1 when the answer is no.
      return String((err as { stdout?: string }).stdout ?? '').trim();
    }
  };

  it('writes a kubeconfig with the CA and the admin client certificate, and a kubeconfig per component', async () => {
    const kubeconfig = await readFile(cluster.kubeconfig, 'utf8');
    expect(kubeconfig).toContain(`server: ${api}`);
    expect(kubeconfig).toContain('certificate-authority-data:');
    expect(kubeconfig).toContain('client-certificate-data:');
    expect(kubeconfig).not.toContain('insecure-skip-tls-verify');
    for (const stem of ['kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'cloud-controller-manager', 'kubelet-node-1', 'kubelet-node-2']) {
      expect(await readFile(path.join(pki, `${stem}.kubeconfig`), 'utf8')).toContain('client-certificate-data:');
    }
    const who = (await cluster.kubectl('auth', 'whoami')).stdout;
    expect(who).toMatch(/Username\s+mk8s-admin/);
    expect(who).toContain('system:masters');
  });

  it('publishes the front proxy for extension API servers, and believes it', async () => {
    const data = JSON.parse(
      (await cluster.kubectl('get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication', '-o', 'jsonpath={.data}')).stdout,
    );
    expect(data['client-ca-file']).toBe(await readFile(path.join(pki, 'ca.crt'), 'utf8'));
    expect(data['requestheader-client-ca-file']).toBe(await readFile(path.join(pki, 'front-proxy-ca.crt'), 'utf8'));
    expect(data['requestheader-allowed-names']).toBe('["front-proxy-client"]');
    expect(data['requestheader-username-headers']).toBe('["X-Remote-User"]');
    const read = (f: string) => readFile(path.join(pki, f));
    const [ca, cert, key] = [await read('ca.crt'), await read('front-proxy-client.crt'), await read('front-proxy-client.key')];
    const who = (
      await httpsCall(`${api}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
        method: 'POST',
        ca,
        cert: { cert, key },
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        headers: { 'x-remote-user': 'jane', 'x-remote-group': 'devs' },
      })
    ).json;
    expect(who['status']).toEqual({ userInfo: { username: 'jane', groups: ['devs', 'system:authenticated'] } });
  });

  it('runs a pod to Running through kubectl: scheduler, controllers, kubelets and kube-proxy work as themselves', async () => {
    const nodes = (await cluster.kubectl('get', 'nodes')).stdout;
    expect(nodes).toMatch(/node-1\s+Ready/);
    expect(nodes).toMatch(/node-2\s+Ready/);
    await cluster.kubectl('create', 'deployment', 'web', '--image=busybox:latest', '--replicas=2', '--', 'httpd', '-f', '-p', '8080');
    await cluster.kubectl('expose', 'deployment', 'web', '--port', '80', '--target-port', '8080');
    await eventually(
      async () => {
        const pods = await cluster.kubectlJson<PodList>('get', 'pods', '-l', 'app=web');
        return pods.items.length === 2 && pods.items.every((p) => p.status.phase === 'Running') ? pods : undefined;
      },
      { message: 'two Running pods of web', timeoutMs: 120_000, intervalMs: 1000 },
    );
    const endpoints = await eventually(
      async () => {
        const ep = await cluster.kubectlJson<{ subsets?: Array<{ addresses?: unknown[] }> }>('get', 'endpoints', 'web');
        return (ep.subsets?.[0]?.addresses?.length ?? 0) === 2 ? ep : undefined;
      },
      { message: 'endpoints of web', timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(endpoints).toBeTruthy();
    expect((await cluster.kubectl('exec', 'deploy/web', '--', 'echo', 'hello')).stdout.trim()).toBe('hello');
    // services/proxy and pods/proxy: the API server reaches busybox httpd (serving /) on a ready endpoint, and on one pod.
    const pods = await cluster.kubectlJson<PodList>('get', 'pods', '-l', 'app=web');
    const names = pods.items.map((p) => p.metadata.name);
    const viaService = (await cluster.kubectl('get', '--raw', '/api/v1/namespaces/default/services/web:80/proxy/etc/hostname')).stdout.trim();
    expect(names).toContain(viaService);
    const viaPod = (await cluster.kubectl('get', '--raw', `/api/v1/namespaces/default/pods/${names[0]}:8080/proxy/etc/hostname`)).stdout.trim();
    expect(viaPod).toBe(names[0]);
  }, 180_000);

  it('answers 401 to requests without credentials', async () => {
    const { stdout } = await run('curl', ['-s', '--cacert', path.join(pki, 'ca.crt'), `${api}/api/v1/namespaces/default/pods`]);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const { stdout: code } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', path.join(pki, 'ca.crt'), `${api}/healthz`]);
    expect(code).toBe('401');
  });

  it('lets a token-file user bound to edit do what edit allows, and no more (kubectl auth can-i)', async () => {
    await appendFile(path.join(pki, 'tokens.csv'), 'jane-e2e-token,jane,jane-uid,"dev"\n');
    await cluster.kubectl('create', 'rolebinding', 'jane-edit', '--clusterrole=edit', '--user=jane', '--namespace', 'default');
    // The API server re-reads the token file when it changes (checked at most once a second).
    await eventually(async () => ((await canI('jane-e2e-token', 'get', 'pods')) === 'yes' ? true : undefined), {
      message: 'jane authenticates',
      intervalMs: 500,
    });
    expect(await canI('jane-e2e-token', 'create', 'deployments', '-n', 'default')).toBe('yes');
    expect(await canI('jane-e2e-token', 'delete', 'pods', '-n', 'default')).toBe('yes');
    expect(await canI('jane-e2e-token', 'create', 'deployments', '-n', 'kube-system')).toBe('no');
    expect(await canI('jane-e2e-token', 'create', 'rolebindings', '-n', 'default')).toBe('no');
    expect(await canI('jane-e2e-token', 'list', 'nodes')).toBe('no');
    const denied = await kubectlToken(cluster, 'jane-e2e-token', 'get', 'pods', '-n', 'kube-system').then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(denied).toContain('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "kube-system"');
  });

  it('issues ServiceAccount tokens: kubectl create token, then the token is the ServiceAccount (whoami, RBAC)', async () => {
    // The serviceaccount controller gives every namespace its `default` ServiceAccount.
    await eventually(async () => ((await cluster.kubectl('get', 'serviceaccount', 'default')).stdout.includes('default') ? true : undefined), {
      message: 'the default ServiceAccount',
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    await cluster.kubectl('create', 'serviceaccount', 'robot');
    const token = (await cluster.kubectl('create', 'token', 'robot')).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const who = (await kubectlToken(cluster, token, 'auth', 'whoami')).stdout;
    expect(who).toContain('system:serviceaccount:default:robot');
    expect(who).toContain('system:serviceaccounts:default');
    expect(await canI(token, 'list', 'pods', '-n', 'default')).toBe('no');
    await cluster.kubectl('create', 'rolebinding', 'robot-view', '--clusterrole=view', '--serviceaccount=default:robot', '--namespace', 'default');
    expect(await canI(token, 'list', 'pods', '-n', 'default')).toBe('yes');
    // Deleting the ServiceAccount revokes its tokens.
    await cluster.kubectl('delete', 'serviceaccount', 'robot');
    const gone = await kubectlToken(cluster, token, 'get', 'pods').then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(gone).toMatch(/Unauthorized|must be logged in/);
  });

  it("serves logs, exec and stats through kubelets that require the API server's client certificate", async () => {
    const pods = await cluster.kubectlJson<PodList>('get', 'pods', '-l', 'app=web');
    const name = pods.items[0]!.metadata.name;
    await cluster.kubectl('exec', name, '--', 'sh', '-c', 'echo to-the-log > /proc/1/fd/1');
    expect((await cluster.kubectl('logs', name)).stdout).toContain('to-the-log');
    const log = await readFile(path.join(cluster.home, 'logs', 'kubelet-node-1.log'), 'utf8');
    const url = [...log.matchAll(/serving on (https:\/\/[^\s"]+)/g)].at(-1)?.[1];
    expect(url).toBeDefined();
    const curl = async (...args: string[]) =>
      (await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', path.join(pki, 'ca.crt'), ...args])).stdout;
    expect(await curl(`${url}/healthz`)).toBe('200');
    expect(await curl(`${url}/stats/summary`)).toBe('401');
    expect(await curl('--cert', path.join(pki, 'kubelet-node-2.crt'), '--key', path.join(pki, 'kubelet-node-2.key'), `${url}/stats/summary`)).toBe('403');
    expect(
      await curl('--cert', path.join(pki, 'apiserver-kubelet-client.crt'), '--key', path.join(pki, 'apiserver-kubelet-client.key'), `${url}/stats/summary`),
    ).toBe('200');
    // The API server scrapes the kubelets' stats with its certificate (kubectl top).
    await eventually(async () => ((await cluster.kubectl('top', 'nodes')).stdout.includes('node-1') ? true : undefined), {
      message: 'kubectl top nodes',
      timeoutMs: 60_000,
      intervalMs: 2000,
    });
  }, 120_000);

  it("refuses a kubelet's credential on another node's pod and Node (403)", async () => {
    const pods = await cluster.kubectlJson<PodList>('get', 'pods', '-l', 'app=web');
    const onNode2 = pods.items.find((p) => p.spec.nodeName === 'node-2') ?? pods.items.find((p) => p.spec.nodeName !== 'node-1');
    expect(onNode2).toBeDefined();
    const other = onNode2!.spec.nodeName!;
    const me = other === 'node-1' ? 'node-2' : 'node-1';
    const kubelet = path.join(pki, `kubelet-${me}.kubeconfig`);
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => '',
        (err: { stderr?: string }) => err.stderr ?? '',
      );
    expect(await fail(kubectlAs(kubelet, 'delete', 'pod', onNode2!.metadata.name, '--wait=false'))).toContain(
      `pods "${onNode2!.metadata.name}" is forbidden: node "${me}" can only delete pods with spec.nodeName set to itself`,
    );
    expect(await fail(kubectlAs(kubelet, 'label', 'node', other, 'stolen=yes'))).toContain(
      `nodes "${other}" is forbidden: node "${me}" is not allowed to modify node "${other}"`,
    );
    // Its own Node is its to change.
    await kubectlAs(kubelet, 'label', 'node', me, 'mine=yes');
    // The pod is untouched.
    expect(
      (await cluster.kubectlJson<{ metadata: { deletionTimestamp?: string } }>('get', 'pod', onNode2!.metadata.name)).metadata.deletionTimestamp,
    ).toBeUndefined();
  });

  it('joins a new node with its own certificate (mk8s node add)', async () => {
    const { stdout } = await cluster.mk8s('node', 'add');
    expect(stdout).toContain('node node-3 added and Ready');
    expect(await readFile(path.join(pki, 'kubelet-node-3.kubeconfig'), 'utf8')).toContain('client-certificate-data:');
    expect((await cluster.kubectl('get', 'node', 'node-3')).stdout).toMatch(/node-3\s+Ready/);
  }, 120_000);
});
