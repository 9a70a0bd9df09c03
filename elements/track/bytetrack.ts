/**
 * ByteTrack (Zhang et al., "ByteTrack: Multi-Object Tracking by Associating Every Detection Box", ECCV 2022).
 *
 * Per update:
 * 1. Kalman-predict every track (xyah constant-velocity model; lost tracks have their height velocity zeroed
 *    first, as in the reference implementation).
 * 2. First stage: high detections (confidence >= highThreshold) vs confirmed tracks, tracked *and* lost, by
 *    IoU × confidence ("fuse score") >= matchThreshold. A lost track that matches is re-found with its id.
 *    In every stage a pair is also inadmissible when the detection's height is not within a factor
 *    maxHeightChange of the track's predicted height (not in ByteTrack; 0 turns it off): an object's image
 *    height does not halve or double from one frame to the next, a box that does is another object or a
 *    partial-body detection (e.g. head and torso of an occluded person), which must not take over the track.
 * 3. Second stage: low detections ([lowThreshold, highThreshold)) vs the still-unmatched *tracked* tracks by
 *    plain IoU >= max(matchThreshold, 0.5). Tracked tracks still unmatched become lost.
 * 3b. Re-identification (lostMatchThreshold > 0, or appearance; not in ByteTrack): lost tracks vs the high detections still
 *    unmatched, admissible when IoU with the track's predicted box or with its last detected box is
 *    >= lostMatchThreshold and the heights differ by at most 25 % (REID_MAX_HEIGHT_RATIO), optimal by the larger
 *    of the two IoUs. A lost track's constant-velocity prediction drifts during an occlusion, while the object
 *    usually reappears near where it was last seen (static camera); the height check keeps a partial-body box or
 *    a nearby person of another size from taking the id.
 * 4. Tentative tracks vs the remaining high detections (IoU × confidence >= matchThreshold + 0.1, as
 *    ByteTrack's 0.7 vs 0.8 cost limits); a tentative track that misses is deleted; one reaching minHits
 *    detections is confirmed and gets the next id.
 * 5. Remaining high detections with confidence >= newTrackThreshold start tentative tracks (confirmed at once
 *    during the first minHits − 1 updates, ByteTrack's frame-1 rule).
 * 6. Lost tracks unmatched for more than maxLostFrames frames are dropped ('track-lost'); a lost track that
 *    overlaps a tracked one by IoU > 0.85 is a duplicate and is dropped too.
 *
 * Appearance (`appearance`, when detections carry embeddings; BoT-SORT, Aharon et al. 2022): every track keeps a
 * moving average of its embeddings (appearanceMomentum). In stages 1–3 a pair of boxes overlapping by IoU >= 0.5
 * costs the smaller of its IoU cost and its cosine distance when the two look alike (cosine >=
 * appearanceThreshold), and a lost track cannot be taken by an object that looks like someone else; in stage 3b
 * the same veto applies and a lost track may be re-found, without any overlap, by an object within two of its
 * heights of its last box whose similarity is halfway between the threshold and 1 (a person who comes back from
 * behind an occluder where motion did not predict).
 */
import type { Box, Detection } from 'tsvision';
import { assignWithLimit } from './assignment.js';
import { BaseTracker, embeddingOf, type TrackRecord } from './common.js';
import { iou } from './iou.js';
import { XYAH_MODEL, kalmanInitiate, kalmanPredict, kalmanUpdate } from './kalman.js';
import type { TrackEvent, TrackerOutput, TrackerParams } from './types.js';

/** Second-stage IoU floor for low-score detections (ByteTrack: 0.5). */
const SECOND_STAGE_MIN_IOU = 0.5;
/** Lost tracks overlapping a tracked track by more than this are duplicates (ByteTrack: 1 − 0.15). */
const DUPLICATE_IOU = 0.85;
/** Re-identification: largest height ratio between a lost track's last box and a detection. */
const REID_MAX_HEIGHT_RATIO = 1.25;
/** Re-identification by appearance alone: how far (in the track's heights) from its last box the object may be. */
const REID_APPEARANCE_DISTANCE = 2;

function centreDistance(a: Box, b: Box): number {
  return Math.hypot(a.x + a.width / 2 - (b.x + b.width / 2), a.y + a.height / 2 - (b.y + b.height / 2));
}

export class ByteTracker extends BaseTracker {
  readonly kind = 'bytetrack' as const;

  constructor(params?: Partial<TrackerParams>) {
    super(params, XYAH_MODEL);
  }

  protected override predictTrack(t: TrackRecord, steps: number): void {
    if (t.kf === null) return;
    if (t.status !== 'tracked') t.kf.mean[7] = 0;
    kalmanPredict(XYAH_MODEL, t.kf, steps);
  }

  update(detections: readonly Detection[], frameIndex: number): TrackerOutput {
    const p = this.params;
    this.updates++;
    this.advance(frameIndex);
    const events: TrackEvent[] = [];
    const { valid, rejected } = this.validate(detections);
    const assigned: (TrackRecord | null)[] = new Array<TrackRecord | null>(detections.length).fill(null);
    const matched = new Set<TrackRecord>();

    const highIdx: number[] = [];
    const lowIdx: number[] = [];
    for (const k of valid) {
      const c = detections[k].confidence;
      if (c >= p.highThreshold) highIdx.push(k);
      else if (c >= p.lowThreshold) lowIdx.push(k);
    }

    const confirmed: TrackRecord[] = [];
    const tentative: TrackRecord[] = [];
    for (const t of this.tracks) (t.id !== null ? confirmed : tentative).push(t);

    const hit = (t: TrackRecord, k: number): void => {
      const d = detections[k];
      if (t.kf !== null) kalmanUpdate(XYAH_MODEL, t.kf, d.box);
      this.recordHit(t, d);
      if (t.id !== null) t.status = 'tracked';
      assigned[k] = t;
      matched.add(t);
    };

    // Stage 1: high detections vs confirmed (tracked + lost) tracks.
    const highDets = highIdx.map((k) => detections[k]);
    const a1 = this.associate(confirmed, highDets, p.matchThreshold, p.fuseScore, p.maxHeightChange);
    for (let i = 0; i < confirmed.length; i++) if (a1.detOf[i] >= 0) hit(confirmed[i], highIdx[a1.detOf[i]]);
    const highLeft: number[] = [];
    for (let j = 0; j < highIdx.length; j++) if (a1.trackOf[j] < 0) highLeft.push(highIdx[j]);

    // Stage 2: low detections vs still-unmatched tracked tracks.
    const rTracked = confirmed.filter((t) => !matched.has(t) && t.status === 'tracked');
    const a2 = this.associate(rTracked, lowIdx.map((k) => detections[k]), Math.max(p.matchThreshold, SECOND_STAGE_MIN_IOU), false, p.maxHeightChange);
    for (let i = 0; i < rTracked.length; i++) {
      if (a2.detOf[i] >= 0) hit(rTracked[i], lowIdx[a2.detOf[i]]);
      else rTracked[i].status = 'lost';
    }

    // Stage 2b: re-identification of lost tracks with a larger gate.
    if ((p.lostMatchThreshold > 0 || p.appearance !== 'off') && highLeft.length > 0) {
      const lost = confirmed.filter((t) => !matched.has(t) && t.status === 'lost');
      if (lost.length > 0) this.reidentify(lost, detections, highLeft, hit);
    }

    // Stage 3: tentative tracks vs remaining high detections.
    const warm = this.inWarmup();
    const a3 = this.associate(tentative, highLeft.map((k) => detections[k]), Math.min(1, p.matchThreshold + 0.1), p.fuseScore, p.maxHeightChange);
    const dead = new Set<TrackRecord>();
    for (let i = 0; i < tentative.length; i++) {
      const t = tentative[i];
      if (a3.detOf[i] >= 0) {
        hit(t, highLeft[a3.detOf[i]]);
        if (warm || t.hits >= p.minHits) this.confirm(t, events);
      } else {
        dead.add(t);
      }
    }
    if (dead.size > 0) this.tracks = this.tracks.filter((t) => !dead.has(t));

    // Stage 4: new tracks.
    for (let j = 0; j < highLeft.length; j++) {
      if (a3.trackOf[j] >= 0) continue;
      const k = highLeft[j];
      const d = detections[k];
      if (!(d.confidence >= p.newTrackThreshold)) continue;
      const t = this.newTrack(d, kalmanInitiate(XYAH_MODEL, d.box));
      assigned[k] = t;
      matched.add(t);
      if (warm || p.minHits <= 1) this.confirm(t, events);
    }

    // Stage 5: expiry and duplicates.
    this.expire(events);
    const tracked = this.tracks.filter((t) => t.id !== null && t.status === 'tracked');
    if (tracked.length > 0) {
      const trackedBoxes = tracked.map((t) => this.currentBox(t));
      this.removeWhere((t) => {
        if (t.status !== 'lost') return false;
        const b = this.currentBox(t);
        for (const tb of trackedBoxes) if (iou(b, tb) > DUPLICATE_IOU) return true;
        return false;
      }, events);
    }
    return this.output(detections.length, assigned, matched, events, rejected);
  }

  /**
   * Stage 2b: matches `lost` tracks with detections `left` (indices; matched ones are removed from it). With
   * appearance, a pair whose embeddings differ (below appearanceThreshold) is inadmissible, one that looks alike
   * costs the smaller of its IoU and cosine distances, and a track may also be re-found without any overlap by a
   * detection within REID_APPEARANCE_DISTANCE of its heights of its last box that looks very much like it
   * (similarity halfway between the threshold and 1).
   */
  private reidentify(lost: TrackRecord[], detections: readonly Detection[], left: number[], hit: (t: TrackRecord, k: number) => void): void {
    const p = this.params;
    const nt = lost.length, nd = left.length;
    const cost = new Float64Array(nt * nd);
    const found = p.appearance === 'off' ? null : left.map((k) => embeddingOf(detections[k]));
    const embeddings = found && found.some((e) => e !== null) ? found : null;
    const strong = (1 + p.appearanceThreshold) / 2;
    for (let i = 0; i < nt; i++) {
      const t = lost[i];
      const predicted = this.currentBox(t);
      for (let j = 0; j < nd; j++) {
        const d = detections[left[j]];
        const ratio = d.box.height / t.lastBox.height;
        const ok = (!p.perClass || d.classId === t.classId) && ratio <= REID_MAX_HEIGHT_RATIO && ratio >= 1 / REID_MAX_HEIGHT_RATIO;
        const v = ok && p.lostMatchThreshold > 0 ? Math.max(iou(predicted, d.box), iou(t.lastBox, d.box)) : 0;
        let c = v > 0 && v >= p.lostMatchThreshold ? 1 - v : NaN;
        const sim = embeddings ? this.similarity(t, embeddings[j]) : NaN;
        if (ok && !Number.isNaN(sim)) {
          if (sim < p.appearanceThreshold) c = NaN;
          else if (!Number.isNaN(c)) c = Math.min(c, 1 - sim);
          else if (sim >= strong && centreDistance(t.lastBox, d.box) <= REID_APPEARANCE_DISTANCE * t.lastBox.height) c = 1 - sim;
        }
        cost[i * nd + j] = c;
      }
    }
    // Inadmissible pairs are NaN already (the IoU gate, the appearance veto); the limit also weighs unmatched
    // tracks in the optimum, so without appearance it stays what the IoU gate alone used.
    const iouLimit = p.lostMatchThreshold > 0 ? 1 - p.lostMatchThreshold : 0;
    const m = assignWithLimit(cost, nt, nd, embeddings ? Math.max(iouLimit, 1 - strong) : iouLimit);
    const used = new Set<number>();
    for (let i = 0; i < nt; i++) {
      const j = m.rowToCol[i];
      if (j < 0) continue;
      hit(lost[i], left[j]);
      used.add(left[j]);
    }
    if (used.size === 0) return;
    let w = 0;
    for (let j = 0; j < nd; j++) if (!used.has(left[j])) left[w++] = left[j];
    left.length = w;
  }
}
