/**
 * IoU tracker (after Bochinski et al., "High-Speed Tracking-by-Detection Without Using Image Information",
 * AVSS 2017, with its V-IoU extension's gap tolerance), without any motion model: a track is associated by IoU
 * with its last matched box. Association is optimal (Hungarian) rather than greedy, confirmed tracks first,
 * then tentative ones.
 *
 * - detections below lowThreshold are ignored (σ_l);
 * - a tentative track is confirmed once it has minHits consecutive detections (t_min) and at least one of them
 *   reached highThreshold (σ_h); a tentative track that misses a frame is deleted;
 * - confirmed tracks survive maxLostFrames unmatched frames, waiting at their last box;
 * - unmatched detections >= newTrackThreshold start tentative tracks.
 */
import type { Detection } from 'tsvision';
import { BaseTracker, type TrackRecord } from './common.js';
import type { TrackEvent, TrackerOutput, TrackerParams } from './types.js';

export class IouTracker extends BaseTracker {
  readonly kind = 'iou' as const;

  constructor(params?: Partial<TrackerParams>) {
    super(params, null);
  }

  update(detections: readonly Detection[], frameIndex: number): TrackerOutput {
    const p = this.params;
    this.updates++;
    this.advance(frameIndex);
    const events: TrackEvent[] = [];
    const { valid, rejected } = this.validate(detections);
    const assigned: (TrackRecord | null)[] = new Array<TrackRecord | null>(detections.length).fill(null);
    const matched = new Set<TrackRecord>();
    let left = valid.filter((k) => detections[k].confidence >= p.lowThreshold);
    const confirmed = this.tracks.filter((t) => t.id !== null);
    const tentative = this.tracks.filter((t) => t.id === null);
    const warm = this.inWarmup();

    const stage = (tracks: TrackRecord[]): void => {
      const dets = left.map((k) => detections[k]);
      const a = this.associate(tracks, dets, p.matchThreshold, false);
      for (let i = 0; i < tracks.length; i++) {
        const j = a.detOf[i];
        if (j < 0) continue;
        const t = tracks[i];
        this.recordHit(t, dets[j]);
        if (t.id !== null) t.status = 'tracked';
        assigned[left[j]] = t;
        matched.add(t);
      }
      left = left.filter((_, j) => a.trackOf[j] < 0);
    };
    stage(confirmed);
    stage(tentative);

    for (const t of confirmed) if (!matched.has(t)) t.status = 'lost';
    const dead = new Set<TrackRecord>();
    for (const t of tentative) {
      if (!matched.has(t)) dead.add(t);
      else if (warm || (t.hits >= p.minHits && t.maxConfidence >= p.highThreshold)) this.confirm(t, events);
    }
    if (dead.size > 0) this.tracks = this.tracks.filter((t) => !dead.has(t));

    for (const k of left) {
      const d = detections[k];
      if (!(d.confidence >= p.newTrackThreshold)) continue;
      const t = this.newTrack(d, null);
      assigned[k] = t;
      matched.add(t);
      if (warm || (p.minHits <= 1 && d.confidence >= p.highThreshold)) this.confirm(t, events);
    }
    this.expire(events);
    return this.output(detections.length, assigned, matched, events, rejected);
  }
}
