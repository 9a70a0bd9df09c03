/**
 * Runtime values hook modules can import: `import { nms, iou } from 'tsvision'`. Types come from
 * ts-runtime/api.d.ts (`import type { DetectHook } from 'tsvision'`).
 */
export { iou, nms, nmsRotated, probiou, toDetections } from '../../elements/detect/index';
