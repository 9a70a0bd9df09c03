/** tsdetect's settings (besides the base class's). */
import { INFERENCE_REGION, modelSettings } from './model.js';
import { UINT_MAX, declare } from './spec.js';

export const DETECT_SETTINGS = declare({
  ...modelSettings({
    model: 'Path to an ONNX detection model (onnxruntime); its decoder is chosen from the outputs (see decoder)',
    batchSize: {
      default: 1,
      blurb:
        'Frames (of the elements sharing model-instance-id) run together in one inference when the model has a dynamic batch axis; models with a fixed batch of 1 run frame by frame',
    },
  }),
  threshold: { type: 'double', default: 0.5, min: 0, max: 1, nick: 'Threshold', blurb: 'Minimum confidence of a detection' },
  iouThreshold: {
    type: 'double',
    default: 0.45,
    min: 0,
    max: 1,
    nick: 'IoU threshold',
    blurb: 'Non-maximum suppression: a box overlapping a better one of the same class by more than this intersection-over-union is dropped',
  },
  decoder: {
    type: 'string',
    default: 'auto',
    nick: 'Decoder',
    blurb:
      "How to read the model's outputs: auto (chosen from the output names and shapes, the model description for pose and oriented-box models, and the label count), yolox, yolov5, yolov7, yolov8, yolo11, yolov8-pose (yolo11-pose, pose: boxes with keypoints), yolov8-obb (yolo11-obb, obb: oriented boxes; chosen by auto for a manifest task obb, or an output with 4 + labels + 1 rows), yolov8-seg (yolo11-seg, seg: boxes with instance masks), yolov10, yolo26, end2end, nanodet, picodet, gfl, ssd, ultraface",
  },
  maskThreshold: {
    type: 'double',
    default: 0.5,
    min: 0,
    max: 1,
    nick: 'Mask threshold',
    blurb: 'Instance segmentation models: a pixel of an object\'s box belongs to its mask when the mask probability (sigmoid of the prototype mix) is above this',
  },
  maxDetections: {
    type: 'uint',
    default: 300,
    min: 0,
    max: UINT_MAX,
    nick: 'Max detections',
    blurb: 'Keep at most this many detections per frame (best first; 0 = no limit)',
  },
  classAgnosticNms: {
    type: 'bool',
    default: false,
    nick: 'Class-agnostic NMS',
    blurb: 'Let boxes of different classes suppress each other (default: only boxes of the same class do)',
  },
  objectClass: {
    type: 'string',
    default: null,
    nick: 'Object class',
    blurb: 'Comma-separated labels to keep (e.g. "person,car"); empty keeps all',
  },
  inferenceInterval: {
    type: 'uint',
    default: 1,
    min: 1,
    max: UINT_MAX,
    nick: 'Inference interval',
    blurb:
      'Run the model on every Nth frame (1 = every frame). Frames in between pass on without new detections and are marked as skipped, so tstrack predicts the tracks on them',
  },
  inferenceRegion: {
    type: 'enum',
    enum: INFERENCE_REGION,
    default: 'full-frame',
    nick: 'Inference region',
    blurb: 'Where the model runs: the whole frame or each region already on the buffer',
  },
  attachToRegion: {
    type: 'bool',
    default: false,
    nick: 'Attach to region',
    blurb:
      "inference-region=roi-list: give each region's object what its best detection carries (keypoints, skeleton, oriented box) instead of adding the detections as new objects; the best is the detection whose box overlaps the region's most (IoU; ties: the higher confidence)",
  },
});
