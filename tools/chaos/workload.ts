/**
 * What runs on the chaos cluster while its parts die, and what each piece
 * records for the invariants:
 *
 * - a Deployment of busybox httpd pods (readiness probe on /) behind a
 *   NodePort Service, under a continuous load of one-connection GETs to
 *   127.0.0.1:<nodePort> (every probe: start, end, ok);
 * - a "job stream": batch/v1 Job does not exist in mk8s yet, so a
 *   run-to-completion Pod (restartPolicy Never, `echo done`) every few
 *   seconds, each acknowledged create recorded; Succeeded ones are deleted
 *   again (recorded too), so deletion runs under chaos as well;
 * - a writer of ConfigMaps, every name whose create answered 201 recorded;
 * - a pod watch that records every DELETED event, so a pod a controller
 *   deleted (evicted from a NotReady node) is told apart from a lost one.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getOnce, sleep, type Api } from './api.js';
import type { ContainerView, PodView, Probe } from './invariants.js';

const run = promisify(execFile);

export const NS = 'default';
export const APP = 'chaos-web';
export const REPLICAS = 3;
const JOB_LABEL = 'chaos-job';

export function deploymentManifest(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP, labels: { app: APP } },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: APP } },
      template: {
        metadata: { labels: { app: APP } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'web',
              image: 'busybox:latest',
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', 'hostname > /var/www/index.html && exec httpd -f -p 8080 -h /var/www'],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
              resources: { requests: { cpu: '10m', memory: '8Mi' } },
            },
          ],
        },
      },
    },
  };
}

export function serviceManifest(nodePort: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: APP },
    spec: { type: 'NodePort', selector: { app: APP }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort }] },
  };
}

export function jobPodManifest(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { [JOB_LABEL]: 'true' } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'job',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', 'echo done'],
          resources: { requests: { cpu: '10m', memory: '8Mi' } },
        },
      ],
    },
  };
}

export interface PodJson {
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

export const podView = (p: PodJson): PodView => ({
  name: p.metadata.name,
  uid: p.metadata.uid,
  // An empty nodeName or phase counts as none.
  nodeName: p.spec.nodeName || undefined,
  phase: p.status?.phase || undefined,
  ready: !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  terminating: p.metadata.deletionTimestamp !== undefined,
});

export async function listPods(api: Api, selector?: string, namespace?: string): Promise<PodJson[]> {
  const base = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
  return (await api.get<{ items: PodJson[] }>(selector ? `${base}?labelSelector=${encodeURIComponent(selector)}` : base)).items;
}

export const webPods = (api: Api): Promise<PodJson[]> => listPods(api, `app=${APP}`, NS);
export const jobPods = (api: Api): Promise<PodJson[]> => listPods(api, `${JOB_LABEL}=true`, NS);

/** Every container (running or not) carrying `label`, with its labels (a container removed between ps and inspect is skipped). */
export async function containersWithLabel(label: string): Promise<ContainerView[]> {
  const { stdout } = await run('docker', ['ps', '-a', '--no-trunc', '--filter', `label=${label}`, '--format', '{{.ID}}']);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const { stdout: json } = await run('docker', ['inspect', ...ids], { maxBuffer: 64 << 20 }).catch((err: { stdout?: string }) => ({
    stdout: err.stdout ?? '[]',
  }));
  return (JSON.parse(json || '[]') as Array<{ Id: string; Name: string; Config: { Labels: Record<string, string> | null } }>).map((x) => ({
    id: x.Id,
    name: x.Name.replace(/^\//, ''),
    labels: x.Config.Labels ?? {},
  }));
}

/** The Service load: sequential one-connection GETs, each recorded. */
export class ServiceLoad {
  readonly probes: Probe[] = [];
  constructor(
    private readonly url: string,
    private readonly opts: { timeoutMs: number; pauseMs: number } = { timeoutMs: 2_000, pauseMs: 100 },
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const start = Date.now();
      try {
        const r = await getOnce(this.url, this.opts.timeoutMs);
        // Only our pods answer with their name (`chaos-web-...`): anything else reached another cluster's Service on this port.
        const ours = r.status === 200 && r.body.startsWith(`${APP}-`);
        this.probes.push({
          start,
          end: Date.now(),
          ok: ours,
          detail: r.status === 200 ? (ours ? r.body : `answered by ${r.body.slice(0, 80)}`) : `HTTP ${r.status}`,
        });
      } catch (err) {
        this.probes.push({ start, end: Date.now(), ok: false, detail: err instanceof Error ? err.message : String(err) });
      }
      await sleep(this.opts.pauseMs, signal);
    }
  }
}

/** Acknowledged ConfigMap creates: name -> uid for every 201. */
export class ConfigMapWriter {
  readonly acked = new Map<string, string>();
  attempts = 0;
  /** Creates whose outcome is unknown (the connection failed or timed out): they may or may not exist. */
  unknown = 0;
  /** Creates answered with something else than 201 (e.g. 500 while storage was unavailable). */
  readonly refused = new Map<number, number>();

  constructor(
    private readonly api: Api,
    private readonly pauseMs = 200,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    for (let i = 0; !signal.aborted; i++) {
      const name = `chaos-cm-${i}`;
      this.attempts++;
      try {
        const r = await this.api.request<{ metadata?: { uid?: string } }>(
          'POST',
          `/api/v1/namespaces/${NS}/configmaps`,
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { 'chaos-writer': 'true' } }, data: { i: String(i), payload: 'x'.repeat(256) } },
          5_000,
        );
        if (r.status === 201 && r.body.metadata?.uid) this.acked.set(name, r.body.metadata.uid);
        else this.refused.set(r.status, (this.refused.get(r.status) ?? 0) + 1);
      } catch {
        this.unknown++;
        await sleep(500, signal); // the API server is probably down: do not spin
      }
      await sleep(this.pauseMs, signal);
    }
  }
}

/** The run-to-completion pods: acknowledged creates (name -> uid) and the uids we deleted (or tried to, with an unknown outcome). */
export class JobStream {
  readonly acked = new Map<string, string>();
  readonly deletedByUs = new Set<string>();
  attempts = 0;
  unknown = 0;

  constructor(
    private readonly api: Api,
    private readonly everyMs = 4_000,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    for (let i = 0; !signal.aborted; i++) {
      const name = `chaos-job-${i}`;
      this.attempts++;
      try {
        const r = await this.api.request<{ metadata?: { uid?: string } }>('POST', `/api/v1/namespaces/${NS}/pods`, jobPodManifest(name), 5_000);
        if (r.status === 201 && r.body.metadata?.uid) this.acked.set(name, r.body.metadata.uid);
      } catch {
        this.unknown++;
      }
      if (i % 3 === 2) await this.deleteFinished().catch(() => undefined);
      await sleep(this.everyMs, signal);
    }
  }

  /** Deletes the Succeeded job pods that are not being deleted yet (uid precondition: never a namesake). */
  async deleteFinished(): Promise<void> {
    for (const p of await jobPods(this.api)) {
      if (p.status?.phase !== 'Succeeded' || p.metadata.deletionTimestamp) continue;
      try {
        const r = await this.api.request('DELETE', `/api/v1/namespaces/${NS}/pods/${p.metadata.name}`, { preconditions: { uid: p.metadata.uid } }, 5_000);
        if (r.status === 200 || r.status === 202) this.deletedByUs.add(p.metadata.uid);
      } catch {
        this.deletedByUs.add(p.metadata.uid); // sent, outcome unknown: it may have been deleted by us
      }
    }
  }
}

/**
 * A watch on the namespace's pods from the start of the workload, resumed
 * from the last resourceVersion whenever it ends (an API server restart cuts
 * it). Records the uids of DELETED events; a 410 forces a relist, recorded
 * as a gap (a deletion inside a gap is not seen).
 */
export class PodDeletions {
  readonly deleted = new Set<string>();
  readonly gaps: Array<{ at: number; fromRv: string }> = [];
  resumes = 0;
  private rv = '';

  constructor(private readonly api: Api) {}

  async start(): Promise<void> {
    this.rv = (await this.api.get<{ metadata: { resourceVersion: string } }>(`/api/v1/namespaces/${NS}/pods`)).metadata.resourceVersion;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        let gone = false;
        const status = await this.api.watch(
          `/api/v1/namespaces/${NS}/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${this.rv}`,
          (e) => {
            // An expired resourceVersion comes as an ERROR event carrying a 410 Status (or as a 410 answer).
            if (e.type === 'ERROR') {
              gone ||= (e.object as { code?: number }).code === 410;
              return;
            }
            const m = (e.object as { metadata?: { uid?: string; resourceVersion?: string } }).metadata;
            if (e.type === 'DELETED' && m?.uid) this.deleted.add(m.uid);
            if (m?.resourceVersion) this.rv = m.resourceVersion;
          },
          signal,
        );
        if (status === 410 || gone) {
          this.gaps.push({ at: Date.now(), fromRv: this.rv });
          await this.start();
        } else if (status !== 200 && status !== 0) await sleep(1_000, signal);
      } catch {
        await sleep(1_000, signal);
      }
      if (!signal.aborted) this.resumes++;
    }
  }
}
