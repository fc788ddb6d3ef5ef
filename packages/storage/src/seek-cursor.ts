/**
 * A forward cursor over a level iterator that reads entries in batches
 * (`nextv`) and can skip ahead (`skipTo`). Skips that land inside the current
 * batch cost nothing; longer ones become one `seek`. Listing at a revision
 * skips every key's older versions, so this keeps a list close to one batch
 * read per `batchSize` keys when keys have few versions, and one seek per key
 * when they have many.
 *
 * The caller owns the iterator's range; `skipTo` targets must lie inside it
 * and must not go backwards.
 */

/** The part of an abstract-level iterator the cursor uses. */
export interface EntryIterator {
  nextv(size: number): Promise<Array<[string, string]>>;
  seek(target: string): void;
  close(): Promise<void>;
}

export class SeekCursor {
  private batch: Array<[string, string]> = [];
  private index = 0;
  private exhausted = false;

  constructor(
    private readonly iterator: EntryIterator,
    private readonly batchSize = 256,
  ) {}

  async next(): Promise<[string, string] | undefined> {
    if (this.index < this.batch.length) return this.batch[this.index++];
    if (this.exhausted) return undefined;
    this.batch = await this.iterator.nextv(this.batchSize);
    this.index = 0;
    if (this.batch.length === 0) {
      this.exhausted = true;
      return undefined;
    }
    return this.batch[this.index++];
  }

  /** After this, `next()` returns the first entry whose key is >= target. */
  skipTo(target: string): void {
    const last = this.batch[this.batch.length - 1];
    if (last !== undefined && last[0] >= target) {
      while (this.index < this.batch.length && (this.batch[this.index]?.[0] ?? target) < target) this.index++;
      return;
    }
    if (this.exhausted) return;
    this.batch = [];
    this.index = 0;
    this.iterator.seek(target);
  }

  close(): Promise<void> {
    return this.iterator.close();
  }
}
