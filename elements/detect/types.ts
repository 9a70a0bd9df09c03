/**
 * Shared types of the detector output decoders.
 *
 * Coordinates in a {@link RawDetection} are in MODEL INPUT pixels (the letterboxed / resized tensor the
 * model saw); `postprocess.ts` maps them back to frame pixels.
 */

/** Element arrays a tensor may carry; a superset of onnxruntime's `Tensor.DataType`. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | readonly string[]
  | readonly number[];

/**
 * The part of a tensor the decoders read. An onnxruntime-node `Tensor` and the hook API's `Tensor`
 * both satisfy it. `float16` data is a `Uint16Array` of IEEE half-precision bit patterns.
 */
export interface TensorLike {
  readonly dims: readonly number[];
  readonly data: TensorData;
  readonly type: string;
}

/** One candidate box in model-input pixels (x1,y1 top-left, x2,y2 bottom-right); part of the public API. */
import type { RawDetection } from '../../ts-runtime/api';
export type { RawDetection };

export interface DecoderOptions {
  /** Minimum score a candidate must reach (inclusive) to be returned. */
  threshold: number;
  /**
   * Number of classes. Normally inferred from the output shapes; when given it must not exceed what the
   * shapes hold (it can restrict decoding to the first `numClasses` classes).
   */
  numClasses?: number;
  /** Keypoints per object of a pose head (from the model description); pose decoders only. */
  numKeypoints?: number;
  /** Model input size in pixels (width and height of the tensor fed to the model). */
  inputWidth: number;
  inputHeight: number;
}

/** The name and shape of one model output (symbolic / unknown dimensions as strings or -1). */
export interface OutputInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export interface Decoder {
  /** The `decoder=` name that selects it. */
  readonly name: string;
  /** Labels the model's classes have when the user supplies none (e.g. `['face']` for UltraFace). */
  readonly defaultLabels?: readonly string[];
  /** Turns the model's named outputs into candidate boxes (before NMS) in model-input pixels. */
  decode(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[];
  /**
   * Instance segmentation heads: gives the candidates kept after NMS their masks in frame pixels (`mask`), from the
   * same outputs; `transform` maps frame pixels to model-input ones, `threshold` is the mask threshold (0..1).
   */
  attachMasks?(
    kept: RawDetection[],
    outputs: Readonly<Record<string, TensorLike>>,
    transform: { readonly scaleX: number; readonly scaleY: number; readonly padX: number; readonly padY: number; readonly inputWidth: number; readonly inputHeight: number },
    frameWidth: number,
    frameHeight: number,
    threshold: number,
  ): void;
}
