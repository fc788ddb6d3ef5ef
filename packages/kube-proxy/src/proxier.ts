/**
 * What a proxier mode implements: apply the whole desired state (level
 * triggered, idempotent; never called concurrently) and shut down.
 */
import type { ServicePortState } from './proxy-state.js';

export interface SyncResult {
  /** iptables rules written, or userspace listeners open. */
  rules: number;
  detail?: Record<string, number>;
}

export interface Proxier {
  readonly mode: 'iptables' | 'userspace';
  syncRules(state: readonly ServicePortState[]): Promise<SyncResult>;
  /** Graceful stop (SIGTERM). The iptables proxier leaves its rules in place. */
  close(): Promise<void>;
}
