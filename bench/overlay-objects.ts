// Bench hook for tsoverlay: `count` labelled objects per frame in a grid over the frame, as a tracker would leave
// them: a track id and a confidence that changes from frame to frame (so that labels are not one fixed string),
// labels from `labels` (module-args {"count": N, "labels": ["person", …], "fresh": false, "newWords": false}).
// `fresh`: a new track id on every object of every frame, so that no label repeats; `newWords`: labels that are
// new words on every frame ("person17"), which the overlay must shape and render anew (its worst case).
// `keypoints`: each object also carries a pose (17 points spread over its box, all seen, COCO's 19-line skeleton).
import type { DetectHook, Detection } from 'tsvision';

const SKELETON: [number, number][] = [[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8], [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6]];

const hook: DetectHook = {
  detect(frame, ctx) {
    const count = Number(ctx.args.count ?? 0);
    const labels = (ctx.args.labels ?? ['person']) as string[];
    const fresh = Boolean(ctx.args.fresh);
    const newWords = Boolean(ctx.args.newWords);
    const keypoints = Boolean(ctx.args.keypoints);
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
