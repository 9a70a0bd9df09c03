/**
 * Offline tracking of a MOTChallenge detection file (no GStreamer): feeds `det/det.txt` frame by frame to a
 * tracker and returns MOTChallenge result text for eval/mot/metrics.ts.
 *
 * - MOT frame f (1-based) is tracker frameIndex f − 1; frames without detections are still updated.
 * - A result row is written for every detection that got a track id, and for every gap box the tracker filled
 *   in when a track was found again (`TrackerOutput.filled`, fillGaps; tstrack reports them as past-frame
 *   objects, tsexport as `past_objects`) on the frame it belongs to. Predicted boxes of unmatched / lost tracks
 *   are not written (a live pipeline marks them `predicted` instead). Rows are sorted by frame, then id.
 * - The written box is the detection box (`boxSource: 'detection'`, the default — it is exactly what tstrack
 *   leaves on the buffer, because it writes ids onto the detector's ROI metas) or the track's Kalman-filtered box
 *   (`boxSource: 'track'`, what the ByteTrack / SORT reference implementations write).
 * - Scores: tracker thresholds apply to probabilities. MOT15's public Faster R-CNN detections are probabilities
 *   already cut at 0.5; DPM's (MOT16-11) are unbounded SVM margins. `scoreNormalization` (eval/mot/scores.ts):
 *   'auto' (default) leaves scores that all lie in [0, 1] untouched and maps any other set through the logistic
 *   1 / (1 + e^−s) (reported in the result); 'min-max' rescales such a set's range onto [0, 1] instead; 'none'
 *   never changes a score.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Box, Detection } from 'tsvision';
import { createTracker } from '../../elements/track/index.js';
import type { TrackerKind, TrackerParams } from '../../elements/track/types.js';
import { parseMot, type MotRow } from './metrics.js';
import { scoreMapping, type ScoreMapping, type ScoreNormalization } from './scores.js';

export interface OfflineOptions {
  /** Tracker kind (default 'bytetrack'). */
  kind?: TrackerKind;
  /** Tracker parameters over TRACKER_DEFAULTS. */
  params?: Partial<TrackerParams>;
  /** Box written per result row (default 'detection'). */
  boxSource?: 'detection' | 'track';
  /** Score handling (default 'auto', see the module comment). */
  scoreNormalization?: ScoreNormalization;
  /**
   * Clip detections to this frame, as the pipeline does when tsdetect writes them as ROI metas (gst-plugin/roi-meta.cc
   * roi_add); without it boxes are used as given (public detections may extend past the frame).
   */
  frameSize?: { width: number; height: number };
  /** Label / classId given to every detection (default 'person' / 0). */
  label?: string;
  classId?: number;
}

export interface OfflineResult {
  /** MOTChallenge result text: `frame,id,left,top,width,height,conf,-1,-1,-1` per line. */
  text: string;
  /** The same rows, parsed. */
  rows: MotRow[];
  /** Distinct track ids written. */
  trackCount: number;
  /** Frames processed (1 … the last frame of the detection file). */
  numFrames: number;
  /** Detection rows read. */
  numDetections: number;
  /** Detections the tracker rejected (invalid boxes). */
  rejected: number;
  /** Raw score range of the detection file. */
  scoreRange: [number, number];
  /** Whether scores were mapped onto [0, 1], and how. */
  normalized: boolean;
  scoreMapping: ScoreMapping['applied'];
  /** Wall time spent in tracker update calls, milliseconds. */
  trackerMs: number;
}

function fmt(v: number): string {
  return String(Math.round(v * 1e4) / 1e4);
}

/** Runs a tracker over MOTChallenge detection text. */
export function runOffline(detText: string, options: OfflineOptions = {}): OfflineResult {
  const label = options.label ?? 'person';
  const classId = options.classId ?? 0;
  const rows = parseMot(detText);
  let lastFrame = 0;
  for (const r of rows) if (r.frame > lastFrame) lastFrame = r.frame;
  const scores = scoreMapping(rows.map((r) => r.conf), options.scoreNormalization ?? 'auto');

  const byFrame = new Map<number, Detection[]>();
  const size = options.frameSize;
  for (const r of rows) {
    let box: Box = { x: r.x, y: r.y, width: r.width, height: r.height };
    if (size !== undefined) {
      const x0 = Math.max(0, r.x), y0 = Math.max(0, r.y);
      const x1 = Math.max(x0, Math.min(size.width, r.x + r.width)), y1 = Math.max(y0, Math.min(size.height, r.y + r.height));
      box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    }
    const d: Detection = { box, label, classId, confidence: scores.map(r.conf) };
    const list = byFrame.get(r.frame);
    if (list === undefined) byFrame.set(r.frame, [d]);
    else list.push(d);
  }

  const tracker = createTracker(options.kind ?? 'bytetrack', options.params ?? {});
  const useTrackBox = options.boxSource === 'track';
  const out: MotRow[] = [];
  const ids = new Set<number>();
  let ms = 0;
  for (let f = 1; f <= lastFrame; f++) {
    const dets = byFrame.get(f) ?? [];
    const t0 = performance.now();
    const res = tracker.update(dets, f - 1);
    ms += performance.now() - t0;
    for (let k = 0; k < dets.length; k++) {
      const id = res.ids[k];
      if (id === null) continue;
      const tb = res.trackBoxes[k];
      const b: Box = useTrackBox && tb !== null ? tb : dets[k].box;
      ids.add(id);
      out.push({ frame: f, id, x: b.x, y: b.y, width: b.width, height: b.height, conf: dets[k].confidence, classId: -1, visibility: -1 });
    }
    for (const g of res.filled) {
      const b = g.box;
      out.push({ frame: g.frameIndex + 1, id: g.trackId, x: b.x, y: b.y, width: b.width, height: b.height, conf: g.confidence, classId: -1, visibility: -1 });
    }
  }
  out.sort((a, b) => a.frame - b.frame || a.id - b.id);
  const lines = out.map((r) => `${r.frame},${r.id},${fmt(r.x)},${fmt(r.y)},${fmt(r.width)},${fmt(r.height)},${fmt(r.conf)},-1,-1,-1`);
  return {
    text: lines.length > 0 ? lines.join('\n') + '\n' : '',
    rows: out,
    trackCount: ids.size,
    numFrames: lastFrame,
    numDetections: rows.length,
    rejected: tracker.rejectedCount,
    scoreRange: scores.range,
    normalized: scores.applied !== 'none',
    scoreMapping: scores.applied,
    trackerMs: ms,
  };
}

/** Runs a tracker over `<seqDir>/det/det.txt`. */
export function runOfflineSequence(seqDir: string, options: OfflineOptions = {}): OfflineResult {
  return runOffline(readFileSync(join(seqDir, 'det', 'det.txt'), 'utf8'), options);
}
