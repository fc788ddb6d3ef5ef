/**
 * Owner references and the claim protocol of Kubernetes'
 * `ControllerRefManager`: a controller owns exactly the objects whose
 * controller reference names its uid. It adopts orphans its selector matches
 * and releases owned objects its selector no longer matches, and never touches
 * objects another controller owns.
 */
import { controllerRef, type OwnerReference, type Selector } from '@mk8s/api';
import { isNotFound, type KubeObject } from '@mk8s/client';

/** The reference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * A strategic merge patch adding `ref` to an object's ownerReferences. The
 * object's uid rides along as a precondition: the patch fails (409) if the
 * object was deleted and recreated under the same name.
 */
export function adoptPatch(ref: OwnerReference, objUid: string): object {
  return { metadata: { ownerReferences: [ref], uid: objUid } };
}

/** A strategic merge patch removing the owner reference with `ownerUid`, with the object's uid as precondition. */
export function releasePatch(ownerUid: string, objUid: string): object {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: objUid } };
}

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  selector: Selector;
  /**
   * Confirms, against the API server rather than the cache, that the owner
   * still exists with the same uid and is not being deleted; rejects
   * otherwise. Called once, before the first adoption (Kubernetes'
   * `RecheckDeletionTimestamp`): adopting for a dying owner would hand the
   * object to the garbage collector.
   */
  recheckOwner: () => Promise<void>;
  adopt: (obj: T) => Promise<void>;
  release: (obj: T) => Promise<void>;
}

/**
 * Splits `candidates` (cached, read-only) into the ones `owner` controls after
 * adopting and releasing as needed. Objects that vanish mid-claim are skipped;
 * other failures are thrown after every object has been tried (the caller's
 * sync then retries with backoff), so one bad object never blocks the rest.
 */
export async function claimObjects<T extends KubeObject>(candidates: readonly T[], opts: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = opts.owner.metadata?.uid ?? '';
  const ownerDeleting = !!opts.owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let recheck: Promise<void> | undefined;
  for (const obj of candidates) {
    const ref = controllerRef(obj);
    const matches = opts.selector.matches(obj.metadata?.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (matches) {
          claimed.push(obj);
        } else if (!ownerDeleting) {
          await opts.release(obj).catch(ignoreNotFound);
        }
        continue;
      }
      if (ownerDeleting || !matches || obj.metadata?.deletionTimestamp) continue;
      if (obj.metadata?.namespace !== opts.owner.metadata?.namespace) continue;
      recheck ??= opts.recheckOwner();
      await recheck;
      const adopted = await opts.adopt(obj).then(
        () => true,
        (err: unknown) => {
          if (isNotFound(err)) return false;
          throw err;
        },
      );
      if (adopted) claimed.push(obj);
    } catch (err) {
      errors.push(err);
      // A failed recheck means the owner is gone or dying: adopting anything else is wrong too.
      if (
        recheck &&
        (await recheck.then(
          () => false,
          () => true,
        ))
      )
        break;
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

/**
 * `recheckOwner` for ClaimOptions: fetches the owner fresh and rejects if it
 * is gone, replaced (another uid) or being deleted.
 */
export async function recheckOwner(owner: KubeObject, getFresh: () => Promise<KubeObject>): Promise<void> {
  const fresh = await getFresh();
  const want = owner.metadata?.uid;
  if (fresh.metadata?.uid !== want) {
    throw new Error(
      `original ${owner.kind ?? 'owner'} ${owner.metadata?.namespace}/${owner.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${want}`,
    );
  }
  if (fresh.metadata?.deletionTimestamp) {
    throw new Error(
      `${owner.kind ?? 'owner'} ${owner.metadata?.namespace}/${owner.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
    );
  }
}
