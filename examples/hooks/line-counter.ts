/**
 * A line-crossing counter: posts a `line-crossing` element message on the bus each time a tracked object
 * crosses a line, and keeps counts per direction.
 *
 * It runs in a second tsdetect placed after tstrack, without a model: its detect() hook reads the tracked
 * objects already on the buffer (`frame.detections`, with their `trackId`) and adds nothing, so the frame and
 * its objects pass on unchanged.
 *
 *   gst-launch-1.0 -m … ! tsdetect model=yolox_nano_416.onnx object-class=person ! tstrack ! \
 *     tsdetect name=counter module=examples/hooks/line-counter.ts module-args='{"line":[0.75,0,0.75,1]}' ! …
 *
 * module-args:
 * - `line`: [x1, y1, x2, y2], the line segment's end points in coordinates normalised to the frame
 *   (0..1 of its width and height, so one setting fits every resolution). Default: [0.5, 0, 0.5, 1].
 * - `anchor`: the point of an object's box that crosses: `"center"` (default) or `"bottom"` (the bottom
 *   centre: where a walking person's feet are).
 * - `forgetAfter`: frames after which an object not seen any more is forgotten (default 300).
 *
 * Directions: looking along the line from (x1, y1) towards (x2, y2), as on a map drawn on the image, `in` is
 * crossing from its left to its right and `out` from its right to its left. For the line [0.75, 0, 0.75, 1]
 * (top to bottom), moving right across it is `out` and moving left is `in`; swap the end points to swap the
 * directions. An object counts when its anchor point moves across the segment itself (passing beyond an end
 * point does not count). Objects without a track id (not yet confirmed by tstrack) and boxes tstrack predicted
 * on frames without inference are not counted; an object is counted again each time it crosses.
 *
 * Message `line-crossing`: `track-id` (int), `label` (string), `direction` ("in" or "out"), `frame` (int, the
 * frame index counted at this element), `pts` (int, ns; absent when the frame has no timestamp), `count-in`,
 * `count-out` (int, the totals including this crossing). `gst-launch-1.0 -m` prints them; applications read
 * them from the bus as GST_MESSAGE_ELEMENT messages.
 */
import type { DetectContext, DetectHook, Detection, Frame } from 'tsvision';

type Point = readonly [number, number];
type Anchor = 'center' | 'bottom';

interface Settings {
  /** End points, normalised 0..1. */
  a: Point;
  b: Point;
  anchor: Anchor;
  forgetAfter: number;
}

interface TrackState {
  /** Side of the line of the last anchor point that was not on it: 1 (right) or -1 (left). */
  side: number;
  last: Point;
  lastSeen: number;
}

interface Counter {
  settings: Settings;
  tracks: Map<number, TrackState>;
  countIn: number;
  countOut: number;
}

function readSettings(args: Readonly<Record<string, unknown>>): Settings {
  const line = args.line ?? [0.5, 0, 0.5, 1];
  if (!Array.isArray(line) || line.length !== 4 || !line.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`module-args "line" must be [x1,y1,x2,y2] (numbers, normalised 0..1), got ${JSON.stringify(line)}`);
  }
  const [x1, y1, x2, y2] = line as number[];
  if (x1 === x2 && y1 === y2) throw new Error(`module-args "line" has two equal end points: ${JSON.stringify(line)}`);
  const anchor = args.anchor ?? 'center';
  if (anchor !== 'center' && anchor !== 'bottom') {
    throw new Error(`module-args "anchor" must be "center" or "bottom", got ${JSON.stringify(anchor)}`);
  }
  const forgetAfter = Number(args.forgetAfter ?? 300);
  if (!(forgetAfter > 0)) throw new Error(`module-args "forgetAfter" must be a positive number of frames`);
  return { a: [x1, y1], b: [x2, y2], anchor, forgetAfter };
}

/** z of (q - p) x (r - p): > 0 when r is right of p→q in image coordinates (y pointing down). */
function cross(p: Point, q: Point, r: Point): number {
  return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
}

/** The anchor point of a box, normalised to the frame. */
function anchorPoint(d: Detection, frame: Frame, anchor: Anchor): Point {
  const { x, y, width, height } = d.box;
  return [(x + width / 2) / frame.width, (anchor === 'bottom' ? y + height : y + height / 2) / frame.height];
}

function counter(ctx: DetectContext): Counter {
  return ctx.state.counter as Counter;
}

const hook: DetectHook = {
  setup(ctx) {
    const state: Counter = { settings: readSettings(ctx.args), tracks: new Map(), countIn: 0, countOut: 0 };
    ctx.state.counter = state;
  },

  detect(frame, ctx) {
    const c = counter(ctx);
    const { a, b, anchor, forgetAfter } = c.settings;
    for (const d of frame.detections) {
      if (d.trackId === null || d.trackId === undefined || d.predicted) continue;
      const p = anchorPoint(d, frame, anchor);
      const side = Math.sign(cross(a, b, p));
      const track = c.tracks.get(d.trackId);
      if (!track) {
        if (side !== 0) c.tracks.set(d.trackId, { side, last: p, lastSeen: frame.index });
        continue;
      }
      track.lastSeen = frame.index;
      if (side === 0) continue; // on the line: decided once it is off it
      if (side !== track.side) {
        // The anchor went from one side of the (infinite) line to the other: it crossed the segment when the
        // segment's end points lie on both sides of (or on) its path.
        const crossedSegment = cross(track.last, p, a) * cross(track.last, p, b) <= 0;
        if (crossedSegment) {
          const direction = side > 0 ? 'in' : 'out';
          if (direction === 'in') c.countIn++;
          else c.countOut++;
          const fields: Record<string, string | number> = {
            'track-id': d.trackId,
            label: d.label,
            direction,
            frame: frame.index,
          };
          if (frame.pts !== null) fields.pts = frame.pts;
          fields['count-in'] = c.countIn;
          fields['count-out'] = c.countOut;
          ctx.postMessage('line-crossing', fields);
          ctx.log('info', `${ctx.elementName}: track ${d.trackId} (${d.label}) crossed ${direction} on frame ${frame.index}`);
        }
      }
      track.side = side;
      track.last = p;
    }
    for (const [id, track] of c.tracks) {
      if (frame.index - track.lastSeen > forgetAfter) c.tracks.delete(id);
    }
    return [];
  },

  teardown(ctx) {
    const c = counter(ctx);
    if (c) ctx.log('info', `${ctx.elementName}: ${c.countIn} in, ${c.countOut} out`);
  },
};
export default hook;
