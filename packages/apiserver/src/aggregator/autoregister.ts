/**
 * Registers an APIService for every group version this API server serves
 * itself (`Local`: no `spec.service`), as kube-apiserver's autoregister and
 * CRD registration controllers do, marked by the label
 * `kube-aggregator.kubernetes.io/automanaged`:
 *
 * - built-in group versions, `onstart`: created when missing and reset to
 *   the built-in spec at the first sync after a start, then left to the
 *   user (deleted once at start when no longer served);
 * - custom resources' group versions, `true`: created, kept at their spec
 *   and deleted with the last CRD serving them, all the time;
 * - `v1beta1.metrics.k8s.io`, the built-in metrics API, without the label:
 *   created when missing at a start and never changed after, so a user may
 *   point it at an extension API server (metrics-server) and it stays so.
 *
 * An APIService without the label is never touched. Level-triggered: one
 * key, synced at start, whenever the served resources change and on every
 * event of an automanaged APIService; failures retry with backoff.
 */
import { errorMessage, resourceFor, type APIService, type APIServiceSpec } from '@mk8s/api';
import type { FastifyBaseLogger } from 'fastify';
import type { WatchCache } from '../cache/watch-cache.js';
import { KeyQueue } from '../controllers/key-queue.js';
import { StatusError } from '../errors.js';
import { listPrefix } from '../registry/keys.js';
import type { Registry } from '../registry/registry.js';
import { BUILTIN_RESOURCES } from '../resources/builtin.js';
import { APISERVICES } from './api-services.js';
import { APIREGISTRATION_GROUP, CRD_PRIORITY, METRICS_PRIORITY, apiServiceName, builtinPriority, type Priority } from './priorities.js';

export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';
const MANAGER = 'kube-apiserver';

type Sync = 'onstart' | 'always' | 'create-once';

interface Desired {
  name: string;
  spec: APIServiceSpec;
  sync: Sync;
}

export interface AutoRegisterDeps {
  registry: Registry;
  cache: WatchCache;
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>;
  /** Group versions of the built-in metrics API, registered create-once. */
  metrics: { group: string; version: string };
}

function desiredOf(name: string, group: string, version: string, priority: Priority, sync: Sync): Desired {
  return { name, spec: { group, version, groupPriorityMinimum: priority.group, versionPriority: priority.version }, sync };
}

const SPEC_KEYS = ['service', 'group', 'version', 'insecureSkipTLSVerify', 'caBundle', 'groupPriorityMinimum', 'versionPriority'] as const;

function sameSpec(a: APIServiceSpec | undefined, b: APIServiceSpec): boolean {
  return SPEC_KEYS.every((k) => JSON.stringify(a?.[k]) === JSON.stringify(b[k]));
}

export class AutoRegister {
  private readonly rt = resourceFor(APIREGISTRATION_GROUP, 'v1', APISERVICES)!;
  private readonly queue: KeyQueue;
  /** APIServices looked at since this server started (their start-time sync is done). */
  private readonly seen = new Set<string>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: AutoRegisterDeps) {
    this.queue = new KeyQueue(() => this.sync(), {
      onError: (_key, err, retryInMs) => deps.log.warn({ err, retryInMs }, 'registering the local APIServices failed; retrying'),
    });
  }

  /** Syncs once (the APIServices exist when this resolves, unless the store failed), then follows changes. */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.cache.subscribe(APISERVICES, undefined, (ev) => {
      const labels = ((ev.object['metadata'] ?? {}) as { labels?: Record<string, string> }).labels ?? {};
      if (ev.revision === -1 || labels[AUTOMANAGED_LABEL] !== undefined) this.queue.add('sync');
    })!.unsubscribe;
    this.deps.registry.catalog.onChange(() => this.queue.add('sync'));
    this.queue.add('sync');
    await this.queue.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.stop();
  }

  /** What should be registered: every group version of the catalog but apiregistration's own, and the metrics API. */
  private desired(): Desired[] {
    const builtin = new Set(BUILTIN_RESOURCES.map((d) => d.type.apiVersion));
    const out: Desired[] = [];
    for (const [group, versions] of this.deps.registry.catalog.groupVersions()) {
      if (group === APIREGISTRATION_GROUP) continue;
      for (const version of versions) {
        const gv = group ? `${group}/${version}` : version;
        const name = apiServiceName(group, version);
        const priority = builtinPriority(gv);
        if (builtin.has(gv)) {
          if (priority) out.push(desiredOf(name, group, version, priority, 'onstart'));
          else this.deps.log.info({ groupVersion: gv }, 'no APIService priority for a built-in group version; not registered');
        } else out.push(desiredOf(name, group, version, CRD_PRIORITY, 'always'));
      }
    }
    const { group, version } = this.deps.metrics;
    out.push(desiredOf(apiServiceName(group, version), group, version, METRICS_PRIORITY, 'create-once'));
    return out;
  }

  private current(): APIService[] {
    return this.deps.cache.list(APISERVICES, listPrefix(APISERVICES)) as unknown as APIService[];
  }

  /** Kubernetes' autoregister table: create, reset or delete each APIService by its label and whether this is its first sync. */
  async sync(): Promise<void> {
    const desired = this.desired();
    const byName = new Map(this.current().map((s) => [s.metadata?.name ?? '', s]));
    for (const d of desired) {
      const current = byName.get(d.name);
      const first = !this.seen.has(d.name);
      if (!current) {
        if (d.sync === 'always' || first) await this.create(d);
      } else {
        const label = current.metadata?.labels?.[AUTOMANAGED_LABEL];
        const resets = (label === 'true' && (d.sync === 'always' || first)) || (label === 'onstart' && first);
        if (resets && !sameSpec(current.spec, d.spec)) await this.update(d);
      }
      this.seen.add(d.name);
    }
    const wanted = new Set(desired.map((d) => d.name));
    for (const [name, current] of byName) {
      if (wanted.has(name)) continue;
      const label = current.metadata?.labels?.[AUTOMANAGED_LABEL];
      if (label === 'true' || (label === 'onstart' && !this.seen.has(name))) await this.remove(name, current.metadata?.uid);
      this.seen.add(name);
    }
  }

  private async create(d: Desired): Promise<void> {
    const labels = d.sync === 'create-once' ? undefined : { [AUTOMANAGED_LABEL]: d.sync === 'always' ? 'true' : 'onstart' };
    const body = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: d.name, labels }, spec: d.spec };
    try {
      await this.deps.registry.create(this.rt, undefined, body, { manager: MANAGER });
    } catch (err) {
      // Another API server of the control plane registered it first.
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }

  private async update(d: Desired): Promise<void> {
    await this.deps.registry.modify(this.rt, undefined, d.name, (current) => ({ ...current, spec: d.spec }), { manager: MANAGER });
  }

  private async remove(name: string, uid: string | undefined): Promise<void> {
    try {
      await this.deps.registry.delete(this.rt, undefined, name, { preconditions: { uid } });
    } catch (err) {
      if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw new Error(`deleting APIService ${name}: ${errorMessage(err)}`);
    }
  }
}
