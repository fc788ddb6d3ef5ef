/**
 * Shapes and small helpers shared by the e2e suites that run workloads on a
 * real cluster: the pod/endpoints JSON they read, readiness, a busybox httpd
 * Deployment that answers its own hostname, one-connection-per-request HTTP,
 * and the cluster's containers on Docker.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { run, type E2eCluster } from './cluster.js';

export interface PodJson {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: Array<{ kind: string; name: string; uid: string }>;
  };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; restartCount: number; containerID?: string; ready?: boolean }>;
  };
}

export interface EndpointsJson {
  subsets?: Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> }>;
}

export interface NodeJson {
  metadata: { name: string };
  status: { conditions: Array<{ type: string; status: string }> };
}

/** Ready=True and not being deleted: what Endpoints and a Deployment count. */
export const podReady = (p: PodJson): boolean =>
  !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export const nodeReady = (n: NodeJson): boolean => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Pods matching a label selector (`app=x`). */
export async function podsOf(c: E2eCluster, selector: string): Promise<PodJson[]> {
  return (await c.kubectlJson<{ items: PodJson[] }>('get', 'pods', '-l', selector)).items;
}

/** Exactly `n` ready pods matching `selector` (and `where`), or undefined: for `eventually`. */
export async function readyPods(c: E2eCluster, selector: string, n: number, where: (p: PodJson) => boolean = () => true): Promise<PodJson[] | undefined> {
  const ps = (await podsOf(c, selector)).filter(podReady).filter(where);
  return ps.length === n ? ps : undefined;
}

/** The ready and not-ready addresses of a Service's Endpoints. */
export async function endpointIps(c: E2eCluster, name: string): Promise<{ ready: string[]; notReady: string[] }> {
  const ep = await c.kubectlJson<EndpointsJson>('get', 'endpoints', name);
  const subsets = ep.subsets ?? [];
  return {
    ready: subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(),
    notReady: subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort(),
  };
}

/** A NodePort for a test Service, drawn at random from the upper range so suites run side by side rarely collide. */
export const randomNodePort = (): number => 31_000 + Math.floor(Math.random() * 1_700);

/**
 * A Deployment of busybox httpd pods answering `GET /` with their hostname (the
 * pod name), on port 8080 named `http`, with an httpGet readiness probe.
 * `patch` is merged into the container (e.g. another readinessProbe).
 */
export function httpDeployment(
  name: string,
  opts: { replicas: number; command?: string; grace?: number; container?: Record<string, unknown>; strategy?: Record<string, unknown> },
): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: name } },
      strategy: opts.strategy,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: opts.grace ?? 2,
          containers: [
            {
              name: 'web',
              image: 'busybox:latest',
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', opts.command ?? 'hostname > /var/www/index.html && exec httpd -f -p 8080 -h /var/www'],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
              resources: { requests: { cpu: '10m', memory: '8Mi' } },
              ...opts.container,
            },
          ],
        },
      },
    },
  };
}

/** A NodePort Service over the pods labelled `app=<name>`. */
export function nodePortService(name: string, nodePort: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { type: 'NodePort', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort }] },
  };
}

/** `kubectl apply` of an object given as JSON (written to a file in the cluster's home). */
export async function applyJson(c: E2eCluster, obj: { metadata: { name: string } } | Record<string, unknown>): Promise<void> {
  const file = path.join(c.home, `apply-${randomBytes(4).toString('hex')}.json`);
  await writeFile(file, JSON.stringify(obj));
  await c.kubectl('apply', '-f', file);
}

/**
 * One GET on a fresh connection (no keep-alive: every request is a new TCP
 * connection, so each one is load-balanced anew). Resolves with the status
 * and the trimmed body; rejects on a connection error or after `timeoutMs`.
 */
export function getOnce(url: string, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** `n` sequential requests through `url`: the hostnames that answered (a failed request throws). */
export async function answers(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await getOnce(url);
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
    out.push(r.body);
  }
  return out;
}

export interface DockerContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Every container (running or not) carrying the Docker label filter `label` (`key=value` or `key`). */
export async function containersWithLabel(label: string): Promise<DockerContainer[]> {
  const { stdout } = await run('docker', ['ps', '-a', '--no-trunc', '--filter', `label=${label}`, '--format', '{{.ID}}']);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  // A container removed between ps and inspect is simply skipped.
  const { stdout: json } = await run('docker', ['inspect', ...ids], { maxBuffer: 64 << 20 }).catch((err: { stdout?: string }) => ({
    stdout: err.stdout ?? '[]',
  }));
  return (JSON.parse(json || '[]') as Array<{ Id: string; Name: string; Config: { Labels: Record<string, string> | null } }>).map((x) => ({
    id: x.Id,
    name: x.Name.replace(/^\//, ''),
    labels: x.Config.Labels ?? {},
  }));
}

/** The `io.mk8s.cluster=<id>` label of the cluster a pod runs in, read from its containers on Docker (by pod uid: names repeat across clusters). */
export async function clusterLabelOf(pod: PodJson): Promise<string> {
  const [container] = await containersWithLabel(`io.kubernetes.pod.uid=${pod.metadata.uid}`);
  const id = container?.labels['io.mk8s.cluster'];
  if (!id) throw new Error(`no container of pod ${pod.metadata.name} carries io.mk8s.cluster`);
  return `io.mk8s.cluster=${id}`;
}
