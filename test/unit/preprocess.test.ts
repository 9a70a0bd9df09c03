// Native pixel preprocessing addon vs the plain TypeScript reference.
// Needs the addon built first: `bash scripts/build-addon.sh` (the project's test command does it).
// Every comparison with the reference runs each build of the kernel this CPU supports (x86-64: x86-64-v4, -v3, -v2
// and the SSE2 baseline, whose scalar gathers are also what aarch64 runs) and the previous kernel
// (`preprocessScalar`), within the same tolerances: 1e-3 of the normalised range (0.26 of 255) for scale 1/255,
// 0.05 of 255 for scale 1. All of them compute in float, within ~1e-4 of 255 of the double-precision reference.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { loadPixelAddon, preprocess } from '../../ts-runtime/preprocess/index.js';
import { preprocessReference } from '../../ts-runtime/preprocess/reference.js';
import { yuvCoefficients } from '../../ts-runtime/preprocess/spec.js';
import type {
  ColorMatrix,
  ColorRange,
  FrameLayout,
  PixelAddon,
  PixelFormat,
  PreprocessResult,
  PreprocessSpec,
  ResizeMode,
} from '../../ts-runtime/preprocess/spec.js';
import { gstLaunch, tempDir } from '../helpers/gst.js';

const DOG = '/work/shared/media/dog.jpg';

interface Rgb {
  width: number;
  height: number;
  data: Uint8Array; // packed RGB
}

function loadDog(): Rgb {
  const img = jpeg.decode(readFileSync(DOG), { useTArray: true, formatAsRGBA: true });
  const data = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < img.width * img.height; i++, j += 4) {
    data[i * 3] = img.data[j];
    data[i * 3 + 1] = img.data[j + 1];
    data[i * 3 + 2] = img.data[j + 2];
  }
  return { width: img.width, height: img.height, data };
}

function crop(src: Rgb, x: number, y: number, width: number, height: number): Rgb {
  const data = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    const s = ((y + r) * src.width + x) * 3;
    data.set(src.data.subarray(s, s + width * 3), r * width * 3);
  }
  return { width, height, data };
}

const clampByte = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** The colorimetry a YUV test frame is encoded with (and must be decoded with). */
interface Color {
  colorMatrix?: ColorMatrix;
  colorRange?: ColorRange;
}

/** RGB -> YUV in `color` (default BT.601 limited; chroma averaged over each 2x2 block, edges replicated). */
function rgbToYuv(img: Rgb, color: Color = {}): { y: Uint8Array; u: Uint8Array; v: Uint8Array; cw: number; ch: number } {
  const { width: w, height: h, data } = img;
  const kr = color.colorMatrix === 'bt709' ? 0.2126 : 0.299;
  const kb = color.colorMatrix === 'bt709' ? 0.0722 : 0.114;
  const kg = 1 - kr - kb;
  const full = color.colorRange === 'full';
  const [yo, sy, sc] = full ? [0, 1, 1] : [16, 219 / 255, 224 / 255];
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const Y = new Uint8Array(w * h);
  const U = new Uint8Array(cw * ch);
  const V = new Uint8Array(cw * ch);
  const luma = (i: number): number => kr * data[i] + kg * data[i + 1] + kb * data[i + 2];
  for (let i = 0; i < w * h; i++) Y[i] = clampByte(yo + sy * luma(i * 3));
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let u = 0;
      let v = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const i = (Math.min(2 * cy + dy, h - 1) * w + Math.min(2 * cx + dx, w - 1)) * 3;
        const l = luma(i);
        u += (data[i + 2] - l) / (2 * (1 - kb));
        v += (data[i] - l) / (2 * (1 - kr));
      }
      U[cy * cw + cx] = clampByte(128 + (sc * u) / 4);
      V[cy * cw + cx] = clampByte(128 + (sc * v) / 4);
    }
  }
  return { y: Y, u: U, v: V, cw, ch };
}

/**
 * Converts packed RGB into `format` with padded strides (`extra` bytes per row) and a leading data offset,
 * so that the code under test has to honour offsets and strides. YUV formats are encoded in `color`.
 */
function makeFrame(img: Rgb, format: PixelFormat, extra = 0, lead = 0, color: Color = {}): FrameLayout {
  const { width: w, height: h } = img;
  if (format === 'I420' || format === 'NV12') {
    const yuv = rgbToYuv(img, color);
    const sY = w + extra;
    const offY = lead;
    if (format === 'I420') {
      const sC = yuv.cw + extra;
      const offU = offY + sY * h;
      const offV = offU + sC * yuv.ch + 3;
      const data = new Uint8Array(offV + sC * yuv.ch).fill(77);
      for (let r = 0; r < h; r++) data.set(yuv.y.subarray(r * w, (r + 1) * w), offY + r * sY);
      for (let r = 0; r < yuv.ch; r++) {
        data.set(yuv.u.subarray(r * yuv.cw, (r + 1) * yuv.cw), offU + r * sC);
        data.set(yuv.v.subarray(r * yuv.cw, (r + 1) * yuv.cw), offV + r * sC);
      }
      return { format, width: w, height: h, data, offsets: [offY, offU, offV], strides: [sY, sC, sC] };
    }
    const sC = 2 * yuv.cw + extra;
    const offUV = offY + sY * h + 5;
    const data = new Uint8Array(offUV + sC * yuv.ch).fill(77);
    for (let r = 0; r < h; r++) data.set(yuv.y.subarray(r * w, (r + 1) * w), offY + r * sY);
    for (let r = 0; r < yuv.ch; r++) {
      for (let c = 0; c < yuv.cw; c++) {
        data[offUV + r * sC + 2 * c] = yuv.u[r * yuv.cw + c];
        data[offUV + r * sC + 2 * c + 1] = yuv.v[r * yuv.cw + c];
      }
    }
    return { format, width: w, height: h, data, offsets: [offY, offUV], strides: [sY, sC] };
  }
  const bpp = format === 'RGB' || format === 'BGR' ? 3 : 4;
  const bgr = format.startsWith('BGR');
  const stride = w * bpp + extra;
  const data = new Uint8Array(lead + stride * h).fill(200);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const s = (r * w + c) * 3;
      const d = lead + r * stride + c * bpp;
      data[d] = img.data[s + (bgr ? 2 : 0)];
      data[d + 1] = img.data[s + 1];
      data[d + 2] = img.data[s + (bgr ? 0 : 2)];
      if (bpp === 4) data[d + 3] = format.endsWith('A') ? 255 : 13;
    }
  }
  return { format, width: w, height: h, data, offsets: [lead], strides: [stride] };
}

/** Re-packs a tight YUV frame with the chroma plane(s) first and the luma plane last, data of exact size. */
function lumaLast(frame: FrameLayout): FrameLayout {
  const ySize = frame.strides[0] * frame.height;
  const chroma = frame.data.subarray(frame.offsets[1]);
  const data = new Uint8Array(chroma.length + ySize);
  data.set(chroma, 0);
  data.set(frame.data.subarray(frame.offsets[0], frame.offsets[0] + ySize), chroma.length);
  const offsets = frame.offsets.map((o, i) => (i === 0 ? chroma.length : o - frame.offsets[1]));
  return { ...frame, data, offsets };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

function baseSpec(over: Partial<PreprocessSpec> = {}): PreprocessSpec {
  return {
    width: 64,
    height: 48,
    resize: 'letterbox',
    padValue: 114,
    channelOrder: 'RGB',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    layout: 'NCHW',
    ...over,
  };
}

/** The addon's exports for the tests and bench/preprocess-bench.mjs (not part of PixelAddon). */
interface PixelAddonBuilds extends PixelAddon {
  preprocessScalar: PixelAddon['preprocess'];
  preprocessIsa(): string;
  preprocessIsas(): string[];
  setPreprocessIsa(name: string): void;
}
const addon = loadPixelAddon() as PixelAddonBuilds;
const BUILDS = addon.preprocessIsas();
const DEFAULT_BUILD = addon.preprocessIsa();
type PreprocessFn = (frame: FrameLayout, spec: PreprocessSpec, out?: Float32Array) => Pick<PreprocessResult, 'tensor' | 'transform'>;

/** preprocess() with one build of the kernel (the default one again afterwards). */
function withBuild(build: string): PreprocessFn {
  return (frame, spec, out) => {
    addon.setPreprocessIsa(build);
    try {
      return preprocess(frame, spec, out);
    } finally {
      addon.setPreprocessIsa(DEFAULT_BUILD);
    }
  };
}

/** Every native kernel: each build this CPU runs, then the previous kernel. */
const KERNELS: Array<[string, PreprocessFn]> = [
  ...BUILDS.map((b): [string, PreprocessFn] => [b, withBuild(b)]),
  ['previous kernel', (frame, spec, out) => addon.preprocessScalar(frame, spec, out)],
];

function compare(frame: FrameLayout, spec: PreprocessSpec, tol = 1e-3): void {
  const ref = preprocessReference(frame, spec);
  for (const [name, fn] of KERNELS) {
    const nat = fn(frame, spec);
    expect(nat.tensor).toBeInstanceOf(Float32Array);
    expect(nat.tensor.length).toBe(3 * spec.width * spec.height);
    expect(maxAbsDiff(nat.tensor, ref.tensor), name).toBeLessThanOrEqual(tol);
    expect(nat.transform.inputWidth).toBe(ref.transform.inputWidth);
    expect(nat.transform.inputHeight).toBe(ref.transform.inputHeight);
    for (const k of ['scaleX', 'scaleY', 'padX', 'padY'] as const) {
      expect(nat.transform[k]).toBeCloseTo(ref.transform[k], 9);
    }
  }
}

const FORMATS: PixelFormat[] = ['RGB', 'BGR', 'RGBx', 'BGRx', 'RGBA', 'BGRA', 'I420', 'NV12'];
const MODES: ResizeMode[] = ['letterbox', 'letterbox-centre', 'stretch', 'centre-crop'];
const IMAGENET = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

const dog = loadDog();
// odd size for packed formats, even size for YUV (plus an odd YUV case below)
const packedImg = crop(dog, 101, 97, 333, 201);
const yuvImg = crop(dog, 100, 96, 334, 200);

describe('pixel addon', () => {
  it('loads', () => {
    const addon = loadPixelAddon();
    expect(typeof addon.preprocess).toBe('function');
    expect(typeof addon.version).toBe('string');
    expect(addon.bytesPerPixel('RGBx')).toBe(4);
    expect(addon.bytesPerPixel('BGR')).toBe(3);
    expect(addon.bytesPerPixel('NV12')).toBe(1);
  });

  it('lists the builds of the kernel this CPU runs, best first, and switches between them', () => {
    expect(BUILDS.length).toBeGreaterThan(0);
    expect(DEFAULT_BUILD).toBe(BUILDS[0]);
    if (process.arch === 'x64') {
      expect(BUILDS[BUILDS.length - 1]).toBe('x86-64'); // the SSE2 baseline runs everywhere
      for (const b of BUILDS) expect(['x86-64-v4', 'x86-64-v3', 'x86-64-v2', 'x86-64']).toContain(b);
    }
    for (const b of BUILDS) {
      addon.setPreprocessIsa(b);
      expect(addon.preprocessIsa()).toBe(b);
    }
    addon.setPreprocessIsa(DEFAULT_BUILD);
    expect(() => addon.setPreprocessIsa('x86-64-v9')).toThrow(/setPreprocessIsa: "x86-64-v9" is not a build this CPU runs/);
    expect(addon.preprocessIsa()).toBe(DEFAULT_BUILD);
  });
});

describe('reference sanity (independent of the addon)', () => {
  const impls: Array<[string, PreprocessFn]> = [['reference', preprocessReference], ...KERNELS];
  for (const [name, fn] of impls) {
    it(`${name}: same-size stretch is the identity, 2x downscale averages 2x2 blocks`, () => {
      const img = crop(dog, 200, 150, 40, 30);
      const frame = makeFrame(img, 'BGRx', 4, 2);
      const id = fn(frame, baseSpec({ width: 40, height: 30, resize: 'stretch', scale: 1, layout: 'NHWC' })).tensor;
      for (let i = 0; i < id.length; i++) expect(id[i]).toBeCloseTo(img.data[i], 3);
      const half = fn(frame, baseSpec({ width: 20, height: 15, resize: 'stretch', scale: 1, layout: 'NCHW', channelOrder: 'BGR' })).tensor;
      for (let y = 0; y < 15; y++) {
        for (let x = 0; x < 20; x++) {
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) sum += img.data[((2 * y + dy) * 40 + 2 * x + dx) * 3 + (2 - c)];
            expect(half[c * 300 + y * 20 + x]).toBeCloseTo(sum / 4, 3);
          }
        }
      }
    });

    it(`${name}: YUV limited-range colours, padding and normalisation`, () => {
      // 4x2 I420: left half white (235,128,128), right half BT.601 red (81,90,240)
      const data = new Uint8Array([235, 235, 81, 81, 235, 235, 81, 81, 128, 90, 128, 240]);
      const frame: FrameLayout = { format: 'I420', width: 4, height: 2, data, offsets: [0, 8, 10], strides: [4, 2, 2] };
      const t = fn(frame, baseSpec({ width: 4, height: 4, resize: 'letterbox', scale: 1, padValue: 114, layout: 'NHWC' })).tensor;
      expect(Array.from(t.subarray(0, 3)).map((v) => Math.round(v))).toEqual([255, 255, 255]);
      const red = Array.from(t.subarray(9, 12));
      expect(red[0]).toBeGreaterThan(254);
      expect(red[1]).toBeLessThan(1);
      expect(red[2]).toBeLessThan(1.5);
      expect(Array.from(t.subarray(24, 48)).every((v) => v === 114)).toBe(true); // bottom two rows are padding
      const n = fn(frame, baseSpec({ width: 4, height: 4, padValue: 0, channelOrder: 'BGR', mean: [1, 2, 3], std: [2, 4, 8], scale: 0.5 })).tensor;
      expect(n[0]).toBeCloseTo((255 * 0.5 - 1) / 2, 3); // B of white
      expect(n[16 + 2]).toBeCloseTo((0 * 0.5 - 2) / 4, 3); // G of red
      expect(n[32 + 2]).toBeCloseTo((255 * 0.5 - 3) / 8, 1); // R of red
      expect(n[32 + 12]).toBeCloseTo(-3 / 8, 6); // padding, R channel
    });
  }
});

/** Every YUV colorimetry: matrix x range ({} = the defaults, BT.601 limited). */
const COLORS: Color[] = [
  {},
  { colorMatrix: 'bt709' },
  { colorRange: 'full' },
  { colorMatrix: 'bt709', colorRange: 'full' },
  { colorMatrix: 'bt601', colorRange: 'limited' },
];
const colorName = (c: Color): string => `${c.colorMatrix ?? 'default'}/${c.colorRange ?? 'default'}`;

/** A w x h I420 frame of one colour (tight strides). */
function solidI420(w: number, h: number, Y: number, U: number, V: number): FrameLayout {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const data = new Uint8Array(w * h + 2 * cw * ch);
  data.fill(Y, 0, w * h).fill(U, w * h, w * h + cw * ch).fill(V, w * h + cw * ch);
  return { format: 'I420', width: w, height: h, data, offsets: [0, w * h, w * h + cw * ch], strides: [w, cw, cw] };
}

describe('YUV colorimetry: absolute values', () => {
  it('yuvCoefficients are the ITU-R BT.601/BT.709 ones for limited and full range', () => {
    const close = (k: ReturnType<typeof yuvCoefficients>, want: number[]): void => {
      [k.ky, k.rv, k.gu, k.gv, k.bu, k.yo].forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    };
    // limited: the familiar 1.164 / 1.596 / 0.392 / 0.813 / 2.017 (BT.601) and 1.793 / 0.213 / 0.533 / 2.112 (BT.709)
    close(yuvCoefficients(), [1.16438, 1.59603, 0.39176, 0.81297, 2.01723, 16]);
    close(yuvCoefficients('bt601', 'limited'), [1.16438, 1.59603, 0.39176, 0.81297, 2.01723, 16]);
    close(yuvCoefficients('bt709', 'limited'), [1.16438, 1.79274, 0.21325, 0.53291, 2.1124, 16]);
    // full (JPEG/JFIF): 1.402 / 0.344136 / 0.714136 / 1.772, and 1.5748 / 0.187324 / 0.468124 / 1.8556
    close(yuvCoefficients('bt601', 'full'), [1, 1.402, 0.344136, 0.714136, 1.772, 0]);
    close(yuvCoefficients('bt709', 'full'), [1, 1.5748, 0.187324, 0.468124, 1.8556, 0]);
  });

  // Expected RGB from inverting the ITU forward matrix numerically (independent of yuvCoefficients).
  const KNOWN: Array<[ColorMatrix, ColorRange, [number, number, number], [number, number, number]]> = [
    ['bt601', 'full', [128, 128, 128], [128, 128, 128]],
    ['bt709', 'full', [128, 128, 128], [128, 128, 128]],
    ['bt601', 'full', [255, 128, 128], [255, 255, 255]],
    ['bt601', 'full', [235, 128, 128], [235, 235, 235]],
    ['bt601', 'full', [16, 128, 128], [16, 16, 16]],
    ['bt601', 'full', [0, 128, 128], [0, 0, 0]],
    ['bt601', 'limited', [235, 128, 128], [255, 255, 255]],
    ['bt709', 'limited', [235, 128, 128], [255, 255, 255]],
    ['bt601', 'limited', [16, 128, 128], [0, 0, 0]],
    ['bt601', 'limited', [128, 128, 128], [130.411, 130.411, 130.411]],
    ['bt601', 'limited', [100, 90, 170], [164.841, 78.551, 21.153]],
    ['bt601', 'full', [100, 90, 170], [158.884, 83.083, 32.664]],
    ['bt709', 'limited', [100, 90, 170], [173.103, 83.529, 17.537]],
    ['bt709', 'full', [100, 90, 170], [166.142, 87.457, 29.487]],
    ['bt601', 'limited', [180, 150, 110], [162.23, 196.974, 235.338]],
    ['bt601', 'full', [180, 150, 110], [154.764, 185.283, 218.984]],
    ['bt709', 'limited', [180, 150, 110], [158.69, 195.86, 237.432]],
    ['bt709', 'full', [180, 150, 110], [151.654, 184.305, 220.823]],
  ];
  const impls: Array<[string, PreprocessFn]> = [['reference', preprocessReference], ...KERNELS];
  for (const [name, fn] of impls) {
    it(`${name}: known YUV -> RGB values (BT.601/BT.709, limited/full), upscaling and downscaling`, () => {
      for (const [colorMatrix, colorRange, yuv, rgb] of KNOWN) {
        const what = `${colorMatrix} ${colorRange} YUV ${yuv.join(',')}`;
        const frame = solidI420(6, 4, ...yuv);
        // upscaling and 2x downscaling (the previous kernel's row-span and lookup-table paths)
        for (const [width, height] of [[12, 8], [3, 2]]) {
          const t = fn(frame, baseSpec({ width, height, resize: 'stretch', scale: 1, layout: 'NHWC', colorMatrix, colorRange })).tensor;
          for (let i = 0; i < t.length; i++) expect(t[i], what).toBeCloseTo(rgb[i % 3], 2);
        }
      }
    });
  }
});

/** What tsvision's C++ side makes of a caps colorimetry string (GST_VIDEO_COLOR_MATRIX_BT709 / RANGE_0_255). */
const GST_COLORIMETRY: Array<[string, Color]> = [
  ['bt601', { colorMatrix: 'bt601', colorRange: 'limited' }],
  ['2:4:5:4', { colorMatrix: 'bt601', colorRange: 'limited' }], // bt601 spelt out: range 16_235, matrix BT601
  ['bt709', { colorMatrix: 'bt709', colorRange: 'limited' }],
  ['1:4:0:0', { colorMatrix: 'bt601', colorRange: 'full' }], // jpegdec: range 0_255, matrix BT601
  ['1:3:5:1', { colorMatrix: 'bt709', colorRange: 'full' }], // range 0_255, matrix BT709
];

describe('YUV colorimetry: agrees with GStreamer videoconvert', () => {
  const W = 64;
  const H = 48;
  for (const [colorimetry, color] of GST_COLORIMETRY) {
    it(`videotestsrc smpte I420 colorimetry=${colorimetry}: mean abs difference to videoconvert's RGB <= 2`, async () => {
      const dir = tempDir('tsvision-colorimetry-');
      const yuvFile = path.join(dir, 'frame.i420');
      const rgbFile = path.join(dir, 'frame.rgb');
      const r = await gstLaunch(
        `videotestsrc pattern=smpte num-buffers=1 ! video/x-raw,format=I420,width=${W},height=${H},colorimetry=${colorimetry} ! tee name=t ` +
          `t. ! queue ! filesink location=${yuvFile} t. ! queue ! videoconvert ! video/x-raw,format=RGB ! filesink location=${rgbFile}`,
      );
      expect(r.code, r.output).toBe(0);
      const yuv = new Uint8Array(readFileSync(yuvFile));
      const rgb = new Uint8Array(readFileSync(rgbFile));
      expect(yuv.length).toBe(W * H * 1.5);
      expect(rgb.length).toBe(W * H * 3);
      const frame: FrameLayout = { format: 'I420', width: W, height: H, data: yuv, offsets: [0, W * H, W * H * 1.25], strides: [W, W / 2, W / 2] };
      const meanDiff = (c: Color): number => {
        const t = preprocess(frame, baseSpec({ width: W, height: H, resize: 'stretch', scale: 1, layout: 'NHWC', ...c })).tensor;
        let sum = 0;
        for (let i = 0; i < t.length; i++) sum += Math.abs(t[i] - rgb[i]);
        return sum / t.length;
      };
      const matched = meanDiff(color);
      expect(matched).toBeLessThanOrEqual(2);
      compare(frame, baseSpec({ width: W, height: H, resize: 'stretch', scale: 1, ...color }));
      // the old behaviour (everything BT.601 limited) is clearly off for the others
      if (color.colorMatrix !== 'bt601' || color.colorRange !== 'limited') expect(meanDiff({})).toBeGreaterThan(2 * matched);
    });
  }
});

describe('tsdetect hands the caps colorimetry to hooks (frame.colorimetry)', () => {
  it('I420 with bt601, bt709, 1:4:0:0, HD without colorimetry, and jpegdec output', async () => {
    const dir = tempDir('tsvision-colorimetry-');
    const hook = path.join(dir, 'report-colorimetry.ts');
    writeFileSync(
      hook,
      `export default {
  detect(frame: any, ctx: any) {
    const c = frame.colorimetry;
    ctx.postMessage('colorimetry', { format: frame.format, matrix: c ? c.matrix : 'none', range: c ? c.range : 'none' });
    return [];
  },
};
`,
    );
    const cases: Array<[string, string, string]> = [
      ['videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=64,height=48,colorimetry=bt601', 'bt601', 'limited'],
      ['videotestsrc num-buffers=1 ! video/x-raw,format=NV12,width=64,height=48,colorimetry=bt709', 'bt709', 'limited'],
      ['videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=64,height=48,colorimetry=1:4:0:0', 'bt601', 'full'],
      ['videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=64,height=48,colorimetry=1:3:5:1', 'bt709', 'full'],
      // no colorimetry in the caps: GStreamer's default for HD YUV is BT.709 limited
      ['videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=1280,height=720', 'bt709', 'limited'],
      // jpegdec: full-range BT.601 (1:4:0:0)
      [`filesrc location=${DOG} ! jpegdec ! video/x-raw,format=I420`, 'bt601', 'full'],
    ];
    for (const [src, matrix, range] of cases) {
      const r = await gstLaunch(`${src} ! tsdetect module=${hook} ! fakesink`, { flags: ['-m'] });
      expect(r.code, r.output).toBe(0);
      expect(r.stdout, src).toMatch(new RegExp(`colorimetry, format=\\(string\\)(I420|NV12), matrix=\\(string\\)${matrix}, range=\\(string\\)${range}`));
    }
  });
});

describe('native preprocess matches the reference', () => {
  for (const format of FORMATS) {
    const yuv = format === 'I420' || format === 'NV12';
    const img = yuv ? yuvImg : packedImg;
    for (const color of yuv ? COLORS : [{}]) {
      const frames = [makeFrame(img, format, 0, 0, color), makeFrame(img, format, 13, 9, color)];
      const cname = yuv ? ` ${colorName(color)}` : '';
      for (const mode of MODES) {
        it(`${format}${cname} ${mode} (RGB/BGR x NCHW/NHWC, tight and padded strides)`, () => {
          for (const [i, frame] of frames.entries()) {
            for (const channelOrder of ['RGB', 'BGR'] as const) {
              for (const layout of ['NCHW', 'NHWC'] as const) {
                const norm = i === 1 ? IMAGENET : {};
                compare(frame, baseSpec({ resize: mode, channelOrder, layout, ...norm, ...color }));
              }
            }
          }
        });
      }
    }
  }

  it('different formats of the same image agree (native)', () => {
    const spec = baseSpec({ width: 96, height: 96 });
    const base = preprocess(makeFrame(packedImg, 'RGB'), spec).tensor;
    for (const format of ['BGR', 'RGBx', 'BGRx', 'RGBA', 'BGRA'] as const) {
      expect(maxAbsDiff(preprocess(makeFrame(packedImg, format, 5, 3), spec).tensor, base)).toBe(0);
    }
    const i420 = preprocess(makeFrame(yuvImg, 'I420', 7, 1), spec).tensor;
    const nv12 = preprocess(makeFrame(yuvImg, 'NV12', 3, 2), spec).tensor;
    expect(maxAbsDiff(i420, nv12)).toBe(0);
    // YUV round trip of the same picture stays close to the RGB original (chroma subsampling + rounding)
    const rgbEven = preprocess(makeFrame(yuvImg, 'RGB'), spec).tensor;
    let sum = 0;
    for (let i = 0; i < rgbEven.length; i++) sum += Math.abs(rgbEven[i] - i420[i]);
    expect(sum / rgbEven.length).toBeLessThan(0.02);
  });

  it('odd-sized YUV frames (chroma planes rounded up)', () => {
    for (const format of ['I420', 'NV12'] as const) {
      for (const color of COLORS) {
        const frame = makeFrame(packedImg, format, 3, 1, color);
        compare(frame, baseSpec({ resize: 'letterbox-centre', width: 80, height: 80, ...color }));
        compare(frame, baseSpec({ resize: 'stretch', layout: 'NHWC', ...color }));
        // upscaling of an odd-width frame, tight strides (last byte = last pixel)
        const tight = makeFrame(crop(dog, 11, 7, 67, 41), format, 0, 0, color);
        compare(tight, baseSpec({ resize: 'stretch', width: 150, height: 90, ...color }));
        compare(tight, baseSpec({ resize: 'letterbox-centre', width: 200, height: 200, roi: { x: 1, y: 1, width: 66, height: 40 }, ...color }));
        // luma plane last in a buffer of exactly the needed size: no read may go past its last pixel
        const ylast = lumaLast(tight);
        compare(ylast, baseSpec({ resize: 'stretch', width: 150, height: 90, ...color }));
        compare(ylast, baseSpec({ resize: 'stretch', width: 40, height: 30, layout: 'NHWC', ...color }));
      }
    }
  });

  it('YUV round trip in every colorimetry: encoded and decoded with the same matrix and range ≈ the RGB original', () => {
    const spec = baseSpec({ width: 96, height: 96 });
    const rgb = preprocess(makeFrame(yuvImg, 'RGB'), spec).tensor;
    // mean abs difference to the RGB original, in 0..255 units
    const mean = (t: Float32Array): number => {
      let sum = 0;
      for (let i = 0; i < rgb.length; i++) sum += Math.abs(rgb[i] - t[i]);
      return (255 * sum) / rgb.length;
    };
    for (const color of COLORS) {
      const i420 = makeFrame(yuvImg, 'I420', 7, 1, color);
      const matched = mean(preprocess(i420, { ...spec, ...color }).tensor);
      expect(matched, colorName(color)).toBeLessThan(0.5); // chroma subsampling + rounding
      expect(maxAbsDiff(preprocess(makeFrame(yuvImg, 'NV12', 3, 2, color), { ...spec, ...color }).tensor, preprocess(i420, { ...spec, ...color }).tensor)).toBe(0);
      // decoding with the other range or matrix is visibly wrong
      const otherRange: ColorRange = color.colorRange === 'full' ? 'limited' : 'full';
      const otherMatrix: ColorMatrix = color.colorMatrix === 'bt709' ? 'bt601' : 'bt709';
      expect(mean(preprocess(i420, { ...spec, ...color, colorRange: otherRange }).tensor), colorName(color)).toBeGreaterThan(3);
      expect(mean(preprocess(i420, { ...spec, ...color, colorMatrix: otherMatrix }).tensor), colorName(color)).toBeGreaterThan(2 * matched);
    }
  });

  it('real model sizes in full range and BT.709 (768 -> 416)', () => {
    for (const color of COLORS.slice(1, 4)) {
      const frame = makeFrame(crop(dog, 0, 72, 768, 432), 'I420', 0, 0, color);
      compare(frame, baseSpec({ width: 416, height: 416, channelOrder: 'BGR', scale: 1, ...color }), 0.05);
      compare(frame, baseSpec({ width: 320, height: 320, resize: 'letterbox-centre', padValue: 0, channelOrder: 'BGR', ...color }));
      compare(makeFrame(dog, 'NV12', 0, 0, color), baseSpec({ width: 128, height: 256, resize: 'stretch', layout: 'NHWC', ...color }));
    }
  });

  it('real model sizes (YOLOX 416 letterbox, NanoDet 320 centre, ImageNet 224 crop, re-id 128x256 NHWC)', () => {
    const frame = makeFrame(crop(dog, 0, 72, 768, 432), 'I420');
    compare(frame, baseSpec({ width: 416, height: 416, channelOrder: 'BGR', scale: 1 }), 0.05);
    compare(frame, baseSpec({ width: 416, height: 416, channelOrder: 'BGR' }));
    compare(frame, baseSpec({ width: 320, height: 320, resize: 'letterbox-centre', padValue: 0, channelOrder: 'BGR', scale: 1 / 255 }));
    compare(makeFrame(dog, 'RGBx', 64), baseSpec({ width: 224, height: 224, resize: 'centre-crop', ...IMAGENET }));
    compare(makeFrame(dog, 'NV12'), baseSpec({ width: 128, height: 256, resize: 'stretch', layout: 'NHWC', channelOrder: 'BGR' }));
  });

  it('every downscaling ratio of the gathers (groups of 8, 4 and 2 columns per shuffle, scalar beyond), odd ROI offsets', () => {
    // 768 -> 416: luma in groups of 8; -> 200: 4; -> 100: 2; -> 40 and 17: the scalar gathers (chroma: half that)
    const img = crop(dog, 0, 72, 768, 432);
    for (const format of ['I420', 'NV12', 'BGRx', 'RGB'] as const) {
      const frame = makeFrame(img, format, 3, 1, { colorMatrix: 'bt709' });
      for (const width of [416, 200, 100, 40, 17]) {
        const spec = { resize: 'stretch' as const, width, height: 24, scale: 1, colorMatrix: 'bt709' as const };
        compare(frame, baseSpec(spec), 0.05);
        compare(frame, baseSpec({ ...spec, roi: { x: 3, y: 1, width: 763, height: 430 }, layout: 'NHWC' }), 0.05);
        compare(frame, baseSpec({ ...spec, roi: { x: 0, y: 431, width: 768, height: 1 } }), 0.05); // the last row
      }
    }
  });

  it('1920x1080 frames -> 416x416 letterbox (yolox_nano), I420, NV12 and BGRx', () => {
    // the dog enlarged (nearest neighbour) to 1920x1080
    const img: Rgb = { width: 1920, height: 1080, data: new Uint8Array(1920 * 1080 * 3) };
    for (let y = 0; y < 1080; y++) {
      for (let x = 0; x < 1920; x++) {
        const s = ((Math.floor((y * dog.height) / 1080) * dog.width + Math.floor((x * dog.width) / 1920)) * 3);
        img.data.set(dog.data.subarray(s, s + 3), (y * 1920 + x) * 3);
      }
    }
    for (const format of ['I420', 'NV12', 'BGRx'] as const) {
      compare(makeFrame(img, format), baseSpec({ width: 416, height: 416, channelOrder: 'BGR', scale: 1 }), 0.05);
    }
  });

  it('ROIs (inside, partly outside and clipped, fractional, upscaled)', () => {
    const rois = [
      { x: 40, y: 30, width: 120, height: 90 },
      { x: -25.4, y: 150, width: 200, height: 100 }, // clipped left and bottom
      { x: 300, y: -10, width: 80, height: 300 }, // clipped right, top and bottom
      { x: 10.6, y: 20.2, width: 17.3, height: 11.9 }, // tiny: upscaling
      { x: 5, y: 5, width: 1, height: 1 }, // a single pixel
      { x: 2, y: 3, width: 21, height: 9 }, // odd right edge, upscaled
      { x: 290, y: 150, width: 100, height: 100 }, // clipped at the (odd) right/bottom frame edge
    ];
    for (const format of ['RGB', 'BGRx', 'I420', 'NV12'] as const) {
      const frame = makeFrame(format === 'I420' || format === 'NV12' ? yuvImg : packedImg, format, 11, 4);
      for (const roi of rois) {
        for (const resize of MODES) {
          compare(frame, baseSpec({ roi, resize, width: 56, height: 72 }));
          compare(frame, baseSpec({ roi, resize, width: 72, height: 56, layout: 'NHWC', channelOrder: 'BGR' }));
        }
      }
    }
  });

  it('writes into a preallocated out', () => {
    const frame = makeFrame(packedImg, 'RGB');
    const spec = baseSpec();
    const n = 3 * spec.width * spec.height;
    const out = new Float32Array(n).fill(NaN);
    const res = preprocess(frame, spec, out);
    expect(res.tensor).toBe(out);
    expect(maxAbsDiff(out, preprocessReference(frame, spec).tensor)).toBeLessThanOrEqual(1e-3);

    const big = new Float32Array(n + 100).fill(-7);
    const res2 = preprocess(frame, spec, big);
    expect(res2.tensor.length).toBe(n);
    expect(res2.tensor.buffer).toBe(big.buffer);
    expect(big[n]).toBe(-7);
    expect(maxAbsDiff(res2.tensor, out)).toBe(0);

    const ref = new Float32Array(n + 1);
    const r = preprocessReference(frame, spec, ref);
    expect(r.tensor.buffer).toBe(ref.buffer);
    expect(r.tensor.length).toBe(n);
  });

  it('leaves the padding of the previous frame in place when handed its paddingKey, and only then', () => {
    // 333x201 letterboxed and centred into 64x48: rows above and below the image are padding.
    const frame = makeFrame(packedImg, 'I420');
    const other = makeFrame(crop(dog, 0, 0, 200, 200), 'I420'); // square: padding on the left and right instead
    for (const build of BUILDS) {
      addon.setPreprocessIsa(build);
      try {
        for (const over of [{ resize: 'letterbox-centre' as const }, { resize: 'letterbox' as const, layout: 'NHWC' as const, channelOrder: 'BGR' as const }]) {
          const spec = baseSpec(over);
          const expected = preprocessReference(frame, spec).tensor;
          const out = new Float32Array(3 * spec.width * spec.height);
          const first = preprocess(frame, spec, out);
          expect(first.paddingKey).not.toBe('');
          expect(maxAbsDiff(out, expected), build).toBeLessThanOrEqual(1e-3);
          // With the key, nothing outside the image is written: padding poisoned in between stays poisoned,
          // and the image itself is written in full.
          const padValue = expected[expected.length - 1]; // the bottom rows are padding in both modes
          const padIndices = [...expected.keys()].filter((i) => expected[i] === padValue);
          expect(padIndices.length).toBeGreaterThan(expected.length / 10);
          for (const i of padIndices) out[i] = -99;
          out.fill(NaN, out.length >> 1, (out.length >> 1) + 7); // some image pixels too (NCHW: mid-plane)
          const again = preprocess(frame, spec, out, first.paddingKey);
          expect(again.paddingKey).toBe(first.paddingKey);
          for (const i of padIndices) expect(out[i]).toBe(-99);
          expect(out.some((v) => Number.isNaN(v))).toBe(false);
          // Another geometry gives another key; handed the old one, it writes its padding in full.
          const otherExpected = preprocessReference(other, spec).tensor;
          const third = preprocess(other, spec, out, first.paddingKey);
          expect(third.paddingKey).not.toBe(first.paddingKey);
          expect(maxAbsDiff(out, otherExpected), build).toBeLessThanOrEqual(1e-3);
          // A different pad value is a different key too.
          expect(preprocess(frame, { ...spec, padValue: 0 }, out, first.paddingKey).paddingKey).not.toBe(first.paddingKey);
          expect(maxAbsDiff(out, preprocessReference(frame, { ...spec, padValue: 0 }).tensor)).toBeLessThanOrEqual(1e-3);
        }
      } finally {
        addon.setPreprocessIsa(DEFAULT_BUILD);
      }
    }
  });
});

describe('input transform', () => {
  it('letterbox 768x432 -> 416x416 maps model coords back to frame pixels', () => {
    const frame = makeFrame(crop(dog, 0, 0, 768, 432), 'I420');
    const { transform: t } = preprocess(frame, baseSpec({ width: 416, height: 416 }));
    expect(t).toEqual({ scaleX: 416 / 768, scaleY: 234 / 432, padX: 0, padY: 0, inputWidth: 416, inputHeight: 416 });
    const back = (mx: number, my: number): [number, number] => [(mx - t.padX) / t.scaleX, (my - t.padY) / t.scaleY];
    expect(back(0, 0)).toEqual([0, 0]);
    const [bx, by] = back(416, 234);
    expect(bx).toBeCloseTo(768, 9);
    expect(by).toBeCloseTo(432, 9);

    const c = preprocess(frame, baseSpec({ width: 416, height: 416, resize: 'letterbox-centre' })).transform;
    expect(c.padX).toBe(0);
    expect(c.padY).toBe(91);
    expect((325 - c.padY) / c.scaleY).toBeCloseTo(432, 9);
  });

  it('a bright rectangle found in the tensor maps back to where it is in the frame (every mode, with ROI)', () => {
    const w = 300;
    const h = 200;
    const img: Rgb = { width: w, height: h, data: new Uint8Array(w * h * 3) };
    const rect = { x0: 120, y0: 60, x1: 180, y1: 140 };
    for (let y = rect.y0; y < rect.y1; y++) img.data.fill(255, (y * w + rect.x0) * 3, (y * w + rect.x1) * 3);
    const frame = makeFrame(img, 'RGB');
    const cases: Partial<PreprocessSpec>[] = [
      { resize: 'letterbox' },
      { resize: 'letterbox-centre' },
      { resize: 'stretch' },
      { resize: 'centre-crop', cropFraction: 0.9 },
      { resize: 'letterbox-centre', roi: { x: 100, y: 20, width: 150, height: 160 } },
      { resize: 'stretch', roi: { x: -50, y: 40, width: 280, height: 400 } },
    ];
    for (const c of cases) {
      const spec = baseSpec({ width: 160, height: 128, padValue: 0, layout: 'NHWC', ...c });
      const { tensor, transform: t } = preprocess(frame, spec);
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (let y = 0; y < spec.height; y++) {
        for (let x = 0; x < spec.width; x++) {
          if (tensor[(y * spec.width + x) * 3] > 0.5) {
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x + 1);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y + 1);
          }
        }
      }
      const tol = 1.5 / Math.min(t.scaleX, t.scaleY) + 0.5;
      expect(Math.abs((minX - t.padX) / t.scaleX - rect.x0)).toBeLessThan(tol);
      expect(Math.abs((maxX - t.padX) / t.scaleX - rect.x1)).toBeLessThan(tol);
      expect(Math.abs((minY - t.padY) / t.scaleY - rect.y0)).toBeLessThan(tol);
      expect(Math.abs((maxY - t.padY) / t.scaleY - rect.y1)).toBeLessThan(tol);
    }
  });

  it('centre-crop 224 from 768x576 resizes the short side to 256', () => {
    const { transform: t } = preprocess(makeFrame(dog, 'RGB'), baseSpec({ width: 224, height: 224, resize: 'centre-crop' }));
    expect(t.scaleY).toBeCloseTo(256 / 576, 12);
    expect(t.scaleX).toBeCloseTo(341 / 768, 12);
    expect(t.padX).toBe(-Math.floor((341 - 224) / 2));
    expect(t.padY).toBe(-16);
  });
});

describe('errors', () => {
  const good = makeFrame(packedImg, 'RGB');
  const spec = baseSpec();
  const impls = [
    ['native', preprocess],
    ['reference', preprocessReference],
  ] as const;

  for (const [name, fn] of impls) {
    it(`${name}: clear TypeErrors`, () => {
      const bad = (frame: unknown, s: unknown, out?: unknown): (() => unknown) => () =>
        fn(frame as FrameLayout, s as PreprocessSpec, out as Float32Array | undefined);
      expect(bad({ ...good, format: 'YUY2' }, spec)).toThrow(TypeError);
      expect(bad({ ...good, format: 'YUY2' }, spec)).toThrow(/unsupported pixel format "YUY2"/);
      expect(bad({ ...good, data: good.data.subarray(0, good.data.length - 1) }, spec)).toThrow(/data too short/);
      expect(bad({ ...good, height: good.height + 1 }, spec)).toThrow(/data too short/);
      expect(bad({ ...good, strides: [good.width * 3 - 1] }, spec)).toThrow(/stride/);
      expect(bad({ ...good, offsets: [1] }, spec)).toThrow(/data too short/);
      expect(bad({ ...makeFrame(yuvImg, 'I420'), offsets: [0, 0] }, spec)).toThrow(TypeError);
      expect(bad({ ...good, width: 0 }, spec)).toThrow(/width\/height/);
      expect(bad({ ...good, data: [1, 2, 3] }, spec)).toThrow(/Uint8Array/);
      expect(bad(null, spec)).toThrow(TypeError);
      expect(bad(good, null)).toThrow(TypeError);
      expect(bad(good, { ...spec, resize: 'fit' })).toThrow(/spec.resize/);
      expect(bad(good, { ...spec, width: 0 })).toThrow(/width\/height/);
      expect(bad(good, { ...spec, height: 2.5 })).toThrow(/width\/height/);
      expect(bad(good, { ...spec, mean: [0, 0] })).toThrow(/spec.mean/);
      expect(bad(good, { ...spec, std: [1, 0, 1] })).toThrow(/spec.std/);
      expect(bad(good, { ...spec, layout: 'CHW' })).toThrow(/spec.layout/);
      expect(bad(good, { ...spec, channelOrder: 'GRB' })).toThrow(/spec.channelOrder/);
      expect(bad(good, { ...spec, scale: NaN })).toThrow(/spec.scale/);
      expect(bad(good, { ...spec, cropFraction: 1.5 })).toThrow(/cropFraction/);
      expect(bad(good, { ...spec, colorMatrix: 'bt2020' })).toThrow(/colorMatrix/);
      expect(bad(good, { ...spec, colorRange: 'tv' })).toThrow(/spec.colorRange must be limited or full/);
      expect(bad(good, { ...spec, colorRange: 1 })).toThrow(/colorRange/);
      expect(bad(good, { ...spec, roi: { x: 0, y: 0, width: -1, height: 5 } })).toThrow(/spec.roi/);
      expect(bad(good, { ...spec, roi: { x: 1000, y: 0, width: 10, height: 10 } })).toThrow(/spec.roi/);
      expect(bad(good, spec, new Float32Array(10))).toThrow(/out has 10 floats/);
      expect(bad(good, spec, new Float64Array(3 * 64 * 48))).toThrow(/out must be a Float32Array/);
    });
  }
});
