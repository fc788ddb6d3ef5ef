/**
 * The Deployment controller (Kubernetes' `pkg/controller/deployment`): rolls
 * a Deployment's pod template out through ReplicaSets, one per template
 * (named and labelled by the template's hash), with the RollingUpdate or
 * Recreate strategy, and reports progress in the Deployment's status.
 *
 * Level-triggered: handlers enqueue Deployment keys (a ReplicaSet's event
 * enqueues its controlling Deployment, or for an orphan every Deployment whose
 * selector matches it); `sync(key)` reads the caches and takes one step of
 * the rollout. Each step only changes ReplicaSet sizes; the ReplicaSet
 * controller turns sizes into pods, and the next step waits for their
 * statuses, so the rollout advances as pods become available.
 */
import {
  cloneJson,
  controllerRef,
  deepEqual,
  selectorFromLabelSelector,
  type Deployment,
  type DeploymentStatus,
  type OwnerReference,
  type Pod,
  type ReplicaSet,
  type Selector,
} from '@mk8s/api';
import {
  ControllerBase,
  deletedObject,
  isAlreadyExists,
  isNotFound,
  objectKey,
  type ControllerDeps,
  type DeletedFinalStateUnknown,
  type SharedInformer,
} from '@mk8s/client';
import { adoptPatch, claimObjects, newControllerRef, recheckOwner, releasePatch } from '../util/owner-refs.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  maxRevision,
  revisionOf,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './annotations.js';
import {
  PROGRESSING,
  Reason,
  calculateStatus,
  deploymentComplete,
  getCondition,
  hasProgressDeadline,
  newCondition,
  progressRecheckMs,
  setCondition,
  statusEqual,
  updateProgressConditions,
} from './deployment-status.js';
import {
  activeReplicaSets,
  byCreation,
  desiredReplicas,
  isRollingUpdate,
  isScalingEvent,
  maxSurge,
  newReplicaSetSize,
  proportionalSizes,
  rollingScaleDown,
  specReplicas,
  sum,
} from './replica-math.js';
import { POD_TEMPLATE_HASH_LABEL, computeTemplateHash, templatesEqualIgnoringHash } from './template-hash.js';

export const DEPLOYMENT_CONTROLLER_NAME = 'deployment-controller';
const API_VERSION = 'apps/v1';
const KIND = 'Deployment';

export type DeploymentControllerOptions = ControllerDeps;

/** The mutable working state of one sync: a private copy of the Deployment and its ReplicaSets. */
interface Rollout {
  d: Deployment;
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

export class DeploymentController extends ControllerBase {
  protected readonly informers;
  private readonly dInformer: SharedInformer<Deployment>;
  private readonly rsInformer: SharedInformer<ReplicaSet>;
  private readonly podInformer: SharedInformer<Pod>;

  constructor(opts: DeploymentControllerOptions) {
    // 5 workers, as kube-controller-manager's --concurrent-deployment-syncs.
    super({ name: 'deployment', eventSource: DEPLOYMENT_CONTROLLER_NAME, defaultWorkers: 5 }, opts);
    this.dInformer = opts.factory.informerFor<Deployment>('deployments');
    this.rsInformer = opts.factory.informerFor<ReplicaSet>('replicasets');
    this.podInformer = opts.factory.informerFor<Pod>('pods');
    this.dInformer.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (obj) => this.enqueue(deletedObject(obj)),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.onReplicaSetAdd(rs),
      onUpdate: (old, cur) => this.onReplicaSetUpdate(old, cur),
      onDelete: (obj) => this.onReplicaSetDelete(obj),
    });
    this.podInformer.addEventHandler({ onDelete: (obj) => this.onPodDelete(obj) });
    this.informers = [this.dInformer, this.rsInformer, this.podInformer];
  }

  // Event handlers: enqueue keys only.

  private enqueue(d: Deployment): void {
    this.queue.add(objectKey(d));
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference | undefined): Deployment | undefined {
    if (!ref || ref.kind !== KIND) return undefined;
    const d = this.dInformer.lister.namespace(namespace).get(ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  private deploymentsMatching(rs: ReplicaSet): Deployment[] {
    return this.dInformer.lister
      .namespace(rs.metadata?.namespace ?? '')
      .list()
      .filter((d) => {
        const sel = safeSelector(d);
        return sel !== undefined && !sel.empty() && sel.matches(rs.metadata?.labels);
      });
  }

  private onReplicaSetAdd(rs: ReplicaSet): void {
    const ns = rs.metadata?.namespace ?? '';
    const ref = controllerRef(rs);
    if (ref) {
      const d = this.resolveControllerRef(ns, ref);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private onReplicaSetUpdate(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const ns = cur.metadata?.namespace ?? '';
    const oldRef = controllerRef(old);
    const curRef = controllerRef(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(ns, oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(ns, curRef);
      if (d) this.enqueue(d);
      return;
    }
    const labelsChanged = !deepEqual(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsMatching(cur)) this.enqueue(d);
  }

  private onReplicaSetDelete(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const rs = deletedObject(obj);
    const d = this.resolveControllerRef(rs.metadata?.namespace ?? '', controllerRef(rs));
    if (d) this.enqueue(d);
  }

  /** Recreate waits for old pods to be gone, which only pod deletions tell. */
  private onPodDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = deletedObject(obj);
    const ns = pod.metadata?.namespace ?? '';
    const rsRef = controllerRef(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.lister.namespace(ns).get(rsRef.name);
    if (!rs || rs.metadata?.uid !== rsRef.uid) return;
    const d = this.resolveControllerRef(ns, controllerRef(rs));
    if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }

  // The sync.

  protected async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const cached = this.dInformer.lister.namespace(namespace).get(name);
    if (!cached) return;
    const d = cloneJson(cached);
    const selector = safeSelector(d);
    if (!selector || selector.empty()) {
      this.recorder.event(involved(d), 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.writeStatus(d, { ...(d.status ?? {}), observedGeneration: d.metadata?.generation ?? 0 });
      }
      return;
    }
    const rsList = (await this.claimReplicaSets(d, selector)).map((rs) => cloneJson(rs));

    if (d.metadata?.deletionTimestamp) {
      const r = this.split(d, rsList);
      await this.syncStatusOnly(r);
      return;
    }
    await this.checkPausedConditions(d);
    if (d.spec?.paused) {
      await this.syncScaleOnly(d, rsList);
      return;
    }
    const probe = this.split(d, rsList);
    if (isScalingEvent(d, [...probe.oldRSs, probe.newRS])) {
      await this.syncScaleOnly(d, rsList);
      return;
    }
    if (d.spec?.strategy?.type === 'Recreate') await this.rolloutRecreate(d, rsList, selector);
    else await this.rolloutRolling(d, rsList);
  }

  /** Owned ReplicaSets after adopting matching orphans and releasing owned ones that no longer match. */
  private async claimReplicaSets(d: Deployment, selector: Selector): Promise<ReplicaSet[]> {
    const ns = d.metadata?.namespace ?? '';
    const rsClient = this.client.replicaSets.inNamespace(ns);
    const ref = newControllerRef(d, API_VERSION, KIND);
    return claimObjects(this.rsInformer.lister.namespace(ns).list(), {
      owner: d,
      selector,
      recheckOwner: () => recheckOwner(d, () => this.client.deployments.inNamespace(ns).get(d.metadata?.name ?? '')),
      adopt: async (rs) => {
        await rsClient.patch(rs.metadata?.name ?? '', adoptPatch(ref, rs.metadata?.uid ?? ''), 'strategic');
      },
      release: async (rs) => {
        await rsClient.patch(rs.metadata?.name ?? '', releasePatch(d.metadata?.uid ?? '', rs.metadata?.uid ?? ''), 'strategic');
      },
    });
  }

  /** The new ReplicaSet (the oldest whose template equals the Deployment's) and the rest. */
  private split(d: Deployment, rsList: ReplicaSet[]): Rollout {
    const sorted = [...rsList].sort(byCreation);
    const newRS = sorted.find((rs) => templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template));
    return { d, newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
  }

  /**
   * Kubernetes' `getAllReplicaSetsAndSyncRevision`: finds the new ReplicaSet,
   * brings its revision (max old + 1) and annotations up to date, creates it
   * when `create` is set and it does not exist, and records the revision on
   * the Deployment.
   */
  private async syncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<Rollout> {
    const r = this.split(d, rsList);
    const newRevision = maxRevision(r.oldRSs) + 1;
    const ns = d.metadata?.namespace ?? '';
    const rsClient = this.client.replicaSets.inNamespace(ns);
    let created = false;
    if (r.newRS) {
      const copy = cloneJson(r.newRS);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true, maxSurge(d));
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        copy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        r.newRS = await rsClient.update(copy);
      }
    } else if (create) {
      r.newRS = await this.createNewReplicaSet(d, r.oldRSs, newRevision);
      created = r.newRS !== undefined;
    }
    if (!r.newRS) return r;

    const revision = r.newRS.metadata?.annotations?.[REVISION_ANNOTATION];
    if (revision !== undefined && d.metadata?.annotations?.[REVISION_ANNOTATION] !== revision) {
      const patched = await this.client.deployments
        .inNamespace(ns)
        .patch(d.metadata?.name ?? '', { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } }, 'merge');
      (d.metadata ??= {}).annotations = { ...(d.metadata.annotations ?? {}), [REVISION_ANNOTATION]: revision };
      d.metadata.resourceVersion = patched.metadata?.resourceVersion ?? d.metadata.resourceVersion;
    }
    if (hasProgressDeadline(d)) {
      const status = structuredClone(d.status ?? {});
      const now = this.clock.now();
      const rsName = r.newRS.metadata?.name ?? '';
      if (created) {
        setCondition(status, newCondition(PROGRESSING, 'True', Reason.NewReplicaSetCreated, `Created new replica set "${rsName}"`, now));
      } else if (!getCondition(status, PROGRESSING)) {
        setCondition(status, newCondition(PROGRESSING, 'True', Reason.FoundNewReplicaSet, `Found new replica set "${rsName}"`, now));
      }
      if (!statusEqual(d.status, status)) await this.writeStatus(d, status);
    }
    return r;
  }

  private async createNewReplicaSet(d: Deployment, oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet | undefined> {
    const ns = d.metadata?.namespace ?? '';
    const hash = computeTemplateHash(d.spec?.template, d.status?.collisionCount);
    const template = cloneJson(d.spec!.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = cloneJson(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: API_VERSION,
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata?.name ?? ''}-${hash}`,
        namespace: ns,
        labels: { ...(template.metadata.labels ?? {}) },
        ownerReferences: [newControllerRef(d, API_VERSION, KIND)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    rs.spec!.replicas = newReplicaSetSize(d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false, maxSurge(d));
    const rsClient = this.client.replicaSets.inNamespace(ns);
    try {
      const created = await rsClient.create(rs);
      if ((created.spec?.replicas ?? 0) > 0) {
        this.recorder.event(
          involved(d),
          'Normal',
          'ScalingReplicaSet',
          `Scaled up replica set ${created.metadata?.name ?? ''} from 0 to ${created.spec?.replicas ?? 0}`,
        );
      }
      return created;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await rsClient.get(rs.metadata!.name!);
      const ref = controllerRef(existing);
      if (ref?.uid === d.metadata?.uid && templatesEqualIgnoringHash(existing.spec?.template, d.spec?.template)) return existing;
      // A different ReplicaSet holds the name: bump the collision count so the next hash differs.
      const status = structuredClone(d.status ?? {});
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      await this.writeStatus(d, status);
      throw new Error(`replica set ${rs.metadata!.name} already exists with another template; collision count now ${status.collisionCount}`, { cause: err });
    }
  }

  /**
   * Sets `rs` to `size` (and its desired/max annotations to the Deployment's
   * current ones), recording a ScalingReplicaSet event when the size changes.
   * Returns the updated copy.
   */
  private async scaleReplicaSet(rs: ReplicaSet, size: number, d: Deployment): Promise<ReplicaSet> {
    const copy = cloneJson(rs);
    const from = specReplicas(rs);
    const desired = desiredReplicas(d);
    const annotationsChanged = setReplicasAnnotations(copy, desired, desired + maxSurge(d));
    if (from === size && !annotationsChanged) return rs;
    copy.spec!.replicas = size;
    const updated = await this.client.replicaSets.inNamespace(rs.metadata?.namespace ?? '').update(copy);
    if (from !== size) {
      const verb = size > from ? 'up' : 'down';
      this.recorder.event(involved(d), 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata?.name ?? ''} from ${from} to ${size}`);
    }
    return updated;
  }

  private replace(r: Rollout, updated: ReplicaSet): void {
    if (r.newRS && r.newRS.metadata?.uid === updated.metadata?.uid) r.newRS = updated;
    r.oldRSs = r.oldRSs.map((rs) => (rs.metadata?.uid === updated.metadata?.uid ? updated : rs));
  }

  // Strategies.

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const r = await this.syncRevision(d, rsList, true);
    const newRS = r.newRS!;
    // Step 1: grow (or trim) the new ReplicaSet within the surge.
    const desired = desiredReplicas(d);
    const target = specReplicas(newRS) > desired ? desired : newReplicaSetSize(d, [...r.oldRSs, newRS], newRS);
    if (target !== specReplicas(newRS)) {
      this.replace(r, await this.scaleReplicaSet(newRS, target, d));
      await this.syncRolloutStatus(r);
      return;
    }
    // Step 2: shrink old ReplicaSets while availability allows.
    const downs = rollingScaleDown(d, r.newRS, r.oldRSs);
    if (downs.size > 0) {
      for (const rs of r.oldRSs) {
        const size = downs.get(rs.metadata?.name ?? '');
        if (size !== undefined) this.replace(r, await this.scaleReplicaSet(rs, size, d));
      }
      await this.syncRolloutStatus(r);
      return;
    }
    if (deploymentComplete(d, calculateStatus([...r.oldRSs, ...(r.newRS ? [r.newRS] : [])], r.newRS, d, this.clock.now()))) await this.cleanup(r);
    await this.syncRolloutStatus(r);
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[], selector: Selector): Promise<void> {
    let r = await this.syncRevision(d, rsList, false);
    // Step 1: every old ReplicaSet to 0.
    const active = activeReplicaSets(r.oldRSs);
    if (active.length > 0) {
      for (const rs of active) this.replace(r, await this.scaleReplicaSet(rs, 0, d));
      await this.syncRolloutStatus(r);
      return;
    }
    // Step 2: wait until their pods are gone (terminating ones included).
    if (this.oldPodsRunning(r, selector)) {
      await this.syncRolloutStatus(r);
      return;
    }
    // Step 3: the new ReplicaSet, at full size.
    if (!r.newRS) r = await this.syncRevision(d, rsList, true);
    if (r.newRS && specReplicas(r.newRS) !== desiredReplicas(d)) {
      this.replace(r, await this.scaleReplicaSet(r.newRS, desiredReplicas(d), d));
    }
    if (deploymentComplete(d, calculateStatus([...r.oldRSs, ...(r.newRS ? [r.newRS] : [])], r.newRS, d, this.clock.now()))) await this.cleanup(r);
    await this.syncRolloutStatus(r);
  }

  /** Any pod of an old ReplicaSet that is not terminal, or an old ReplicaSet still reporting pods. */
  private oldPodsRunning(r: Rollout, selector: Selector): boolean {
    if (sum(r.oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
    const oldUids = new Set(r.oldRSs.map((rs) => rs.metadata?.uid));
    const pods = this.podInformer.lister.namespace(r.d.metadata?.namespace ?? '').list(selector);
    return pods.some((p) => {
      const ref = controllerRef(p);
      if (!ref || !oldUids.has(ref.uid)) return false;
      return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
    });
  }

  /** Paused or resized: scale proportionally (no rollout progress), clean up when paused, report status. */
  private async syncScaleOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const r = await this.syncRevision(d, rsList, false);
    await this.scale(r);
    if (d.spec?.paused) await this.cleanup(r);
    await this.syncStatusOnly(r);
  }

  /** Kubernetes' `scale`: resize to spec.replicas without rolling anything forward. */
  private async scale(r: Rollout): Promise<void> {
    const { d, newRS, oldRSs } = r;
    const desired = desiredReplicas(d);
    const active = activeReplicaSets([...oldRSs, newRS]);
    let activeOrLatest: ReplicaSet | undefined;
    if (active.length === 0) activeOrLatest = newRS ?? [...oldRSs].sort(byCreation).at(-1);
    else if (active.length === 1) activeOrLatest = active[0];
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== desired) this.replace(r, await this.scaleReplicaSet(activeOrLatest, desired, d));
      return;
    }
    const saturated =
      newRS !== undefined &&
      specReplicas(newRS) === desired &&
      newRS.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(desired) &&
      (newRS.status?.availableReplicas ?? 0) === desired;
    if (saturated) {
      for (const rs of activeReplicaSets(oldRSs)) this.replace(r, await this.scaleReplicaSet(rs, 0, d));
      return;
    }
    if (!isRollingUpdate(d)) return;
    const sizes = proportionalSizes(d, newRS, oldRSs);
    for (const rs of active) {
      const size = sizes.get(rs.metadata?.name ?? '');
      if (size !== undefined) this.replace(r, await this.scaleReplicaSet(rs, size, d));
    }
  }

  /** Deletes the oldest old ReplicaSets beyond revisionHistoryLimit that have no pods left. */
  private async cleanup(r: Rollout): Promise<void> {
    const limit = r.d.spec?.revisionHistoryLimit ?? 10;
    const cleanable = r.oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    const byRevision = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    const rsClient = this.client.replicaSets.inNamespace(r.d.metadata?.namespace ?? '');
    for (const rs of byRevision.slice(0, excess)) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await rsClient.delete(rs.metadata?.name ?? '', { preconditions: { uid: rs.metadata?.uid ?? '' } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // Status.

  /** Counts and Available only (paused, resized, or being deleted). */
  private async syncStatusOnly(r: Rollout): Promise<void> {
    const all = [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])];
    const status = calculateStatus(all, r.newRS, r.d, this.clock.now());
    if (!statusEqual(r.d.status, status)) await this.writeStatus(r.d, status);
  }

  /** Counts, Available, Progressing (with its deadline) and ReplicaFailure; re-checks the deadline later if needed. */
  private async syncRolloutStatus(r: Rollout): Promise<void> {
    const now = this.clock.now();
    const all = [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])];
    const status = calculateStatus(all, r.newRS, r.d, now);
    updateProgressConditions(r.d, status, all, r.newRS, now);
    if (!statusEqual(r.d.status, status)) await this.writeStatus(r.d, status);
    const recheck = progressRecheckMs(r.d, status, now);
    if (recheck !== undefined) this.queue.addAfter(objectKey(r.d), recheck + 1000);
  }

  /** Pause and resume show as the Progressing condition (Unknown, DeploymentPaused / DeploymentResumed). */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, PROGRESSING);
    if (cond?.reason === Reason.ProgressDeadlineExceeded) return;
    const pausedCond = cond?.reason === Reason.DeploymentPaused;
    const status = structuredClone(d.status ?? {});
    const now = this.clock.now();
    if (d.spec?.paused && !pausedCond) {
      setCondition(status, newCondition(PROGRESSING, 'Unknown', Reason.DeploymentPaused, 'Deployment is paused', now));
    } else if (!d.spec?.paused && pausedCond) {
      setCondition(status, newCondition(PROGRESSING, 'Unknown', Reason.DeploymentResumed, 'Deployment is resumed', now));
    } else {
      return;
    }
    await this.writeStatus(d, status);
  }

  /** Writes `status` through deployments/status and keeps the working copy in step (a conflict throws: the sync retries). */
  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    const copy = cloneJson(d);
    copy.status = status;
    const updated = await this.client.deployments.inNamespace(d.metadata?.namespace ?? '').updateStatus(copy);
    d.status = updated.status ?? status;
    (d.metadata ??= {}).resourceVersion = updated.metadata?.resourceVersion ?? d.metadata.resourceVersion;
  }
}

function safeSelector(d: Deployment): Selector | undefined {
  try {
    return selectorFromLabelSelector(d.spec?.selector);
  } catch {
    return undefined;
  }
}

function involved(d: Deployment) {
  return { apiVersion: API_VERSION, kind: KIND, metadata: d.metadata ?? {} };
}
