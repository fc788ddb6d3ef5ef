/**
 * The admission contract (Kubernetes' admission.Interface): plugins see a
 * write after decoding and defaulting and before it is stored. Mutating
 * plugins may change `attrs.object`; validating plugins only accept or
 * refuse (by throwing a `StatusError`, normally 403 Forbidden).
 */
import type { ResourceType } from '@mk8s/api';
import type { Store } from '@mk8s/storage';
import type { UserInfo } from '../auth/user.js';
import type { Obj, WatchCache } from '../cache/watch-cache.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  resource: ResourceType;
  /** Where objects of the kind live in the watch cache: the plural for built-in kinds, `<plural>.<group>` for custom ones. */
  storage: string;
  /** `''` for the main resource. */
  subresource: string;
  /** Undefined for cluster-scoped resources. */
  namespace: string | undefined;
  /** The object's name (already generated from `generateName` on create). */
  name: string;
  /** The incoming object: mutating plugins change it in place. */
  object: Obj;
  oldObject?: Obj;
  dryRun: boolean;
  /** The requesting user (Kubernetes' GetUserInfo); absent for server-internal writes. */
  user?: UserInfo;
  /** Sink for `Warning` headers of the reply (Kubernetes' warning.AddWarning); absent when nobody reads them. */
  warnings?: string[];
  /** Sink for the request's audit event annotations (Kubernetes' audit.AddAuditAnnotations); absent when not audited. */
  auditAnnotations?: Record<string, string>;
}

/**
 * What the HTTP layer tells the registry about a request for admission:
 * passed as `WriteOptions.admission` on creates, updates and patches.
 */
export interface AdmissionRequest {
  user?: UserInfo;
  /** The audit event's annotations (audit/audit-log.ts `auditAnnotations(req)`); plugins add to it. */
  auditAnnotations?: Record<string, string>;
}

/**
 * Called once the write has been attempted: `committed` is false when the
 * store refused it (or a later plugin refused the request). Lets a plugin
 * hold a lock or undo a reservation across the store write.
 */
export type AdmissionFinisher = (committed: boolean) => void;

/** What plugins may read: the API server's watch cache (kept current by the store's watch) and the store. */
export interface AdmissionContext {
  cache: WatchCache;
  store: Store;
  now: () => number;
}

export interface AdmissionPlugin {
  /** Kubernetes' plugin name (`LimitRanger`, `ResourceQuota`...), as in `--enable-admission-plugins`. */
  readonly name: string;
  /** Whether the plugin looks at this request at all. */
  handles(attrs: AdmissionAttributes): boolean;
  /** Mutating phase: may change `attrs.object`. */
  admit?(attrs: AdmissionAttributes): Promise<void> | void;
  /** Validating phase: throws to refuse; may return a finisher run after the store write. */
  validate?(attrs: AdmissionAttributes): Promise<AdmissionFinisher | void> | AdmissionFinisher | void;
}

/** What the registry calls on every create and update of the main resource (updates: validation only, see admitUpdate). */
export interface AdmissionHooks {
  mutate(attrs: AdmissionAttributes): Promise<void>;
  /** Runs the validating plugins; the returned finisher must be called exactly once after the store write. */
  validate(attrs: AdmissionAttributes): Promise<AdmissionFinisher>;
}
