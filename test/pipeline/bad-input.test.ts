/**
 * Bad input never crashes or hangs: each case is a real pipeline that must fail with a GStreamer
 * error naming the file or property and saying what to do, exit non-zero, and leave only complete
 * JSON Lines behind.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS, HOOKS, MEDIA, YOLOX, gstLaunch, readJsonl, tempDir } from '../helpers/gst';

const SOURCE = 'videotestsrc num-buffers=5 ! video/x-raw,width=64,height=48';

async function expectFailure(pipeline: string, ...patterns: (string | RegExp)[]) {
  const r = await gstLaunch(pipeline, { timeoutMs: 60_000 });
  expect(r.timedOut, 'pipeline hung').toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).not.toBe(0);
  expect(r.output).toMatch(/ERROR: from element \/GstPipeline:pipeline0\/GstTsDetect:tsdetect0/);
  for (const p of patterns) expect(r.output).toMatch(p);
  return r;
}

describe('bad input gives a clear error, a non-zero exit and no hang', () => {
  it('missing model file', async () => {
    await expectFailure(`${SOURCE} ! tsdetect model=/nonexistent/model.onnx ! fakesink`, 'model file not found: /nonexistent/model.onnx (property model)');
  });

  it('corrupt model file', async () => {
    const dir = tempDir();
    const model = path.join(dir, 'corrupt.onnx');
    writeFileSync(model, 'this is not an ONNX protobuf'.repeat(10));
    await expectFailure(`${SOURCE} ! tsdetect model=${model} ! fakesink`, `cannot load ONNX model ${model} (property model)`);
  });

  it('labels file with the wrong number of lines', async () => {
    const dir = tempDir();
    const labels = path.join(dir, 'labels.txt');
    writeFileSync(labels, readFileSync(COCO_LABELS, 'utf8').trim().split('\n').slice(0, 79).join('\n') + '\n');
    await expectFailure(
      `${SOURCE} ! tsdetect model=${YOLOX} labels-file=${labels} ! fakesink`,
      `labels file ${labels} has 79 lines but model ${YOLOX} predicts 80 classes (property labels-file)`,
    );
  });

  it('a model whose outputs no decoder recognises', async () => {
    const classifier = path.join(path.dirname(YOLOX), 'mobilenet_v2_quant_nnstreamer.onnx');
    await expectFailure(
      `${SOURCE} ! tsdetect model=${classifier} ! fakesink`,
      `${classifier}: cannot tell which detector head produced outputs 'output' [1,1000]`,
      /Set decoder= to one of: yolox, .* or decode the outputs in a module's postprocess\(\) hook/,
    );
  });

  it('missing labels file', async () => {
    await expectFailure(`${SOURCE} ! tsdetect model=${YOLOX} labels-file=/nonexistent/labels.txt ! fakesink`, 'labels file not found: /nonexistent/labels.txt (property labels-file)');
  });

  it('missing module file', async () => {
    await expectFailure(`${SOURCE} ! tsdetect module=/nonexistent/hook.ts ! fakesink`, 'hook module not found: /nonexistent/hook.ts (property module)');
  });

  it('TypeScript syntax error names file:line:col', async () => {
    await expectFailure(`${SOURCE} ! tsdetect module=${HOOKS}/syntax-error.ts ! fakesink`, `${HOOKS}/syntax-error.ts:5:27: Expected "]" but found ";"`);
  });

  it('a module without a default export', async () => {
    await expectFailure(`${SOURCE} ! tsdetect module=${HOOKS}/no-default-export.ts ! fakesink`, /must have a default export/);
  });

  it('invalid module-args JSON', async () => {
    await expectFailure(`${SOURCE} ! tsdetect module=${HOOKS}/per-instance-state.ts module-args={oops} ! fakesink`, /module-args is not valid JSON/);
  });

  it('neither a model nor a detect() hook', async () => {
    await expectFailure(`${SOURCE} ! tsdetect ! fakesink`, /set the model property \(an ONNX file\) or a module with a detect\(\) hook/);
  });

  it('a hook that throws at runtime: error with the hook stack, frames before it exported whole', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'throws.jsonl');
    const r = await expectFailure(
      `${SOURCE} ! tsdetect module=${HOOKS}/throws-on-frame-2.ts ! tsexport location=${out} ! fakesink`,
      `detect() in ${HOOKS}/throws-on-frame-2.ts:4:26 threw Error: frame two is not welcome`,
      // The stack (debug info) names the user's .ts file for each frame.
      `at Object.detect (${HOOKS}/throws-on-frame-2.ts:9:5)`,
    );
    expect(r.output).not.toContain('frame 3');
    const frames = readJsonl(out);
    expect(frames.map((f) => f.frame)).toEqual([0, 1]);
  });

  it('hook-errors=skip: warns, passes the failed frame on without results, keeps going', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'skip.jsonl');
    const r = await gstLaunch(`${SOURCE} ! tsdetect module=${HOOKS}/throws-on-frame-2.ts hook-errors=skip ! tsexport location=${out} ! fakesink`);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/WARNING: from element .*tsdetect0: .*throws-on-frame-2.ts:4:26 threw Error: frame two is not welcome/);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.objects.length)).toEqual([1, 1, 0, 1, 1]);
  });

  it('tsexport: an unwritable location names the property', async () => {
    const r = await gstLaunch(`${SOURCE} ! tsexport location=/nonexistent/dir/out.jsonl ! fakesink`);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('Cannot write results to "/nonexistent/dir/out.jsonl" (property location)');
  });

  it('tsexport: a killed pipeline leaves only complete lines', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'killed.jsonl');
    const r = await gstLaunch(
      `filesrc location=${MEDIA}/one-by-one-person-detection.mp4 ! qtdemux ! avdec_h264 ! tsdetect model=${YOLOX} ! tsexport location=${out} ! fakesink`,
      {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (existsSync(out) && readFileSync(out, 'utf8').length > 2000) {
              clearInterval(timer);
              child.kill('SIGKILL');
            }
          }, 20);
          child.on('close', () => clearInterval(timer));
        },
      },
    );
    expect(r.signal).toBe('SIGKILL');
    const frames = readJsonl(out); // throws on a partial line
    expect(frames.length).toBeGreaterThan(0);
    frames.forEach((f, i) => expect(f.frame).toBe(i));
  });
});
