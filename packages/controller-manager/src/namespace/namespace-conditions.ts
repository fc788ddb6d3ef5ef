/**
 * The conditions a Terminating namespace reports while its content is being
 * deleted, with Kubernetes' types, reasons and messages (the namespaced
 * resources deleter's `conditionUpdater`). Pure.
 */
import type { Namespace } from '@mk8s/api';

export type NamespaceCondition = NonNullable<NonNullable<Namespace['status']>['conditions']>[number];

/** What one pass over a namespace's content found. */
export interface DeletionReport {
  /** `resource.group` (e.g. `pods.`, `replicasets.apps`) -> objects still there. */
  remaining: Map<string, number>;
  /** finalizer -> objects still carrying it. */
  finalizers: Map<string, number>;
  /** Errors deleting or listing content. */
  failures: string[];
  /** Group versions discovery could not read (`group/version: error`): their content may remain unseen. */
  discoveryFailures?: string[];
}

function cond(type: string, on: boolean, reason: string, message: string): Omit<NamespaceCondition, 'lastTransitionTime'> {
  return { type, status: on ? 'True' : 'False', reason, message };
}

function counts(m: Map<string, number>, suffix: string): string {
  return [...m.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${suffix.replace('%d', String(n))}`)
    .join(', ');
}

/** The five deletion conditions for `report`. */
export function deletionConditions(report: DeletionReport): Omit<NamespaceCondition, 'lastTransitionTime'>[] {
  const remaining = report.remaining.size > 0;
  const finalizing = report.finalizers.size > 0;
  const failed = report.failures.length > 0;
  const undiscovered = report.discoveryFailures ?? [];
  return [
    undiscovered.length > 0
      ? cond(
          'NamespaceDeletionDiscoveryFailure',
          true,
          'DiscoveryFailed',
          `Discovery failed for some groups, ${undiscovered.length} failing: ${undiscovered.join(', ')}`,
        )
      : cond('NamespaceDeletionDiscoveryFailure', false, 'ResourcesDiscovered', 'All resources successfully discovered'),
    cond('NamespaceDeletionGroupVersionParsingFailure', false, 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    failed
      ? cond(
          'NamespaceDeletionContentFailure',
          true,
          'ContentDeletionFailed',
          `Failed to delete all resource types, ${report.failures.length} remaining: ${report.failures.join(', ')}`,
        )
      : cond('NamespaceDeletionContentFailure', false, 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
    remaining
      ? cond('NamespaceContentRemaining', true, 'SomeResourcesRemain', `Some resources are remaining: ${counts(report.remaining, 'has %d resource instances')}`)
      : cond('NamespaceContentRemaining', false, 'ContentRemoved', 'All content successfully removed'),
    finalizing
      ? cond(
          'NamespaceFinalizersRemaining',
          true,
          'SomeFinalizersRemain',
          `Some content in the namespace has finalizers remaining: ${counts(report.finalizers, 'in %d resource instances')}`,
        )
      : cond('NamespaceFinalizersRemaining', false, 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
  ];
}

/**
 * `current` with `wanted` merged in: a condition whose status, reason and
 * message are unchanged keeps its lastTransitionTime; undefined when nothing
 * changes, so a converged namespace is never rewritten.
 */
export function mergeConditions(
  current: readonly NamespaceCondition[] | undefined,
  wanted: readonly Omit<NamespaceCondition, 'lastTransitionTime'>[],
  now: string,
): NamespaceCondition[] | undefined {
  const out = (current ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const w of wanted) {
    const i = out.findIndex((c) => c.type === w.type);
    if (i < 0) {
      out.push({ ...w, lastTransitionTime: now });
      changed = true;
    } else if (out[i]!.status !== w.status || out[i]!.reason !== w.reason || out[i]!.message !== w.message) {
      out[i] = { ...w, lastTransitionTime: out[i]!.status === w.status ? (out[i]!.lastTransitionTime ?? now) : now };
      changed = true;
    }
  }
  return changed ? out : undefined;
}
