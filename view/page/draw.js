/**
 * Draws one JSON line on the overlay canvas (whose pixels are the frame's pixels): the layers boxes (oriented
 * boxes as their rotated rectangle), labels, track ids + trails, keypoints (pose models), and tsanalytics' lines,
 * zones and counters.
 */
const PALETTE = ['#ff00ff', '#00ffff', '#ffff00', '#00ff00', '#ff8000', '#ff0080', '#80ff00', '#0080ff', '#ff4040', '#40ffa0'];

// COCO's 17 keypoints and the 19 limbs between them (what tsdetect's COCO pose models name; tsexport writes the
// names, not the skeleton)
const COCO_LIMBS = [
  ['left_ankle', 'left_knee'], ['left_knee', 'left_hip'], ['right_ankle', 'right_knee'], ['right_knee', 'right_hip'],
  ['left_hip', 'right_hip'], ['left_shoulder', 'left_hip'], ['right_shoulder', 'right_hip'], ['left_shoulder', 'right_shoulder'],
  ['left_shoulder', 'left_elbow'], ['right_shoulder', 'right_elbow'], ['left_elbow', 'left_wrist'], ['right_elbow', 'right_wrist'],
  ['left_eye', 'right_eye'], ['nose', 'left_eye'], ['nose', 'right_eye'], ['left_eye', 'left_ear'], ['right_eye', 'right_ear'],
  ['left_ear', 'left_shoulder'], ['right_ear', 'right_shoulder'],
];
/** Keypoints less confident than this are not drawn (tsoverlay's keypoint-threshold default). */
export const KEYPOINT_THRESHOLD = 0.5;

/** The colour of an object: by track id, else by class. */
export function colourOf(o) {
  const key = o.track_id ?? o.class_id ?? 0;
  return PALETTE[((key % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

function scalePoints(points, units, width, height) {
  return units === 'normalized' ? points.map(([x, y]) => [x * width, y * height]) : points;
}

function polyline(ctx, points, close = false) {
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  if (close) ctx.closePath();
}

function tag(ctx, text, x, y, background, foreground = '#000') {
  const w = Math.ceil(ctx.measureText(text).width) + 6;
  ctx.fillStyle = background;
  ctx.fillRect(x, y, w, 16);
  ctx.fillStyle = foreground;
  ctx.fillText(text, x + 3, y + 12);
}

export class Overlay {
  constructor(canvas, layers, rules) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.layers = layers;
    this.rules = rules;
  }

  resize(width, height) {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
  }

  /** Draws `timeline.lines[index]` (nothing when index < 0). */
  draw(timeline, index) {
    const { ctx, layers } = this;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const line = timeline.lines[index];
    if (!line) return;
    ctx.font = '12px sans-serif';
    ctx.textBaseline = 'alphabetic';
    if (layers.analytics) this.drawAnalytics(line);
    const objects = line.objects ?? [];
    if (layers.tracks) {
      ctx.lineWidth = 2;
      for (const o of objects) {
        if (o.track_id === null || o.track_id === undefined) continue;
        const trail = timeline.trail(o.track_id, index);
        if (trail.length < 2) continue;
        ctx.strokeStyle = colourOf(o);
        ctx.globalAlpha = 0.7;
        polyline(ctx, trail);
        ctx.stroke();
        ctx.globalAlpha = 1;
      }
    }
    const crossed = new Set((line.events ?? []).filter((e) => e.type === 'line-crossed').map((e) => e.track_id));
    for (const o of objects) {
      // Rounded corners and a 2-pixel line: the edge covers the two pixel columns (rows) either side of it.
      const x0 = Math.round(o.box.x), y0 = Math.round(o.box.y);
      const x1 = Math.round(o.box.x + o.box.width), y1 = Math.round(o.box.y + o.box.height);
      const colour = colourOf(o);
      if (layers.keypoints && o.keypoints?.length) this.drawKeypoints(o.keypoints, colour);
      if (layers.boxes) {
        ctx.lineWidth = 2;
        ctx.strokeStyle = colour;
        if (o.rotation?.corners?.length === 4) {
          polyline(ctx, o.rotation.corners, true); // an oriented box: its rotated rectangle
          ctx.stroke();
        } else ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
        if (layers.analytics && crossed.has(o.track_id)) {
          ctx.strokeStyle = '#fff';
          ctx.lineWidth = 1;
          ctx.strokeRect(x0 - 3.5, y0 - 3.5, x1 - x0 + 7, y1 - y0 + 7);
        }
      }
      const parts = [];
      if (layers.labels) parts.push(`${o.label ?? o.class_id} ${Math.round((o.confidence ?? 0) * 100)}%`);
      if (layers.tracks && o.track_id !== null && o.track_id !== undefined) parts.push(`#${o.track_id}`);
      if (parts.length) tag(ctx, parts.join(' '), x0 - 1, y0 >= 18 ? y0 - 17 : y0 + 1, colour);
    }
  }

  /** The skeleton's limbs between confident keypoints (COCO names), then the keypoints as dots. */
  drawKeypoints(keypoints, colour) {
    const { ctx } = this;
    const byName = new Map(keypoints.filter((k) => k.confidence >= KEYPOINT_THRESHOLD).map((k) => [k.name, k]));
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    for (const [a, b] of COCO_LIMBS) {
      const p = byName.get(a), q = byName.get(b);
      if (!p || !q) continue;
      polyline(ctx, [[p.x, p.y], [q.x, q.y]]);
      ctx.stroke();
    }
    for (const k of byName.values()) {
      ctx.beginPath();
      ctx.arc(k.x, k.y, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  drawAnalytics(line) {
    const { ctx, rules } = this;
    if (!rules) return;
    const counts = line.counts ?? {};
    ctx.lineWidth = 2;
    for (const zone of rules.zones) {
      const points = scalePoints(zone.points, rules.units, line.width, line.height);
      const c = counts.zones?.[zone.name];
      const over = (line.events ?? []).some((e) => e.zone === zone.name && e.type === 'overcrowded');
      polyline(ctx, points, true);
      ctx.fillStyle = over ? 'rgba(255, 40, 40, 0.25)' : 'rgba(60, 140, 255, 0.18)';
      ctx.fill();
      ctx.strokeStyle = 'rgba(120, 180, 255, 0.9)';
      ctx.stroke();
      tag(ctx, `${zone.name}: ${c?.occupancy ?? 0} in zone, ${c?.entries ?? 0} entries`, points[0][0] + 2, points[0][1] + 2, 'rgba(20, 60, 120, 0.85)', '#fff');
    }
    for (const l of rules.lines) {
      const points = scalePoints(l.points, rules.units, line.width, line.height);
      const c = counts.lines?.[l.name];
      polyline(ctx, points);
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
      // an arrow from the first segment's middle towards its right-hand side: the `in` direction
      const [[ax, ay], [bx, by]] = points;
      const len = Math.hypot(bx - ax, by - ay) || 1;
      const mx = (ax + bx) / 2, my = (ay + by) / 2, nx = -(by - ay) / len, ny = (bx - ax) / len;
      polyline(ctx, [[mx, my], [mx + nx * 24, my + ny * 24]]);
      ctx.stroke();
      const [tx, ty] = points[0];
      tag(ctx, `${l.name}: in ${c?.in ?? 0}  out ${c?.out ?? 0}`, Math.min(tx + 4, line.width - 120), Math.min(Math.max(ty, 2), line.height - 20), 'rgba(0, 0, 0, 0.75)', '#fff');
    }
  }
}
