// The attack suite: each attack the security controls exist for, run as an
// attacker would against a cluster `mk8s up` started on real Docker, and
// each asserted refused and logged (the API server's audit log, the
// component's own log, or the pod's Events):
// - the default (insecure, loopback) mode: DNS rebinding (a Host of another
//   name) against the API server and a kubelet, a cross-origin WebSocket exec
//   through the API server and straight to the kubelet, a pod that symlinks
//   `/` and mounts it by subPath, runAsNonRoot with a root image, a
//   restricted namespace refusing hostPath; and Secret volumes that never
//   touch the disk, released by `mk8s down`;
// - `--secure`: a namespace admin binding cluster-admin (RBAC escalation) and
//   a node credential creating a mirror pod that references a Secret
//   (NodeRestriction).
import { randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { mountsUnder } from '@mk8s/component-base';
import { eventually } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, kubectlToken, run, type E2eCluster } from './support/cluster.js';

interface AuditEvent {
  stage: string;
  requestURI: string;
  verb: string;
  user: { username: string };
  responseStatus?: { code: number };
  annotations?: Record<string, string>;
}

/** The audit events written so far that match `match` (the log is written asynchronously: poll). */
async function audited(cluster: E2eCluster, what: string, match: (e: AuditEvent) => boolean): Promise<AuditEvent> {
  return eventually(
    async () => {
      const lines = (await readFile(path.join(cluster.home, 'logs', 'audit.log'), 'utf8')).split('\n').filter((l) => l !== '');
      return lines.map((l) => JSON.parse(l) as AuditEvent).find(match);
    },
    { message: `the audit log to record ${what}`, intervalMs: 250 },
  );
}

/** A component's log (`$MK8S_HOME/logs/<name>.log`) once it contains `text`. */
async function logged(cluster: E2eCluster, prefix: string, text: string): Promise<string> {
  return eventually(
    async () => {
      for (const f of await readdir(path.join(cluster.home, 'logs'))) {
        if (!f.startsWith(prefix)) continue;
        const lines = (await readFile(path.join(cluster.home, 'logs', f), 'utf8')).split('\n').filter((l) => l.includes(text));
        if (lines.length > 0) return lines.join('\n');
      }
      return undefined;
    },
    { message: `${prefix}'s log to mention ${JSON.stringify(text)}`, intervalMs: 250 },
  );
}

/** A raw HTTP request with the headers a browser (or an attacker's script) would send; resolves the status and body, or 101 for an accepted upgrade. */
function rawRequest(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: 15_000 });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

const websocketHeaders = (): Record<string, string> => ({
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
  'Sec-WebSocket-Protocol': 'v5.channel.k8s.io',
});

/** kubectl's stderr when it fails (the attack's refusal), or a failure when it succeeded. */
async function refusal(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => {
      throw new Error('the attack was not refused');
    },
    (err: { stderr?: string }) => err.stderr ?? String(err),
  );
}

describe('attacks on the default (insecure, loopback) mode', () => {
  let cluster: E2eCluster;
  let port: string;
  let kubeletPort: string;

  beforeAll(async () => {
    cluster = await e2eCluster();
    port = new URL(cluster.api).port;
    await cluster.mk8s('up');
    await eventually(async () => ((await cluster.kubectl('get', 'node', 'node-1')).stdout.match(/node-1\s+Ready/) ? true : undefined), {
      message: 'node-1 Ready',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    kubeletPort = (await cluster.kubectl('get', 'node', 'node-1', '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}')).stdout.trim();
    await cluster.kubectl('run', 'web', '--image=busybox:latest', '--restart=Never', '--', 'sleep', '3600');
    await eventually(async () => ((await cluster.kubectl('get', 'pod', 'web', '-o', 'jsonpath={.status.phase}')).stdout === 'Running' ? true : undefined), {
      message: 'web Running',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
  }, 240_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 120_000);

  it('DNS rebinding: a Host of another name is refused by the API server (audited) and the kubelet (logged)', async () => {
    const api = await rawRequest(`${cluster.api}/api/v1/namespaces/default/secrets?attack=rebinding`, { Host: `evil.example:${port}` });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ kind: 'Status', code: 403, reason: 'Forbidden' });
    expect(api.body).toContain('Host \\"evil.example');
    const event = await audited(cluster, 'the rebinding attempt', (e) => e.requestURI.includes('attack=rebinding'));
    expect(event.responseStatus?.code).toBe(403);
    // A loopback Host is served: the refusal is about the name, not the path.
    expect((await rawRequest(`${cluster.api}/api/v1/namespaces/default/secrets`, { Host: `127.0.0.1:${port}` })).status).toBe(200);

    const kubelet = await rawRequest(`http://127.0.0.1:${kubeletPort}/containerLogs/default/web/web`, { Host: `evil.example:${kubeletPort}` });
    expect(kubelet.status).toBe(403);
    expect(kubelet.body).toContain('not Host "evil.example');
    expect(await logged(cluster, 'kubelet', 'refused a browser-reachable request')).toContain('evil.example');
  });

  it('a cross-origin WebSocket exec is refused by the API server (audited) and by the kubelet, while kubectl exec works', async () => {
    const execPath = '/api/v1/namespaces/default/pods/web/exec?command=id&stdout=true&attack=cswsh';
    const attack = await rawRequest(`${cluster.api}${execPath}`, { ...websocketHeaders(), Origin: 'http://evil.example' });
    expect(attack.status).toBe(403);
    expect(attack.body).toContain('refuses cross-origin requests from web pages');
    const event = await audited(cluster, 'the cross-origin exec', (e) => e.requestURI.includes('attack=cswsh'));
    expect(event.responseStatus?.code).toBe(403);
    // The same upgrade without Origin (what kubectl sends) is accepted: the refusal is the Origin.
    expect((await rawRequest(`${cluster.api}${execPath}`, websocketHeaders())).status).toBe(101);
    expect((await cluster.kubectl('exec', 'web', '--', 'echo', 'still-works')).stdout.trim()).toBe('still-works');

    const direct = await rawRequest(`http://127.0.0.1:${kubeletPort}/exec/default/web/web?command=id&output=1`, {
      ...websocketHeaders(),
      Origin: 'http://evil.example',
    });
    expect(direct.status).toBe(403);
    expect(direct.body).toContain('refuses cross-origin requests');
  });

  it('a pod that symlinks / inside an emptyDir and mounts it by subPath never sees the host (CreateContainerConfigError, Failed event)', async () => {
    const marker = path.join(cluster.home, `host-marker-${process.pid}`);
    await writeFile(marker, 'host file\n');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'escape' },
      spec: {
        restartPolicy: 'Never',
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [
          { name: 'link', image: 'busybox:latest', command: ['ln', '-s', '/', '/data/host'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        ],
        containers: [
          { name: 'main', image: 'busybox:latest', command: ['cat', `/host${marker}`], volumeMounts: [{ name: 'data', mountPath: '/host', subPath: 'host' }] },
        ],
      },
    };
    await createFromJson(cluster, pod);
    const waiting = await eventually(
      async () => {
        const w = (
          await cluster.kubectlJson<{ status?: { containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string } } }> } }>(
            'get',
            'pod',
            'escape',
          )
        ).status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'CreateContainerConfigError' ? w : undefined;
      },
      { message: 'the escape pod refused', timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(waiting.message).toContain('subPath "host" of volumeMount "data" in container "main" refused');
    expect(waiting.message).toContain('symbolic link');
    const events = await eventually(
      async () => {
        const out = (
          await cluster.kubectl('get', 'events', '--field-selector', 'involvedObject.name=escape,reason=Failed', '-o', 'jsonpath={.items[*].message}')
        ).stdout;
        return out.includes('symbolic link') ? out : undefined;
      },
      { message: 'a Failed event', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(events).toContain('subPath');
    // Nothing of the host was mounted anywhere under the kubelet's folder.
    expect((await mountsUnder(path.join(cluster.home, 'kubelet'))).filter((m) => m.includes('volume-subpaths'))).toEqual([]);
  });

  it('runAsNonRoot with an image that runs as root is refused by the kubelet (CreateContainerConfigError)', async () => {
    await createFromJson(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'rooty' },
      spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] },
    });
    const waiting = await eventually(
      async () => {
        const w = (
          await cluster.kubectlJson<{ status?: { containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string } } }> } }>(
            'get',
            'pod',
            'rooty',
          )
        ).status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'CreateContainerConfigError' ? w : undefined;
      },
      { message: 'rooty refused', timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(waiting.message).toBe(
      'container has runAsNonRoot and image will run as root (pod: "rooty_default(' + (await podUid(cluster, 'rooty')) + ')", container: main)',
    );
  });

  it('a namespace enforcing restricted refuses a hostPath pod (audited with the policy that refused it)', async () => {
    await cluster.kubectl('create', 'namespace', 'locked');
    await cluster.kubectl('label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted');
    const stderr = await refusal(
      createFromJson(cluster, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'peek', namespace: 'locked' },
        spec: {
          volumes: [{ name: 'root', hostPath: { path: '/' } }],
          containers: [{ name: 'main', image: 'busybox:latest', volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
        },
      }),
    );
    expect(stderr).toContain('violates PodSecurity "restricted:latest"');
    expect(stderr).toContain('restricted volume types (volume "root" uses restricted volume type "hostPath")');
    const event = await audited(
      cluster,
      'the refused hostPath pod',
      (e) => e.verb === 'create' && e.requestURI.startsWith('/api/v1/namespaces/locked/pods') && e.responseStatus?.code === 403,
    );
    expect(event.annotations?.['pod-security.kubernetes.io/enforce-policy']).toBe('restricted:latest');
  });

  it('a Secret volume lives on a tmpfs (never the disk), and mk8s down releases it', async () => {
    await cluster.kubectl('create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret');
    await createFromJson(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader' },
      spec: {
        volumes: [{ name: 'creds', secret: { secretName: 'creds' } }],
        containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'], volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }] }],
      },
    });
    await eventually(async () => ((await cluster.kubectl('get', 'pod', 'reader', '-o', 'jsonpath={.status.phase}')).stdout === 'Running' ? true : undefined), {
      message: 'reader Running',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    expect((await cluster.kubectl('exec', 'reader', '--', 'cat', '/etc/creds/password')).stdout).toBe('s3cret');
    const mounts = (await cluster.kubectl('exec', 'reader', '--', 'cat', '/proc/mounts')).stdout;
    expect(
      mounts
        .split('\n')
        .find((l) => l.split(' ')[1] === '/etc/creds')
        ?.split(' ')[2],
    ).toBe('tmpfs');
    const uid = await podUid(cluster, 'reader');
    const node = (await cluster.kubectl('get', 'pod', 'reader', '-o', 'jsonpath={.spec.nodeName}')).stdout.trim();
    const podDir = path.join(cluster.home, 'kubelet', node, 'pods', uid);
    expect(await mountsUnder(podDir)).toEqual([path.join(podDir, 'volumes', 'secret', 'creds')]);

    await cluster.mk8s('down');
    expect(await mountsUnder(cluster.home)).toEqual([]);
  });
});

describe('attacks on --secure', () => {
  let cluster: E2eCluster;
  let pki: string;

  beforeAll(async () => {
    cluster = await e2eCluster();
    pki = path.join(cluster.home, 'pki');
    await cluster.mk8s('up', '--secure');
    await eventually(async () => ((await cluster.kubectl('get', 'node', 'node-1')).stdout.match(/node-1\s+Ready/) ? true : undefined), {
      message: 'node-1 Ready',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
  }, 240_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 120_000);

  it('a namespace admin cannot bind cluster-admin (RBAC escalation), and the refusal is audited', async () => {
    await cluster.kubectl('create', 'namespace', 'team');
    await appendFile(path.join(pki, 'tokens.csv'), 'mallory-e2e-token,mallory,mallory-uid,"team-admins"\n');
    await cluster.kubectl('create', 'rolebinding', 'mallory-admin', '--clusterrole=admin', '--user=mallory', '--namespace', 'team');
    // The token file is re-read when it changes (at most once a second).
    await eventually(async () => ((await kubectlToken(cluster, 'mallory-e2e-token', 'auth', 'whoami')).stdout.includes('mallory') ? true : undefined), {
      message: 'mallory authenticates',
      intervalMs: 500,
    });
    // What the admin role allows works: bind edit to someone in the namespace.
    await kubectlToken(cluster, 'mallory-e2e-token', 'create', 'rolebinding', 'bob-edit', '--clusterrole=edit', '--user=bob', '--namespace', 'team');
    const stderr = await refusal(
      kubectlToken(
        cluster,
        'mallory-e2e-token',
        'create',
        'rolebinding',
        'mallory-root',
        '--clusterrole=cluster-admin',
        '--user=mallory',
        '--namespace',
        'team',
      ),
    );
    expect(stderr).toContain('is attempting to grant RBAC permissions not currently held');
    const event = await audited(
      cluster,
      'the escalation attempt',
      (e) =>
        e.user.username === 'mallory' &&
        e.verb === 'create' &&
        e.requestURI.startsWith('/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings') &&
        e.responseStatus?.code === 403,
    );
    expect(event.stage).toBe('ResponseComplete');
    // A Role in mallory's own namespace granting more than mallory holds is refused too.
    const role = await refusal(kubectlToken(cluster, 'mallory-e2e-token', 'create', 'role', 'everything', '--verb=*', '--resource=*', '--namespace', 'team'));
    expect(role).toContain('is attempting to grant RBAC permissions not currently held');
  });

  it('a node credential cannot create a mirror pod that references a Secret (NodeRestriction), and the refusal is audited', async () => {
    const nodeUid = (await cluster.kubectl('get', 'node', 'node-1', '-o', 'jsonpath={.metadata.uid}')).stdout.trim();
    const mirror = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'steal-node-1',
        namespace: 'default',
        annotations: { 'kubernetes.io/config.mirror': 'x' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: nodeUid, controller: true }],
      },
      spec: { nodeName: 'node-1', volumes: [{ name: 's', secret: { secretName: 'anything' } }], containers: [{ name: 'main', image: 'busybox:latest' }] },
    };
    const stderr = await refusal(createFromJson(cluster, mirror, ['--kubeconfig', path.join(pki, 'kubelet-node-1.kubeconfig')]));
    expect(stderr).toContain('node "node-1" can not create pods that reference secrets');
    const event = await audited(
      cluster,
      'the mirror pod attempt',
      (e) =>
        e.user.username === 'system:node:node-1' &&
        e.verb === 'create' &&
        e.requestURI.startsWith('/api/v1/namespaces/default/pods') &&
        e.responseStatus?.code === 403,
    );
    expect(event.stage).toBe('ResponseComplete');
  });
});

/** `kubectl create -f -` with the object as JSON on stdin. */
function createFromJson(cluster: E2eCluster, obj: unknown, extra: string[] = []): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = run('kubectl', [...extra, 'create', '-f', '-'], { env: cluster.env, timeout: 60_000 });
    child.child.stdin?.end(JSON.stringify(obj));
    child.then(resolve, reject);
  });
}

async function podUid(cluster: E2eCluster, name: string): Promise<string> {
  return (await cluster.kubectl('get', 'pod', name, '-o', 'jsonpath={.metadata.uid}')).stdout.trim();
}
