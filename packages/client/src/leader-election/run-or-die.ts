/**
 * The way a component's main runs under leader election: campaign, do the
 * work while leading, and return when leading ends, so that main can exit.
 * Kubernetes components exit on lost leadership rather than campaign again,
 * because their in-memory state may be stale once another replica has acted.
 */
import { LeaderElector, type LeaderCallbacks, type LeaderElectionEnd, type LeaderElectorOptions } from './leader-elector.js';

export interface RunLeaderElectionOptions extends Omit<LeaderElectorOptions, 'callbacks'> {
  /** Ends the election: stops leading (releasing with `releaseOnCancel`) or stops campaigning. */
  signal: AbortSignal;
  /** As for LeaderElector, except that `onStoppedLeading` is optional here: the returned promise says the same. */
  callbacks: Omit<LeaderCallbacks, 'onStoppedLeading'> & Partial<Pick<LeaderCallbacks, 'onStoppedLeading'>>;
}

/**
 * Runs one election to its end. Resolves 'cancelled' after `signal` aborted
 * (a clean shutdown) or 'lost' when leadership was lost (a component should
 * exit non-zero then). Rejects at once on invalid options, and with the
 * error of a failed `onStartedLeading`.
 */
export async function runLeaderElection(options: RunLeaderElectionOptions): Promise<LeaderElectionEnd> {
  const { signal, callbacks, ...rest } = options;
  if (typeof callbacks?.onStartedLeading !== 'function') throw new Error('leader election: callbacks.onStartedLeading is required');
  const elector = new LeaderElector({
    ...rest,
    callbacks: {
      onStartedLeading: (leading) => callbacks.onStartedLeading(leading),
      onStoppedLeading: () => callbacks.onStoppedLeading?.(),
      onNewLeader: (identity) => callbacks.onNewLeader?.(identity),
    },
  });
  return elector.run(signal);
}
