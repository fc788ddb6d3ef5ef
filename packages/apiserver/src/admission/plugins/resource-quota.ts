/**
 * Kubernetes' ResourceQuota admission. A create in a namespace with
 * ResourceQuotas is checked against each quota that tracks something the
 * object uses (`pods`, `requests.cpu`, `services`, `count/deployments.apps`...):
 *
 * - a pod lacking a request or limit a quota constrains is refused:
 *   `failed quota: q: must specify requests.cpu for: c`;
 * - usage + the object's share over `spec.hard` is refused:
 *   `exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1`;
 * - otherwise the quota's `status.used` is charged (status.hard mirrors
 *   spec.hard) before the object is stored.
 *
 * Correct under concurrency within this API server: a namespace's checks are
 * serialized from the usage count to the end of the store write, and usage is
 * counted from the objects themselves (the watch cache, caught up with the
 * store) rather than from `status.used`, which the resource-quota controller
 * may be rewriting at the same moment. The controller recomputes
 * `status.used` after deletions and periodically, as in Kubernetes.
 * Quota scopes (`spec.scopes`, `scopeSelector`) are not supported: a quota
 * with scopes is ignored.
 */
import { Quantity, addUsage, exceeded, hardOf, missingPodConstraints, objectUsage, usageNames, type Usage } from '@mk8s/api';
import { ConflictError, KeyNotFoundError } from '@mk8s/storage';
import { decodeStored } from '../../cache/watch-cache.js';
import { errors } from '../../errors.js';
import { listPrefix, objectKey } from '../../registry/keys.js';
import type { Obj } from '../../registry/strategy.js';
import { KeyedMutex } from '../namespace-lock.js';
import { namespaceObjects, rec } from '../lookup.js';
import type { AdmissionAttributes, AdmissionContext, AdmissionFinisher, AdmissionPlugin } from '../types.js';

/** Resources whose creates are never counted (high-churn system objects, as Kubernetes' ignored resources). */
const IGNORED = new Set(['events', 'leases', 'endpoints', 'endpointslices', 'bindings']);

function pretty(u: Usage, names: string[]): string {
  return names.map((n) => `${n}=${(u[n] ?? '0').toString()}`).join(',');
}

function hasScopes(quota: Obj): boolean {
  const spec = rec(quota['spec']);
  return (Array.isArray(spec['scopes']) && spec['scopes'].length > 0) || spec['scopeSelector'] !== undefined;
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  private readonly locks = new KeyedMutex();

  constructor(private readonly ctx: AdmissionContext) {}

  handles(attrs: AdmissionAttributes): boolean {
    return (
      attrs.operation === 'CREATE' &&
      attrs.subresource === '' &&
      attrs.namespace !== undefined &&
      attrs.resource.namespaced &&
      !IGNORED.has(attrs.resource.resource)
    );
  }

  /** The quotas of the namespace that track something this object uses, with those names. */
  private async relevantQuotas(attrs: AdmissionAttributes): Promise<Array<{ quota: Obj; names: string[] }>> {
    const tracked = usageNames(attrs.resource.resource, attrs.resource.group);
    const quotas = await namespaceObjects(this.ctx, 'resourcequotas', attrs.namespace!);
    const out: Array<{ quota: Obj; names: string[] }> = [];
    for (const quota of quotas) {
      if (hasScopes(quota)) continue;
      const names = Object.keys(hardOf(quota)).filter((n) => tracked.has(n));
      if (names.length > 0) out.push({ quota, names });
    }
    return out;
  }

  /** Current usage of the namespace by objects of the request's resource, from the (caught up) watch cache. */
  private currentUsage(attrs: AdmissionAttributes): Usage {
    const { resource, group } = attrs.resource;
    let total: Usage = {};
    for (const obj of this.ctx.cache.list(attrs.storage, listPrefix(attrs.storage, attrs.namespace)))
      total = addUsage(total, objectUsage(resource, group, obj));
    return total;
  }

  async validate(attrs: AdmissionAttributes): Promise<AdmissionFinisher | void> {
    if ((await this.relevantQuotas(attrs)).length === 0) return;
    const release = await this.locks.acquire(attrs.namespace!);
    try {
      await this.ctx.cache.fresh();
      const quotas = await this.relevantQuotas(attrs);
      const delta = objectUsage(attrs.resource.resource, attrs.resource.group, attrs.object);
      const used = this.currentUsage(attrs);
      const charges: Array<{ quota: Obj; used: Usage }> = [];
      for (const { quota, names } of quotas) {
        const qname = String(rec(quota['metadata'])['name'] ?? '');
        if (attrs.resource.resource === 'pods' && attrs.resource.group === '') {
          const missing = missingPodConstraints(attrs.object, names);
          if (missing.size > 0) {
            const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...new Set(missing.get(r))].sort().join(',')}`);
            throw this.forbidden(attrs, `failed quota: ${qname}: must specify ${parts.join('; ')}`);
          }
        }
        const hard = hardOf(quota);
        const growing = names.filter((n) => delta[n] !== undefined && delta[n].sign() > 0);
        const next: Usage = {};
        for (const n of names) next[n] = used[n] ?? Quantity.fromInt(0);
        for (const n of growing) next[n] = next[n]!.add(delta[n]!);
        const over = exceeded(next, hard).filter((n) => growing.includes(n));
        if (over.length > 0) {
          throw this.forbidden(
            attrs,
            `exceeded quota: ${qname}, requested: ${pretty(delta, over)}, used: ${pretty(used, over)}, limited: ${pretty(hard, over)}`,
          );
        }
        charges.push({ quota, used: next });
      }
      if (!attrs.dryRun) for (const c of charges) await this.charge(c.quota, c.used);
    } catch (err) {
      release();
      throw err;
    }
    return () => release();
  }

  private forbidden(attrs: AdmissionAttributes, why: string) {
    const rt = attrs.resource;
    return errors.forbidden(
      { qualifiedResource: rt.group ? `${rt.resource}.${rt.group}` : rt.resource, group: rt.group, kind: rt.kind, name: attrs.name },
      why,
    );
  }

  /** Writes `status.hard` (= spec.hard) and the charged names of `status.used`, by compare-and-swap on the quota. */
  private async charge(quota: Obj, used: Usage): Promise<void> {
    const m = rec(quota['metadata']);
    const key = objectKey('resourcequotas', String(m['namespace']), String(m['name']));
    for (let attempt = 0; attempt < 20; attempt++) {
      const kv = await this.ctx.store.get(key);
      if (!kv) return;
      const current = decodeStored(kv.value, kv.modRevision);
      const status = rec(current['status']);
      const hard = rec(rec(current['spec'])['hard']);
      const nextUsed: Record<string, unknown> = {};
      // Every hard name has a used entry; names not charged here keep their value (the controller fills them).
      for (const n of Object.keys(hard).sort()) nextUsed[n] = rec(status['used'])[n] ?? '0';
      for (const [n, q] of Object.entries(used)) if (n in hard) nextUsed[n] = q.toString();
      current['status'] = { hard: { ...hard }, used: nextUsed };
      delete rec(current['metadata'])['resourceVersion'];
      try {
        await this.ctx.store.update(key, JSON.stringify(current), kv.modRevision);
        return;
      } catch (err) {
        if (err instanceof KeyNotFoundError) return;
        if (!(err instanceof ConflictError)) throw err;
      }
    }
  }
}
