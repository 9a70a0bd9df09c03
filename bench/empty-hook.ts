// Benchmark hook: no detections, so the measured cost is the hand-over to JavaScript and back.
import type { DetectHook } from 'tsvision';

const hook: DetectHook = {
  detect() {
    return [];
  },
};
export default hook;
