/**
 * Per-resource behaviour on top of the generic registry (Kubernetes'
 * RESTCreateStrategy/RESTUpdateStrategy/RESTDeleteStrategy). The generic
 * registry does the mechanics (decode, defaults, validation, concurrency,
 * storage); a strategy, part of a resource's definition (resources/), says
 * what is special about storing one resource.
 */
export type Obj = Record<string, unknown>;

/** Server-wide settings of the built-in admission steps (kube-apiserver flags). */
export interface AdmissionSettings {
  /** DefaultTolerationSeconds: how long a new pod tolerates `node.kubernetes.io/not-ready:NoExecute`; Kubernetes' default 300. */
  defaultNotReadyTolerationSeconds: number;
  /** Same for `node.kubernetes.io/unreachable:NoExecute`; Kubernetes' default 300. */
  defaultUnreachableTolerationSeconds: number;
}

export const DEFAULT_ADMISSION: AdmissionSettings = { defaultNotReadyTolerationSeconds: 300, defaultUnreachableTolerationSeconds: 300 };

export interface Strategy {
  /** The resource has a `/status` subresource: the main resource ignores status, `/status` ignores the rest. */
  statusSubresource: boolean;
  /** `metadata.generation` starts at 1 and grows when the spec (anything but metadata and status) changes. */
  tracksGeneration: boolean;
  /** Status given on create is kept (Kubernetes allows it for nodes); otherwise it is reset. */
  keepStatusOnCreate?: boolean;
  /** PUT of a missing object creates it (Kubernetes allows this for a few resources, e.g. leases, endpoints, events). */
  allowCreateOnUpdate: boolean;
  /** Adjusts a new object after defaulting and before validation (e.g. a new pod's status is `Pending`). */
  prepareForCreate?(obj: Obj, admission: AdmissionSettings): void;
  /** Adjusts an update of the main resource (status already carried over from `old`). */
  prepareForUpdate?(obj: Obj, old: Obj): void;
  /** Adjusts a `/status` update (everything but status already carried over from `old`). */
  prepareForStatusUpdate?(obj: Obj, old: Obj): void;
  /**
   * Graceful deletion: the grace period in seconds to wait for, or 0 to delete
   * at once. Only pods are graceful; absent means delete at once.
   */
  gracePeriod?(obj: Obj, requested: number | undefined): number;
  /** Why the object named `name` may never be deleted (a 403), or undefined when it may. */
  undeletable?(name: string): string | undefined;
  /** Whether the object waits for finalization of its own besides metadata.finalizers (a Namespace's spec.finalizers). */
  finalizing?(obj: Obj): boolean;
  /** Adjusts an object being marked for deletion (a Namespace turns Terminating). */
  prepareForDelete?(obj: Obj): void;
}

export const defaultStrategy: Strategy = {
  statusSubresource: false,
  tracksGeneration: false,
  allowCreateOnUpdate: false,
};
