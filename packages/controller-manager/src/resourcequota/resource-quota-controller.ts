/**
 * The resource-quota controller (Kubernetes' pkg/controller/resourcequota):
 * keeps every ResourceQuota's `status.hard` equal to `spec.hard` and its
 * `status.used` equal to what the namespace's objects actually use. The API
 * server's ResourceQuota admission charges usage as objects are created;
 * this loop gives usage back when objects go away or finish (deleted pods,
 * pods that Succeeded or Failed) and corrects any drift (a charged create
 * that the store then refused), on changes and every `resyncPeriodMs`.
 *
 * Usage comes from informers for the commonly quota'd resources (pods,
 * services, configmaps, secrets, deployments, replicasets); other
 * `count/<resource>.<group>` names are counted with a live LIST of the
 * version discovery prefers, so custom resources count too (Kubernetes'
 * object-count evaluators cover every resource discovery lists).
 */
import { addUsage, countedResource, deepEqual, objectUsage, RESOURCE_TYPES, type ResourceQuota, type Usage } from '@mk8s/api';
import {
  ControllerBase,
  deletedObject,
  isConflict,
  isNotFound,
  objectKey,
  splitKey,
  type ControllerDeps,
  type KubeObject,
  type ResourceClient,
  type SharedInformer,
} from '@mk8s/client';
import { discoverResources, hasVerbs, type ApiResource } from '../util/discovery.js';

export interface ResourceQuotaControllerOptions extends ControllerDeps {
  /** Full recount of every quota (Kubernetes' `--resource-quota-sync-period`, 5 min); default 30 s. */
  resyncPeriodMs?: number;
}

/** Resources followed by informers, as (resource, group). */
const MONITORED: ReadonlyArray<[string, string]> = [
  ['pods', ''],
  ['services', ''],
  ['configmaps', ''],
  ['secrets', ''],
  ['deployments', 'apps'],
  ['replicasets', 'apps'],
];

type Json = Record<string, unknown>;

/** How long discovered resources are trusted before a quota naming one of them reads discovery again. */
const DISCOVERY_TTL_MS = 30_000;

function sameStrings(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b![k]);
}

export class ResourceQuotaController extends ControllerBase {
  protected readonly informers;
  private readonly quotas: SharedInformer<ResourceQuota & KubeObject>;
  private readonly monitored = new Map<string, SharedInformer<KubeObject>>();
  private readonly resyncPeriodMs: number;
  private readonly quotaClient: ResourceClient<ResourceQuota & KubeObject>;
  /** What discovery listed, for resources that are not built in; read again when older than `DISCOVERY_TTL_MS` or missing a resource. */
  private discovered: { at: number; resources: ApiResource[] } | undefined;

  constructor(opts: ResourceQuotaControllerOptions) {
    super({ name: 'resourcequota' }, opts);
    this.resyncPeriodMs = opts.resyncPeriodMs ?? 30_000;
    this.quotaClient = this.client.resource<ResourceQuota & KubeObject>('', 'v1', 'resourcequotas');
    this.quotas = opts.factory.informerFor<ResourceQuota & KubeObject>('resourcequotas');
    this.quotas.addEventHandler({
      onAdd: (q) => this.queue.add(objectKey(q)),
      onUpdate: (old, q) => {
        // Our own status writes come back as updates: only a spec change (or a status that drifted from spec) needs a recount.
        if (!deepEqual(old.spec ?? {}, q.spec ?? {}) || !sameStrings(q.status?.hard, q.spec?.hard)) this.queue.add(objectKey(q));
      },
    });
    const informers: SharedInformer<KubeObject>[] = [this.quotas as unknown as SharedInformer<KubeObject>];
    for (const [resource, group] of MONITORED) {
      // The names other controllers use, so the informers are shared.
      const informer = opts.factory.informerFor<KubeObject>(resource);
      this.monitored.set(`${resource}.${group}`, informer);
      informers.push(informer);
      const touch = (o: KubeObject) => this.enqueueNamespace(o.metadata?.namespace);
      informer.addEventHandler({
        onAdd: touch,
        onUpdate: (old, o) => {
          // Usage changes when a pod finishes; other updates (status churn) do not change counts.
          if (resource === 'pods' && (old as Json)['status'] !== undefined) {
            const was = ((old as Json)['status'] as Json | undefined)?.['phase'];
            const is = ((o as Json)['status'] as Json | undefined)?.['phase'];
            if (was !== is) touch(o);
            return;
          }
          if (resource === 'services') touch(o);
        },
        onDelete: (d) => touch(deletedObject(d)),
      });
    }
    this.informers = informers;
  }

  private enqueueNamespace(namespace: string | undefined): void {
    if (!namespace) return;
    for (const q of this.quotas.lister.namespace(namespace).list()) this.queue.add(objectKey(q));
  }

  /** Usage of `names` in `namespace`, from informers (or a live LIST for resources without one). */
  private async usage(namespace: string, names: string[]): Promise<Usage> {
    const resources = new Map<string, { resource: string; group: string }>();
    for (const n of names) {
      const r = countedResource(n);
      if (r) resources.set(`${r.resource}.${r.group}`, r);
    }
    let total: Usage = {};
    for (const [key, { resource, group }] of resources) {
      let objects: KubeObject[];
      const informer = this.monitored.get(key);
      if (informer) objects = informer.lister.namespace(namespace).list();
      else {
        const rt = RESOURCE_TYPES.find((t) => t.resource === resource && t.group === group && t.namespaced) ?? (await this.discover(resource, group));
        if (!rt) continue;
        objects = (await this.client.resource<KubeObject>(rt.group, rt.version, rt.resource).inNamespace(namespace).listAll()).items;
      }
      for (const o of objects) total = addUsage(total, objectUsage(resource, group, o as unknown as Json));
    }
    return total;
  }

  /** The namespaced resource `resource.group` as discovery lists it (its preferred version), undefined when it is not served. */
  private async discover(resource: string, group: string): Promise<ApiResource | undefined> {
    const find = () => this.discovered?.resources.find((r) => r.resource === resource && r.group === group && r.namespaced && hasVerbs(r, 'list'));
    if (!this.discovered || Date.now() - this.discovered.at > DISCOVERY_TTL_MS || !find()) {
      this.discovered = { at: Date.now(), resources: (await discoverResources(this.client)).resources };
    }
    return find();
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const quota = this.quotas.lister.namespace(namespace ?? '').get(name);
    if (!quota || !namespace) return;
    const hard: Record<string, string> = { ...(quota.spec?.hard ?? {}) };
    const names = Object.keys(hard).sort();
    const usage = await this.usage(namespace, names);
    const used: Record<string, string> = {};
    for (const n of names) used[n] = usage[n]?.toString() ?? '0';
    if (!sameStrings(quota.status?.hard, hard) || !sameStrings(quota.status?.used, used)) {
      const next = structuredClone(quota);
      next.status = { hard, used };
      try {
        await this.quotaClient.inNamespace(namespace).updateStatus(next);
      } catch (err) {
        if (isNotFound(err)) return;
        // A concurrent write (admission charging usage): recount from the newer copy.
        if (isConflict(err)) {
          this.queue.addRateLimited(key);
          return;
        }
        throw err;
      }
    }
    this.queue.addAfter(key, this.resyncPeriodMs);
  }
}
