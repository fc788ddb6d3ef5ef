/**
 * The time seam of the fake runtime: scripted delays (a container that exits
 * after N ms, a slow pull) go through it, so tests move time by hand. The
 * shape is a structural subset of @mk8s/client's Clock, so a FakeClock from
 * there can be passed as is; this package does not depend on it.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Timer {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; cancel() prevents it. */
  after(ms: number, fn: () => void): TimerHandle;
}

export const realTimer: Timer = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    // A scripted "sleep 3600" must not keep a test process alive.
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
