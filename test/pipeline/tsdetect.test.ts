/** tsdetect + tsexport in real gst-launch-1.0 pipelines: real model, real media, real hooks. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COCO_LABELS,
  HOOKS,
  MEDIA,
  ROOT,
  YOLOX,
  gstLaunch,
  imageSource,
  readJsonl,
  run,
  tempDir,
  type JsonlObject,
} from '../helpers/gst';

const DETECT = `tsdetect model=${YOLOX} labels-file=${COCO_LABELS} threshold=0.4`;

function iou(a: JsonlObject['box'], b: JsonlObject['box']): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

// dog.jpg (768x576): the dog sits in the lower left (hand-checked box).
const DOG_BOX = { x: 130, y: 220, width: 180, height: 320 };

describe('tsdetect with yolox_nano on real media', () => {
  it('finds the people in the H.264 person video and exports JSON Lines', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'video.jsonl');
    const r = await gstLaunch(
      `filesrc location=${MEDIA}/one-by-one-person-detection.mp4 ! qtdemux ! avdec_h264 ! identity eos-after=90 ! ${DETECT} ! tsexport location=${out} ! fakesink`,
    );
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    // identity stops the stream after 90 buffers; frames already in the decoder still drain.
    expect(frames.length).toBeGreaterThanOrEqual(90);
    frames.forEach((f, i) => {
      expect(f.frame).toBe(i);
      expect(f.width).toBe(768);
      expect(f.height).toBe(432);
      if (i > 0) expect(f.pts!).toBeGreaterThan(frames[i - 1].pts!); // in order, none repeated
    });
    // The first person walks in around frame 60.
    const withPerson = frames.filter((f) => f.objects.some((o) => o.label === 'person' && o.confidence > 0.6));
    expect(withPerson.length).toBeGreaterThan(15);
    const person = withPerson[withPerson.length - 1].objects.find((o) => o.label === 'person')!;
    expect(person.class_id).toBe(0);
    expect(person.track_id).toBeNull();
    expect(person.classifications).toEqual([]);
    expect(person.box.height).toBeGreaterThan(200); // a standing person in a 432-pixel-high frame
    expect(person.box.x + person.box.width).toBeLessThanOrEqual(768);
  });

  for (const format of ['RGB', 'BGR', 'RGBx', 'BGRx', 'RGBA', 'BGRA', 'I420', 'NV12']) {
    it(`reads ${format} directly (no videoconvert before tsdetect) and finds the dog`, async () => {
      const dir = tempDir();
      const out = path.join(dir, `${format}.jsonl`);
      const r = await gstLaunch(`${imageSource('dog.jpg', format)} ! ${DETECT} ! tsexport location=${out} ! fakesink`);
      expect(r.code, r.output).toBe(0);
      const frames = readJsonl(out);
      expect(frames).toHaveLength(2);
      const dog = frames[0].objects.find((o) => o.label === 'dog');
      expect(dog, JSON.stringify(frames[0])).toBeDefined();
      expect(dog!.confidence).toBeGreaterThan(0.6);
      expect(iou(dog!.box, DOG_BOX)).toBeGreaterThan(0.5);
      expect(frames[0].objects.map((o) => o.label)).toContain('bicycle');
    });
  }

  it('follows a resolution change mid-stream', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'caps.jsonl');
    const big = imageSource('dog.jpg', 'I420', 2);
    const small = imageSource('dog.jpg', 'I420', 2, { width: 384, height: 288 });
    const r = await gstLaunch(
      `concat name=c ! ${DETECT} ! tsexport location=${out} ! fakesink ${big} ! c. ${small} ! c.`,
    );
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.width)).toEqual([768, 768, 384, 384]);
    for (const f of frames) {
      const scale = f.width / 768;
      const dog = f.objects.find((o) => o.label === 'dog');
      expect(dog, JSON.stringify(f)).toBeDefined();
      const expected = { x: DOG_BOX.x * scale, y: DOG_BOX.y * scale, width: DOG_BOX.width * scale, height: DOG_BOX.height * scale };
      expect(iou(dog!.box, expected)).toBeGreaterThan(0.5);
    }
  });

  it('reads objects other elements put on the buffer and keeps them', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'two.jsonl');
    // The first tsdetect's objects reach the second one's hook as frame.detections.
    const hook = path.join(dir, 'count-upstream.ts');
    writeFileSync(
      hook,
      `import type { DetectHook } from 'tsvision';
export default {
  detect(frame) {
    return frame.detections.map((d) => ({ ...d, label: 'seen-' + d.label, confidence: 0.99 }));
  },
} satisfies DetectHook;
`,
    );
    const r = await gstLaunch(
      `${imageSource('dog.jpg', 'RGB', 1)} ! ${DETECT} ! tsdetect module=${hook} ! tsexport location=${out} ! fakesink`,
    );
    expect(r.code, r.output).toBe(0);
    const [frame] = readJsonl(out);
    const labels = frame.objects.map((o) => o.label);
    expect(labels).toContain('dog');
    expect(labels).toContain('seen-dog');
    const dog = frame.objects.find((o) => o.label === 'dog')!;
    const seen = frame.objects.find((o) => o.label === 'seen-dog')!;
    expect(iou(dog.box, seen.box)).toBeGreaterThan(0.98);
    expect(seen.class_id).toBe(dog.class_id);
  });
});

describe('TypeScript hooks', () => {
  it('gives detect() the frame: index, pts, size, format and a zero-copy pixel view', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'pixels.jsonl');
    const r = await gstLaunch(
      `videotestsrc num-buffers=3 pattern=white ! video/x-raw,format=RGBx,width=64,height=48,framerate=10/1 ! tsdetect module=${HOOKS}/pixel-stats.ts ! tsexport location=${out} ! fakesink`,
      { flags: ['-m'] },
    );
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.objects[0].label)).toEqual(['RGBx-64x48-0', 'RGBx-64x48-1', 'RGBx-64x48-2']);
    // White RGBx: R, G, B = 255 and the padding byte x = 255 as videotestsrc writes it.
    expect(frames[0].objects[0].confidence).toBeGreaterThan(0.74);
    expect(frames[0].objects[0].box).toEqual({ x: 1, y: 2, width: 32, height: 24 });
    expect(frames[0].objects[0].class_id).toBe(7);
    // ctx.postMessage() reaches the bus as an element message.
    expect(r.stdout).toMatch(/pixel-stats, index=\(gint64\)1, mean=.*format=\(string\)RGBx, pts=\(gint64\)100000000/);
  });

  it('sees the pixels of I420 frames (Y plane of white = 235)', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'i420.jsonl');
    const r = await gstLaunch(
      `videotestsrc num-buffers=1 pattern=white ! video/x-raw,format=I420,width=64,height=48 ! tsdetect module=${HOOKS}/pixel-stats.ts ! tsexport location=${out} ! fakesink`,
    );
    expect(r.code, r.output).toBe(0);
    const [frame] = readJsonl(out);
    expect(frame.objects[0].confidence * 255).toBeCloseTo(235, 3);
  });

  it('gives each element instance its own hook state and module-args; async hooks work', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'state.jsonl');
    const hook = `${HOOKS}/per-instance-state.ts`;
    const r = await gstLaunch(
      `videotestsrc num-buffers=4 ! video/x-raw,width=32,height=32 ! tsdetect module=${hook} module-args='{"name":"a"}' ! tsdetect module=${hook} module-args='{"name":"b"}' ! tsexport location=${out} ! fakesink`,
    );
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.objects.map((o) => o.label))).toEqual([
      ['a-1', 'b-1'],
      ['a-2', 'b-2'],
      ['a-3', 'b-3'],
      ['a-4', 'b-4'],
    ]);
  });

  it('lets filter() edit the model results', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'filter.jsonl');
    const r = await gstLaunch(
      `${imageSource('person.jpg', 'RGB', 1)} ! ${DETECT} module=${HOOKS}/filter-people.ts module-args='{"minConfidence":0.5}' ! tsexport location=${out} ! fakesink`,
      { flags: ['-m'] },
    );
    expect(r.code, r.output).toBe(0);
    const [frame] = readJsonl(out);
    expect(frame.objects.map((o) => o.label).sort()).toEqual(['marker', 'person']);
    expect(r.stdout).toMatch(/filtered, frame=\(gint64\)0, before=\(gint64\)3, after=\(gint64\)2/);
  });

  it('lets postprocess() decode the model\'s named output tensors instead of the built-in decoder', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'post.jsonl');
    const r = await gstLaunch(
      `${imageSource('dog.jpg', 'I420', 1)} ! tsdetect model=${YOLOX} module=${HOOKS}/postprocess-shapes.ts ! tsexport location=${out} ! fakesink`,
    );
    expect(r.code, r.output).toBe(0);
    const [frame] = readJsonl(out);
    // yolox_nano_416: one output "output" [1,3549,85] float32; the transform is the 416x416 letterbox.
    expect(frame.objects.map((o) => o.label)).toEqual(['output:float32:1x3549x85:416']);
    expect(frame.objects[0].confidence).toBeCloseTo((3549 * 85) / 1e6, 6);
  });

  it('loads plain JavaScript hooks too', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'js.jsonl');
    const r = await gstLaunch(
      `videotestsrc num-buffers=2 ! video/x-raw,width=16,height=16 ! tsdetect module=${HOOKS}/plain.js ! tsexport location=${out} ! fakesink`,
    );
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(out).map((f) => f.objects[0].label)).toEqual(['js-0', 'js-1']);
  });

  it('compiles once and then loads from the cache (keyed by content)', async () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const hook = path.join(dir, 'hook.ts');
    const write = (label: string) =>
      writeFileSync(
        hook,
        `export default { detect() { return [{ box: { x: 0, y: 0, width: 5, height: 5 }, label: '${label}', classId: 0, confidence: 1 }]; } };\n`,
      );
    const out = path.join(dir, 'cache.jsonl');
    const pipeline = `videotestsrc num-buffers=1 ! video/x-raw,width=16,height=16 ! tsdetect module=${hook} ! tsexport location=${out} ! fakesink`;
    write('first');
    expect((await gstLaunch(pipeline, { env: { TSVISION_CACHE_DIR: cache } })).code).toBe(0);
    expect(readJsonl(out)[0].objects[0].label).toBe('first');
    expect((await gstLaunch(pipeline, { env: { TSVISION_CACHE_DIR: cache } })).code).toBe(0);
    expect(readJsonl(out)[0].objects[0].label).toBe('first');
    write('second'); // changed source: recompiled
    expect((await gstLaunch(pipeline, { env: { TSVISION_CACHE_DIR: cache } })).code).toBe(0);
    expect(readJsonl(out)[0].objects[0].label).toBe('second');
  });
});

describe('decoders in pipelines', () => {
  const ULTRAFACE = path.join(MEDIA, '..', 'models', 'ultraface_version-RFB-320.onnx');

  it('a TypeScript postprocess() decoder for UltraFace gives the same boxes as the built-in SSD decoder', async () => {
    const dir = tempDir();
    const builtIn = path.join(dir, 'builtin.jsonl');
    const custom = path.join(dir, 'custom.jsonl');
    const src = imageSource('zidane.jpg', 'RGB', 1);
    const a = await gstLaunch(`${src} ! tsdetect model=${ULTRAFACE} threshold=0.7 ! tsexport location=${builtIn} ! fakesink`);
    expect(a.code, a.output).toBe(0);
    const b = await gstLaunch(
      `${src} ! tsdetect model=${ULTRAFACE} module=${ROOT}/examples/hooks/ultraface-decoder.ts module-args='{"threshold":0.7}' ! tsexport location=${custom} ! fakesink`,
    );
    expect(b.code, b.output).toBe(0);
    const [x] = readJsonl(builtIn);
    const [y] = readJsonl(custom);
    expect(x.objects.length).toBeGreaterThanOrEqual(2); // two faces in zidane.jpg
    expect(x.objects.every((o) => o.label === 'face')).toBe(true);
    expect(y.objects).toEqual(x.objects);
  });

  it('an unknown decoder name is a clear error listing the valid ones', async () => {
    const r = await gstLaunch(`videotestsrc num-buffers=1 ! tsdetect model=${YOLOX} decoder=yolo99 ! fakesink`);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/unknown decoder 'yolo99': valid decoder= values are .*yolox/);
  });

  it('object-class keeps only the listed labels; max-detections caps the count', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'classes.jsonl');
    const r = await gstLaunch(`${imageSource('dog.jpg', 'RGB', 1)} ! ${DETECT} object-class=dog,bicycle ! tsexport location=${out} ! fakesink`);
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(out)[0].objects.map((o) => o.label).sort()).toEqual(['bicycle', 'dog']);
    const capped = path.join(dir, 'capped.jsonl');
    expect((await gstLaunch(`${imageSource('dog.jpg', 'RGB', 1)} ! ${DETECT} max-detections=1 ! tsexport location=${capped} ! fakesink`)).code).toBe(0);
    expect(readJsonl(capped)[0].objects).toHaveLength(1);
  });

  it('inference-interval=3 runs the model on frames 0, 3, 6 and marks the others', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'interval.jsonl');
    const r = await gstLaunch(`${imageSource('dog.jpg', 'I420', 7)} ! ${DETECT} inference-interval=3 ! tsdetect module=${HOOKS}/report-skipped.ts ! tsexport location=${out} ! fakesink`);
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.objects.some((o) => o.label === 'dog'))).toEqual([true, false, false, true, false, false, true]);
    expect(frames.map((f) => f.objects.find((o) => o.label.startsWith('skipped='))!.label)).toEqual(
      ['skipped=false', 'skipped=true', 'skipped=true', 'skipped=false', 'skipped=true', 'skipped=true', 'skipped=false'],
    );
  });

  it('inference-region=roi-list runs the detector inside the regions already on the buffer', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'roi.jsonl');
    // The first tsdetect finds the objects; the second re-detects inside each region.
    const r = await gstLaunch(
      `${imageSource('dog.jpg', 'RGB', 1)} ! ${DETECT} object-class=dog ! ${DETECT} inference-region=roi-list ! tsexport location=${out} ! fakesink`,
    );
    expect(r.code, r.output).toBe(0);
    const dogs = readJsonl(out)[0].objects.filter((o) => o.label === 'dog');
    expect(dogs.length).toBeGreaterThanOrEqual(2); // the region from the first pass and the dog found inside it
    expect(iou(dogs[0].box, dogs[1].box)).toBeGreaterThan(0.7);
  });

  it('device=cuda without the CUDA provider warns and falls back to the CPU; device-fallback=false fails', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'cuda.jsonl');
    const r = await gstLaunch(`${imageSource('dog.jpg', 'RGB', 1)} ! ${DETECT} device=cuda ! tsexport location=${out} ! fakesink`);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/WARNING: .*CUDA \(device 0\) execution provider is not available .*running yolox_nano_416.onnx on the CPU instead/);
    expect(readJsonl(out)[0].objects.map((o) => o.label)).toContain('dog');
    const strict = await gstLaunch(`videotestsrc num-buffers=1 ! ${DETECT} device=cuda device-fallback=false ! fakesink`);
    expect(strict.code).not.toBe(0);
    expect(strict.output).toMatch(/CUDA \(device 0\) execution provider is not available .*\(property device\)/);
    const unknown = await gstLaunch(`videotestsrc num-buffers=1 ! ${DETECT} device=npu ! fakesink`);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('unknown device "npu" (property device): use cpu, cuda, cuda:N or tensorrt');
  });
});

describe('several streams sharing one model', () => {
  it('four streams in one pipeline share a session (model-instance-id) and each gets its own results', async () => {
    const dir = tempDir();
    const chains = [0, 1, 2, 3]
      .map((i) => `${imageSource(i % 2 ? 'dog.jpg' : 'person.jpg', 'I420', 3)} ! ${DETECT} model-instance-id=shared batch-size=4 ! tsexport location=${dir}/s${i}.jsonl ! fakesink`)
      .join(' ');
    const r = await gstLaunch(chains, { env: { GST_DEBUG: 'tsdetect:4' } });
    expect(r.code, r.output).toBe(0);
    for (let i = 0; i < 4; i++) {
      const frames = readJsonl(path.join(dir, `s${i}.jsonl`));
      expect(frames).toHaveLength(3);
      for (const f of frames) expect(f.objects.map((o) => o.label)).toContain(i % 2 ? 'bicycle' : 'horse');
    }
    // yolox_nano_416 has a fixed batch of 1: the shared session runs the frames one by one.
    expect(r.output).toContain('has a fixed batch of 1; inputs run one by one');
  });
});

describe('frames in flight', () => {
  for (const inflight of [1, 4]) {
    it(`max-inflight=${inflight}: every frame comes out once, in order, with its own results`, async () => {
      const dir = tempDir();
      const out = path.join(dir, 'order.jsonl');
      const r = await gstLaunch(
        `videotestsrc num-buffers=40 ! video/x-raw,width=32,height=32,framerate=30/1 ! tsdetect module=${HOOKS}/random-delay.ts max-inflight=${inflight} ! tsexport location=${out} ! fakesink`,
      );
      expect(r.code, r.output).toBe(0);
      const frames = readJsonl(out);
      expect(frames.map((f) => f.objects[0].label)).toEqual(Array.from({ length: 40 }, (_, i) => `frame-${i}`));
      frames.forEach((f, i) => expect(f.pts).toBe(Math.floor((i * 1e9) / 30)));
    });
  }

  it('a flushing seek with frames in flight drops them cleanly and playback goes on to EOS', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seek.jsonl');
    const r = await run(path.join(ROOT, 'build', 'pipeline-runner'), [
      'seek',
      '1500',
      `filesrc location=${MEDIA}/one-by-one-person-detection.mp4 ! qtdemux ! avdec_h264 ! identity eos-after=120 ! ${DETECT} max-inflight=4 ! tsexport location=${out} ! fakesink sync=true`,
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('EOS after seek');
    const frames = readJsonl(out); // complete lines only
    // Played ~1.5 s at 10 fps, then from the start again.
    expect(frames.length).toBeGreaterThan(100);
    const restart = frames.findIndex((f, i) => i > 0 && f.pts! < frames[i - 1].pts!);
    expect(restart).toBeGreaterThan(0);
  });

  it('keeps a real model\'s results on the right frames with 3 frames in flight', async () => {
    const dir = tempDir();
    const one = path.join(dir, 'one.jsonl');
    const three = path.join(dir, 'three.jsonl');
    const src = `filesrc location=${MEDIA}/one-by-one-person-detection.mp4 ! qtdemux ! avdec_h264 ! identity eos-after=80`;
    expect((await gstLaunch(`${src} ! ${DETECT} max-inflight=1 ! tsexport location=${one} ! fakesink`)).code).toBe(0);
    expect((await gstLaunch(`${src} ! ${DETECT} max-inflight=3 ! tsexport location=${three} ! fakesink`)).code).toBe(0);
    const results = (file: string) => readJsonl(file).map((f) => ({ ...f, time: undefined })); // wall clock differs
    expect(results(three)).toEqual(results(one));
  });
});

describe('runtime life cycle', () => {
  it('gst-inspect-1.0 never starts the runtime', async () => {
    for (const what of ['tsvision', 'tsdetect', 'tsexport']) {
      const r = await run('gst-inspect-1.0', [what], { env: { GST_DEBUG: 'tsvision-runtime:6' } });
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toMatch(/loading .*libnode|starting the Node runtime/);
      expect(r.elapsedMs).toBeLessThan(5000);
    }
    // The properties themselves: test/pipeline/settings.test.ts.
  });

  it('exits promptly at EOS', async () => {
    const r = await gstLaunch(`videotestsrc num-buffers=5 ! video/x-raw,width=64,height=64 ! ${DETECT} ! fakesink`);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('Got EOS');
    expect(r.timedOut).toBe(false);
  });

  it('stops cleanly on interrupt with gst-launch-1.0 -e (EOS, complete JSON Lines, exit 0)', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'sigint.jsonl');
    let interruptedAt = 0;
    const r = await gstLaunch(
      `filesrc location=${MEDIA}/one-by-one-person-detection.mp4 ! qtdemux ! avdec_h264 ! ${DETECT} ! tsexport location=${out} ! fakesink`,
      {
        flags: ['-e'],
        onSpawn: (child) => {
          const timer = setInterval(() => {
            // Interrupt once frames flow.
            if (existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 10) {
              clearInterval(timer);
              interruptedAt = Date.now();
              child.kill('SIGINT');
            }
          }, 100);
          child.on('close', () => clearInterval(timer));
        },
      },
    );
    const exitDelayMs = Date.now() - interruptedAt;
    expect(interruptedAt).toBeGreaterThan(0);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('EOS');
    expect(exitDelayMs).toBeLessThan(15_000);
    const frames = readJsonl(out);
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.length).toBeLessThan(1394);
  });

  it('survives NULL→PLAYING→NULL twenty times in one process', async () => {
    const dir = tempDir();
    const r = await run(
      path.join(ROOT, 'build', 'pipeline-runner'),
      ['cycles', '20', `videotestsrc num-buffers=3 ! video/x-raw,width=160,height=120 ! ${DETECT} ! tsexport location=${dir}/c%d.jsonl ! fakesink`],
    );
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.match(/EOS/g)).toHaveLength(20);
    expect(readJsonl(path.join(dir, 'c0.jsonl'))).toHaveLength(3);
  });

  it('shares one runtime between several pipelines in one process', async () => {
    const dir = tempDir();
    const r = await run(path.join(ROOT, 'build', 'pipeline-runner'), [
      'parallel',
      '3',
      `${imageSource('dog.jpg', 'BGRx', 5)} ! ${DETECT} ! tsexport location=${dir}/p%d.jsonl ! fakesink`,
    ]);
    expect(r.code, r.output).toBe(0);
    for (let i = 0; i < 3; i++) {
      const frames = readJsonl(path.join(dir, `p${i}.jsonl`));
      expect(frames).toHaveLength(5);
      for (const f of frames) expect(f.objects.map((o) => o.label)).toContain('dog');
    }
  });
});
