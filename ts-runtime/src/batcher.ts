/**
 * Cross-stream batching: elements that share a session (same model-instance-id) hand their
 * frames to one Batcher, which runs up to `batchSize` of them in a single inference when the
 * model's input has a dynamic batch axis, waiting at most `timeoutMs` for a batch to fill.
 * Models with a fixed batch of 1 run frame by frame (concurrently; onnxruntime sessions are
 * thread-safe).
 */
export interface TensorOut {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array;
}

/** Runs one inference on an input of shape `dims` (dims[0] = batch). */
export type RunFn = (input: Float32Array, dims: readonly number[]) => Promise<Record<string, TensorOut>>;

interface Request {
  input: Float32Array;
  resolve(outputs: Record<string, TensorOut>): void;
  reject(err: unknown): void;
}

export class Batcher {
  private queue: Request[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Batches run so far and frames in them (for logs and tests). */
  batches = 0;
  frames = 0;

  constructor(
    private readonly runFn: RunFn,
    /** Shape of ONE input, batch axis included (dims[0] ignored). */
    private readonly itemDims: readonly number[],
    readonly batchable: boolean,
    readonly batchSize: number,
    private readonly timeoutMs: number,
  ) {}

  /** Infers one frame's input (shape itemDims with batch 1); resolves with its own outputs. */
  run(input: Float32Array): Promise<Record<string, TensorOut>> {
    if (!this.batchable || this.batchSize <= 1) {
      this.batches++;
      this.frames++;
      return this.runFn(input, [1, ...this.itemDims.slice(1)]);
    }
    return new Promise((resolve, reject) => {
      // The caller may reuse its input buffer once this promise settles, not before: keep a reference.
      this.queue.push({ input, resolve, reject });
      if (this.queue.length >= this.batchSize) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.timeoutMs);
    });
  }

  /**
   * Infers `count` inputs stored back to back in `joined` (e.g. the regions of one frame) at once, without
   * waiting for other elements' frames: in runs of up to batchSize inputs when the batch axis is dynamic,
   * otherwise one run per input, one after the other. Resolves with each input's outputs, in order.
   */
  async runMany(joined: Float32Array, count: number): Promise<Record<string, TensorOut>[]> {
    const itemSize = joined.length / count;
    const step = this.batchable ? Math.max(1, this.batchSize) : 1;
    const out: Record<string, TensorOut>[] = [];
    for (let start = 0; start < count; start += step) {
      const n = Math.min(step, count - start);
      const outputs = await this.runFn(joined.subarray(start * itemSize, (start + n) * itemSize), [n, ...this.itemDims.slice(1)]);
      this.batches++;
      this.frames += n;
      for (let i = 0; i < n; i++) out.push(splitOutputs(outputs, i, n));
    }
    return out;
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue.splice(0, this.batchSize);
    if (batch.length === 0) return;
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), this.timeoutMs);
    const itemSize = batch[0].input.length;
    const joined = new Float32Array(itemSize * batch.length);
    batch.forEach((r, i) => joined.set(r.input, i * itemSize));
    this.batches++;
    this.frames += batch.length;
    this.runFn(joined, [batch.length, ...this.itemDims.slice(1)]).then(
      (outputs) => batch.forEach((r, i) => r.resolve(splitOutputs(outputs, i, batch.length))),
      (err) => batch.forEach((r) => r.reject(err)),
    );
  }
}

/** The `index`-th of `n` items of each batched output (outputs without the batch axis are shared). */
export function splitOutputs(outputs: Record<string, TensorOut>, index: number, n: number): Record<string, TensorOut> {
  const out: Record<string, TensorOut> = {};
  for (const [name, t] of Object.entries(outputs)) {
    if (n === 1 || t.dims[0] !== n) {
      out[name] = t;
      continue;
    }
    const size = t.data.length / n;
    out[name] = { type: t.type, dims: [1, ...t.dims.slice(1)], data: t.data.subarray(index * size, (index + 1) * size) as TensorOut['data'] };
  }
  return out;
}
