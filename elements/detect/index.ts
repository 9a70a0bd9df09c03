/** Detector output decoding: per-head decoders, automatic selection, NMS and mapping to frame pixels. */
export type { Decoder, DecoderOptions, OutputInfo, RawDetection, TensorData, TensorLike } from './types';
export { yoloxDecoder, yoloxLevels, YOLOX_STRIDES } from './yolox';
export type { YoloxLevel } from './yolox';
export { yolov5Decoder } from './yolov5';
export { yolov8Decoder } from './yolov8';
export { yolov8PoseDecoder, poseLayout } from './pose';
export { end2endDecoder } from './end2end';
export { gflDecoder, gflLevelLayout } from './gfl';
export type { GflLevel } from './gfl';
export { ssdDecoder, ultrafaceDecoder, ssdLayout } from './ssd';
export { selectDecoder, getDecoder, DECODERS, DECODER_ALIASES, DECODER_NAMES } from './select';
export { nms, iou } from './nms';
export type { Corners, NmsOptions } from './nms';
export { toDetections } from './postprocess';
export type { BoxTransform, PoseNames } from './postprocess';
export { tensorValues, halfToFloat } from './tensor';
export { bestClassPerRow, bestClassJs, useBestClassKernel } from './scan';
export type { BestClassKernel, BestClassRows } from './scan';
