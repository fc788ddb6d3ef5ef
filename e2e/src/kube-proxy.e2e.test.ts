// kube-proxy on real Docker: kube-apiserver, mk8s-dockershim, kubelet and
// kube-proxy as separate processes. Two busybox httpd pods answer their own
// hostname behind a NodePort Service; the test writes the Endpoints itself
// (no controller-manager). Traffic through the NodePort on 127.0.0.1 and
// through the ClusterIP spreads evenly over both (iptables mode), an
// endpoint moved to notReadyAddresses stops receiving traffic, a third pod
// reaches the ClusterIP, SIGTERM leaves the rules and `--cleanup` removes
// exactly ours (Docker's chains, and any other cluster's, intact) and puts
// route_localnet back (it is only on behind the MK8S-<TAG>-FIREWALL martian
// drop). Then the same spread in userspace mode. The proxy runs under its
// own --cluster-name, so a cluster a user runs on this machine is untouched.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, eventuallyMatches, startComponent, startNodeProcesses, type ComponentProcess, type NodeProcesses } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
/** This suite's cluster: kube-proxy prints where its chains (MK8S-<TAG>-) and bridge (mk8s-svc-<tag>) are. */
const CLUSTER = `e2e-kube-proxy-${process.pid}`;
const CHAINS = { prefix: '', services: '', firewall: '' };
let BRIDGE = '';
const SCOPE = `io.mk8s.e2e=kube-proxy-${process.pid}`;
const NODE = 'kp-node';
const NS = '/api/v1/namespaces/default';

async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** One GET on a new connection (no keep-alive: iptables balances connections). */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve(t.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function spread(url: string, n: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const who = await get(url);
    counts.set(who, (counts.get(who) ?? 0) + 1);
  }
  return counts;
}

const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';
const routeLocalnet = async (): Promise<string> => (await readFile(ROUTE_LOCALNET, 'utf8')).trim();

async function iptablesSave(): Promise<string> {
  return (await run('iptables-save')).stdout;
}

/** Docker's rules (anything mentioning DOCKER), without counters or comments. */
function dockerRules(save: string): string[] {
  return save
    .split('\n')
    .filter((l) => /DOCKER/.test(l) && !/MK8S/.test(l))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''))
    .sort();
}

function httpdPod(name: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: 'busybox:latest',
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'mkdir -p /var/www && hostname > /var/www/index.html && exec httpd -f -p 8080 -h /var/www'],
        },
      ],
    },
  };
}

describe('kube-proxy on real Docker', () => {
  let dir: string;
  let node: NodeProcesses;
  let proxy: ComponentProcess | undefined;
  let proxyURL = '';
  let dockerBefore: string[];
  let routeLocalnetBefore = '';
  const pods: Record<string, string> = {}; // pod name -> pod IP
  const hostnames: Record<string, string> = {}; // answer -> pod name
  let clusterIP = '';
  let nodePort = 0;

  const startProxy = async (mode: 'iptables' | 'userspace'): Promise<ComponentProcess> => {
    const started = await startComponent('kube-proxy', {
      args: ['--kubeconfig', path.join(dir, 'kubeconfig'), '--mode', mode, '--port', '0', '--cluster-name', CLUSTER, '--log-level', 'warn'],
      ready: /kube-proxy serving on (http:\/\/\S+)/,
    });
    proxyURL = started.match;
    const where = /iptables chains (MK8S-[A-Z2-7]{4}-)\*, service bridge (\S+)/.exec(started.proc.output());
    if (!where) throw new Error(`kube-proxy did not say where its chains are:\n${started.proc.output()}`);
    Object.assign(CHAINS, { prefix: where[1], services: `${where[1]}SERVICES`, firewall: `${where[1]}FIREWALL` });
    BRIDGE = where[2]!;
    return started.proc;
  };
  const cleanup = () => run(process.execPath, [binPath('kube-proxy'), '--cleanup', '--cluster-name', CLUSTER], { timeout: 60_000 });
  const endpoints = (ready: string[], notReady: string[]) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web' },
    subsets: [
      {
        addresses: ready.length ? ready.map((p) => ({ ip: pods[p]!, nodeName: NODE, targetRef: { kind: 'Pod', namespace: 'default', name: p } })) : undefined,
        notReadyAddresses: notReady.length
          ? notReady.map((p) => ({ ip: pods[p]!, nodeName: NODE, targetRef: { kind: 'Pod', namespace: 'default', name: p } }))
          : undefined,
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ],
  });
  const writeEndpoints = async (ready: string[], notReady: string[]) => {
    const r = await api(node.apiserver.url, 'PUT', `${NS}/endpoints/web`, endpoints(ready, notReady));
    expect([200, 201]).toContain(r.status);
  };

  beforeAll(async () => {
    dockerBefore = dockerRules(await iptablesSave());
    routeLocalnetBefore = await routeLocalnet();
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-kube-proxy-e2e-'));
    node = await startNodeProcesses({ dir, nodeName: NODE, scopeLabels: SCOPE });

    for (const name of ['web-a', 'web-b']) expect((await api(node.apiserver.url, 'POST', `${NS}/pods`, httpdPod(name))).status).toBe(201);
    const client = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'sh', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
      },
    };
    expect((await api(node.apiserver.url, 'POST', `${NS}/pods`, client)).status).toBe(201);
    for (const name of ['web-a', 'web-b']) {
      const pod = await eventuallyMatches(
        () => api(node.apiserver.url, 'GET', `${NS}/pods/${name}`),
        (r) => r.body?.status?.phase === 'Running' && !!r.body.status.podIP,
        { message: `${name} Running`, timeoutMs: 60_000, intervalMs: 100 },
      );
      pods[name] = pod.body.status.podIP;
      const answer = await eventuallyMatches(
        () => get(`http://${pods[name]}:8080/`),
        (t) => t.length > 0,
        { message: `${name} answers`, timeoutMs: 60_000, intervalMs: 100 },
      );
      hostnames[answer] = name;
    }
    expect(Object.keys(hostnames)).toHaveLength(2);

    const svc = await api(node.apiserver.url, 'POST', `${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    expect(svc.status).toBe(201);
    clusterIP = svc.body.spec.clusterIP;
    nodePort = svc.body.spec.ports[0].nodePort;
    await writeEndpoints(['web-a', 'web-b'], []);
  });

  afterAll(async () => {
    await proxy?.stop();
    await cleanup().catch(() => undefined);
    await node?.stop();
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${SCOPE}`]);
    if (stdout.trim()) await run('docker', ['rm', '-f', ...stdout.trim().split('\n')]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function expectEven(counts: Map<string, number>, n: number): void {
    expect([...counts.keys()].map((h) => hostnames[h]).sort()).toEqual(['web-a', 'web-b']);
    for (const c of counts.values()) {
      expect(c).toBeGreaterThanOrEqual(0.4 * n);
      expect(c).toBeLessThanOrEqual(0.6 * n);
    }
  }

  // 400 random picks rather than 200: the same 40-60% bound is then
  // 4 standard deviations wide instead of 2.8, so the suite does not flake.
  it('iptables mode: 400 requests through the NodePort on 127.0.0.1 and through the ClusterIP spread evenly', async () => {
    proxy = await startProxy('iptables');
    await eventuallyMatches(
      () => get(`http://127.0.0.1:${nodePort}/`),
      (t) => t in hostnames,
      { message: 'NodePort answers', timeoutMs: 60_000, intervalMs: 100 },
    );
    const viaNodePort = await spread(`http://127.0.0.1:${nodePort}/`, 400);
    const viaClusterIP = await spread(`http://${clusterIP}:80/`, 400);
    console.log(`iptables spread: NodePort ${JSON.stringify(Object.fromEntries(viaNodePort))}, ClusterIP ${JSON.stringify(Object.fromEntries(viaClusterIP))}`);
    expectEven(viaNodePort, 400);
    expectEven(viaClusterIP, 400);
    const save = await iptablesSave();
    expect(save).toContain(`-A PREROUTING -m comment --comment "mk8s service portals" -j ${CHAINS.services}`);
    expect(save).toMatch(new RegExp(`-m statistic --mode random --probability 0\\.50000000000 -j ${CHAINS.prefix}SEP-`));
    // route_localnet (NodePorts on 127.0.0.1) only behind the martian drop (CVE-2020-8558).
    expect(await routeLocalnet()).toBe('1');
    expect(save).toContain(`-A INPUT -m comment --comment "mk8s localnet firewall" -j ${CHAINS.firewall}`);
    expect(save).toContain(
      `-A ${CHAINS.firewall} ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "mk8s: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    );
    expect(await get(`${proxyURL}/healthz`)).toBe('ok');
    const metrics = await get(`${proxyURL}/metrics`);
    expect(metrics).toMatch(/kubeproxy_sync_proxy_rules_iptables_total\{table="nat"\} \d+/);
    expect(metrics).toContain('kubeproxy_sync_proxy_rules_duration_seconds_bucket');
    expect(metrics).toContain('kubeproxy_sync_proxy_rules_last_timestamp_seconds');
  });

  it('an endpoint moved to notReadyAddresses stops receiving traffic', async () => {
    await writeEndpoints(['web-a'], ['web-b']);
    await eventuallyMatches(
      () => spread(`http://${clusterIP}:80/`, 20),
      (counts) => counts.size === 1 && hostnames[[...counts.keys()][0]!] === 'web-a',
      { message: 'only web-a answers', timeoutMs: 30_000, intervalMs: 100 },
    );
    const after = await spread(`http://127.0.0.1:${nodePort}/`, 40);
    expect([...after.keys()].map((h) => hostnames[h])).toEqual(['web-a']);
    await writeEndpoints(['web-a', 'web-b'], []);
    await eventuallyMatches(
      () => spread(`http://${clusterIP}:80/`, 20),
      (counts) => counts.size === 2,
      { message: 'web-b is back', timeoutMs: 30_000, intervalMs: 100 },
    );
  });

  it('a pod reaches the ClusterIP (wget inside its container)', async () => {
    const { stdout: id } = await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=${SCOPE}`,
      '--filter',
      'label=io.kubernetes.pod.name=client',
      '--filter',
      'label=io.kubernetes.container.name=sh',
    ]);
    expect(id.trim()).not.toBe('');
    const answer = await eventuallyMatches(
      // No `-T`: busybox-static's wget crashes with it (exit 139); the exec itself is time-limited.
      async () => (await run('docker', ['exec', id.trim(), 'wget', '-qO-', `http://${clusterIP}:80/`], { timeout: 10_000 })).stdout.trim(),
      (t) => t in hostnames,
      { message: 'wget from the client pod', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(Object.values(hostnames)).toContain(hostnames[answer]);
  });

  it('a pod started after the Service gets WEB_SERVICE_HOST/WEB_SERVICE_PORT and reaches the Service by them', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'env-check' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'sh', image: 'busybox:latest', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
      },
    };
    expect((await api(node.apiserver.url, 'POST', `${NS}/pods`, pod)).status).toBe(201);
    const id = await eventuallyMatches(
      async () =>
        (
          await run('docker', [
            'ps',
            '-q',
            '--filter',
            `label=${SCOPE}`,
            '--filter',
            'label=io.kubernetes.pod.name=env-check',
            '--filter',
            'label=io.kubernetes.container.name=sh',
          ])
        ).stdout.trim(),
      (x) => x !== '',
      { message: 'env-check container', timeoutMs: 60_000, intervalMs: 100 },
    );
    const env = (await run('docker', ['exec', id, 'env'])).stdout;
    expect(env).toContain(`WEB_SERVICE_HOST=${clusterIP}\n`);
    expect(env).toContain('WEB_SERVICE_PORT=80\n');
    expect(env).toContain(`WEB_PORT_80_TCP=tcp://${clusterIP}:80\n`);
    const answer = (await run('docker', ['exec', id, 'sh', '-c', 'wget -qO- http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/'], { timeout: 10_000 })).stdout.trim();
    expect(answer in hostnames).toBe(true);
  });

  it("SIGTERM leaves the rules; --cleanup removes this cluster's chains, bridge and route, nothing of Docker's, and restores route_localnet", async () => {
    await proxy!.stop();
    proxy = undefined;
    const before = await iptablesSave();
    expect(before).toContain(`:${CHAINS.services}`);
    // Another cluster on this machine (a user's) still needs route_localnet: then cleanup leaves it on.
    const otherFirewalls = (before.match(/^:MK8S-[A-Z2-7]{4}-FIREWALL /gm) ?? []).filter((l) => !l.startsWith(`:${CHAINS.firewall} `));
    expect((await get(`http://127.0.0.1:${nodePort}/`)) in hostnames).toBe(true);
    await cleanup();
    const save = await iptablesSave();
    expect(save).not.toContain(CHAINS.prefix);
    expect(dockerRules(save)).toEqual(dockerBefore);
    await expect(run('ip', ['link', 'show', BRIDGE])).rejects.toThrow();
    const routes = (await run('ip', ['route'])).stdout;
    expect(routes).not.toContain('10.96.0.0/16');
    expect(await routeLocalnet()).toBe(otherFirewalls.length > 0 ? '1' : routeLocalnetBefore);
  });

  it('userspace mode: 200 requests through the NodePort spread evenly (round-robin), then cleanup leaves nothing', async () => {
    proxy = await startProxy('userspace');
    await eventuallyMatches(
      () => get(`http://127.0.0.1:${nodePort}/`),
      (t) => t in hostnames,
      { message: 'NodePort answers', timeoutMs: 60_000, intervalMs: 100 },
    );
    const counts = await spread(`http://127.0.0.1:${nodePort}/`, 200);
    console.log(`userspace spread: NodePort ${JSON.stringify(Object.fromEntries(counts))}`);
    expectEven(counts, 200);
    // As root, the userspace proxier also listens on the ClusterIP (added to the service bridge).
    expect((await get(`http://${clusterIP}:80/`)) in hostnames).toBe(true);
    await proxy.stop();
    proxy = undefined;
    await cleanup();
    expect(await iptablesSave()).not.toContain(CHAINS.prefix);
    await expect(run('ip', ['link', 'show', BRIDGE])).rejects.toThrow();
  });
});
