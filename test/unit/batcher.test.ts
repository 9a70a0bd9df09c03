/** The cross-stream batcher's scheduling (the inference itself is a plain function here). */
import { describe, expect, it } from 'vitest';
import { Batcher, splitOutputs, type TensorOut } from '../../ts-runtime/src/batcher';

/** A stand-in model: output = input * 2, shape [n, 3]. */
function doubler(calls: number[][]) {
  return async (input: Float32Array, dims: readonly number[]): Promise<Record<string, TensorOut>> => {
    calls.push([...dims]);
    return { y: { type: 'float32', dims: [dims[0], 3], data: input.map((v) => v * 2) } };
  };
}

describe('Batcher', () => {
  it('joins frames from several streams into one run and gives each its own slice', async () => {
    const calls: number[][] = [];
    const b = new Batcher(doubler(calls), [-1, 3], true, 4, 1000);
    const inputs = [0, 1, 2, 3].map((i) => new Float32Array([i, i + 10, i + 20]));
    const results = await Promise.all(inputs.map((x) => b.run(x)));
    expect(calls).toEqual([[4, 3]]);
    results.forEach((r, i) => {
      expect(r.y.dims).toEqual([1, 3]);
      expect(Array.from(r.y.data as Float32Array)).toEqual([2 * i, 2 * (i + 10), 2 * (i + 20)]);
    });
  });

  it('runs a partial batch after the timeout', async () => {
    const calls: number[][] = [];
    const b = new Batcher(doubler(calls), [-1, 3], true, 4, 5);
    const r = await b.run(new Float32Array([1, 2, 3]));
    expect(calls).toEqual([[1, 3]]);
    expect(Array.from(r.y.data as Float32Array)).toEqual([2, 4, 6]);
  });

  it('runs frame by frame when the model has a fixed batch of 1', async () => {
    const calls: number[][] = [];
    const b = new Batcher(doubler(calls), [1, 3], false, 4, 5);
    await Promise.all([b.run(new Float32Array(3)), b.run(new Float32Array(3))]);
    expect(calls).toEqual([[1, 3], [1, 3]]);
  });

  it('passes an inference error to every frame of the batch', async () => {
    const b = new Batcher(async () => Promise.reject(new Error('boom')), [-1, 3], true, 2, 1000);
    const results = await Promise.allSettled([b.run(new Float32Array(3)), b.run(new Float32Array(3))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('leaves outputs without a batch axis whole', () => {
    const shared: TensorOut = { type: 'float32', dims: [5], data: new Float32Array(5) };
    expect(splitOutputs({ s: shared }, 1, 2).s).toBe(shared);
  });
});
