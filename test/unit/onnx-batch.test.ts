/**
 * The ONNX dynamic-batch rewriter (models/dynamic-batch.ts) on the real models of ../shared/models:
 * the rewritten graph has a symbolic batch axis and gives, item by item, what the original model
 * gives at batch 1.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, MODELS } from '../helpers/gst';
import { decodeMessage, encodeMessage, withDynamicBatch, type DynamicBatchOptions } from '../../models/dynamic-batch';

const dir = tempDir('tsvision-onnx-batch-');
const sessions: ort.InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
  rmSync(dir, { recursive: true, force: true });
});

async function open(file: string): Promise<ort.InferenceSession> {
  const s = await ort.InferenceSession.create(file, { logSeverityLevel: 3, intraOpNumThreads: 1 });
  sessions.push(s);
  return s;
}

function rewrite(model: string, options: DynamicBatchOptions = {}): { file: string; report: ReturnType<typeof withDynamicBatch> } {
  const file = path.join(dir, `${options.reshapeBatch ? 'reshape-' : ''}${model}`);
  return { file, report: withDynamicBatch(path.join(MODELS, model), file, 'N', options) };
}

/** Deterministic pseudo-random input values uniform in [lo, hi). */
function noise(n: number, lo: number, hi: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return out;
}

function staticShape(session: ort.InferenceSession): number[] {
  const meta = session.inputMetadata[0];
  if (!meta.isTensor) throw new Error('input is not a tensor');
  return meta.shape.map(Number);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/**
 * Runs `batch` items through the rewritten model in one run and each through the original one;
 * returns the largest per-item difference over all outputs.
 */
async function compareBatch(original: ort.InferenceSession, rewritten: ort.InferenceSession, batch: number, range: [number, number]): Promise<number> {
  const dims = staticShape(original);
  expect(dims[0]).toBe(1);
  const item = dims.slice(1).reduce((a, b) => a * b, 1);
  const data = noise(item * batch, range[0], range[1], 1234 + batch);
  const name = original.inputNames[0];
  const joined = await rewritten.run({ [name]: new ort.Tensor('float32', data, [batch, ...dims.slice(1)]) });
  let worst = 0;
  for (let b = 0; b < batch; b++) {
    const single = await original.run({ [name]: new ort.Tensor('float32', data.subarray(b * item, (b + 1) * item), dims) });
    for (const out of original.outputNames) {
      const one = single[out];
      const all = joined[out];
      expect(all.dims, out).toEqual([batch, ...one.dims.slice(1)]);
      const n = one.data.length;
      worst = Math.max(worst, maxAbsDiff(one.data as Float32Array, (all.data as Float32Array).subarray(b * n, (b + 1) * n)));
    }
  }
  return worst;
}

describe('protobuf wire format', () => {
  it('decodes and re-encodes a real model byte for byte', () => {
    const bytes = readFileSync(path.join(MODELS, 'ultraface_version-RFB-320.onnx'));
    const top = decodeMessage(bytes);
    expect(Buffer.from(encodeMessage(top)).equals(bytes)).toBe(true);
    const graph = top.find((f) => f.no === 7);
    if (!graph || graph.wire !== 2) throw new Error('no graph');
    expect(Buffer.from(encodeMessage(decodeMessage(graph.bytes))).equals(Buffer.from(graph.bytes))).toBe(true);
  });

  it('encodes negative int64 varints in ten bytes and reads them back', () => {
    const bytes = encodeMessage([{ no: 1, wire: 0, value: -1n }, { no: 2, wire: 2, bytes: new Uint8Array([7, 8]) }]);
    expect(bytes.length).toBe(1 + 10 + 1 + 1 + 2);
    const [a, b] = decodeMessage(bytes);
    expect(a.wire === 0 && BigInt.asIntN(64, a.value)).toBe(-1n);
    expect(b.wire === 2 && Array.from(b.bytes)).toEqual([7, 8]);
  });

  it('refuses a file that is not an ONNX model', () => {
    const file = path.join(dir, 'not-a-model.onnx');
    expect(() => withDynamicBatch(path.join(MODELS, 'coco_classes.txt'), file)).toThrow();
  });
});

describe('withDynamicBatch', () => {
  it('ultraface (no batch constants in the graph): symbolic batch, runs at batch 1 and 3 as the original', async () => {
    const { file, report } = rewrite('ultraface_version-RFB-320.onnx');
    expect(report.inputs).toEqual(['input']);
    expect(report.outputs).toEqual(['scores', 'boxes']);
    const original = await open(path.join(MODELS, 'ultraface_version-RFB-320.onnx'));
    const rewritten = await open(file);
    const meta = rewritten.inputMetadata[0];
    expect(meta.isTensor && meta.shape).toEqual(['N', 3, 240, 320]);
    for (const o of rewritten.outputMetadata) expect(o.isTensor && o.shape[0]).toBe('N');
    // ultraface input: (x - 127) / 128
    expect(await compareBatch(original, rewritten, 1, [-1, 1])).toBeLessThan(1e-4);
    expect(await compareBatch(original, rewritten, 3, [-1, 1])).toBeLessThan(1e-4);
  });

  it('yolox_nano: without the Reshape fix the batch silently folds into the anchor axis', async () => {
    const { file, report } = rewrite('yolox_nano_416.onnx');
    expect(report.valueInfoDropped).toBeGreaterThan(0);
    const rewritten = await open(file);
    const meta = rewritten.inputMetadata[0];
    expect(meta.isTensor && meta.shape).toEqual(['N', 3, 416, 416]);
    const out = await rewritten.run({ images: new ort.Tensor('float32', new Float32Array(3 * 3 * 416 * 416), [3, 3, 416, 416]) });
    // The head reshapes to a hard-coded [1, 85, -1]: three images become one of 3 x 3549 cells.
    expect(out.output.dims).toEqual([1, 3 * 3549, 85]);
  });

  // Models whose head has Reshape constants with a hard-coded batch of 1 (rewritten to 0 = "copy").
  const reshapeCases: { model: string; range: [number, number]; constants: number }[] = [
    { model: 'yolox_nano_416.onnx', range: [0, 255], constants: 3 },
    { model: 'light_person_detector.onnx', range: [0, 255], constants: 3 },
    { model: 'nanodet_m_320.onnx', range: [-2, 2.5], constants: 8 },
    { model: 'picodet_s_320_coco.onnx', range: [-2, 2.5], constants: 8 },
  ];
  for (const c of reshapeCases) {
    it(`${c.model} with reshapeBatch: runs at batch 1 and 3 as the original at batch 1`, async () => {
      const { file, report } = rewrite(c.model, { reshapeBatch: true });
      expect(report.reshapeConstants).toHaveLength(c.constants);
      const original = await open(path.join(MODELS, c.model));
      const rewritten = await open(file);
      const meta = rewritten.inputMetadata[0];
      expect(meta.isTensor && meta.shape[0]).toBe('N');
      expect(await compareBatch(original, rewritten, 1, c.range)).toBeLessThan(1e-4);
      expect(await compareBatch(original, rewritten, 3, c.range)).toBeLessThan(1e-4);
    });
  }

  it('leaves Reshapes of weights alone (yolov8n int8: bias reshapes to [1,C,1,1] keep their 1)', async () => {
    const { file, report } = rewrite('yolov8n_int8_dynamic.onnx', { reshapeBatch: true });
    expect(report.reshapeConstants).toHaveLength(4); // only the head's reshapes of activations
    const original = await open(path.join(MODELS, 'yolov8n_int8_dynamic.onnx'));
    const rewritten = await open(file);
    // Three copies of one image give that image's output three times...
    const item = 3 * 640 * 640;
    const one = noise(item, 0, 1, 99);
    const three = new Float32Array(3 * item);
    for (let b = 0; b < 3; b++) three.set(one, b * item);
    const single = (await original.run({ images: new ort.Tensor('float32', one, [1, 3, 640, 640]) })).output0;
    const joined = (await rewritten.run({ images: new ort.Tensor('float32', three, [3, 3, 640, 640]) })).output0;
    expect(joined.dims).toEqual([3, 84, 8400]);
    const n = single.data.length;
    for (let b = 0; b < 3; b++) {
      expect(maxAbsDiff(single.data as Float32Array, (joined.data as Float32Array).subarray(b * n, (b + 1) * n))).toBeLessThan(1e-4);
    }
    // ...but different images do not batch: DynamicQuantizeLinear takes one scale over the whole batch.
    expect(await compareBatch(original, rewritten, 3, [0, 1]).catch(() => Infinity)).toBeGreaterThan(1e-2);
  });
});
