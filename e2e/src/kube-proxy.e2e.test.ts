// kube-proxy on real Docker: kube-apiserver, mk8s-dockershim, kubelet and
// kube-proxy as separate processes. Two busybox httpd pods answer their own
// hostname behind a NodePort Service; the test writes the Endpoints itself
// (no controller-manager). Traffic through the NodePort on 127.0.0.1 and
// through the ClusterIP spreads evenly over both (iptables mode), an
// endpoint moved to notReadyAddresses stops receiving traffic, a third pod
// reaches the ClusterIP, SIGTERM leaves the rules and `--cleanup` removes
// exactly ours (Docker's chains intact) and puts route_localnet back (it is
// only on behind MK8S-FIREWALL's martian drop). Then the same spread in
// userspace mode.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, kubeconfigFor, startApiServerProcess, startComponent, type ComponentProcess } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCOPE = `io.mk8s.e2e=kube-proxy-${process.pid}`;
const NODE = 'kp-node';
const NS = '/api/v1/namespaces/default';

async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)?.slice(0, 500)} ${String(lastErr ?? '')}`);
    await new Promise((r) => setTimeout(r, 100));
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
  let apiserver: { proc: ComponentProcess; url: string };
  let shim: ComponentProcess;
  let kubelet: ComponentProcess;
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
      args: ['--kubeconfig', path.join(dir, 'kubeconfig'), '--mode', mode, '--port', '0', '--log-level', 'warn'],
      ready: /kube-proxy serving on (http:\/\/\S+)/,
    });
    proxyURL = started.match;
    return started.proc;
  };
  const cleanup = () => run(process.execPath, [binPath('kube-proxy'), '--cleanup'], { timeout: 60_000 });
  const endpoints = (ready: string[], notReady: string[]) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web' },
    subsets: [
      {
        ...(ready.length ? { addresses: ready.map((p) => ({ ip: pods[p]!, nodeName: NODE, targetRef: { kind: 'Pod', namespace: 'default', name: p } })) } : {}),
        ...(notReady.length
          ? { notReadyAddresses: notReady.map((p) => ({ ip: pods[p]!, nodeName: NODE, targetRef: { kind: 'Pod', namespace: 'default', name: p } })) }
          : {}),
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ],
  });
  const writeEndpoints = async (ready: string[], notReady: string[]) => {
    const r = await api(apiserver.url, 'PUT', `${NS}/endpoints/web`, endpoints(ready, notReady));
    expect([200, 201]).toContain(r.status);
  };

  beforeAll(async () => {
    dockerBefore = dockerRules(await iptablesSave());
    routeLocalnetBefore = await routeLocalnet();
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-kube-proxy-e2e-'));
    apiserver = await startApiServerProcess();
    await writeFile(path.join(dir, 'kubeconfig'), kubeconfigFor(apiserver.url));
    shim = (
      await startComponent('mk8s-dockershim', {
        args: ['--socket', path.join(dir, 'cri.sock'), '--scope-labels', SCOPE, '--log-level', 'warn'],
        ready: /serving CRI on/,
      })
    ).proc;
    kubelet = (
      await startComponent('kubelet', {
        args: [
          '--kubeconfig',
          path.join(dir, 'kubeconfig'),
          '--node-name',
          NODE,
          '--runtime-endpoint',
          `unix://${path.join(dir, 'cri.sock')}`,
          '--port',
          '0',
          '--root-dir',
          path.join(dir, 'kubelet'),
          '--log-level',
          'warn',
        ],
        ready: /serving on (http:\/\/\S+)/,
      })
    ).proc;

    for (const name of ['web-a', 'web-b']) expect((await api(apiserver.url, 'POST', `${NS}/pods`, httpdPod(name))).status).toBe(201);
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
    expect((await api(apiserver.url, 'POST', `${NS}/pods`, client)).status).toBe(201);
    for (const name of ['web-a', 'web-b']) {
      const pod = await until(
        `${name} Running`,
        () => api(apiserver.url, 'GET', `${NS}/pods/${name}`),
        (r) => r.body?.status?.phase === 'Running' && !!r.body.status.podIP,
      );
      pods[name] = pod.body.status.podIP;
      const answer = await until(
        `${name} answers`,
        () => get(`http://${pods[name]}:8080/`),
        (t) => t.length > 0,
      );
      hostnames[answer] = name;
    }
    expect(Object.keys(hostnames)).toHaveLength(2);

    const svc = await api(apiserver.url, 'POST', `${NS}/services`, {
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
    await kubelet?.stop();
    await shim?.stop();
    await apiserver?.proc.stop();
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
    await until(
      'NodePort answers',
      () => get(`http://127.0.0.1:${nodePort}/`),
      (t) => t in hostnames,
    );
    const viaNodePort = await spread(`http://127.0.0.1:${nodePort}/`, 400);
    const viaClusterIP = await spread(`http://${clusterIP}:80/`, 400);
    console.log(`iptables spread: NodePort ${JSON.stringify(Object.fromEntries(viaNodePort))}, ClusterIP ${JSON.stringify(Object.fromEntries(viaClusterIP))}`);
    expectEven(viaNodePort, 400);
    expectEven(viaClusterIP, 400);
    const save = await iptablesSave();
    expect(save).toContain('-A PREROUTING -m comment --comment "mk8s service portals" -j MK8S-SERVICES');
    expect(save).toMatch(/-m statistic --mode random --probability 0\.50000000000 -j MK8S-SEP-/);
    // route_localnet (NodePorts on 127.0.0.1) only behind the martian drop (CVE-2020-8558).
    expect(await routeLocalnet()).toBe('1');
    expect(save).toContain('-A INPUT -m comment --comment "mk8s localnet firewall" -j MK8S-FIREWALL');
    expect(save).toContain(
      '-A MK8S-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "mk8s: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
    expect(await get(`${proxyURL}/healthz`)).toBe('ok');
    const metrics = await get(`${proxyURL}/metrics`);
    expect(metrics).toMatch(/kubeproxy_sync_proxy_rules_iptables_total\{table="nat"\} \d+/);
    expect(metrics).toContain('kubeproxy_sync_proxy_rules_duration_seconds_bucket');
    expect(metrics).toContain('kubeproxy_sync_proxy_rules_last_timestamp_seconds');
  });

  it('an endpoint moved to notReadyAddresses stops receiving traffic', async () => {
    await writeEndpoints(['web-a'], ['web-b']);
    await until(
      'only web-a answers',
      () => spread(`http://${clusterIP}:80/`, 20),
      (counts) => counts.size === 1 && hostnames[[...counts.keys()][0]!] === 'web-a',
      30_000,
    );
    const after = await spread(`http://127.0.0.1:${nodePort}/`, 40);
    expect([...after.keys()].map((h) => hostnames[h])).toEqual(['web-a']);
    await writeEndpoints(['web-a', 'web-b'], []);
    await until(
      'web-b is back',
      () => spread(`http://${clusterIP}:80/`, 20),
      (counts) => counts.size === 2,
      30_000,
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
    const answer = await until(
      'wget from the client pod',
      // No `-T`: busybox-static's wget crashes with it (exit 139); the exec itself is time-limited.
      async () => (await run('docker', ['exec', id.trim(), 'wget', '-qO-', `http://${clusterIP}:80/`], { timeout: 10_000 })).stdout.trim(),
      (t) => t in hostnames,
      30_000,
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
    expect((await api(apiserver.url, 'POST', `${NS}/pods`, pod)).status).toBe(201);
    const id = await until(
      'env-check container',
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
    );
    const env = (await run('docker', ['exec', id, 'env'])).stdout;
    expect(env).toContain(`WEB_SERVICE_HOST=${clusterIP}\n`);
    expect(env).toContain('WEB_SERVICE_PORT=80\n');
    expect(env).toContain(`WEB_PORT_80_TCP=tcp://${clusterIP}:80\n`);
    const answer = (await run('docker', ['exec', id, 'sh', '-c', 'wget -qO- http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/'], { timeout: 10_000 })).stdout.trim();
    expect(answer in hostnames).toBe(true);
  });

  it('SIGTERM leaves the rules; --cleanup removes every MK8S- chain, the bridge and route, and nothing of Docker, and restores route_localnet', async () => {
    await proxy!.stop();
    proxy = undefined;
    expect(await iptablesSave()).toContain(':MK8S-SERVICES');
    expect((await get(`http://127.0.0.1:${nodePort}/`)) in hostnames).toBe(true);
    await cleanup();
    const save = await iptablesSave();
    expect(save).not.toContain('MK8S-');
    expect(dockerRules(save)).toEqual(dockerBefore);
    await expect(run('ip', ['link', 'show', 'mk8s-svc0'])).rejects.toThrow();
    const routes = (await run('ip', ['route'])).stdout;
    expect(routes).not.toContain('10.96.0.0/16');
    expect(await routeLocalnet()).toBe(routeLocalnetBefore);
  });

  it('userspace mode: 200 requests through the NodePort spread evenly (round-robin), then cleanup leaves nothing', async () => {
    proxy = await startProxy('userspace');
    await until(
      'NodePort answers',
      () => get(`http://127.0.0.1:${nodePort}/`),
      (t) => t in hostnames,
    );
    const counts = await spread(`http://127.0.0.1:${nodePort}/`, 200);
    console.log(`userspace spread: NodePort ${JSON.stringify(Object.fromEntries(counts))}`);
    expectEven(counts, 200);
    // As root, the userspace proxier also listens on the ClusterIP (added to the service bridge).
    expect((await get(`http://${clusterIP}:80/`)) in hostnames).toBe(true);
    await proxy.stop();
    proxy = undefined;
    await cleanup();
    expect(await iptablesSave()).not.toContain('MK8S-');
    await expect(run('ip', ['link', 'show', 'mk8s-svc0'])).rejects.toThrow();
  });
});
