/** Test helper: decodes a JPEG or PNG file (e.g. from ../shared/media) into packed RGB pixels. */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import jpeg from 'jpeg-js';

/** The part of pngjs used here (the project has no @types/pngjs, so it is loaded through require). */
interface PngSync {
  PNG: { sync: { read(buffer: Buffer): { width: number; height: number; data: Buffer } } };
}
const require = createRequire(import.meta.url);
const { PNG } = require('pngjs') as PngSync;

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes, RGB, rows packed (stride = 3 * width). */
  data: Uint8Array;
}

function rgbaToRgb(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = rgba[4 * i];
    out[3 * i + 1] = rgba[4 * i + 1];
    out[3 * i + 2] = rgba[4 * i + 2];
  }
  return out;
}

/** Decodes a .jpg/.jpeg/.png file to RGB (alpha is dropped). */
export function loadRgbImage(path: string): RgbImage {
  const bytes = readFileSync(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
    if (img.data.length === img.width * img.height * 3) return { width: img.width, height: img.height, data: img.data };
    return { width: img.width, height: img.height, data: rgbaToRgb(img.data, img.width, img.height) };
  }
  if (ext === '.png') {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: rgbaToRgb(new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height) };
  }
  throw new Error(`loadRgbImage: unsupported image type '${ext}' (${path})`);
}

/** The image as a packed-RGB frame layout (the shape the preprocessing takes). */
export function rgbFrame(img: RgbImage): { format: 'RGB'; width: number; height: number; data: Uint8Array; offsets: number[]; strides: number[] } {
  return { format: 'RGB', width: img.width, height: img.height, data: img.data, offsets: [0], strides: [img.width * 3] };
}
