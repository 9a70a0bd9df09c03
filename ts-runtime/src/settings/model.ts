/**
 * Settings every model-running element shares (tsdetect, tsclassify): the model file, labels, device,
 * threads, batching, session sharing and preprocessing overrides. The elements differ only in the
 * model's and batch-size's descriptions and batch-size's default.
 */
import { declare, enumType } from './spec.js';

/** The `inference-region` enum (tsdetect, tsclassify; their defaults differ). */
export const INFERENCE_REGION = enumType('GstTsInferenceRegion', [
  { nick: 'full-frame', description: 'Run the model on the whole frame' },
  { nick: 'roi-list', description: 'Run the model on each region already on the buffer (e.g. from a detector)' },
]);

export interface ModelDocs {
  /** Blurb of `model`. */
  model: string;
  batchSize: { blurb: string; default: number };
}

export function modelSettings(docs: ModelDocs) {
  return declare({
    model: { type: 'string', default: null, nick: 'Model', blurb: docs.model },
    labelsFile: {
      type: 'string',
      default: null,
      nick: 'Labels file',
      blurb:
        "Text file with one class label per line, line N = class id N; its line count must match the model's class count (default: the labels the model manifest names)",
    },
    device: {
      type: 'string',
      default: 'cpu',
      nick: 'Device',
      blurb: 'Where the model runs: cpu, cuda, cuda:N or tensorrt (onnxruntime execution providers)',
    },
    deviceFallback: {
      type: 'bool',
      default: true,
      nick: 'Device fallback',
      blurb: "When the device's execution provider is missing: warn and run on the CPU (true) or fail (false)",
    },
    threads: {
      type: 'uint',
      default: 0,
      min: 0,
      max: 1024,
      nick: 'Threads',
      blurb: "CPU threads for one inference (0 = onnxruntime's default: one per physical core)",
    },
    batchSize: { type: 'uint', default: docs.batchSize.default, min: 1, max: 256, nick: 'Batch size', blurb: docs.batchSize.blurb },
    batchTimeout: {
      type: 'uint',
      default: 10,
      min: 0,
      max: 10000,
      nick: 'Batch timeout',
      blurb: 'Milliseconds a partial batch of frames from elements sharing model-instance-id waits for more frames before it runs',
    },
    modelInstanceId: {
      type: 'string',
      default: null,
      nick: 'Model instance id',
      blurb: 'Elements with the same id share one onnxruntime session (one copy of the weights) and batch their frames together',
    },
    preProcessConfig: {
      type: 'string',
      default: null,
      nick: 'Pre-process config',
      blurb:
        'Overrides the model description\'s preprocessing, e.g. "resize=letterbox-centre,pad-value=114,color=RGB,scale=0.003921569,mean=0:0:0,std=1:1:1,layout=NCHW" (resize: letterbox, letterbox-centre, stretch, centre-crop; crop-fraction=X for centre-crop)',
    },
  });
}
