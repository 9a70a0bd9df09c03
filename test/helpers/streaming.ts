/** Test helper for the streaming tests: boxes drawn by tsoverlay, found again in decoded (lossy) video. */
import { readFileSync } from 'node:fs';
import type { JsonlFrame, JsonlObject } from './gst';

export type Rgb = [number, number, number];
/** tsoverlay's colour of class 0 (person) with color-by=class: palette hue 0, HSV saturation 0.85, value 1. */
export const PERSON_RED: Rgb = [255, 38, 38];

/** Frames of a raw RGB file (`video/x-raw,format=RGB ! filesink`), one Buffer each. */
export function rgbFrames(file: string, width: number, height: number): Buffer[] {
  const data = readFileSync(file);
  const size = width * height * 3;
  const frames: Buffer[] = [];
  for (let off = 0; off + size <= data.length; off += size) frames.push(data.subarray(off, off + size));
  return frames;
}

/**
 * The share of the box's outline whose pixels are within `tolerance` (Euclidean RGB distance) of `color`: points
 * every 4 pixels along the middle of each of the four lines tsoverlay draws inside the box, `thickness` wide. After
 * H.264 compression a drawn outline stays near its colour along most of its length (label text on the top edge,
 * the picture under thin parts and chroma subsampling take some points away).
 */
export function outlineMatch(frame: Buffer, width: number, height: number, box: JsonlObject['box'], color: Rgb, thickness: number, tolerance = 90): number {
  const x0 = Math.round(box.x);
  const y0 = Math.round(box.y);
  const x1 = Math.round(box.x + box.width);
  const y1 = Math.round(box.y + box.height);
  const h = Math.floor(thickness / 2);
  const points: [number, number][] = [];
  for (let x = x0 + thickness; x < x1 - thickness; x += 4) points.push([x, y0 + h], [x, y1 - 1 - h]);
  for (let y = y0 + thickness; y < y1 - thickness; y += 4) points.push([x0 + h, y], [x1 - 1 - h, y]);
  let inside = 0;
  let close = 0;
  for (const [x, y] of points) {
    if (x < 0 || y < 0 || x >= width || y >= height) continue;
    inside++;
    const o = (y * width + x) * 3;
    const d = Math.hypot(frame[o] - color[0], frame[o + 1] - color[1], frame[o + 2] - color[2]);
    if (d <= tolerance) close++;
  }
  return inside === 0 ? 0 : close / inside;
}

/** The drawn (not predicted: those are dashed) objects of a label on a tsexport line. */
export const solidObjects = (f: JsonlFrame, label = 'person'): JsonlObject[] =>
  f.objects.filter((o) => o.label === label && !(o as JsonlObject & { predicted?: boolean }).predicted);

/**
 * Pairs each received frame with the sent frame of the same time: FLV carries milliseconds from the stream's
 * start, so a received pts (ns, from flvdemux) matches a sent pts minus an unknown constant offset (the sender's
 * first timestamp). The offset is the one, among those that pair one of the first received frames with one of the
 * first sent ones, under which the most frames match within `toleranceMs` (frames are 100 ms apart at 10 fps).
 */
export function pairByPts(sent: JsonlFrame[], received: JsonlFrame[], toleranceMs = 5): [JsonlFrame, JsonlFrame, number][] {
  const ms = (pts: number | null) => (pts ?? NaN) / 1e6;
  let best: [JsonlFrame, JsonlFrame, number][] = [];
  for (const r0 of received.slice(0, 5)) {
    for (const s0 of sent.slice(0, 10)) {
      const offset = ms(s0.pts) - ms(r0.pts);
      const pairs: [JsonlFrame, JsonlFrame, number][] = [];
      let i = 0;
      received.forEach((r, j) => {
        while (i < sent.length && ms(sent[i].pts) - offset < ms(r.pts) - toleranceMs) i++;
        if (i < sent.length && Math.abs(ms(sent[i].pts) - offset - ms(r.pts)) <= toleranceMs) pairs.push([sent[i], r, j]);
      });
      if (pairs.length > best.length) best = pairs;
    }
  }
  return best;
}
