/**
 * The seeded part of a chaos run: a small PRNG (mulberry32) and the draws the
 * run makes from it, in a fixed order per step (pause before the kill, the
 * victim, the delay before `mk8s up`). Nothing here looks at the cluster, so
 * a seed names one sequence of kills for good (given the same node count).
 */

/** mulberry32: 32-bit state, good enough to spread kills; `next()` is in [0, 1). */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/**
 * What can be killed, by kind. A kind is drawn first, then a node for the
 * per-node kinds, so the two kubelets together are as likely as the API
 * server (a uniform draw over processes would mostly hit node processes).
 */
export const VICTIM_KINDS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'cloud-controller-manager',
  'kube-proxy',
  'kubelet',
  'dockershim',
] as const;
export type VictimKind = (typeof VICTIM_KINDS)[number];

/** The process name (pid file stem) of a kind on a node: `kubelet-node-2`. */
export const processName = (kind: VictimKind, node?: string): string => (kind === 'kubelet' || kind === 'dockershim' ? `${kind}-${node}` : kind);

/** The kind of a process name (`kubelet-node-2` -> `kubelet`), or undefined for a process chaos never kills. */
export function kindOf(name: string): VictimKind | undefined {
  const m = /^(kubelet|dockershim)-node-\d+$/.exec(name);
  if (m) return m[1] as VictimKind;
  return (VICTIM_KINDS as readonly string[]).includes(name) ? (name as VictimKind) : undefined;
}

export interface PlanOptions {
  nodes: readonly string[];
  /** Pause before each kill, in ms (inclusive bounds). */
  pauseMs: readonly [number, number];
  /** Delay between a kill and `mk8s up`, in ms (inclusive bounds). */
  restartDelayMs: readonly [number, number];
}

export const DEFAULT_PLAN: Omit<PlanOptions, 'nodes'> = { pauseMs: [5_000, 15_000], restartDelayMs: [0, 5_000] };

export interface Step {
  pauseMs: number;
  victim: string;
  restartDelayMs: number;
}

/** The next step: always three draws, in this order, whatever the victim. */
export function nextStep(rng: Prng, opts: PlanOptions): Step {
  const pauseMs = rng.int(opts.pauseMs[0], opts.pauseMs[1]);
  const kind = rng.pick(VICTIM_KINDS);
  const node = rng.pick(opts.nodes);
  const restartDelayMs = rng.int(opts.restartDelayMs[0], opts.restartDelayMs[1]);
  return { pauseMs, victim: processName(kind, node), restartDelayMs };
}

/** A fresh random seed (for runs without --seed): a positive 31-bit integer, easy to copy. */
export const randomSeed = (): number => 1 + Math.floor(Math.random() * 0x7ffffffe);
