/**
 * tsoverlay in real gst-launch-1.0 pipelines: known objects on known frames, checked pixel by pixel in every format.
 * Text comes from Pango with the installed fonts, so label widths are measured (a label of the same text drawn alone
 * is the reference) rather than computed; heights, positions, colours and the blending are exact.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOKS, MEDIA, MODELS, ROOT, gstLaunch, run, tempDir } from '../helpers/gst';

type Rgb = [number, number, number];
const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const GREY: Rgb = [160, 160, 160]; // color-by=track, objects without a track id

/** The palette of overlay-draw.cc: hue = frac(index x golden ratio conjugate), HSV saturation 0.85, value 1. */
function paletteColor(index: number): Rgb {
  const h = ((index * 0.6180339887498949) % 1) * 6;
  const s = 0.85;
  const v = 1;
  const sector = Math.floor(h);
  const f = h - sector;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const rgb = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][sector % 6];
  return rgb.map((c) => Math.round(Math.min(255, Math.max(0, c * 255)))) as Rgb;
}

/** Palette index of an object without a class id: FNV-1a of its label. */
function labelIndex(label: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(label, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** BT.601 limited range, as videotestsrc's I420/NV12 with colorimetry=bt601. */
function toYuv([r, g, b]: Rgb): Rgb {
  const [R, G, B] = [r / 255, g / 255, b / 255];
  const y = 0.299 * R + 0.587 * G + 0.114 * B;
  const pb = (B - y) / (2 * (1 - 0.114));
  const pr = (R - y) / (2 * (1 - 0.299));
  return [16 + 219 * y, 128 + 224 * pb, 128 + 224 * pr].map((v) => Math.round(v)) as Rgb;
}

const PACKED: Record<string, { bpp: number; r: number; g: number; b: number }> = {
  RGB: { bpp: 3, r: 0, g: 1, b: 2 },
  BGR: { bpp: 3, r: 2, g: 1, b: 0 },
  RGBx: { bpp: 4, r: 0, g: 1, b: 2 },
  BGRx: { bpp: 4, r: 2, g: 1, b: 0 },
  RGBA: { bpp: 4, r: 0, g: 1, b: 2 },
  BGRA: { bpp: 4, r: 2, g: 1, b: 0 },
};
const FORMATS = [...Object.keys(PACKED), 'I420', 'NV12'];
const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** One raw frame as filesink wrote it (GStreamer's default strides: rows padded to 4 bytes). */
class RawFrame {
  constructor(
    readonly format: string,
    readonly width: number,
    readonly height: number,
    readonly data: Buffer,
  ) {
    expect(data.length).toBe(this.expectedSize());
  }

  get yuv(): boolean {
    return !(this.format in PACKED);
  }

  private expectedSize(): number {
    const { width: w, height: h } = this;
    const cw = Math.ceil(w / 2);
    const ch = Math.ceil(h / 2);
    if (this.format === 'I420') return align4(w) * h + 2 * align4(cw) * ch;
    if (this.format === 'NV12') return align4(w) * h + align4(cw * 2) * ch;
    return align4(w * PACKED[this.format].bpp) * h;
  }

  /** [R, G, B] for packed formats, [Y, U, V] (the chroma sample covering the pixel) for I420 / NV12. */
  at(x: number, y: number): Rgb {
    const { width: w, height: h, data } = this;
    if (this.format === 'I420' || this.format === 'NV12') {
      const ys = align4(w);
      const cw = Math.ceil(w / 2);
      const cx = x >> 1;
      const cy = y >> 1;
      const Y = data[y * ys + x];
      if (this.format === 'I420') {
        const cs = align4(cw);
        const u = ys * h;
        const v = u + cs * Math.ceil(h / 2);
        return [Y, data[u + cy * cs + cx], data[v + cy * cs + cx]];
      }
      const cs = align4(cw * 2);
      const uv = ys * h + cy * cs + cx * 2;
      return [Y, data[uv], data[uv + 1]];
    }
    const f = PACKED[this.format];
    const o = y * align4(w * f.bpp) + x * f.bpp;
    return [data[o + f.r], data[o + f.g], data[o + f.b]];
  }

  /** Whether the pixel has `rgb` (YUV: converted; lumaOnly compares Y alone, e.g. for glyphs). */
  is(x: number, y: number, rgb: Rgb, lumaOnly = false): boolean {
    const got = this.at(x, y);
    if (!this.yuv) return got.every((v, i) => v === rgb[i]);
    const want = toYuv(rgb);
    const n = lumaOnly ? 1 : 3;
    for (let i = 0; i < n; i++) if (Math.abs(got[i] - want[i]) > 1) return false;
    return true;
  }

  describe(x: number, y: number): string {
    return `${this.format} (${x},${y}) = ${this.at(x, y).join(',')}`;
  }
}

interface Obj {
  box: { x: number; y: number; width: number; height: number };
  label: string;
  classId: number;
  confidence: number;
  trackId?: number;
  classifications?: { attribute: string; label: string; classId: number; confidence: number }[];
}

const PERSON: Obj = {
  box: { x: 40, y: 80, width: 120, height: 100 },
  label: 'person',
  classId: 0,
  confidence: 0.87,
  trackId: 12,
  classifications: [{ attribute: 'color', label: 'red', classId: 1, confidence: 0.93 }],
};

function caps(format: string, width: number, height: number): string {
  const colorimetry = format in PACKED ? '' : ',colorimetry=bt601';
  return `video/x-raw,format=${format},width=${width},height=${height}${colorimetry}`;
}

/** tsdetect with a hook that puts `objects` on the frame: the objects as real ROI metas. */
function objectsSource(format: string, objects: Obj[], width = 320, height = 240, pattern = 'black', frames = 1): string {
  // gst-launch splits property values at spaces: JSON's \u0020 keeps them in labels.
  const args = JSON.stringify({ objects }).replaceAll(' ', '\\u0020');
  return `videotestsrc num-buffers=${frames} pattern=${pattern} ! ${caps(format, width, height)} ! tsdetect module=${HOOKS}/overlay-objects.ts module-args='${args}'`;
}

async function launchToFile(pipeline: (out: string) => string): Promise<Buffer> {
  const out = path.join(tempDir('tsoverlay-'), 'frame.raw');
  const r = await gstLaunch(pipeline(out));
  expect(r.code, r.output).toBe(0);
  return readFileSync(out);
}

async function render(format: string, objects: Obj[], overlay = 'tsoverlay thickness=2 text-scale=2', width = 320, height = 240): Promise<RawFrame> {
  const data = await launchToFile((out) => `${objectsSource(format, objects, width, height)} ! ${overlay} ! filesink location=${out}`);
  return new RawFrame(format, width, height, data);
}

/** The label box's extent along its top row, starting at (x, y): how many pixels have `rgb`. */
function runLength(f: RawFrame, x: number, y: number, rgb: Rgb): number {
  let n = 0;
  while (x + n < f.width && f.is(x + n, y, rgb)) n++;
  return n;
}

/**
 * How far `got` is from `bg` towards `ink` (0..1) when it lies on the line between them (anti-aliased text:
 * the background blended with the ink by the glyph's coverage), else null. Packed formats: all three channels,
 * within 2; YUV: luma alone (chroma is shared by 2x2 pixels, see checkChroma).
 */
function blend(f: RawFrame, x: number, y: number, bg: Rgb, ink: Rgb): number | null {
  const got = f.at(x, y);
  const [b, i] = f.yuv ? [toYuv(bg), toYuv(ink)] : [bg, ink];
  const n = f.yuv ? 1 : 3;
  let c = 0;
  for (let k = 1; k < n; k++) if (Math.abs(i[k] - b[k]) > Math.abs(i[c] - b[c])) c = k;
  const t = (got[c] - b[c]) / (i[c] - b[c]);
  if (t < -0.01 || t > 1.01) return null;
  for (let k = 0; k < n; k++) if (Math.abs(got[k] - (b[k] + t * (i[k] - b[k]))) > 2) return null;
  return Math.min(1, Math.max(0, t));
}

/**
 * YUV: each chroma sample inside the label (its 2x2 pixels in [x0, x1) x [y0, y1)) is the background's chroma
 * blended towards the ink's by the mean coverage of its pixels (read back from their luma).
 */
function checkChroma(f: RawFrame, [x0, y0, x1, y1]: number[], bg: Rgb, ink: Rgb): void {
  const [b, i] = [toYuv(bg), toYuv(ink)];
  for (let cy = Math.ceil(y0 / 2); cy < Math.floor(y1 / 2); cy++) {
    for (let cx = Math.ceil(x0 / 2); cx < Math.floor(x1 / 2); cx++) {
      const px = [[0, 0], [1, 0], [0, 1], [1, 1]].map(([dx, dy]) => blend(f, 2 * cx + dx, 2 * cy + dy, bg, ink) ?? NaN);
      const t = px.reduce((a, v) => a + v, 0) / 4;
      const [, u, v] = f.at(2 * cx, 2 * cy);
      const want = [b[1] + t * (i[1] - b[1]), b[2] + t * (i[2] - b[2])];
      expect(Math.abs(u - want[0]) <= 3 && Math.abs(v - want[1]) <= 3, `${f.describe(2 * cx, 2 * cy)}: chroma ${want.map(Math.round)} (coverage ${t.toFixed(2)})`).toBe(true);
    }
  }
}

/** Checks that every pixel of the label [x0, x1) x [y0, y1) is background blended with ink; returns the share that is mostly ink. */
function checkText(f: RawFrame, box: number[], bg: Rgb, ink: Rgb): number {
  const [x0, y0, x1, y1] = box;
  let inked = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const t = blend(f, x, y, bg, ink);
      expect(t, `${f.describe(x, y)} should be a blend of ${bg} and ${ink}`).not.toBeNull();
      if ((t as number) > 0.5) inked++;
    }
  }
  if (f.yuv) checkChroma(f, box, bg, ink);
  return inked / ((x1 - x0) * (y1 - y0));
}

const LABEL_ONLY = 'draw-confidence=false draw-track-id=false draw-classifications=false';

/**
 * The width of the label of `text` drawn alone (the object's label; track id, confidence and classifications off)
 * with `overlay`'s text settings: the reference for labels whose width depends on the font.
 */
async function labelWidth(text: string, overlay = 'tsoverlay thickness=2 text-scale=2'): Promise<number> {
  const obj: Obj = { box: { x: 0, y: 120, width: 60, height: 60 }, label: text, classId: 0, confidence: 1 };
  const f = await render('RGB', [obj], `${overlay} ${LABEL_ONLY}`, 1280, 240);
  return runLength(f, 0, 119, paletteColor(0)); // the label's bottom row: background only
}

describe('tsoverlay draws boxes and labels in place', () => {
  for (const format of FORMATS) {
    it(`${format}: box edges, label background and text at known pixels`, async () => {
      const f = await render(format, [PERSON]);
      const color = paletteColor(0); // class id 0
      const check = (x: number, y: number, rgb: Rgb, want: boolean, lumaOnly = false) =>
        expect(f.is(x, y, rgb, lumaOnly), `${f.describe(x, y)} should${want ? '' : ' not'} be ${rgb}`).toBe(want);

      // Box [40,160) x [80,180), lines 2 pixels wide inside the box's edges.
      for (const [x, y] of [[40, 130], [41, 130], [158, 130], [159, 130], [100, 80], [100, 81], [100, 178], [100, 179]]) {
        check(x, y, color, true);
      }
      // Just outside and just inside: untouched black.
      for (const [x, y] of [[39, 130], [160, 130], [100, 180], [100, 181], [42, 130], [157, 130], [100, 82], [100, 177], [100, 130]]) {
        check(x, y, BLACK, true);
      }

      // Label above the box: "#12 person 0.87" / "color: red 0.93", 2 lines of 20 pixels at text-scale 2 and
      // 2 pixels of padding: 42 pixels high at (40, 38), as wide as the wider line's label drawn alone.
      const lw = Math.max(await labelWidth('#12 person 0.87'), await labelWidth('color: red 0.93'));
      const [lx, ly, lh] = [40, 38, 42];
      expect(lw).toBeGreaterThan(100);
      expect(lw).toBeLessThan(250);
      check(lx, ly, color, true);
      check(lx + lw - 1, ly + lh - 1, color, true);
      expect(runLength(f, lx, ly, color)).toBe(lw);
      // Just outside (YUV: luma; with an odd width the chroma sample of the last column covers the pixel beyond).
      for (const [x, y] of [[lx - 1, ly + 10], [lx + lw, ly + 10], [lx + 10, ly - 1]]) check(x, y, BLACK, true, f.yuv);
      // Inside: the background blended with white by the glyphs' coverage (YUV: luma per pixel, chroma per 2x2
      // from their mean coverage), and plenty of glyphs.
      const inked = checkText(f, [lx, ly, lx + lw, ly + lh], color, WHITE);
      expect(inked).toBeGreaterThan(0.08);
      expect(inked).toBeLessThan(0.5);
    });
  }

  it('draws ROI metas of other elements: roi_type as label, no confidence unless a detection param has one; predicted boxes dashed', async () => {
    const dir = tempDir('tsoverlay-');
    const tool = path.join(ROOT, 'build', 'roi-meta-pipeline'); // built by meson from test/programs/roi-meta-pipeline.c
    const metas = [
      ['--roi', 'car,20,40,100,60'],
      ['--roi', 'bike,150,100,80,100', '--param', 'object_id, id=(int)7, predicted=(boolean)true'],
      // DL Streamer's detection param: the label, class id and confidence come from it.
      ['--roi', 'truck,160,20,60,40', '--param', 'detection, confidence=(double)0.5, label_id=(int)7, label=(string)truck, x_min=(double)0.5, y_min=(double)0.0833333, x_max=(double)0.6875, y_max=(double)0.25'],
    ].flat();
    const draw = async (overlay: string) => {
      const out = path.join(dir, 'foreign.raw');
      const r = await run(tool, [
        `videotestsrc num-buffers=1 pattern=black ! ${caps('RGB', 320, 240)} ! identity name=roi ! ${overlay} ! filesink location=${out}`,
        ...metas,
      ]);
      expect(r.code, r.output).toBe(0);
      return new RawFrame('RGB', 320, 240, readFileSync(out));
    };

    const f = await draw('tsoverlay thickness=2 text-scale=2');
    const car = paletteColor(labelIndex('car'));
    expect(f.is(20, 70, car), f.describe(20, 70)).toBe(true);
    expect(f.is(119, 70, car), f.describe(119, 70)).toBe(true);
    // "car": one line, 22 pixels high, above the box.
    expect(runLength(f, 20, 40 - 22, car)).toBe(await labelWidth('car'));
    expect(f.is(20, 40 - 23, BLACK)).toBe(true);

    // Predicted (tstrack on a frame without inference): dashed, "#7 bike" (7 characters).
    const bike = paletteColor(labelIndex('bike'));
    const top = Array.from({ length: 80 }, (_, i) => f.is(150 + i, 100, bike));
    expect(top.filter(Boolean).length).toBeGreaterThan(30);
    expect(top.filter((b) => !b).length).toBeGreaterThan(15);
    expect(f.is(150, 150, bike) || f.is(150, 160, bike)).toBe(true);
    expect(runLength(f, 150, 100 - 22, bike)).toBe(await labelWidth('#7 bike'));

    // The detection param's class id picks the colour; "truck 0.50".
    const truck = paletteColor(7);
    expect(f.is(160, 50, truck), f.describe(160, 50)).toBe(true);
    expect(f.is(219, 50, truck), f.describe(219, 50)).toBe(true);
    expect(f.is(100, 59, BLACK) && f.is(190, 60, BLACK)).toBe(true);
    // No room above: the label goes inside the box, at its top.
    expect(runLength(f, 160, 20, truck)).toBe(await labelWidth('truck 0.50'));

    const hidden = await draw('tsoverlay thickness=2 text-scale=2 draw-predicted=false');
    for (let y = 78; y < 200; y++) for (let x = 150; x < 230; x++) expect(hidden.is(x, y, BLACK), hidden.describe(x, y)).toBe(true);
    expect(hidden.is(20, 70, car)).toBe(true);
  });

  it('colours by class or by track id, deterministically', async () => {
    const objects: Obj[] = [
      { ...PERSON, box: { x: 10, y: 40, width: 60, height: 60 }, trackId: 5, classifications: [] },
      { ...PERSON, box: { x: 120, y: 40, width: 60, height: 60 }, trackId: 6, classifications: [] },
      { ...PERSON, box: { x: 230, y: 40, width: 60, height: 60 }, trackId: undefined, classifications: [] },
      { ...PERSON, box: { x: 10, y: 150, width: 60, height: 60 }, label: 'dog', classId: 16, trackId: 5, classifications: [] },
    ];
    const edge = (f: RawFrame, o: Obj) => f.at(o.box.x, o.box.y + 30);
    const byClass = await render('RGB', objects, 'tsoverlay color-by=class');
    expect(objects.map((o) => edge(byClass, o))).toEqual([paletteColor(0), paletteColor(0), paletteColor(0), paletteColor(16)]);
    const byTrack = await render('RGB', objects, 'tsoverlay color-by=track');
    expect(objects.map((o) => edge(byTrack, o))).toEqual([paletteColor(5), paletteColor(6), GREY, paletteColor(5)]);
    // Consecutive ids get clearly different colours.
    const [a, b] = [paletteColor(5), paletteColor(6)];
    expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2])).toBeGreaterThan(150);
    // Same in another format: BGRx carries the same colours.
    const bgrx = await render('BGRx', objects, 'tsoverlay color-by=track');
    expect(objects.map((o) => edge(bgrx, o))).toEqual(objects.map((o) => edge(byTrack, o)));
  });

  it('the draw-* properties choose what is drawn', async () => {
    const color = paletteColor(0);
    const label = async (overlay: string) => {
      const f = await render('RGB', [PERSON], `tsoverlay thickness=2 text-scale=2 ${overlay}`);
      // Label width on its top row, label height up from the box, and whether the box is drawn.
      let height = 0;
      while (f.is(40, 79 - height, color)) height++;
      return { width: height ? runLength(f, 40, 80 - height, color) : 0, height, box: f.is(40, 130, color) };
    };
    const width = async (...lines: string[]) => Math.max(...(await Promise.all(lines.map((l) => labelWidth(l)))));
    const full = await width('#12 person 0.87', 'color: red 0.93');
    expect(await label('')).toEqual({ width: full, height: 42, box: true });
    expect(await label('draw-confidence=false draw-track-id=false')).toEqual({ width: await width('person', 'color: red'), height: 42, box: true });
    expect(await label('draw-classifications=false')).toEqual({ width: await width('#12 person 0.87'), height: 22, box: true });
    expect(await label('draw-labels=false draw-classifications=false')).toEqual({ width: await width('#12 0.87'), height: 22, box: true });
    expect(await label('draw-boxes=false')).toEqual({ width: full, height: 42, box: false });
    expect(await width('person', 'color: red')).toBeLessThan(full);
    const nothing = await label('draw-labels=false draw-confidence=false draw-track-id=false draw-classifications=false');
    expect(nothing).toEqual({ width: 0, height: 0, box: true });
  });

  it('writes the best class of each attribute under the label (top-k results), and the frame\'s own classifications top-left', async () => {
    const color = paletteColor(0);
    const topK: Obj = {
      ...PERSON,
      classifications: [
        { attribute: 'color', label: 'red', classId: 1, confidence: 0.6 },
        { attribute: 'color', label: 'blue', classId: 2, confidence: 0.3 },
        { attribute: 'size', label: 'big', classId: 0, confidence: 0.4 },
      ],
    };
    const f = await render('RGB', [topK]);
    // "#12 person 0.87" / "color: red 0.60" / "size: big 0.40": 3 lines.
    const widths = await Promise.all(['#12 person 0.87', 'color: red 0.60', 'size: big 0.40'].map((l) => labelWidth(l)));
    expect(runLength(f, 40, 80 - 62, color)).toBe(Math.max(...widths));
    expect(f.is(40, 80 - 63, BLACK)).toBe(true);

    // tsclassify inference-region=full-frame on the real MobileNetV2: "species: bald eagle" (top-1 of top-3).
    const model = path.join(MODELS, 'mobilenet_v2_quant_nnstreamer.onnx');
    const labels = path.join(MODELS, 'imagenet_classes_1000.txt');
    const data = await launchToFile(
      (out) =>
        `filesrc location=${MEDIA}/eagle.jpg ! jpegdec ! videoconvert ! video/x-raw,format=RGB ! tsclassify model=${model} labels-file=${labels} inference-region=full-frame top-k=3 attribute-name=species ! tsoverlay text-scale=2 draw-confidence=false ! filesink location=${out}`,
    );
    const eagle = new RawFrame('RGB', 773, 512, data);
    const grey: Rgb = [40, 40, 40];
    const w = await labelWidth('species: bald eagle');
    expect(runLength(eagle, 0, 0, grey)).toBe(w);
    for (let y = 0; y < 22; y++) expect(eagle.is(0, y, grey), eagle.describe(0, y)).toBe(true);
    expect(eagle.is(0, 22, grey)).toBe(false);
    expect(checkText(eagle, [0, 0, w, 22], grey, WHITE)).toBeGreaterThan(0.1);
  });

  it('picks line thickness and text size from the frame size (thickness=0, text-size=0, text-scale=0)', async () => {
    const color = paletteColor(0);
    const obj = { ...PERSON, box: { x: 400, y: 300, width: 300, height: 200 } };
    // 1280x720: 2-pixel lines, 20-pixel text lines (720 / 36) with 2 pixels of padding: 42 pixels for two lines.
    const hd = await render('NV12', [obj], 'tsoverlay', 1280, 720);
    expect([400, 401].map((x) => hd.is(x, 400, color))).toEqual([true, true]);
    expect(hd.is(402, 400, BLACK)).toBe(true);
    expect(hd.is(500, 300 - 42, color) && hd.is(500, 300 - 43, BLACK)).toBe(true);
    // 1920x1080: 30-pixel lines, 3 of padding.
    const fhd = await render('I420', [obj], 'tsoverlay', 1920, 1080);
    // (Luma outside: a label edge on an odd row or column shares its chroma samples with the pixel beyond.)
    expect(fhd.is(500, 300 - 63, color) && fhd.is(500, 300 - 64, BLACK, true)).toBe(true);
    // 320x240: 1-pixel lines, text at its minimum of 12 pixels a line, 1 of padding (1 + 2 x 12 = 25).
    const small = await render('RGBx', [PERSON], 'tsoverlay');
    expect([small.is(40, 130, color), small.is(41, 130, BLACK)]).toEqual([true, true]);
    expect(small.is(50, 80 - 25, color) && small.is(50, 80 - 26, BLACK)).toBe(true);
    const at12 = async (l: string) => labelWidth(l, 'tsoverlay text-size=12');
    expect(runLength(small, 40, 80 - 25, color)).toBe(Math.max(await at12('#12 person 0.87'), await at12('color: red 0.93')));
  });

  it('text-size sets the line height in pixels, text-scale in steps of 10; text-size wins', async () => {
    const color = paletteColor(0);
    const height = async (overlay: string) => {
      const f = await render('BGRx', [PERSON], `tsoverlay ${overlay} draw-classifications=false`);
      let h = 0;
      while (f.is(40, 79 - h, color)) h++;
      return h;
    };
    expect(await height('text-size=30')).toBe(3 + 30);
    expect(await height('text-scale=3')).toBe(3 + 30);
    expect(await height('text-scale=3 text-size=16')).toBe(2 + 16);
    // The text grows with it.
    expect(await labelWidth('person', 'tsoverlay text-size=40')).toBeGreaterThan(1.8 * (await labelWidth('person', 'tsoverlay text-size=20')));
  });

  it('keeps labels inside the frame', async () => {
    const color = paletteColor(0);
    // Box at the top right: the label goes inside the box (no room above) and is shifted left to fit.
    const f = await render('I420', [{ ...PERSON, box: { x: 250, y: 0, width: 70, height: 100 } }]);
    const w = Math.max(await labelWidth('#12 person 0.87'), await labelWidth('color: red 0.93'));
    expect(f.is(319, 0, color), f.describe(319, 0)).toBe(true);
    expect(runLength(f, 320 - w, 0, color)).toBe(w);
    expect(f.is(320 - w - 1, 10, BLACK, true), f.describe(320 - w - 1, 10)).toBe(true);
    // A label wider than the frame is cut at its edges.
    const long = await render('RGB', [{ ...PERSON, label: 'a label far wider than this small frame can hold', trackId: undefined, classifications: [] }]);
    expect(runLength(long, 0, 80 - 22, color)).toBe(320);
  });
});

/** A label drawn alone (RGB, text-scale 2, white on the colour of class 0): its coverage per pixel, and the run's output. */
async function labelCoverage(text: string): Promise<{ width: number; height: number; t: number[][]; output: string }> {
  const obj: Obj = { box: { x: 0, y: 120, width: 60, height: 60 }, label: text, classId: 0, confidence: 1 };
  const out = path.join(tempDir('tsoverlay-'), 'label.raw');
  const r = await gstLaunch(`${objectsSource('RGB', [obj], 640, 240)} ! tsoverlay thickness=2 text-scale=2 ${LABEL_ONLY} ! filesink location=${out}`);
  expect(r.code, r.output).toBe(0);
  const f = new RawFrame('RGB', 640, 240, readFileSync(out));
  const bg = paletteColor(0);
  const width = runLength(f, 0, 119, bg);
  let height = 0;
  while (f.is(0, 119 - height, bg)) height++;
  const t: number[][] = [];
  for (let y = 120 - height; y < 120; y++) {
    const row: number[] = [];
    for (let x = 0; x < width; x++) {
      const v = blend(f, x, y, bg, WHITE);
      expect(v, f.describe(x, y)).not.toBeNull();
      row.push(v as number);
    }
    t.push(row);
  }
  return { width, height, t, output: r.output };
}

/** Pixels of columns [x0, x1) whose coverage differs by more than half between two labels. */
function differing(a: number[][], b: number[][], x0: number, x1: number): number {
  let n = 0;
  for (let y = 0; y < Math.min(a.length, b.length); y++) for (let x = x0; x < x1; x++) if (Math.abs((a[y][x] ?? 0) - (b[y][x] ?? 0)) > 0.5) n++;
  return n;
}

/** Pixels of columns [x0, x1) that are mostly ink. */
function inked(a: number[][], x0: number, x1: number): number {
  return a.reduce((n, row) => n + row.slice(x0, x1).filter((v) => v > 0.5).length, 0);
}

describe('tsoverlay writes text in any script', () => {
  const MISSING = /No installed font has some characters/;

  it('"Fußgänger 行人": the CJK characters are not replacement glyphs, ß and ä are not "?"', async () => {
    const label = await labelCoverage('Fußgänger 行人');
    expect(label.output).not.toMatch(MISSING);
    expect(label.height).toBe(22);
    // "Fußgänger " is drawn the same whatever follows it: the columns after it hold "行人".
    const prefix = (await labelCoverage('Fußgänger')).width - 2; // less the right padding
    const replacement = await labelCoverage('Fußgänger \uFFFD\uFFFD'); // U+FFFD REPLACEMENT CHARACTER, from DejaVu
    const boxes = await labelCoverage('Fußgänger \uE000\uE000'); // private use: no font has it, Pango draws boxes
    expect(differing(label.t, replacement.t, 0, prefix)).toBe(0);
    expect(differing(label.t, boxes.t, 0, prefix)).toBe(0);
    expect(differing(label.t, replacement.t, prefix, label.width)).toBeGreaterThan(40);
    expect(differing(label.t, boxes.t, prefix, label.width)).toBeGreaterThan(40);
    expect(inked(label.t, prefix, label.width)).toBeGreaterThan(60); // two ideographs of many strokes
    // The characters a font lacks are drawn as boxes, with a warning that names them and says what to install.
    expect(boxes.output).toMatch(MISSING);
    expect(boxes.output).toMatch(/fonts-wqy-microhei/);
    expect(replacement.output).not.toMatch(MISSING);

    // The old bitmap font's rendering of it: "Fu?g?nger ??".
    const ascii = await labelCoverage('Fu?g?nger ??');
    expect(differing(label.t, ascii.t, 0, label.width)).toBeGreaterThan(40);
    const [sz, q] = [await labelCoverage('ß'), await labelCoverage('?')];
    expect(differing(sz.t, q.t, 0, Math.max(sz.width, q.width))).toBeGreaterThan(10);
    const [ae, a] = [await labelCoverage('ä'), await labelCoverage('a')];
    expect(ae.width).toBe(a.width);
    expect(differing(ae.t, a.t, 0, a.width)).toBeGreaterThan(3); // the diaeresis
  });

  it('Cyrillic and mixed-script labels, classifications too; invalid UTF-8 is drawn as U+FFFD', async () => {
    const cyr = await labelCoverage('Пешеход');
    expect(cyr.output).not.toMatch(MISSING);
    const ascii = await labelCoverage('???????');
    expect(differing(cyr.t, ascii.t, 0, Math.max(cyr.width, ascii.width))).toBeGreaterThan(40);
    // A classification line in another script, in YUV, blended like any text.
    // (The attribute stays ASCII: it names a GstStructure on the meta.)
    const obj: Obj = { ...PERSON, label: '自行车', classifications: [{ attribute: 'color', label: 'красный', classId: 1, confidence: 0.9 }] };
    const f = await render('NV12', [obj], 'tsoverlay thickness=2 text-scale=2 draw-confidence=false draw-track-id=false');
    const w = Math.max(await labelWidth('自行车'), await labelWidth('color: красный'));
    expect(runLength(f, 40, 38, paletteColor(0))).toBe(w);
    expect(checkText(f, [40, 38, 40 + w, 80], paletteColor(0), WHITE)).toBeGreaterThan(0.08);

    // A ROI meta of another element whose roi_type is not UTF-8 (Latin-1 bytes; GQuarks take any): each invalid
    // byte is drawn as U+FFFD, without a GLib warning.
    const tool = path.join(ROOT, 'build', 'roi-meta-pipeline');
    const out = path.join(tempDir('tsoverlay-'), 'latin1.raw');
    const pipeline = `videotestsrc num-buffers=1 pattern=black ! ${caps('RGB', 320, 240)} ! identity name=roi ! tsoverlay text-scale=2 ! filesink location=${out}`;
    const r = await run('sh', ['-c', `"$0" "$1" --roi "$(printf 'Fu\\337g\\344nger'),20,140,100,60"`, tool, pipeline]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/CRITICAL|WARNING|Invalid UTF-8/);
    let h = 0x811c9dc5; // the label's colour: FNV-1a of its bytes
    for (const b of Buffer.from('Fu\xdfg\xe4nger', 'latin1')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    const latin1 = new RawFrame('RGB', 320, 240, readFileSync(out));
    expect(runLength(latin1, 20, 140 - 22, paletteColor(h))).toBe(await labelWidth('Fu\uFFFDg\uFFFDnger'));
  });

  it('right-to-left labels are reordered as a whole line; huge labels are cut at the frame', async () => {
    // "שלום עולם" reads right to left: its second word is the leftmost.
    const rtl = await labelCoverage('שלום עולם');
    expect(rtl.output).not.toMatch(MISSING);
    const second = await labelCoverage('עולם');
    const first = await labelCoverage('שלום');
    const left = second.width - 2;
    expect(differing(rtl.t, second.t, 0, left)).toBeLessThan(5);
    expect(differing(rtl.t, first.t, 0, left)).toBeGreaterThan(20);

    // 3300 characters at 500-pixel lines: laid out up to the frame's edge only, the label cut there.
    const long = '行人 Fußgänger '.repeat(300);
    const r = await gstLaunch(
      `${objectsSource('RGB', [{ ...PERSON, label: long, trackId: undefined, classifications: [] }], 320, 240, 'black', 3)} ! tsoverlay text-size=500 ! fakesink`,
      { timeoutMs: 20_000 },
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/CRITICAL|WARNING/);
  });

  it('several tsoverlay instances draw at once in one process, each as it does alone', async () => {
    const labels = ['Fußgänger 行人', 'Пешеход', 'voiture', '自行车', 'Ölfass', 'traffic light', 'dog', 'Ψάρι', 'バス', '사람'];
    const objects: Obj[] = labels.map((label, i) => ({
      box: { x: 20 + (i % 5) * 120, y: 60 + Math.floor(i / 5) * 150, width: 100, height: 80 },
      label,
      classId: i,
      confidence: 0.5 + i / 20,
      trackId: i + 1,
    }));
    const sizes = [14, 20, 20, 33];
    const src = objectsSource('I420', objects, 640, 360, 'smpte', 10);
    const dir = tempDir('tsoverlay-');
    // One tee, a queue (a streaming thread) per instance: all four draw the same frames at the same time.
    const branches = sizes.map((size, i) => `t. ! queue ! tsoverlay text-size=${size} ! filesink location=${dir}/${i}.raw`).join(' ');
    const r = await gstLaunch(`${src} ! tee name=t ${branches}`);
    expect(r.code, r.output).toBe(0);
    for (const size of new Set(sizes)) {
      const alone = await launchToFile((out) => `${src} ! tsoverlay text-size=${size} ! filesink location=${out}`);
      sizes.forEach((s, i) => {
        if (s === size) expect(readFileSync(`${dir}/${i}.raw`).equals(alone), `instance ${i} (text-size=${size})`).toBe(true);
      });
    }
    expect(readFileSync(`${dir}/0.raw`).equals(readFileSync(`${dir}/3.raw`))).toBe(false);
    // Not every script had a font: a warning would say so (Hangul and kana come from WenQuanYi Micro Hei).
    expect(r.output).not.toMatch(MISSING);
  });
});

describe('tsoverlay leaves what it does not draw on alone', () => {
  for (const format of ['RGB', 'BGRA', 'I420', 'NV12']) {
    it(`${format}: frames without objects come out byte-identical`, async () => {
      const src = `videotestsrc num-buffers=3 pattern=smpte ! ${caps(format, 320, 240)}`;
      const plain = await launchToFile((out) => `${src} ! filesink location=${out}`);
      const through = await launchToFile((out) => `${src} ! tsoverlay ! filesink location=${out}`);
      expect(through.equals(plain)).toBe(true);
      // No metas from a detector that found nothing; metas with everything switched off.
      const empty = await launchToFile((out) => `${objectsSource(format, [], 320, 240, 'smpte', 3)} ! tsoverlay ! filesink location=${out}`);
      expect(empty.equals(plain)).toBe(true);
      const withMetas = await launchToFile((out) => `${objectsSource(format, [PERSON], 320, 240, 'smpte', 3)} ! filesink location=${out}`);
      const off = await launchToFile(
        (out) =>
          `${objectsSource(format, [PERSON], 320, 240, 'smpte', 3)} ! tsoverlay draw-boxes=false draw-labels=false draw-confidence=false draw-track-id=false draw-classifications=false ! filesink location=${out}`,
      );
      expect(off.equals(withMetas)).toBe(true);
    });
  }

  it('draws on a copy when the buffer is shared (tee): the other branch is unchanged', async () => {
    const dir = tempDir('tsoverlay-');
    const [a, b] = [path.join(dir, 'a.raw'), path.join(dir, 'b.raw')];
    const r = await gstLaunch(
      `${objectsSource('RGB', [PERSON])} ! tee name=t t. ! queue ! tsoverlay ! filesink location=${a} t. ! queue ! filesink location=${b}`,
    );
    expect(r.code, r.output).toBe(0);
    const drawn = new RawFrame('RGB', 320, 240, readFileSync(a));
    const untouched = readFileSync(b);
    expect(drawn.is(40, 130, paletteColor(0))).toBe(true);
    expect(untouched.every((v) => v === 0)).toBe(true);
  });
});

describe('tsoverlay element', () => {
  it('gst-inspect-1.0 documents the properties, their defaults and the formats', async () => {
    const r = await run('gst-inspect-1.0', ['tsoverlay']);
    expect(r.code, r.output).toBe(0);
    const props: [string, RegExp][] = [
      ['color-by', /Default: 0, "class"[\s\S]*\(0\): class[\s\S]*\(1\): track/],
      ['draw-boxes', /Boolean\. Default: true/],
      ['draw-labels', /Boolean\. Default: true/],
      ['draw-confidence', /Boolean\. Default: true/],
      ['draw-track-id', /Boolean\. Default: true/],
      ['draw-classifications', /Boolean\. Default: true/],
      ['draw-predicted', /Boolean\. Default: true/],
      ['thickness', /Range: 0 - 100 Default: 0/],
      ['text-scale', /Range: 0 - 50 Default: 0/],
      ['text-size', /Range: 0 - 500 Default: 0/],
      ['font-desc', /String\. Default: "Sans Bold"/],
    ];
    for (const [name, detail] of props) {
      const start = new RegExp(`\\n  ${name}\\s*:`).exec(r.stdout)?.index ?? -1;
      expect(start, `${name} in gst-inspect-1.0 output`).toBeGreaterThan(0);
      // The property's block runs to the next property's name.
      const next = /\n  [a-z][\w-]*\s*: /g;
      next.lastIndex = start + 3;
      const end = next.exec(r.stdout)?.index;
      const block = r.stdout.slice(start, end);
      expect(block).toMatch(detail);
      expect(block).toMatch(/changeable in NULL, READY, PAUSED or PLAYING state/);
    }
    expect(r.stdout).toMatch(/format: \{ \(string\)RGB, \(string\)BGR, \(string\)RGBx, \(string\)BGRx, \(string\)RGBA, \(string\)BGRA, \(string\)I420, \(string\)NV12 \}/);
    expect(r.stdout).toMatch(/0: from the frame size/);
  });

  it('refuses formats it cannot draw on, and bad property values, with clear messages', async () => {
    const yuy2 = await gstLaunch('videotestsrc num-buffers=1 ! video/x-raw,format=YUY2 ! tsoverlay ! fakesink');
    expect(yuy2.code).not.toBe(0);
    expect(yuy2.output).toMatch(/tsoverlay0 can't handle caps video\/x-raw, format=\(string\)YUY2/);
    // With videoconvert in front it works.
    const converted = await gstLaunch('videotestsrc num-buffers=1 ! video/x-raw,format=YUY2 ! videoconvert ! tsoverlay ! fakesink');
    expect(converted.code, converted.output).toBe(0);
    const bad = await gstLaunch('videotestsrc num-buffers=1 ! tsoverlay color-by=size ! fakesink');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/could not set property "color-by" in element "tsoverlay" to "size"/);
  });

  it('does not make the plugin link libnode', async () => {
    const r = await run('ldd', [path.join(ROOT, 'build', 'gst-plugin', 'libgsttsvision.so')]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).not.toMatch(/libnode/);
  });
});
