/**
 * SORT (Bewley et al., "Simple Online and Realtime Tracking", ICIP 2016), faithful to the reference code:
 * Kalman filter on (cx, cy, area, aspect) with constant velocity, optimal IoU association of all tracks with
 * all detections (pairs below matchThreshold rejected), a track kept for maxLostFrames (max_age) unmatched
 * frames, and the "hit streak" rule: a track's id is reported on a frame only when it was matched on that frame
 * and has been matched on the last minHits − 1 updates without a miss (SORT's min_hits = minHits − 1, which
 * counts updates after the creating detection), or during the first minHits − 1 updates of the tracker.
 * Streaks count update() calls, so frames handled by predictOnly (no inference) do not break them; track
 * expiry (maxLostFrames = max_age) counts frames.
 * A track gets its (never reused) id the first time that rule holds.
 *
 * Differences to the reference: the assignment uses ByteTrack's cost-limit objective (maximise Σ(IoU − thr)
 * over admissible pairs) instead of "Hungarian on −IoU, then drop pairs below the threshold"; detections
 * below lowThreshold are ignored and only those >= newTrackThreshold start tracks (both 0 in
 * CLASSIC_SORT_PARAMS); highThreshold is unused.
 */
import type { Detection } from 'tsvision';
import { BaseTracker, type TrackRecord } from './common.js';
import { SORT_MODEL, kalmanInitiate, kalmanPredict, kalmanUpdate } from './kalman.js';
import type { TrackEvent, TrackerOutput, TrackerParams } from './types.js';

export class SortTracker extends BaseTracker {
  readonly kind = 'sort' as const;

  constructor(params?: Partial<TrackerParams>) {
    super(params, SORT_MODEL);
  }

  /** Frame of the previous update() call (predictOnly frames do not count as misses for the hit streak). */
  private prevUpdateFrame: number | null = null;

  override reset(): void {
    super.reset();
    this.prevUpdateFrame = null;
  }

  protected override predictTrack(t: TrackRecord, steps: number): void {
    if (t.kf !== null) kalmanPredict(SORT_MODEL, t.kf, steps);
  }

  private reportable(t: TrackRecord, warm: boolean): boolean {
    return t.lastMatchFrame === this.frame && (warm || t.streak >= this.params.minHits - 1);
  }

  update(detections: readonly Detection[], frameIndex: number): TrackerOutput {
    const p = this.params;
    this.updates++;
    // SORT: a track that was not matched on the previous update loses its hit streak.
    for (const t of this.tracks) if (t.lastMatchFrame !== this.prevUpdateFrame) t.streak = 0;
    this.advance(frameIndex);
    this.prevUpdateFrame = this.frame;
    const events: TrackEvent[] = [];
    const { valid, rejected } = this.validate(detections);
    const assigned: (TrackRecord | null)[] = new Array<TrackRecord | null>(detections.length).fill(null);
    const matched = new Set<TrackRecord>();
    const use = valid.filter((k) => detections[k].confidence >= p.lowThreshold);
    const dets = use.map((k) => detections[k]);
    const tracks = this.tracks.slice();
    const a = this.associate(tracks, dets, p.matchThreshold, false);
    for (let i = 0; i < tracks.length; i++) {
      const j = a.detOf[i];
      if (j < 0) continue;
      const t = tracks[i];
      const d = dets[j];
      if (t.kf !== null) kalmanUpdate(SORT_MODEL, t.kf, d.box);
      this.recordHit(t, d);
      t.status = t.id !== null ? 'tracked' : 'tentative';
      assigned[use[j]] = t;
      matched.add(t);
    }
    for (let j = 0; j < dets.length; j++) {
      if (a.trackOf[j] >= 0 || !(dets[j].confidence >= p.newTrackThreshold)) continue;
      const t = this.newTrack(dets[j], kalmanInitiate(SORT_MODEL, dets[j].box));
      assigned[use[j]] = t;
      matched.add(t);
    }
    const warm = this.inWarmup();
    for (const t of matched) if (t.id === null && this.reportable(t, warm)) this.confirm(t, events);
    for (const t of this.tracks) if (t.id !== null && !matched.has(t)) t.status = 'lost';
    this.expire(events);
    return this.output(detections.length, assigned, matched, events, rejected, (t) => this.reportable(t, warm));
  }
}
