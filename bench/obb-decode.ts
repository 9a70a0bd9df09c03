// What bench/obb-bench.mjs runs in its own process (bundled on the fly): the decoders, both NMS, the mapping to
// frame pixels, the generated model's table, and the native preprocessing (axis-aligned and rotated crops).
export { nms, nmsRotated, toDetections, yolov8Decoder, yolov8ObbDecoder } from '../elements/detect/index';
export { obbTable } from '../models/obb-test-model';
export { preprocess } from '../ts-runtime/preprocess/index';
