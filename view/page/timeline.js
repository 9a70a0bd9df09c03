/**
 * The JSON lines of a run in pts order, and what the page asks of them: the line at a video time, a frame's
 * line, a track's trail, when a track was first seen.
 */
export class Timeline {
  constructor() {
    this.lines = [];
    this.firstSeen = new Map(); // track id -> the first line (its frame and pts) it was on
  }

  /** Replaces the lines (a recorded run). Lines without a pts are dropped: they cannot be placed in time. */
  setAll(lines) {
    this.lines = lines.filter((l) => typeof l.pts === 'number').sort((a, b) => a.pts - b.pts);
    this.firstSeen.clear();
    for (const l of this.lines) this.noteTracks(l);
  }

  /** Appends a live line (lines come in pts order; one out of order is put in its place). Keeps at most `keep`. */
  add(line, keep = 3000) {
    if (typeof line.pts !== 'number') return;
    const lines = this.lines;
    if (lines.length && line.pts < lines[lines.length - 1].pts) {
      if (line.pts < lines[0].pts) this.clear(); // the pipeline started again
      else lines.splice(this.atOrBefore(line.pts) + 1, 0, line);
    }
    if (!lines.length || line.pts >= lines[lines.length - 1].pts) lines.push(line);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    this.noteTracks(line);
  }

  clear() {
    this.lines.length = 0;
    this.firstSeen.clear();
  }

  noteTracks(line) {
    for (const o of line.objects ?? []) {
      if (o.track_id !== null && o.track_id !== undefined && !this.firstSeen.has(o.track_id)) this.firstSeen.set(o.track_id, { frame: line.frame, pts: line.pts });
    }
  }

  get pts0() {
    return this.lines[0]?.pts ?? 0;
  }

  /** The usual time between frames, ns (the median of the first 100 gaps; 1/30 s when unknown). */
  get frameNs() {
    const gaps = [];
    for (let i = 1; i < Math.min(this.lines.length, 101); i++) gaps.push(this.lines[i].pts - this.lines[i - 1].pts);
    gaps.sort((a, b) => a - b);
    return gaps.length ? gaps[gaps.length >> 1] || 1e9 / 30 : 1e9 / 30;
  }

  /** Index of the last line with pts <= `pts` (-1 when there is none). */
  atOrBefore(pts) {
    let lo = 0, hi = this.lines.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.lines[mid].pts <= pts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Index of the line with exactly this pts, or -1. */
  exact(pts) {
    const i = this.atOrBefore(pts);
    return i >= 0 && this.lines[i].pts === pts ? i : -1;
  }

  /** Index of the line tsexport numbered `frame` (or the nearest before it). */
  indexOfFrame(frame) {
    let best = -1;
    for (let i = 0; i < this.lines.length; i++) {
      if (this.lines[i].frame <= frame) best = i;
      else break;
    }
    return Math.max(best, 0);
  }

  /** The centres of track `id`'s boxes over the `n` lines up to `index`, oldest first. */
  trail(id, index, n = 30) {
    const points = [];
    for (let i = Math.max(0, index - n); i <= index; i++) {
      const o = this.lines[i]?.objects?.find((obj) => obj.track_id === id);
      if (o) points.push([o.box.x + o.box.width / 2, o.box.y + o.box.height / 2]);
    }
    return points;
  }
}
