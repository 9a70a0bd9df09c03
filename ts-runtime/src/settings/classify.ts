/** tsclassify's settings (besides the base class's). */
import { INFERENCE_REGION, modelSettings } from './model.js';
import { UINT_MAX, declare, enumType } from './spec.js';

export const ACTIVATION = enumType('GstTsActivation', [
  { nick: 'auto', description: 'Softmax, unless the outputs already are probabilities (multi-label: sigmoid unless all in 0..1)' },
  { nick: 'softmax', description: 'The outputs are logits of one distribution: softmax' },
  { nick: 'sigmoid', description: 'Each output is an independent logit: sigmoid' },
  { nick: 'none', description: 'The outputs are probabilities already' },
]);

export const OUTPUT_TYPE = enumType('GstTsOutputType', [
  {
    nick: 'auto',
    description:
      "From the model manifest's task, else segmentation for an output shaped like a class map ([1,H,W,C] or [1,C,H,W], C the number of labels), else classification",
  },
  { nick: 'classification', description: 'Class scores: label, label id and confidence' },
  {
    nick: 'embedding',
    description: "A feature vector (e.g. re-identification), L2-normalised, attached as the classification's embedding",
  },
  {
    nick: 'segmentation',
    description:
      'A semantic class map (argmax per pixel): full-frame, a frame meta (TsvisionSegmentationMeta); roi-list, each object\'s mask of its class inside its box',
  },
]);

export const CLASSIFY_SETTINGS = declare({
  ...modelSettings({
    model: 'Path to an ONNX classification model (class scores) or embedding model (a feature vector), run with onnxruntime',
    batchSize: {
      default: 16,
      blurb:
        'At most this many regions of a frame run together in one inference when the model has a dynamic batch axis (models with a fixed batch of 1 run region by region); full-frame inputs of elements sharing model-instance-id are batched across streams',
    },
  }),
  inferenceRegion: {
    type: 'enum',
    enum: INFERENCE_REGION,
    default: 'roi-list',
    nick: 'Inference region',
    blurb: 'What is classified: each object already on the buffer (roi-list) or the whole frame',
  },
  objectClass: {
    type: 'string',
    default: null,
    nick: 'Object class',
    blurb: 'Comma-separated labels of the objects to classify (e.g. "car,truck"); empty classifies all; the other objects pass on untouched',
  },
  minWidth: {
    type: 'uint',
    default: 0,
    min: 0,
    max: UINT_MAX,
    nick: 'Minimum width',
    blurb: 'Objects narrower than this (in pixels, after clipping to the frame) are not classified',
  },
  minHeight: {
    type: 'uint',
    default: 0,
    min: 0,
    max: UINT_MAX,
    nick: 'Minimum height',
    blurb: 'Objects lower than this (in pixels, after clipping to the frame) are not classified',
  },
  threshold: { type: 'double', default: 0, min: 0, max: 1, nick: 'Threshold', blurb: 'Minimum probability of a reported class' },
  /** Best classes kept per object (0: all). */
  topK: {
    type: 'uint',
    default: 1,
    min: 0,
    max: UINT_MAX,
    nick: 'Top k',
    blurb: 'Report at most this many classes per object, best first (0 = no limit)',
  },
  /** `auto`: softmax unless the outputs already are probabilities (multi-label: sigmoid unless in 0..1). */
  activation: {
    type: 'enum',
    enum: ACTIVATION,
    default: 'auto',
    nick: 'Activation',
    blurb: "How the model's outputs become probabilities",
  },
  multiLabel: {
    type: 'bool',
    default: false,
    nick: 'Multi-label',
    blurb:
      'Each class is independent (sigmoid): report every class whose probability reaches threshold (top-k caps the count), instead of the best classes of one distribution',
  },
  /** Objects with a track id are classified at most once every N frames (0: once per track). */
  reclassifyInterval: {
    type: 'uint',
    default: 1,
    min: 0,
    max: UINT_MAX,
    nick: 'Reclassify interval',
    blurb:
      'Objects with a track id (tstrack upstream) are classified at most once every N frames; their last result is reused in between and on predicted boxes (1 = every frame, 0 = once per track). Results are forgotten when the track is gone',
  },
  /** Empty: the element's name. */
  attributeName: {
    type: 'string',
    default: null,
    nick: 'Attribute name',
    blurb:
      'What the classification is about (e.g. "color"): the name of the ROI meta param structure and the classifications\' attribute (default: the element\'s name)',
  },
  /** What the model's output means: class scores or an embedding vector (`auto`: the model manifest's task). */
  outputType: {
    type: 'enum',
    enum: OUTPUT_TYPE,
    default: 'auto',
    nick: 'Output type',
    blurb: "What the model's first output holds",
  },
});
