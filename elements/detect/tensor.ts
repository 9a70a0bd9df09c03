/** Small helpers to read decoder inputs: numeric views of tensors and shape checks. */
import type { OutputInfo, TensorLike } from './types';

const HALF_EXP_TABLE = new Float64Array(32);
for (let e = 0; e < 32; e++) HALF_EXP_TABLE[e] = Math.pow(2, e - 15);

/** Decodes one IEEE-754 binary16 bit pattern. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 5.960464477539063e-8; // subnormal: frac * 2^-24
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * HALF_EXP_TABLE[exp] * (1 + frac / 1024);
}

/**
 * The tensor's elements as numbers. float32/float64 data is returned as is (no copy); float16 (a
 * Uint16Array of bit patterns) is converted; integer types are converted to their values.
 */
export function tensorValues(t: TensorLike): ArrayLike<number> {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  if (t.type === 'float16' && d instanceof Uint16Array) {
    const out = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = halfToFloat(d[i]);
    return out;
  }
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
  if (d instanceof Uint8Array || d instanceof Int8Array || d instanceof Uint16Array || d instanceof Int16Array || d instanceof Int32Array || d instanceof Uint32Array) {
    return d;
  }
  // A plain array (of numbers, or of strings for a 'string' tensor), or a typed array this code does not
  // name (e.g. a native Float16Array on newer runtimes).
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v: unknown = d[i];
    if (typeof v !== 'number') throw new TypeError(`tensor of type '${t.type}' does not hold numbers`);
    out[i] = v;
  }
  return out;
}

/** Number of elements a shape describes. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A dimension as a number, or -1 when it is symbolic / unknown. */
export function dimValue(d: number | string | undefined): number {
  return typeof d === 'number' && Number.isInteger(d) && d >= 0 ? d : -1;
}

/**
 * The shape without its leading batch dimension: [1,A,B] → [A,B]; [A,B] stays. Returns null for other
 * ranks or a batch larger than one. Unknown dimensions read -1.
 */
export function rows(dims: readonly (number | string)[]): [number, number] | null {
  if (dims.length === 3) {
    const b = dimValue(dims[0]);
    if (b !== 1 && b !== -1) return null;
    return [dimValue(dims[1]), dimValue(dims[2])];
  }
  if (dims.length === 2) return [dimValue(dims[0]), dimValue(dims[1])];
  return null;
}

/** `[1,3549,85]`-style text of a shape. */
export function shapeText(dims: readonly (number | string)[]): string {
  return `[${dims.join(',')}]`;
}

/** `name [dims]` text of an output list, for error messages. */
export function outputsText(outputs: readonly OutputInfo[]): string {
  if (outputs.length === 0) return '(no outputs)';
  return outputs.map((o) => `'${o.name}' ${shapeText(o.dims)}`).join(', ');
}

/** The tensors of a decoder input, in order, with their names. */
export function entries(outputs: Readonly<Record<string, TensorLike>>): { name: string; tensor: TensorLike }[] {
  return Object.keys(outputs).map((name) => ({ name, tensor: outputs[name] }));
}

/**
 * The single output a one-tensor head reads: the only one, or the only one of rank 2/3. Throws with
 * the decoder's name when there is none or several.
 */
export function singleOutput(outputs: Readonly<Record<string, TensorLike>>, decoder: string): { name: string; tensor: TensorLike; rows: number; cols: number } {
  const candidates = entries(outputs).filter((e) => rows(e.tensor.dims) !== null);
  if (candidates.length !== 1) {
    throw new Error(
      `decoder '${decoder}' expects one output of shape [1,N,K] but got ${outputsText(entries(outputs).map((e) => ({ name: e.name, dims: e.tensor.dims })))}`,
    );
  }
  const c = candidates[0];
  const r = rows(c.tensor.dims);
  if (r === null || r[0] < 0 || r[1] < 0) throw new Error(`decoder '${decoder}': output '${c.name}' has unknown shape ${shapeText(c.tensor.dims)}`);
  if (elementCount(c.tensor.dims) !== c.tensor.data.length) {
    throw new Error(`decoder '${decoder}': output '${c.name}' ${shapeText(c.tensor.dims)} holds ${c.tensor.data.length} values`);
  }
  return { name: c.name, tensor: c.tensor, rows: r[0], cols: r[1] };
}

/** Class count to decode: the shape's, limited by `opts.numClasses` when that is given. */
export function classCount(fromShape: number, requested: number | undefined, decoder: string): number {
  if (fromShape < 1) throw new Error(`decoder '${decoder}': the output shape holds no class scores`);
  if (requested === undefined) return fromShape;
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`decoder '${decoder}': numClasses must be a positive integer, got ${requested}`);
  return Math.min(requested, fromShape);
}

/** Grid sizes (cells across, down) of a feature map with the given stride over an input. */
export function gridSize(inputWidth: number, inputHeight: number, stride: number): [number, number] {
  return [Math.ceil(inputWidth / stride), Math.ceil(inputHeight / stride)];
}

/** Number of grid cells over the strides for an input size. */
export function gridCellCount(inputWidth: number, inputHeight: number, strides: readonly number[]): number {
  let n = 0;
  for (const s of strides) {
    const [gw, gh] = gridSize(inputWidth, inputHeight, s);
    n += gw * gh;
  }
  return n;
}
