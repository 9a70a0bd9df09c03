/**
 * Plain, deliberately simple TypeScript implementation of the pixel preprocessing defined in `spec.ts`.
 * It is the oracle the native addon is tested against (and a slow fallback): correctness over speed.
 */
import type { FrameLayout, InputTransform, PixelFormat, PreprocessSpec, YuvCoefficients } from './spec.js';
import { PIXEL_FORMATS, yuvCoefficients } from './spec.js';

/** Resolved geometry of one preprocess call (see the spec.ts header). */
export interface PreprocessGeometry {
  /** Clipped ROI in frame pixels: [x0, x1) x [y0, y1). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Size of the resized ROI image. */
  resizedWidth: number;
  resizedHeight: number;
  /** Position of the resized image's top-left corner inside the model input (negative for centre-crop). */
  offsetX: number;
  offsetY: number;
  transform: InputTransform;
}

function fail(message: string): never {
  throw new TypeError(`preprocess: ${message}`);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Bytes per pixel of plane 0. */
export function bytesPerPixel(format: PixelFormat): number {
  switch (format) {
    case 'RGB':
    case 'BGR':
      return 3;
    case 'RGBx':
    case 'BGRx':
    case 'RGBA':
    case 'BGRA':
      return 4;
    case 'I420':
    case 'NV12':
      return 1;
    default:
      return fail(`unknown pixel format ${JSON.stringify(format)}`);
  }
}

/** Throws a TypeError when the frame is malformed or its data is too short for its planes. */
export function validateFrame(frame: FrameLayout): void {
  if (typeof frame !== 'object' || frame === null) fail('frame must be an object');
  if (!PIXEL_FORMATS.includes(frame.format)) {
    fail(`unsupported pixel format ${JSON.stringify(frame.format)} (expected one of ${PIXEL_FORMATS.join(', ')})`);
  }
  if (!isInt(frame.width) || frame.width <= 0 || !isInt(frame.height) || frame.height <= 0) {
    fail(`frame width/height must be positive integers (got ${String(frame.width)}x${String(frame.height)})`);
  }
  if (!(frame.data instanceof Uint8Array)) fail('frame.data must be a Uint8Array');
  if (!Array.isArray(frame.offsets) || !Array.isArray(frame.strides)) fail('frame.offsets and frame.strides must be arrays');
  const w = frame.width;
  const h = frame.height;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  // [rowBytes, rows] per plane
  let planes: Array<[number, number]>;
  if (frame.format === 'I420') planes = [[w, h], [cw, ch], [cw, ch]];
  else if (frame.format === 'NV12') planes = [[w, h], [2 * cw, ch]];
  else planes = [[w * bytesPerPixel(frame.format), h]];
  if (frame.offsets.length < planes.length || frame.strides.length < planes.length) {
    fail(`format ${frame.format} needs ${planes.length} plane offsets and strides (got ${frame.offsets.length} and ${frame.strides.length})`);
  }
  planes.forEach(([rowBytes, rows], i) => {
    const offset = frame.offsets[i];
    const stride = frame.strides[i];
    if (!isInt(offset) || offset < 0) fail(`plane ${i} offset must be a non-negative integer (got ${String(offset)})`);
    if (!isInt(stride) || stride < rowBytes) {
      fail(`plane ${i} stride must be an integer >= ${rowBytes} bytes (got ${String(stride)})`);
    }
    const end = offset + (rows - 1) * stride + rowBytes;
    if (end > frame.data.length) {
      fail(`frame data too short: plane ${i} needs ${end} bytes (offset ${offset}, stride ${stride}, ${rows} rows), data has ${frame.data.length}`);
    }
  });
}

/** Throws a TypeError when the spec is malformed. */
export function validateSpec(spec: PreprocessSpec): void {
  if (typeof spec !== 'object' || spec === null) fail('spec must be an object');
  if (!isInt(spec.width) || spec.width <= 0 || !isInt(spec.height) || spec.height <= 0) {
    fail(`spec width/height must be positive integers (got ${String(spec.width)}x${String(spec.height)})`);
  }
  if (!['letterbox', 'letterbox-centre', 'stretch', 'centre-crop'].includes(spec.resize)) {
    fail(`spec.resize must be letterbox, letterbox-centre, stretch or centre-crop (got ${JSON.stringify(spec.resize)})`);
  }
  if (spec.cropFraction !== undefined && (!isFiniteNumber(spec.cropFraction) || spec.cropFraction <= 0 || spec.cropFraction > 1)) {
    fail(`spec.cropFraction must be a number in (0, 1] (got ${String(spec.cropFraction)})`);
  }
  if (!isFiniteNumber(spec.padValue)) fail('spec.padValue must be a finite number');
  if (spec.channelOrder !== 'RGB' && spec.channelOrder !== 'BGR') fail(`spec.channelOrder must be RGB or BGR (got ${JSON.stringify(spec.channelOrder)})`);
  if (!isFiniteNumber(spec.scale)) fail('spec.scale must be a finite number');
  for (const key of ['mean', 'std'] as const) {
    const arr = spec[key];
    if (!Array.isArray(arr) || arr.length !== 3 || !arr.every(isFiniteNumber)) fail(`spec.${key} must be an array of 3 finite numbers`);
  }
  if (spec.std.some((s) => s === 0)) fail('spec.std must not contain 0');
  if (spec.layout !== 'NCHW' && spec.layout !== 'NHWC') fail(`spec.layout must be NCHW or NHWC (got ${JSON.stringify(spec.layout)})`);
  if (spec.roi !== undefined) {
    const r = spec.roi;
    if (typeof r !== 'object' || r === null || ![r.x, r.y, r.width, r.height].every(isFiniteNumber) || r.width <= 0 || r.height <= 0) {
      fail('spec.roi must be { x, y, width, height } with finite numbers and positive width/height');
    }
  }
  if (spec.colorMatrix !== undefined && spec.colorMatrix !== 'bt601' && spec.colorMatrix !== 'bt709') {
    fail(`spec.colorMatrix must be bt601 or bt709 (got ${JSON.stringify(spec.colorMatrix)})`);
  }
  if (spec.colorRange !== undefined && spec.colorRange !== 'limited' && spec.colorRange !== 'full') {
    fail(`spec.colorRange must be limited or full (got ${JSON.stringify(spec.colorRange)})`);
  }
}

/** Computes ROI clipping, resized size, placement and the inverse transform (no validation). */
export function preprocessGeometry(frameWidth: number, frameHeight: number, spec: PreprocessSpec): PreprocessGeometry {
  const roi = spec.roi ?? { x: 0, y: 0, width: frameWidth, height: frameHeight };
  const x0 = Math.max(0, Math.round(roi.x));
  const y0 = Math.max(0, Math.round(roi.y));
  const x1 = Math.min(frameWidth, Math.round(roi.x + roi.width));
  const y1 = Math.min(frameHeight, Math.round(roi.y + roi.height));
  if (x1 - x0 < 1 || y1 - y0 < 1) fail(`spec.roi ${JSON.stringify(roi)} does not overlap the ${frameWidth}x${frameHeight} frame`);
  const w = x1 - x0;
  const h = y1 - y0;
  const W = spec.width;
  const H = spec.height;
  let rw: number;
  let rh: number;
  let offX = 0;
  let offY = 0;
  switch (spec.resize) {
    case 'stretch':
      rw = W;
      rh = H;
      break;
    case 'letterbox':
    case 'letterbox-centre': {
      const s = Math.min(W / w, H / h);
      rw = Math.min(W, Math.max(1, Math.round(w * s)));
      rh = Math.min(H, Math.max(1, Math.round(h * s)));
      if (spec.resize === 'letterbox-centre') {
        offX = Math.floor((W - rw) / 2);
        offY = Math.floor((H - rh) / 2);
      }
      break;
    }
    case 'centre-crop': {
      const s = Math.max(W / w, H / h) / (spec.cropFraction ?? 0.875);
      rw = Math.max(1, Math.round(w * s));
      rh = Math.max(1, Math.round(h * s));
      offX = -Math.floor((rw - W) / 2);
      offY = -Math.floor((rh - H) / 2);
      break;
    }
  }
  const scaleX = rw / w;
  const scaleY = rh / h;
  return {
    x0,
    y0,
    x1,
    y1,
    resizedWidth: rw,
    resizedHeight: rh,
    offsetX: offX,
    offsetY: offY,
    transform: { scaleX, scaleY, padX: offX - x0 * scaleX, padY: offY - y0 * scaleY, inputWidth: W, inputHeight: H },
  };
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** The RGB value (0..255, unrounded for YUV) of frame pixel (x, y). */
export function pixelRgb(frame: FrameLayout, x: number, y: number, k: YuvCoefficients): [number, number, number] {
  const d = frame.data;
  const o = frame.offsets;
  const s = frame.strides;
  switch (frame.format) {
    case 'RGB':
    case 'RGBx':
    case 'RGBA': {
      const i = o[0] + y * s[0] + x * bytesPerPixel(frame.format);
      return [d[i], d[i + 1], d[i + 2]];
    }
    case 'BGR':
    case 'BGRx':
    case 'BGRA': {
      const i = o[0] + y * s[0] + x * bytesPerPixel(frame.format);
      return [d[i + 2], d[i + 1], d[i]];
    }
    case 'I420':
    case 'NV12': {
      const Y = d[o[0] + y * s[0] + x];
      let U: number;
      let V: number;
      if (frame.format === 'I420') {
        U = d[o[1] + (y >> 1) * s[1] + (x >> 1)];
        V = d[o[2] + (y >> 1) * s[2] + (x >> 1)];
      } else {
        const i = o[1] + (y >> 1) * s[1] + 2 * (x >> 1);
        U = d[i];
        V = d[i + 1];
      }
      const c = Y - k.yo;
      const du = U - 128;
      const dv = V - 128;
      return [clamp255(k.ky * c + k.rv * dv), clamp255(k.ky * c - k.gu * du - k.gv * dv), clamp255(k.ky * c + k.bu * du)];
    }
  }
}

/**
 * Reference preprocessing: crop (ROI) + resize + pad + normalise into a float tensor of 3 x spec.height x spec.width
 * (NCHW) or spec.height x spec.width x 3 (NHWC). When `out` is given (length >= 3*W*H) it is filled and returned
 * (a subarray of it when it is longer).
 */
export function preprocessReference(
  frame: FrameLayout,
  spec: PreprocessSpec,
  out?: Float32Array,
): { tensor: Float32Array; transform: InputTransform } {
  validateFrame(frame);
  validateSpec(spec);
  const W = spec.width;
  const H = spec.height;
  const n = 3 * W * H;
  let tensor: Float32Array;
  if (out === undefined) {
    tensor = new Float32Array(n);
  } else {
    if (!(out instanceof Float32Array)) fail('out must be a Float32Array');
    if (out.length < n) fail(`out has ${out.length} floats, needs ${n}`);
    tensor = out.length === n ? out : out.subarray(0, n);
  }
  const g = preprocessGeometry(frame.width, frame.height, spec);
  const k = yuvCoefficients(spec.colorMatrix ?? 'bt601', spec.colorRange ?? 'limited');
  const w = g.x1 - g.x0;
  const h = g.y1 - g.y0;
  const { scaleX, scaleY } = g.transform;
  // model channel c takes RGB component order[c]
  const order = spec.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];

  for (let Y = 0; Y < H; Y++) {
    for (let X = 0; X < W; X++) {
      const rx = X - g.offsetX;
      const ry = Y - g.offsetY;
      let rgb: [number, number, number];
      if (rx < 0 || rx >= g.resizedWidth || ry < 0 || ry >= g.resizedHeight) {
        rgb = [spec.padValue, spec.padValue, spec.padValue];
      } else {
        const sx = Math.min(Math.max((rx + 0.5) / scaleX - 0.5, 0), w - 1);
        const sy = Math.min(Math.max((ry + 0.5) / scaleY - 0.5, 0), h - 1);
        const xa = Math.floor(sx);
        const ya = Math.floor(sy);
        const xb = Math.min(xa + 1, w - 1);
        const yb = Math.min(ya + 1, h - 1);
        const ax = sx - xa;
        const ay = sy - ya;
        const p00 = pixelRgb(frame, g.x0 + xa, g.y0 + ya, k);
        const p01 = pixelRgb(frame, g.x0 + xb, g.y0 + ya, k);
        const p10 = pixelRgb(frame, g.x0 + xa, g.y0 + yb, k);
        const p11 = pixelRgb(frame, g.x0 + xb, g.y0 + yb, k);
        rgb = [0, 0, 0];
        for (let c = 0; c < 3; c++) {
          const top = p00[c] * (1 - ax) + p01[c] * ax;
          const bottom = p10[c] * (1 - ax) + p11[c] * ax;
          rgb[c] = top * (1 - ay) + bottom * ay;
        }
      }
      for (let c = 0; c < 3; c++) {
        const v = (rgb[order[c]] * spec.scale - spec.mean[c]) / spec.std[c];
        const idx = spec.layout === 'NCHW' ? c * W * H + Y * W + X : (Y * W + X) * 3 + c;
        tensor[idx] = v;
      }
    }
  }
  return { tensor, transform: g.transform };
}
