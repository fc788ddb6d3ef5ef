/**
 * Server-side apply and field ownership (`metadata.managedFields`).
 *
 * The registry calls `trackUpdate` on every create, update and patch that
 * names a manager, and `applyConfiguration` for `application/apply-patch+yaml`;
 * `conflictStatus` is the 409 an apply conflict answers with. The design and
 * its limits are in docs/server-side-apply.md.
 */
import { StatusError } from '../errors.js';
import type { ApplyConflictError } from './field-manager.js';
import { pathString } from './field-set.js';
import type { ManagerEntry } from './managed-fields.js';

export { applyConfiguration, ApplyConflictError, BEFORE_FIRST_APPLY, trackUpdate, type FieldContext } from './field-manager.js';
export { managerFromUserAgent } from './managed-fields.js';
export { TypedError } from './typed.js';

/** A manager as Kubernetes names it in conflicts: `"kubectl"`, `"kube-controller-manager" using apps/v1`, `"kubelet" with subresource "status" using v1`. */
function printManager(e: ManagerEntry): string {
  let out = JSON.stringify(e.manager);
  if (e.subresource !== '') out += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') out += ` using ${e.apiVersion}`;
  return out;
}

/** The 409 of an apply conflict, in Kubernetes' words: one cause per field, the message grouped by manager. */
export function conflictStatus(err: ApplyConflictError): StatusError {
  const { conflicts } = err;
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.entry)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.entry)}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const name = printManager(c.entry);
      byManager.set(name, [...(byManager.get(name) ?? []), `- ${pathString(c.path)}`]);
    }
    const lines = [...byManager.keys()].sort().flatMap((name) => [`conflicts with ${name}:`, ...byManager.get(name)!]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}
