/**
 * examples/: every runnable example script run as a user runs it (`bash examples/X.sh …`) on short inputs, with
 * its real outputs checked: videos decode, JSON Lines hold tracked objects, faces are found and drawn, the
 * line counter posts exactly the expected bus messages, two streams share one model session, the DeepStream
 * pipeline's standard-elements variant runs. Camera scripts (no camera here) are checked for syntax and for
 * elements that exist, and run with a test source in place of the camera.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEDIA, ROOT, gstLaunch, readJsonl, run, tempDir, type JsonlFrame, type JsonlObject, type RunResult } from '../helpers/gst';
import { loadRgbImage } from '../helpers/images';

const EXAMPLES = path.join(ROOT, 'examples');

/** Runs examples/<name> with bash; outputs that default to out/ go to a temporary directory instead. */
async function example(name: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
  const r = await run('bash', [path.join(EXAMPLES, name), ...args], { env: { OUT_DIR: tempDir('tsvision-examples-'), ...env }, timeoutMs });
  expect(r.timedOut, `${name} hung:\n${r.output}`).toBe(false);
  return r;
}

async function exampleOk(name: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs?: number): Promise<RunResult> {
  const r = await example(name, args, env, timeoutMs);
  expect(r.signal, `${name} crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
  return r;
}

/** The frames of a video file as tsexport sees them after decodebin (one JSON line per decoded frame). */
async function decodedFrames(video: string): Promise<JsonlFrame[]> {
  const out = path.join(tempDir(), 'decoded.jsonl');
  const r = await gstLaunch(`filesrc location=${video} ! decodebin ! tsexport location=${out} ! fakesink`);
  expect(r.code, r.output).toBe(0);
  return readJsonl(out);
}

/** The gst-launch-1.0 arguments an example would run (DRY_RUN=1). */
async function dryRun(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<string[]> {
  const r = await exampleOk(name, args, { DRY_RUN: '1', ...env });
  const words = r.stdout.split('\n').filter((w) => w.length > 0);
  expect(words[0]).toBe('gst-launch-1.0');
  return words.slice(1);
}

/** Element factory names in gst-launch arguments (not flags, properties, caps, pad references or links). */
const elementNames = (words: string[]) => words.filter((w) => /^[A-Za-z0-9_]+$/.test(w));

async function elementExists(name: string): Promise<boolean> {
  return (await run('gst-inspect-1.0', [name], { timeoutMs: 30_000 })).code === 0;
}

const tracked = (frames: JsonlFrame[], label = 'person'): JsonlObject[] =>
  frames.flatMap((f) => f.objects.filter((o) => o.label === label && o.track_id !== null));

function iou(a: JsonlObject['box'], b: JsonlObject['box']): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

interface Crossing {
  trackId: number;
  label: string;
  direction: string;
  frame: number;
  countIn: number;
  countOut: number;
}

/** The `line-crossing` messages line-crossing.sh prints (their GstStructure text), in order. */
function crossings(stdout: string): Crossing[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('line-crossing, '))
    .map((l) => {
      const f = Object.fromEntries([...l.matchAll(/([\w-]+)=\(\w+\)([^,;]+)/g)].map((m) => [m[1], m[2]]));
      return {
        trackId: Number(f['track-id']),
        label: f.label,
        direction: f.direction,
        frame: Number(f.frame),
        countIn: Number(f['count-in']),
        countOut: Number(f['count-out']),
      };
    });
}

/**
 * Four synthetic objects on a 640x480 frame, for a line from (320, 48) to (320, 288) (normalised
 * [0.5,0.1,0.5,0.6], drawn top to bottom: moving right across it is "out", moving left "in"). Box centres:
 * person (120 + 8f, 100) crosses right on frame 26 (it is on the line on frame 25); car (590 - 10f, 170) crosses
 * left on frame 28; dog (250 + 5f, 250) until frame 29, then back (395 - 5(f - 30), 250): right on frame 15,
 * left on frame 46; cat (100 + 8f, 400) passes below the segment's end and never counts.
 */
const MOVERS = `import type { Detection, DetectHook } from 'tsvision';
const box = (label: string, classId: number, cx: number, cy: number, width: number, height: number): Detection => ({
  box: { x: cx - width / 2, y: cy - height / 2, width, height }, label, classId, confidence: 0.9,
});
const hook: DetectHook = {
  detect(frame) {
    const f = frame.index;
    return [
      box('person', 0, 120 + 8 * f, 100, 40, 80),
      box('car', 2, 590 - 10 * f, 170, 60, 40),
      box('dog', 16, f < 30 ? 250 + 5 * f : 395 - 5 * (f - 30), 250, 60, 60),
      box('cat', 15, 100 + 8 * f, 400, 40, 60),
    ];
  },
};
export default hook;
`;

describe('examples/', () => {
  it('detect-track-overlay.sh: an annotated H.264 MP4 with every analysed frame, and JSON Lines with tracked people', async () => {
    const dir = tempDir();
    const video = path.join(dir, 'annotated.mp4');
    const r = await exampleOk('detect-track-overlay.sh', ['', video], { FRAMES: '90' });
    const jsonl = path.join(dir, 'annotated.jsonl');
    expect(r.stdout).toContain(`objects: ${jsonl}`);
    const frames = readJsonl(jsonl);
    // identity eos-after=90 stops the stream; frames the H.264 decoder holds still drain.
    expect(frames.length).toBeGreaterThanOrEqual(90);
    frames.forEach((f, i) => expect([f.frame, f.width, f.height]).toEqual([i, 768, 432]));
    // The first person walks in around frame 60 and is tracked from a few frames later, with one id.
    const people = tracked(frames);
    expect(people.length).toBeGreaterThan(10);
    expect(new Set(people.map((o) => o.track_id))).toEqual(new Set([1]));
    expect(Math.max(...people.map((o) => o.box.height))).toBeGreaterThan(200);

    // Every analysed frame is in the MP4 — but avdec_h264 draining a stream cut by `identity eos-after` may emit
    // its last frames with one and the same pts (seen without tsvision too: `decodebin ! identity eos-after=90 !
    // fakesink`), and an MP4 holds one frame per timestamp.
    const decoded = await decodedFrames(video);
    expect(decoded.length).toBe(new Set(frames.map((f) => f.pts)).size);
    expect([decoded[0].width, decoded[0].height]).toEqual([768, 432]);
  });

  it('ultraface-faces.sh: the TypeScript UltraFace decoder finds both faces in zidane.jpg and they are drawn in the PNG', async () => {
    const dir = tempDir();
    const png = path.join(dir, 'faces.png');
    const r = await exampleOk('ultraface-faces.sh', [path.join(MEDIA, 'zidane.jpg'), png]);
    expect(r.stdout).toMatch(/faces: 2 /);
    const [frame] = readJsonl(path.join(dir, 'faces.jsonl'));
    expect([frame.width, frame.height]).toEqual([1280, 720]);
    const faces = frame.objects.sort((a, b) => a.box.x - b.box.x);
    expect(faces.map((o) => o.label)).toEqual(['face', 'face']);
    for (const f of faces) expect(f.confidence).toBeGreaterThan(0.9);
    // Hand-checked: the face on the left (centre ~(601, 335)) and the one on the right (~(989, 195)).
    const centre = (o: JsonlObject) => [o.box.x + o.box.width / 2, o.box.y + o.box.height / 2];
    expect(Math.hypot(centre(faces[0])[0] - 601, centre(faces[0])[1] - 335)).toBeLessThan(30);
    expect(Math.hypot(centre(faces[1])[0] - 989, centre(faces[1])[1] - 195)).toBeLessThan(30);

    // tsoverlay drew each box's edges in class 0's palette colour (hue 0: 255,38,38).
    const img = loadRgbImage(png);
    expect([img.width, img.height]).toEqual([1280, 720]);
    const pixel = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)).join(',');
    for (const { box } of faces) {
      const ys = Array.from({ length: 9 }, (_, k) => Math.round(box.y + ((k + 1) / 10) * box.height));
      const leftEdge = [-1, 0, 1].some((d) => ys.every((y) => pixel(Math.round(box.x) + d, y) === '255,38,38'));
      expect(leftEdge, `left edge of ${JSON.stringify(box)}`).toBe(true);
    }
  });

  it('line-crossing.sh: one line-crossing message per crossing of the segment, with track id, label, direction and counts', async () => {
    const dir = tempDir();
    const movers = path.join(dir, 'movers.ts');
    writeFileSync(movers, MOVERS);
    const jsonl = path.join(dir, 'tracks.jsonl');
    const r = await exampleOk('line-crossing.sh', [], {
      SOURCE: 'videotestsrc num-buffers=60 ! video/x-raw,width=640,height=480',
      DETECTOR: `tsdetect module=${movers}`,
      LINE: '[0.5, 0.1, 0.5, 0.6]',
      JSONL: jsonl,
    });
    const frames = readJsonl(jsonl);
    expect(frames).toHaveLength(60);
    // The counter adds nothing: the four objects, with tstrack's ids, pass on.
    for (const f of frames) expect(f.objects.map((o) => o.label)).toEqual(['person', 'car', 'dog', 'cat']);
    const idOf = (label: string) => frames[59].objects.find((o) => o.label === label)!.track_id!;
    expect(new Set(['person', 'car', 'dog', 'cat'].map(idOf)).size).toBe(4);
    for (const label of ['person', 'car', 'dog', 'cat']) expect(frames[5].objects.find((o) => o.label === label)!.track_id).toBe(idOf(label));

    expect(crossings(r.stdout)).toEqual([
      { trackId: idOf('dog'), label: 'dog', direction: 'out', frame: 15, countIn: 0, countOut: 1 },
      { trackId: idOf('person'), label: 'person', direction: 'out', frame: 26, countIn: 0, countOut: 2 },
      { trackId: idOf('car'), label: 'car', direction: 'in', frame: 28, countIn: 1, countOut: 2 },
      { trackId: idOf('dog'), label: 'dog', direction: 'in', frame: 46, countIn: 2, countOut: 2 },
    ]);
    expect(r.stdout).toContain('4 crossings: 2 in, 2 out');
  });

  it('line-crossing.sh: a malformed line is an error naming the hook and the setting', async () => {
    const r = await example('line-crossing.sh', [], { SOURCE: 'videotestsrc num-buffers=3', DETECTOR: 'identity', LINE: '[0.5,0.5]' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/setup\(\) in \S+examples\/hooks\/line-counter\.ts:\d+:\d+ threw Error: module-args "line" must be \[x1,y1,x2,y2\]/);
    expect(r.stdout).not.toContain('crossings:');
  });

  it('line-crossing.sh on the person video: the first person is counted once, leaving to the right', async () => {
    const r = await exampleOk('line-crossing.sh', [], { FRAMES: '220' });
    const c = crossings(r.stdout);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trackId: 1, label: 'person', direction: 'out', countIn: 0, countOut: 1 });
    // The person stands near x 450 and walks out to the right around frame 190 (centre past 3/4 of the width).
    expect(c[0].frame).toBeGreaterThan(150);
    expect(c[0].frame).toBeLessThan(215);
  });

  it('count-people.sh: tsanalytics counts the first person crossing the door line, and the counters are in the video', async () => {
    const dir = tempDir();
    const video = path.join(dir, 'counted.mp4');
    const r = await exampleOk('count-people.sh', ['', video], { FRAMES: '220' });
    expect(r.stdout).toContain('line door: in 1, out 0');
    const lines = readJsonl(path.join(dir, 'counted.jsonl')) as unknown as { frame: number; pts: number; events: { type: string; frame: number; track_id: number }[]; counts: { lines: Record<string, { in: number }> } }[];
    const crossings = lines.flatMap((l) => l.events).filter((e) => e.type === 'line-crossed');
    expect(crossings).toHaveLength(1);
    expect(crossings[0].track_id).toBe(1);
    // The person walks out to the right around frame 190.
    expect(crossings[0].frame).toBeGreaterThan(150);
    expect(crossings[0].frame).toBeLessThan(215);
    expect(lines[lines.length - 1].counts.lines.door.in).toBe(1);
    const decoded = await decodedFrames(video);
    expect(decoded.length).toBe(new Set(lines.map((l) => l.pts)).size); // one MP4 frame per pts (see above)
  });

  it('two-streams.sh: the H.264 and VP8 copies of the video, one shared model session, each stream its own results', async () => {
    const dir = tempDir();
    const r = await exampleOk('two-streams.sh', ['', '', dir], { FRAMES: '80', GST_DEBUG: 'tsdetect:4', GST_DEBUG_NO_COLOR: '1' });
    const h264 = readJsonl(path.join(dir, 'stream-0.jsonl'));
    const vp8 = readJsonl(path.join(dir, 'stream-1.jsonl'));
    // `identity eos-after=80` behind decodebin sometimes lets 79 frames through when the branch downstream is
    // slow (seen with an identity counting buffers in front of tsdetect, so before tsvision): every frame that
    // arrived is exported, in order, none twice.
    expect(vp8.length).toBeGreaterThanOrEqual(79);
    expect(vp8.length).toBeLessThanOrEqual(80); // the VP8 decoder holds no frames back
    expect(vp8.map((f) => f.frame)).toEqual([...Array(vp8.length).keys()]);
    expect(h264.length).toBeGreaterThanOrEqual(79);
    for (const f of [...h264, ...vp8]) expect([f.width, f.height]).toEqual([768, 432]);

    // One session: both elements report the frames of both streams at the end.
    const ran = (el: string) => Number(new RegExp(`${el}: inference ran (\\d+) frames in \\d+ runs`).exec(r.output)?.[1]);
    expect(ran('detect0'), r.output).toBe(h264.length + vp8.length);
    expect(ran('detect1')).toBe(h264.length + vp8.length);

    // Each stream has its own tracker (ids from 1) and its own detections: the same person, frame by frame.
    expect(new Set(tracked(h264).map((o) => o.track_id))).toEqual(new Set([1]));
    expect(new Set(tracked(vp8).map((o) => o.track_id))).toEqual(new Set([1]));
    let compared = 0;
    for (let i = 0; i < 76; i++) {
      const a = h264[i].objects.find((o) => o.label === 'person');
      const b = vp8[i].objects.find((o) => o.label === 'person');
      if (!a || !b) continue;
      expect(iou(a.box, b.box), `frame ${i}`).toBeGreaterThan(0.8);
      compared++;
    }
    expect(compared).toBeGreaterThan(8);
  });

  it('deepstream.sh --standard: the DeepStream pipeline with standard elements runs (muxer size, RGBA, annotated MP4)', async () => {
    const dir = tempDir();
    const video = path.join(dir, 'ds.mp4');
    await exampleOk('deepstream.sh', ['--standard', '', video], { FRAMES: '80' });
    const frames = readJsonl(path.join(dir, 'ds.jsonl'));
    expect(frames.length).toBeGreaterThanOrEqual(80);
    for (const f of frames) expect([f.width, f.height]).toEqual([1280, 720]); // scaled to the muxer's size
    const people = tracked(frames);
    expect(people.length).toBeGreaterThan(5);
    expect(Math.max(...people.map((o) => o.box.height))).toBeGreaterThan(300); // 432 → 720 lines
    const decoded = await decodedFrames(video);
    expect(decoded.length).toBe(frames.length);
    expect([decoded[0].width, decoded[0].height]).toEqual([1280, 720]);
  });

  it('deepstream.sh: the DeepStream pipeline has the same tsvision part, after nvvideoconvert to system-memory RGBA', async () => {
    const env = { OUT_DIR: tempDir() };
    const ds = await dryRun('deepstream.sh', [], env);
    const std = await dryRun('deepstream.sh', ['--standard'], env);
    const tsvisionPart = (words: string[]) => words.slice(words.indexOf('tsdetect'), words.indexOf('color-by=track') + 1);
    expect(tsvisionPart(ds).length).toBeGreaterThan(8);
    expect(tsvisionPart(ds)).toEqual(tsvisionPart(std));
    const text = ds.join(' ');
    expect(text).toContain('nvstreammux name=m batch-size=1 width=1280 height=720');
    expect(text).toContain('nvvideoconvert ! video/x-raw,format=RGBA ! tsdetect');
    expect(text).toContain('nvv4l2decoder ! m.sink_0');
    // NVIDIA's elements are exactly the ones the doc lists as unverified; every other one exists here, except
    // h264parse (gst-plugins-bad, which DeepStream's installation brings; the standard variant does without it).
    const names = [...new Set(elementNames(ds))];
    const nvidia = names.filter((n) => n.startsWith('nv'));
    expect(nvidia.sort()).toEqual(['nvstreammux', 'nvv4l2decoder', 'nvv4l2h264enc', 'nvvideoconvert']);
    for (const n of names.filter((x) => !x.startsWith('nv') && x !== 'h264parse')) expect(await elementExists(n), n).toBe(true);
    if (!(await elementExists('nvstreammux'))) {
      const r = await example('deepstream.sh');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('--standard');
    }
  });

  it('rtsp-camera.sh, rtsp-restream.sh, rtsp-to-rtmp.sh: valid bash, their elements exist (run for real by streaming.test.ts)', async () => {
    for (const script of ['rtsp-camera.sh', 'rtsp-restream.sh', 'rtsp-to-rtmp.sh']) {
      const syntax = await run('bash', ['-n', path.join(EXAMPLES, script)]);
      expect(syntax.code, syntax.output).toBe(0);
    }
    const push = await dryRun('rtsp-to-rtmp.sh', ['rtsp://camera.invalid/stream', 'rtmp://server.invalid/live/cam']);
    expect(push.join(' ')).toContain('rtspsrc location=rtsp://camera.invalid/stream');
    expect(push.join(' ')).toContain('flvmux streamable=true ! rtmp2sink location=rtmp://server.invalid/live/cam');
    const words = [...push];
    // The served pipelines (tsvision-rtsp-server's arguments) are gst-launch descriptions too.
    for (const [script, args] of [['rtsp-camera.sh', []], ['rtsp-restream.sh', ['rtsp://camera.invalid/stream']]] as const) {
      const r = await exampleOk(script, [...args], { DRY_RUN: '1' });
      const lines = r.stdout.split('\n').filter(Boolean);
      expect(lines[0]).toBe('tsvision-rtsp-server');
      for (const l of lines.filter((x) => x.includes(' ! '))) words.push(...l.split(/\s+/));
    }
    const names = [...new Set(elementNames(words))];
    expect(names).toEqual(expect.arrayContaining(['rtspsrc', 'tsdetect', 'tstrack', 'tsoverlay', 'x264enc', 'rtph264pay', 'intervideosrc', 'intervideosink', 'rtmp2sink']));
    for (const n of names) expect(await elementExists(n), n).toBe(true);
  });

  for (const [script, arg] of [
    ['camera-rtsp.sh', 'rtsp://camera.invalid:554/stream'],
    ['camera-webcam.sh', '/dev/video0'],
  ] as const) {
    it(`${script}: valid bash, its elements exist, and the pipeline runs with a test source in place of the camera`, async () => {
      const syntax = await run('bash', ['-n', path.join(EXAMPLES, script)]);
      expect(syntax.code, syntax.output).toBe(0);
      const names = [...new Set(elementNames(await dryRun(script, [arg])))];
      expect(names).toContain(script === 'camera-rtsp.sh' ? 'rtspsrc' : 'v4l2src');
      expect(names).toEqual(expect.arrayContaining(['tsdetect', 'tstrack', 'tsoverlay', 'autovideosink']));
      for (const n of names) expect(await elementExists(n), n).toBe(true);

      const dir = tempDir();
      const video = path.join(dir, 'camera.mp4');
      const jsonl = path.join(dir, 'camera.jsonl');
      await exampleOk(script, [arg, video], {
        SOURCE: 'videotestsrc is-live=true num-buffers=20 ! video/x-raw,width=640,height=480,framerate=30/1',
        JSONL: jsonl,
      });
      const frames = readJsonl(jsonl);
      expect(frames.length).toBeGreaterThan(0); // the leaky queue may drop frames when the model is slower
      expect(frames.length).toBeLessThanOrEqual(20);
      expect((await decodedFrames(video)).length).toBe(frames.length);
    });
  }
});
