/**
 * Exponential backoff without a step limit, for loops that must keep trying
 * until told to stop (registration, lease renewal): each `next()` doubles,
 * up to `maxMs`; `reset()` after a success starts over.
 */
export class Backoff {
  private current: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError(`bad backoff bounds: ${initialMs}..${maxMs}`);
    this.current = initialMs;
  }

  /** The wait before the next attempt. */
  next(): number {
    const d = this.current;
    this.current = Math.min(this.current * 2, this.maxMs);
    return d;
  }

  reset(): void {
    this.current = this.initialMs;
  }
}
