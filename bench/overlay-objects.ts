// Bench hook for tsoverlay: `count` labelled objects per frame in a grid over the frame, as a tracker would leave
// them: a track id and a confidence that changes from frame to frame (so that labels are not one fixed string),
// labels from `labels` (module-args {"count": N, "labels": ["person", …], "fresh": false, "newWords": false}).
// `fresh`: a new track id on every object of every frame, so that no label repeats; `newWords`: labels that are
// new words on every frame ("person17"), which the overlay must shape and render anew (its worst case).
import type { DetectHook, Detection } from 'tsvision';

const hook: DetectHook = {
  detect(frame, ctx) {
    const count = Number(ctx.args.count ?? 0);
    const labels = (ctx.args.labels ?? ['person']) as string[];
    const fresh = Boolean(ctx.args.fresh);
    const newWords = Boolean(ctx.args.newWords);
    const cols = Math.max(1, Math.ceil(Math.sqrt(count)));
    const rows = Math.max(1, Math.ceil(count / cols));
    const w = frame.width / cols;
    const h = frame.height / rows;
    const out: Detection[] = [];
    for (let i = 0; i < count; i++) {
      const col = i % cols;
      const row = Math.floor(i / cols);
      out.push({
        box: { x: col * w + w * 0.1, y: row * h + h * 0.4, width: w * 0.8, height: h * 0.55 },
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
