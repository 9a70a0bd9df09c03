/**
 * Pixel preprocessing: the shared contract of the native addon (`tsvision_pixels.node`) and the plain
 * TypeScript reference implementation (`reference.ts`, the test oracle).
 *
 * ## Geometry
 *
 * 1. ROI: `spec.roi` (default: the whole frame) is rounded to whole pixels and clipped to the frame:
 *    `x0 = max(0, round(roi.x))`, `x1 = min(frame.width, round(roi.x + roi.width))` (same for y).
 *    An ROI that is empty after clipping is an error. Let `w = x1 - x0`, `h = y1 - y0`.
 * 2. The ROI is resized to `rw x rh` and placed at offset `(offX, offY)` inside the model input `W x H`:
 *    - `letterbox`: `s = min(W/w, H/h)`, `rw = round(w*s)`, `rh = round(h*s)`, offset (0, 0) — image top-left,
 *      padding right/bottom.
 *    - `letterbox-centre`: as letterbox, offset `(floor((W-rw)/2), floor((H-rh)/2))`.
 *    - `stretch`: `rw = W`, `rh = H`, offset (0, 0).
 *    - `centre-crop`: `s = max(W/w, H/h) / cropFraction` (so for a square model input the short side becomes
 *      `round(W / cropFraction)`, e.g. 256 for 224), `rw = round(w*s)`, `rh = round(h*s)`, offset
 *      `(-floor((rw-W)/2), -floor((rh-H)/2))` (negative: the centre `W x H` of the resized image is kept).
 *    `rw`/`rh` are clamped to at least 1 (and, for the letterbox modes, to at most W/H).
 * 3. The effective per-axis scales are `scaleX = rw / w`, `scaleY = rh / h` (exactly what a
 *    `cv2.resize(roi, (rw, rh))` does), so model pixel `X` of the resized image samples the ROI at
 *    `srcX = (X - offX + 0.5) / scaleX - 0.5`, clamped to `[0, w-1]` (the ROI edges, never pixels outside the ROI).
 *
 * ## Sampling
 *
 * Bilinear interpolation with half-pixel centres like OpenCV INTER_LINEAR: `x0 = floor(srcX)`,
 * `x1 = min(x0 + 1, w - 1)`, `ax = srcX - x0` (same for y). Each of the 4 taps is converted to RGB first
 * (YUV: the `colorMatrix`/`colorRange` matrix of {@link yuvCoefficients}, chroma of pixel (x, y) is the chroma
 * sample at (x>>1, y>>1), result clamped to 0..255 but not rounded), then interpolated. Model pixels outside the resized image (padding) get `padValue`
 * in every channel. Every channel value `v` (0..255 scale) is then normalised as
 * `(v * scale - mean[c]) / std[c]`, `c` in the model's channel order.
 *
 * ## Rotated ROI
 *
 * With `roi.angle` (radians, non-zero) the ROI is a rotated rectangle: `roi.x/y/width/height` its own extent
 * (centre `(x + width/2, y + height/2)`), turned clockwise on screen by `angle` about its centre (its width
 * along (cos, sin)). It is cropped UPRIGHT: the crop is a `round(width) x round(height)` image (at least 1 x 1),
 * resized as above; crop pixel (u, v) (from `srcX`, `srcY`, clamped to the crop) samples the frame at
 * `centre + du·(cos, sin) + dv·(−sin, cos) − 0.5` with `du = (u + 0.5)·width/round(width) − width/2` (same for
 * dv), bilinear, taps clamped to the frame's edges (a rectangle reaching out of the frame repeats its edge
 * pixels). The transform then maps model pixels to the upright crop's pixels (padX/padY as for a whole
 * frame of the crop's size), not to frame pixels. Angle 0 is the axis-aligned ROI.
 *
 * ## Transform
 *
 * The returned {@link InputTransform} maps model-input coordinates back to FRAME pixels with
 * `frameX = (modelX - padX) / scaleX` (and the same for y) — the ROI offset is folded into `padX/padY`:
 * `padX = offX - x0 * scaleX`, `padY = offY - y0 * scaleY`. For letterbox modes without ROI `padX/padY` are the
 * padding widths; for centre-crop they are negative.
 */

export type PixelFormat = 'RGB' | 'BGR' | 'RGBx' | 'BGRx' | 'RGBA' | 'BGRA' | 'I420' | 'NV12';

export const PIXEL_FORMATS: readonly PixelFormat[] = ['RGB', 'BGR', 'RGBx', 'BGRx', 'RGBA', 'BGRA', 'I420', 'NV12'];

/**
 * A raw frame. Packed formats have one plane; I420 has three (Y, U, V), NV12 two (Y, interleaved UV).
 * Chroma planes are `ceil(width/2) x ceil(height/2)` samples. `offsets[i]`/`strides[i]` are in bytes.
 */
export interface FrameLayout {
  format: PixelFormat;
  width: number;
  height: number;
  data: Uint8Array;
  offsets: number[];
  strides: number[];
}

/** YCbCr matrix of YUV frames (ITU-R BT.601 or BT.709 Kr/Kb). */
export type ColorMatrix = 'bt601' | 'bt709';

/** Quantisation range of YUV frames: limited (Y 16..235, U/V 16..240) or full (0..255). */
export type ColorRange = 'limited' | 'full';

export type ResizeMode = 'letterbox' | 'letterbox-centre' | 'stretch' | 'centre-crop';

export interface PreprocessSpec {
  /** Model input size. */
  width: number;
  height: number;
  /**
   * letterbox = keep aspect, image at top-left, pad right/bottom; letterbox-centre = pad both sides equally
   * (floor on the left/top); stretch = plain resize; centre-crop = resize the short side to
   * round(size / cropFraction) keeping aspect, then take the centre width x height.
   */
  resize: ResizeMode;
  /** centre-crop only, default 0.875 (224/256). Must be in (0, 1]. */
  cropFraction?: number;
  /** Raw 0..255 value of padding before normalisation (114 for YOLO, 0 for NanoDet). */
  padValue: number;
  channelOrder: 'RGB' | 'BGR';
  /** value = (pixel * scale - mean[c]) / std[c], c in the model's channel order. */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  layout: 'NCHW' | 'NHWC';
  /**
   * Source region in frame pixels (crop first); rounded and clipped to the frame; default whole frame. With
   * `angle` (radians, clockwise about its centre) a rotated rectangle cropped upright (see Rotated ROI).
   */
  roi?: { x: number; y: number; width: number; height: number; angle?: number };
  /**
   * YUV formats only: the YCbCr matrix (Kr/Kb of ITU-R BT.601 or BT.709); default bt601. GStreamer caps'
   * colorimetry `bt709` (matrix GST_VIDEO_COLOR_MATRIX_BT709) is bt709, every other matrix bt601.
   */
  colorMatrix?: ColorMatrix;
  /**
   * YUV formats only: the quantisation range; default limited. `limited` = Y 16..235, U/V 16..240 (caps
   * colorimetry range 16_235, e.g. `bt601`, `bt709`, `2:4:5:4`); `full` = Y, U, V 0..255 (range 0_255, e.g. JPEG's
   * `1:4:0:0` from jpegdec).
   */
  colorRange?: ColorRange;
}

/**
 * Maps model-input coords back to frame pixels: `frameX = (modelX - padX) / scaleX`, `frameY = (modelY - padY) / scaleY`.
 * The ROI offset is folded into padX/padY, so the formula always holds (with or without an ROI).
 */
export interface InputTransform {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  inputWidth: number;
  inputHeight: number;
}

export interface PreprocessResult {
  /** `3 * width * height` floats (a view of `out` when one was given). */
  tensor: Float32Array;
  transform: InputTransform;
  /**
   * What the padding written depends on (input size, layout, where the resized image sits, the padded values);
   * '' for a rotated ROI. Handing it back with the same `out` skips writing that padding again.
   */
  paddingKey: string;
}

/** The native addon's exports (`tsvision_pixels.node`). */
export interface PixelAddon {
  /** Same semantics as `preprocessReference`; throws TypeError/RangeError on bad input. */
  preprocess(frame: FrameLayout, spec: PreprocessSpec, out?: Float32Array, paddingKey?: string): PreprocessResult;
  /** Number of bytes per pixel of plane 0 (packed: 3 or 4; YUV: 1). */
  bytesPerPixel(format: PixelFormat): number;
  /** The decoders' best-class scan, vectorised (elements/detect/scan.ts has its semantics). */
  bestClass(scores: Float32Array, rows: number, classes: number, start: number, rowStride: number, threshold: number): [Int32Array, Int32Array, Float32Array];
  /** Instance masks of a prototype-mask head (elements/detect/seg.ts: MaskKernel has its semantics). */
  decodeMasks(
    protos: Float32Array,
    protoDims: readonly [number, number, number],
    coefficients: Float32Array,
    boxes: Float64Array,
    transform: InputTransform,
    frameWidth: number,
    frameHeight: number,
    threshold: number,
  ): [Int32Array, Uint8Array];
  /** Class id per cell of a class-score map (elements/classify/segmentation.ts: ArgmaxKernel has its semantics). */
  argmaxClasses(scores: Float32Array, height: number, width: number, classes: number, layout: 'NHWC' | 'NCHW'): Uint8Array;
  /** Addon version string. */
  readonly version: string;
}

/**
 * YUV → RGB coefficients: with `yo` the luma offset (16 limited, 0 full)
 * `R = ky*(Y-yo) + rv*(V-128)`, `G = ky*(Y-yo) - gu*(U-128) - gv*(V-128)`, `B = ky*(Y-yo) + bu*(U-128)`.
 */
export interface YuvCoefficients {
  ky: number;
  rv: number;
  gu: number;
  gv: number;
  bu: number;
  /** Luma offset: 16 (limited range) or 0 (full range). */
  yo: number;
}

/**
 * Derives the coefficients from Kr/Kb (BT.601: 0.299/0.114, BT.709: 0.2126/0.0722) and the range, the same way as
 * ITU-R BT.601/709 and GStreamer's video-converter: normalised `E'y = (Y - yo) / sy`, `E'pb = (U - 128) / sc`,
 * `E'pr = (V - 128) / sc` with `sy = 219, sc = 224, yo = 16` for limited and `sy = sc = 255, yo = 0` for full
 * range; then `R = E'y + 2(1-Kr) E'pr`, `B = E'y + 2(1-Kb) E'pb`, `G = (E'y - Kr R - Kb B) / Kg`, scaled by 255.
 */
export function yuvCoefficients(matrix: ColorMatrix = 'bt601', range: ColorRange = 'limited'): YuvCoefficients {
  const kr = matrix === 'bt709' ? 0.2126 : 0.299;
  const kb = matrix === 'bt709' ? 0.0722 : 0.114;
  const kg = 1 - kr - kb;
  const full = range === 'full';
  const ky = full ? 1 : 255 / 219;
  const kc = full ? 1 : 255 / 224;
  return {
    ky,
    rv: 2 * (1 - kr) * kc,
    gu: ((2 * kb * (1 - kb)) / kg) * kc,
    gv: ((2 * kr * (1 - kr)) / kg) * kc,
    bu: 2 * (1 - kb) * kc,
    yo: full ? 0 : 16,
  };
}
