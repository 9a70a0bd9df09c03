// What bench/pose-bench.mjs runs in its own process (bundled on the fly): the decoders, NMS, the mapping to
// frame pixels, and the reference preprocessing (the photo is decoded by the script: jpeg-js).
export { nms, toDetections, yolov8Decoder, yolov8PoseDecoder } from '../elements/detect/index';
export { preprocessReference } from '../ts-runtime/preprocess/reference';
