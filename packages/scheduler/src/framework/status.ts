/**
 * The result of a plugin call (Kubernetes' framework.Status). A pod that does
 * not fit a node is an ordinary answer, not an exception: filters return an
 * `Unschedulable` Status whose reasons end up, counted, in the pod's
 * FailedScheduling message.
 *
 * Statuses are immutable, so plugins keep their common answers as constants
 * and the hot path allocates nothing for a node that fits.
 */

/**
 * - `Success`: the node fits / the step succeeded;
 * - `Unschedulable`: does not fit now, may fit after the cluster changes
 *   (e.g. resources freed) — preemption could help;
 * - `UnschedulableAndUnresolvable`: does not fit and preemption cannot help
 *   (labels, taints, cordon);
 * - `Error`: the plugin failed; the attempt is retried with backoff;
 * - `Skip`: from PreFilter/PreScore, the plugin has nothing to do for this pod.
 */
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

export class Status {
  static readonly SUCCESS = new Status('Success');
  static readonly SKIP = new Status('Skip');

  constructor(
    readonly code: StatusCode,
    /** Short, stable phrases such as "Insufficient cpu"; counted across nodes in the FitError message. */
    readonly reasons: readonly string[] = [],
    /** The plugin that returned it (set by plugins; the framework does not rewrite statuses). */
    readonly plugin = '',
  ) {}

  static unschedulable(plugin: string, ...reasons: string[]): Status {
    return new Status('Unschedulable', reasons, plugin);
  }

  static unresolvable(plugin: string, ...reasons: string[]): Status {
    return new Status('UnschedulableAndUnresolvable', reasons, plugin);
  }

  static error(plugin: string, message: string): Status {
    return new Status('Error', [message], plugin);
  }

  isSuccess(): boolean {
    return this.code === 'Success';
  }

  isSkip(): boolean {
    return this.code === 'Skip';
  }

  /** Unschedulable or UnschedulableAndUnresolvable: the node was rejected, nothing failed. */
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }

  message(): string {
    return this.reasons.join(', ');
  }
}
