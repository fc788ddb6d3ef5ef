/**
 * Admission of updates (PUT and PATCH of the main resource): the registry runs
 * the validating plugins as a write check inside its compare-and-swap loop,
 * on the object about to be stored (decoded, defaulted, validated) and the
 * current one, as Kubernetes runs validating admission on UPDATE. Mutating
 * plugins do not run on updates (none of mk8s' mutates updates).
 *
 * The loop may run the check more than once (a stale cached object, a
 * conflicting write): each run starts from empty warnings and annotations,
 * the previous run's finisher is told it did not commit, and the request gets
 * the last run's warnings and audit annotations.
 */
import type { ResourceType } from '@mk8s/api';
import type { Obj } from '../cache/watch-cache.js';
import type { AdmissionAttributes, AdmissionFinisher, AdmissionHooks, AdmissionRequest } from './types.js';

type Check = (obj: Obj, old: Obj | undefined) => void | Promise<void>;

/** The request-scoped attributes of a write: the user and the sinks. */
export function requestAttributes(req: AdmissionRequest | undefined): Pick<AdmissionAttributes, 'user' | 'auditAnnotations'> & { warnings: string[] } {
  return { user: req?.user, auditAnnotations: req?.auditAnnotations, warnings: [] };
}

export interface UpdateAdmission {
  /** The write check to give the registry's update loop (the caller's own check runs first), or undefined for none. */
  check: Check | undefined;
  /** Admission warnings of the last run, for the reply. */
  warnings: string[];
  /** Runs the update, then settles the finisher of the last run (committed when the update returned). */
  run<T>(update: () => Promise<T>): Promise<T>;
}

export function admitUpdate(
  hooks: AdmissionHooks | undefined,
  rt: ResourceType,
  storage: string,
  namespace: string | undefined,
  name: string,
  opts: { dryRun?: boolean; admission?: AdmissionRequest; check?: Check },
): UpdateAdmission {
  const warnings: string[] = [];
  if (!hooks) return { check: opts.check, warnings, run: (update) => update() };
  let finish: AdmissionFinisher | undefined;
  let annotations: Record<string, string> = {};
  const settle = (committed: boolean) => {
    finish?.(committed);
    finish = undefined;
  };
  const check: Check = async (obj, old) => {
    await opts.check?.(obj, old);
    settle(false);
    warnings.length = 0;
    annotations = {};
    const attrs: AdmissionAttributes = {
      operation: old ? 'UPDATE' : 'CREATE',
      resource: rt,
      storage,
      subresource: '',
      namespace: rt.namespaced ? namespace : undefined,
      name,
      object: obj,
      oldObject: old,
      dryRun: opts.dryRun === true,
      user: opts.admission?.user,
      warnings,
      auditAnnotations: annotations,
    };
    finish = await hooks.validate(attrs);
  };
  return {
    check,
    warnings,
    async run(update) {
      let committed = false;
      try {
        const r = await update();
        committed = true;
        return r;
      } finally {
        settle(committed);
        if (opts.admission?.auditAnnotations) Object.assign(opts.admission.auditAnnotations, annotations);
      }
    },
  };
}
