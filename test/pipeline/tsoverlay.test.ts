/** tsoverlay in real gst-launch-1.0 pipelines: known objects on known frames, checked pixel by pixel in every format. */
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
  return `videotestsrc num-buffers=${frames} pattern=${pattern} ! ${caps(format, width, height)} ! tsdetect module=${HOOKS}/overlay-objects.ts module-args='${JSON.stringify({ objects })}'`;
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

      // Label above the box: "#12 person 0.87" / "color: red 0.93" (15 characters, 2 lines) at text-scale 2:
      // (2 + 15 x 12) x (2 + 2 x 20) = 182 x 42 pixels at (40, 38).
      const [lx, ly, lw, lh] = [40, 38, 182, 42];
      check(lx, ly, color, true);
      check(lx + lw - 1, ly + lh - 1, color, true);
      expect(runLength(f, lx, ly, color)).toBe(lw);
      for (const [x, y] of [[lx - 1, ly + 10], [lx + lw, ly + 10], [lx + 10, ly - 1]]) check(x, y, BLACK, true);
      // Inside: only background and white glyph pixels (luma for YUV: chroma is shared by 2x2 pixels), and plenty of glyphs.
      let ink = 0;
      for (let y = ly; y < ly + lh; y++) {
        for (let x = lx; x < lx + lw; x++) {
          const isInk = f.is(x, y, WHITE, true);
          if (isInk) ink++;
          else check(x, y, color, true, true);
        }
      }
      expect(ink).toBeGreaterThan(600);
      expect(ink).toBeLessThan(lw * lh * 0.5);
      if (f.yuv) {
        // Glyph pixels on the 2x2 chroma grid carry the neutral chroma of white: the '#' of "#12", row 2, column 0.
        check(lx + 2, ly + 2 + 2 * 2, WHITE, true);
      }
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
    // "car": (2 + 3 x 12) = 38 pixels wide, 22 high, above the box.
    expect(runLength(f, 20, 40 - 22, car)).toBe(38);

    // Predicted (tstrack on a frame without inference): dashed, "#7 bike" (7 characters).
    const bike = paletteColor(labelIndex('bike'));
    const top = Array.from({ length: 80 }, (_, i) => f.is(150 + i, 100, bike));
    expect(top.filter(Boolean).length).toBeGreaterThan(30);
    expect(top.filter((b) => !b).length).toBeGreaterThan(15);
    expect(f.is(150, 150, bike) || f.is(150, 160, bike)).toBe(true);
    expect(runLength(f, 150, 100 - 22, bike)).toBe(2 + 7 * 12);

    // The detection param's class id picks the colour; "truck 0.50" (10 characters).
    const truck = paletteColor(7);
    expect(f.is(160, 50, truck), f.describe(160, 50)).toBe(true);
    expect(f.is(219, 50, truck), f.describe(219, 50)).toBe(true);
    expect(f.is(100, 59, BLACK) && f.is(190, 60, BLACK)).toBe(true);
    // No room above: the label goes inside the box, at its top.
    expect(runLength(f, 160, 20, truck)).toBe(2 + 10 * 12);

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
    expect(await label('')).toEqual({ width: 2 + 15 * 12, height: 42, box: true });
    // "person" / "color: red"
    expect(await label('draw-confidence=false draw-track-id=false')).toEqual({ width: 2 + 10 * 12, height: 42, box: true });
    // "#12 person 0.87"
    expect(await label('draw-classifications=false')).toEqual({ width: 2 + 15 * 12, height: 22, box: true });
    // "#12 0.87" / "color: red 0.93"
    expect(await label('draw-labels=false draw-classifications=false')).toEqual({ width: 2 + 8 * 12, height: 22, box: true });
    expect(await label('draw-boxes=false')).toEqual({ width: 2 + 15 * 12, height: 42, box: false });
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
    // "#12 person 0.87" / "color: red 0.60" / "size: big 0.40": 3 lines, 15 characters.
    expect(runLength(f, 40, 80 - 62, color)).toBe(2 + 15 * 12);
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
    expect(runLength(eagle, 0, 0, grey)).toBe(2 + 19 * 12);
    let ink = 0;
    for (let y = 0; y < 22; y++) {
      expect(eagle.is(0, y, grey), eagle.describe(0, y)).toBe(true);
      for (let x = 0; x < 2 + 19 * 12; x++) {
        if (eagle.is(x, y, WHITE)) ink++;
        else expect(eagle.is(x, y, grey), eagle.describe(x, y)).toBe(true);
      }
    }
    expect(ink).toBeGreaterThan(300);
  });

  it('picks line thickness and text size from the frame size (thickness=0, text-scale=0)', async () => {
    const color = paletteColor(0);
    const obj = { ...PERSON, box: { x: 400, y: 300, width: 300, height: 200 } };
    // 1280x720: 2-pixel lines, text scale 2 (2 + 2 x 20 = 42 pixels for two lines).
    const hd = await render('NV12', [obj], 'tsoverlay', 1280, 720);
    expect([400, 401].map((x) => hd.is(x, 400, color))).toEqual([true, true]);
    expect(hd.is(402, 400, BLACK)).toBe(true);
    expect(hd.is(500, 300 - 42, color) && hd.is(500, 300 - 43, BLACK)).toBe(true);
    // 320x240: 1-pixel lines, text scale 1 (1 + 2 x 10 = 21).
    const small = await render('RGBx', [PERSON], 'tsoverlay');
    expect([small.is(40, 130, color), small.is(41, 130, BLACK)]).toEqual([true, true]);
    expect(small.is(50, 80 - 21, color) && small.is(50, 80 - 22, BLACK)).toBe(true);
    expect(runLength(small, 40, 80 - 21, color)).toBe(1 + 15 * 6);
  });

  it('keeps labels inside the frame', async () => {
    const color = paletteColor(0);
    // Box at the top right: the label goes inside the box (no room above) and is shifted left to fit.
    const f = await render('I420', [{ ...PERSON, box: { x: 250, y: 0, width: 70, height: 100 } }]);
    expect(f.is(319, 0, color), f.describe(319, 0)).toBe(true);
    expect(runLength(f, 320 - 182, 0, color)).toBe(182);
    expect(f.is(320 - 183, 10, BLACK)).toBe(true);
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
