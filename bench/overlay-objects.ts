// Bench hook for tsoverlay: `count` labelled objects per frame in a grid over the frame, as a tracker would leave
// them: a track id and a confidence that changes from frame to frame (so that labels are not one fixed string),
// labels from `labels` (module-args {"count": N, "labels": ["person", …], "fresh": false, "newWords": false}).
// `fresh`: a new track id on every object of every frame, so that no label repeats; `newWords`: labels that are
// new words on every frame ("person17"), which the overlay must shape and render anew (its worst case).
// `keypoints`: each object also carries a pose (17 points spread over its box, all seen, COCO's 19-line skeleton).
// `masks`: each object also carries an instance mask over its box (the inscribed ellipse, at the box's pixels).
import type { DetectHook, Detection, Mask } from 'tsvision';

/** The ellipse inscribed in a width x height mask (made once per size: the hook's own cost stays small). */
const discs = new Map<string, Uint8Array>();
function disc(width: number, height: number): Uint8Array {
  const key = `${width}x${height}`;
  let data = discs.get(key);
  if (!data) {
    data = new Uint8Array(width * height);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const u = (c + 0.5) / width - 0.5;
        const v = (r + 0.5) / height - 0.5;
        data[r * width + c] = u * u + v * v <= 0.25 ? 1 : 0;
      }
    }
    discs.set(key, data);
  }
  return data;
}

const SKELETON: [number, number][] = [[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8], [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6]];

const hook: DetectHook = {
  detect(frame, ctx) {
    const count = Number(ctx.args.count ?? 0);
    const labels = (ctx.args.labels ?? ['person']) as string[];
    const fresh = Boolean(ctx.args.fresh);
    const newWords = Boolean(ctx.args.newWords);
    const keypoints = Boolean(ctx.args.keypoints);
    const masks = Boolean(ctx.args.masks);
    const cols = Math.max(1, Math.ceil(Math.sqrt(count)));
    const rows = Math.max(1, Math.ceil(count / cols));
    const w = frame.width / cols;
    const h = frame.height / rows;
    const out: Detection[] = [];
    for (let i = 0; i < count; i++) {
      const col = i % cols;
      const row = Math.floor(i / cols);
      const box = { x: col * w + w * 0.1, y: row * h + h * 0.4, width: w * 0.8, height: h * 0.55 };
      const pose: Partial<Detection> = keypoints
        ? {
            keypoints: Array.from({ length: 17 }, (_, k) => ({
              name: `kp${k}`,
              x: box.x + box.width * (0.2 + 0.6 * ((k * 5) % 17) / 16),
              y: box.y + box.height * (k / 16),
              confidence: 0.9,
            })),
            skeleton: SKELETON,
          }
        : {};
      if (masks) {
        const x = Math.ceil(box.x - 0.5);
        const y = Math.ceil(box.y - 0.5);
        const width = Math.ceil(box.x + box.width - 0.5) - x;
        const height = Math.ceil(box.y + box.height - 0.5) - y;
        const mask: Mask = { x, y, width, height, data: disc(width, height) };
        pose.mask = mask;
      }
      out.push({
        ...pose,
        box,
        label: newWords ? `${labels[i % labels.length]}${frame.index * count + i}` : labels[i % labels.length],
        classId: i % labels.length,
        confidence: 0.5 + ((frame.index * 7 + i * 13) % 50) / 100,
        trackId: fresh ? frame.index * count + i + 1 : i + 1,
      } as Detection);
    }
    return out;
  },
};
export default hook;
