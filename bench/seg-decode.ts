// What bench/seg-bench.mjs runs in its own process (bundled on the fly): the seg decoder, NMS, the mask kernel
// switch, the mapping to frame pixels, and the reference preprocessing (the photo is decoded by the script: jpeg-js).
export { decodeMasksJs, nms, toDetections, useMaskKernel, yolov8SegDecoder } from '../elements/detect/index';
export { preprocessReference } from '../ts-runtime/preprocess/reference';
