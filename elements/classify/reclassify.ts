/**
 * reclassify-interval: results per track id, reused until they are `interval` frames old. Entries of
 * tracks that are no longer seen are dropped, so the cache holds only live tracks.
 */

export interface CacheEntry<T> {
  value: T;
  /** Frame (element count) the value was computed on. */
  frame: number;
  /** Last frame the track was seen on. */
  seen: number;
}

export class ReclassifyCache<T> {
  private readonly entries = new Map<number, CacheEntry<T>>();

  /**
   * @param interval classify a track at most once every `interval` frames (1: every frame, 0: once per track)
   * @param forgetAfter frames a track may be absent before its entry is dropped (its track has ended)
   */
  constructor(
    readonly interval: number,
    readonly forgetAfter: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `trackId` if it is still fresh on `frame` (and marks the track seen). */
  lookup(trackId: number, frame: number): T | undefined {
    const e = this.entries.get(trackId);
    if (!e) return undefined;
    e.seen = frame;
    if (this.interval === 1) return undefined;
    if (this.interval === 0 || frame - e.frame < this.interval) return e.value;
    return undefined;
  }

  /** The last value of `trackId` whatever its age (e.g. for a box tstrack predicted), marking the track seen. */
  peek(trackId: number, frame: number): T | undefined {
    const e = this.entries.get(trackId);
    if (e) e.seen = frame;
    return e?.value;
  }

  store(trackId: number, frame: number, value: T): void {
    this.entries.set(trackId, { value, frame, seen: frame });
  }

  /** Drops the value of one track (e.g. its classification failed). */
  forget(trackId: number): void {
    this.entries.delete(trackId);
  }

  /** Drops the entries of tracks not seen for more than forgetAfter frames. */
  sweep(frame: number): void {
    for (const [id, e] of this.entries) if (frame - e.seen > this.forgetAfter) this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
