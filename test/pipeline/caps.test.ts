/**
 * Caps: the pad templates say exactly what each element takes, so `videoconvert` before a pixel-reading
 * element converts what it cannot read, and the metadata-only elements sit anywhere (any format, any caps
 * features such as DeepStream's memory:NVMM).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS, HOOKS, ROOT, YOLOX, gstLaunch, imageSource, readJsonl, run, tempDir } from '../helpers/gst';

const PIXEL_FORMATS = ['RGB', 'BGR', 'RGBx', 'BGRx', 'RGBA', 'BGRA', 'I420', 'NV12'];

/** The caps strings of a pad template as gst-inspect-1.0 prints them. */
async function templateCaps(element: string, pad: 'sink' | 'src'): Promise<string> {
  const r = await run('gst-inspect-1.0', [element]);
  expect(r.code, r.output).toBe(0);
  const section = r.stdout.split(/\n\s*(?:SINK|SRC) template: /).find((s) => s.startsWith(`'${pad}'`));
  expect(section, r.stdout).toBeDefined();
  return section!.split('\n').slice(3).join('\n').split(/\n\s*\n/)[0];
}

describe('pad templates', () => {
  for (const element of ['tsdetect', 'tsclassify']) {
    it(`${element} lists the 8 pixel formats it reads, in system memory only`, async () => {
      for (const pad of ['sink', 'src'] as const) {
        const caps = await templateCaps(element, pad);
        const formats = /format: \{ \(string\)(.*) \}/.exec(caps);
        expect(formats, caps).not.toBeNull();
        expect(formats![1].split(/, \(string\)/).sort()).toEqual([...PIXEL_FORMATS].sort());
        expect(caps).not.toContain('(ANY)');
        expect(caps.match(/video\/x-raw/g)).toHaveLength(1);
      }
    });
  }
  for (const element of ['tstrack', 'tsexport']) {
    it(`${element} takes any raw video with any caps features`, async () => {
      for (const pad of ['sink', 'src'] as const) expect((await templateCaps(element, pad)).trim()).toBe('video/x-raw(ANY)');
    });
  }
});

describe('videoconvert before tsdetect', () => {
  for (const format of ['GRAY8', 'YUY2', 'UYVY', 'I420_10LE']) {
    it(`converts ${format} into a format tsdetect reads, and tsdetect finds the dog`, async () => {
      const out = path.join(tempDir(), `${format}.jsonl`);
      const r = await gstLaunch(
        `${imageSource('dog.jpg', format)} ! videoconvert ! tsdetect model=${YOLOX} labels-file=${COCO_LABELS} ! tsexport location=${out} ! fakesink`,
        { flags: ['-v'] },
      );
      expect(r.code, r.output).toBe(0);
      // What reached tsdetect is one of its formats (videoconvert chose it from the template).
      const negotiated = /tsdetect0\.GstPad:sink: caps = video\/x-raw,[^\n]*? format=\(string\)(\w+)/.exec(r.output);
      expect(negotiated, r.output).not.toBeNull();
      expect(PIXEL_FORMATS).toContain(negotiated![1]);
      const frames = readJsonl(out);
      expect(frames).toHaveLength(2);
      const dog = frames[0].objects.find((o) => o.label === 'dog');
      // GRAY8 loses colour, not the dog.
      expect(dog, JSON.stringify(frames[0])).toBeDefined();
      expect(dog!.confidence).toBeGreaterThan(0.5);
    });
  }

  it('without videoconvert, GRAY8 does not link, naming tsdetect', async () => {
    const r = await gstLaunch(`videotestsrc num-buffers=2 ! video/x-raw,format=GRAY8,width=64,height=48 ! tsdetect model=${YOLOX} ! fakesink`);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("tsdetect0 can't handle caps video/x-raw, format=(string)GRAY8");
  });
});

describe('metadata-only elements in any memory', () => {
  const facts = path.join(HOOKS, 'track-frame-facts.ts');
  // A DeepStream-like stream: the caps claim memory:NVMM (the buffers themselves stay in system memory).
  it('tstrack and tsexport pass memory:NVMM caps through, track its objects, and hooks get no pixels', async () => {
    const out = path.join(tempDir(), 'nvmm.jsonl');
    const tool = path.join(ROOT, 'build', 'roi-meta-pipeline'); // built by meson from test/programs/roi-meta-pipeline.c
    const r = await run(tool, [
      `videotestsrc num-buffers=12 ! video/x-raw,format=NV12,width=320,height=240 ! identity name=roi ! tstrack ! tstrack module=${facts} ! tsexport location=${out} ! fakesink`,
      '--caps-features',
      'memory:NVMM',
      '--roi',
      'person,40,30,50,120',
    ]);
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.frame)).toEqual([...Array(12).keys()]);
    for (const f of frames) {
      expect(f.width).toBe(320);
      // The second tstrack's hook saw the caps' format, and no pixels.
      expect(f.objects.map((o) => o.label)).toEqual(['person', 'NV12:0:0']);
    }
  });

  it('tstrack takes GRAY8 (no pixels for hooks) and I420 (pixels for hooks)', async () => {
    for (const [format, label] of [
      ['GRAY8', 'GRAY8:0:0'],
      ['I420', `I420:${64 * 48 * 1.5}:3`],
    ]) {
      const out = path.join(tempDir(), `${format}.jsonl`);
      const r = await gstLaunch(
        `videotestsrc num-buffers=2 ! video/x-raw,format=${format},width=64,height=48 ! tstrack module=${facts} ! tsexport location=${out} ! fakesink`,
      );
      expect(r.code, r.output).toBe(0);
      expect(readJsonl(out).map((f) => f.objects.map((o) => o.label))).toEqual([[label], [label]]);
    }
  });
});
