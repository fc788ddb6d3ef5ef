/**
 * The ReplicaSet controller (Kubernetes' `pkg/controller/replicaset`): keeps
 * `spec.replicas` active pods for every ReplicaSet, owning them through a
 * controller reference, and reports what it sees in `status`.
 *
 * Level-triggered: informer handlers only enqueue ReplicaSet keys (a pod's
 * event enqueues its controller, or for an orphan every ReplicaSet whose
 * selector matches it); `sync(key)` reads both caches and converges.
 * ControllerExpectations stop a sync from acting on a cache that has not yet
 * seen the pods the previous sync created or deleted.
 */
import {
  cloneJson,
  controllerRef,
  deepEqual,
  errorMessage,
  isPodActive,
  selectorFromLabelSelector,
  type OwnerReference,
  type Pod,
  type ReplicaSet,
  type ReplicaSetStatus,
  type Selector,
} from '@mk8s/api';
import {
  ControllerBase,
  deletedObject,
  isConflict,
  isNotFound,
  objectKey,
  type ControllerDeps,
  type DeletedFinalStateUnknown,
  type SharedInformer,
} from '@mk8s/client';
import { ControllerExpectations } from '../util/controller-expectations.js';
import { adoptPatch, claimObjects, newControllerRef, recheckOwner, releasePatch } from '../util/owner-refs.js';
import { podsToDelete } from '../util/pod-ranking.js';
import { slowStartBatch } from '../util/slow-start.js';
import { calculateReplicaSetStatus, nextAvailabilityCheckMs, replicaSetStatusChanged, type ManageFailure } from './replicaset-status.js';

export const REPLICASET_CONTROLLER_NAME = 'replicaset-controller';
const API_VERSION = 'apps/v1';
const KIND = 'ReplicaSet';
/** Kubernetes' BurstReplicas: at most this many pods created or deleted per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions extends ControllerDeps {
  /** Pods created or deleted per sync at most; default 500. */
  burstReplicas?: number;
  /** Expectations expire after this long; default 5 minutes. */
  expectationsTtlMs?: number;
}

/** Wraps a failure to converge so the status can say what went wrong. */
class ManageError extends Error {
  constructor(
    readonly failure: ManageFailure,
    readonly original: unknown,
  ) {
    super(failure.message, { cause: original });
    this.name = 'ManageError';
  }
}

export class ReplicaSetController extends ControllerBase {
  protected readonly informers;
  /** Exposed for tests: what this controller is waiting to see. */
  readonly expectations: ControllerExpectations;
  private readonly rsInformer: SharedInformer<ReplicaSet>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly burst: number;

  constructor(opts: ReplicaSetControllerOptions) {
    // 5 workers, as kube-controller-manager's --concurrent-replicaset-syncs.
    super({ name: 'replicaset', eventSource: REPLICASET_CONTROLLER_NAME, defaultWorkers: 5 }, opts);
    this.burst = opts.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new ControllerExpectations({ clock: this.clock, ttlMs: opts.expectationsTtlMs });
    this.rsInformer = opts.factory.informerFor<ReplicaSet>('replicasets');
    this.podInformer = opts.factory.informerFor<Pod>('pods');
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (obj) => this.onReplicaSetDelete(obj),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, cur) => this.onPodUpdate(old, cur),
      onDelete: (obj) => this.onPodDelete(obj),
    });
    this.informers = [this.rsInformer, this.podInformer];
  }

  // Event handlers: enqueue keys and record observations; never act.

  private enqueue(rs: ReplicaSet): void {
    this.queue.add(objectKey(rs));
  }

  private onReplicaSetDelete(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const rs = deletedObject(obj);
    const key = objectKey(rs);
    this.expectations.delete(key);
    this.queue.add(key);
  }

  /** The ReplicaSet `ref` names, if the cache holds it with that uid. */
  private resolveControllerRef(namespace: string, ref: OwnerReference): ReplicaSet | undefined {
    if (ref.kind !== KIND) return undefined;
    const rs = this.rsInformer.lister.namespace(namespace).get(ref.name);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets in the pod's namespace whose selector matches it (candidates to adopt an orphan). */
  private replicaSetsMatching(pod: Pod): ReplicaSet[] {
    const ns = pod.metadata?.namespace ?? '';
    return this.rsInformer.lister
      .namespace(ns)
      .list()
      .filter((rs) => {
        const sel = safeSelector(rs);
        return sel !== undefined && !sel.empty() && sel.matches(pod.metadata?.labels);
      });
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // Seen for the first time already on its way out (e.g. after a restart): not a creation.
      this.onPodDelete(pod);
      return;
    }
    const ref = controllerRef(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const rs of this.replicaSetsMatching(pod)) this.enqueue(rs);
  }

  private onPodUpdate(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = !deepEqual(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      this.onPodDelete(cur);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const oldRef = controllerRef(old);
    const curRef = controllerRef(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata?.namespace ?? '', oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata?.namespace ?? '', curRef);
      if (rs) this.enqueue(rs);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.replicaSetsMatching(cur)) this.enqueue(rs);
  }

  private onPodDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = deletedObject(obj);
    const ref = controllerRef(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }

  // The sync: read caches, converge, report.

  protected async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const rs = this.rsInformer.lister.namespace(namespace).get(name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const selector = safeSelector(rs);
    if (!selector) {
      this.log.warn({ key }, 'invalid selector; not syncing');
      return;
    }
    // Read before listing pods: an observation arriving in between then errs on the side of waiting.
    const needsSync = this.expectations.satisfied(key);
    const active = this.podInformer.lister.namespace(namespace).list().filter(isPodActive);
    const pods = await this.claimPods(rs, selector, active);

    let manageError: ManageError | undefined;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(pods, rs, key);
      } catch (err) {
        if (!(err instanceof ManageError)) throw err;
        manageError = err;
      }
    }
    const now = this.clock.now();
    const status = calculateReplicaSetStatus(rs, pods, manageError?.failure, now);
    await this.updateStatus(rs, status);
    if (manageError) throw manageError.original;
    const recheck = nextAvailabilityCheckMs(pods, rs.spec?.minReadySeconds ?? 0, now);
    // +1 s as Kubernetes does: lastTransitionTime has second precision.
    if (recheck !== undefined) this.queue.addAfter(key, recheck + 1000);
  }

  private async claimPods(rs: ReplicaSet, selector: Selector, pods: Pod[]): Promise<Pod[]> {
    const ns = rs.metadata?.namespace ?? '';
    const podClient = this.client.pods.inNamespace(ns);
    const ref = newControllerRef(rs, API_VERSION, KIND);
    return claimObjects(pods, {
      owner: rs,
      selector,
      recheckOwner: () => recheckOwner(rs, () => this.client.replicaSets.inNamespace(ns).get(rs.metadata?.name ?? '')),
      adopt: async (pod) => {
        await podClient.patch(pod.metadata?.name ?? '', adoptPatch(ref, pod.metadata?.uid ?? ''), 'strategic');
      },
      release: async (pod) => {
        await podClient.patch(pod.metadata?.name ?? '', releasePatch(rs.metadata?.uid ?? '', pod.metadata?.uid ?? ''), 'strategic');
      },
    });
  }

  /**
   * Creates or deletes pods to reach `spec.replicas`, recording expectations
   * before each write. Throws ManageError when some write failed.
   */
  private async manageReplicas(pods: Pod[], rs: ReplicaSet, key: string): Promise<void> {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const ns = rs.metadata?.namespace ?? '';
    const podClient = this.client.pods.inNamespace(ns);
    const involved = { apiVersion: API_VERSION, kind: KIND, metadata: rs.metadata ?? {} };
    if (diff < 0) {
      const count = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, count);
      const ref = newControllerRef(rs, API_VERSION, KIND);
      const { successes, error } = await slowStartBatch(count, 1, async () => {
        try {
          const created = await podClient.create(podFromTemplate(rs, ref));
          this.recorder.event(involved, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
        } catch (err) {
          this.recorder.event(involved, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      });
      // Creations that failed or were never tried will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw new ManageError({ reason: 'FailedCreate', message: errorMessage(error) }, error);
    } else if (diff > 0) {
      const victims = podsToDelete(pods, Math.min(diff, this.burst));
      this.expectations.expectDeletions(key, victims.map(objectKey));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          const podName = pod.metadata?.name ?? '';
          try {
            await podClient.delete(podName);
            this.recorder.event(involved, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
          } catch (err) {
            // This deletion will not be observed (or already was): stop waiting for it.
            this.expectations.deletionObserved(key, objectKey(pod));
            if (isNotFound(err)) return;
            this.recorder.event(involved, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw new ManageError({ reason: 'FailedDelete', message: errorMessage(failed.reason) }, failed.reason);
    }
  }

  /** Writes `status` through replicasets/status if it changed; one retry from a fresh read on conflict. */
  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    if (!replicaSetStatusChanged(rs.status, status)) return;
    const client = this.client.replicaSets.inNamespace(rs.metadata?.namespace ?? '');
    const copy = cloneJson(rs);
    copy.status = status;
    try {
      await client.updateStatus(copy);
    } catch (err) {
      if (!isConflict(err)) throw err;
      const fresh = await client.get(rs.metadata?.name ?? '');
      if (fresh.metadata?.uid !== rs.metadata?.uid) return;
      const next = { ...status, observedGeneration: fresh.metadata?.generation ?? status.observedGeneration };
      if (!replicaSetStatusChanged(fresh.status, next)) return;
      await client.updateStatus({ ...fresh, status: next });
    }
  }
}

function safeSelector(rs: ReplicaSet): Selector | undefined {
  try {
    return selectorFromLabelSelector(rs.spec?.selector);
  } catch {
    return undefined;
  }
}

/** A new pod for `rs` (Kubernetes' GetPodFromTemplate): the template's labels, annotations, finalizers and spec. */
export function podFromTemplate(rs: ReplicaSet, ref: OwnerReference): Pod {
  const template = rs.spec?.template ?? {};
  const tm = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata?.name ?? 'pod'}-`,
      namespace: rs.metadata?.namespace ?? '',
      labels: tm.labels ? { ...tm.labels } : undefined,
      annotations: tm.annotations ? { ...tm.annotations } : undefined,
      finalizers: tm.finalizers ? [...tm.finalizers] : undefined,
      ownerReferences: [ref],
    },
    spec: cloneJson(template.spec ?? { containers: [] }),
  } as Pod;
}
