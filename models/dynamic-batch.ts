/**
 * Rewrites an ONNX model with a fixed batch of 1 into one with a dynamic (symbolic) batch axis, working
 * directly on the protobuf wire format (no onnx package needed), so that tsdetect/tsclassify can run several
 * inputs per inference (`batch-size`). Verify the result (the tests do, on the models of ../shared): some graphs
 * need `reshapeBatch`, and models quantised with one scale per tensor (DynamicQuantizeLinear) give results that
 * depend on the other inputs of the batch. The elements check at start that the outputs carry the batch axis.
 *
 * Used by the tests and by `npm run bench` (four streams batched on yolox_nano made dynamic).
 *
 * ONNX field numbers used (onnx.proto3):
 *   ModelProto.graph = 7
 *   GraphProto: node = 1, initializer = 5, input = 11, output = 12, value_info = 13
 *   NodeProto: input = 1, output = 2, op_type = 4, attribute = 5
 *   AttributeProto: name = 1, i = 3, t = 5
 *   ValueInfoProto: name = 1, type = 2 → TypeProto.tensor_type = 1 → Tensor.shape = 2
 *   TensorShapeProto.dim = 1 → Dimension: dim_value = 1 (int64), dim_param = 2 (string)
 *   TensorProto: dims = 1, data_type = 2, int64_data = 7, name = 8, raw_data = 9
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** One protobuf field as it is on the wire. Groups (wire types 3 and 4) are not used by ONNX. */
export type Field =
  | { no: number; wire: 0; value: bigint }
  | { no: number; wire: 1 | 5; raw: Uint8Array }
  | { no: number; wire: 2; bytes: Uint8Array };

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 63n) throw new Error('protobuf: varint too long');
  }
}

function writeVarint(value: bigint, out: number[]): void {
  // int64 values are encoded as their unsigned 64-bit two's complement (negative → 10 bytes).
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Splits one message into its fields (sub-messages stay as bytes, views into `buf`). */
export function decodeMessage(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p] = readVarint(buf, pos);
    pos = p;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, q] = readVarint(buf, pos);
      pos = q;
      fields.push({ no, wire, value });
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > buf.length) throw new Error('protobuf: truncated fixed field');
      fields.push({ no, wire, raw: buf.subarray(pos, pos + n) });
      pos += n;
    } else if (wire === 2) {
      const [len, q] = readVarint(buf, pos);
      const end = q + Number(len);
      if (end > buf.length) throw new Error('protobuf: truncated length-delimited field');
      fields.push({ no, wire, bytes: buf.subarray(q, end) });
      pos = end;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire} (field ${no})`);
    }
  }
  return fields;
}

/** Encodes fields back into a message; lengths of length-delimited fields are recomputed. */
export function encodeMessage(fields: readonly Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const head: number[] = [];
  for (const f of fields) {
    head.length = 0;
    writeVarint(BigInt((f.no << 3) | f.wire), head);
    let body: Uint8Array;
    if (f.wire === 0) {
      writeVarint(f.value, head);
      body = new Uint8Array(0);
    } else if (f.wire === 2) {
      writeVarint(BigInt(f.bytes.length), head);
      body = f.bytes;
    } else {
      body = f.raw;
    }
    parts.push(Uint8Array.from(head), body);
    total += head.length + body.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

function str(fields: readonly Field[], no: number): string | undefined {
  const f = fields.find((x) => x.no === no);
  return f && f.wire === 2 ? utf8.decode(f.bytes) : undefined;
}

function strs(fields: readonly Field[], no: number): string[] {
  return fields.flatMap((f) => (f.no === no && f.wire === 2 ? [utf8.decode(f.bytes)] : []));
}

/** Replaces the `no` sub-message fields for which `edit` returns new bytes (null: drop the field). */
function editSubmessages(fields: Field[], no: number, edit: (sub: Field[]) => Field[] | null | undefined): Field[] {
  const out: Field[] = [];
  for (const f of fields) {
    if (f.no !== no || f.wire !== 2) {
      out.push(f);
      continue;
    }
    const edited = edit(decodeMessage(f.bytes));
    if (edited === null) continue;
    out.push(edited === undefined ? f : { no, wire: 2, bytes: encodeMessage(edited) });
  }
  return out;
}

/**
 * In a ValueInfoProto: makes the first dimension of its tensor shape, when it is a fixed 1, the
 * symbol `dimName`. Returns undefined (unchanged) when the value has no tensor shape, no
 * dimensions, or a first dimension other than 1.
 */
function symbolicFirstDim(valueInfo: Field[], dimName: string): Field[] | undefined {
  let changed = false;
  const result = editSubmessages(valueInfo, 2, (type) =>
    editSubmessages(type, 1, (tensor) =>
      editSubmessages(tensor, 2, (shape) => {
        const first = shape.findIndex((f) => f.no === 1 && f.wire === 2);
        if (first < 0) return undefined;
        const dim = decodeMessage((shape[first] as Extract<Field, { wire: 2 }>).bytes);
        // Only a fixed batch of 1 (dim_value 1) is a batch axis to free; other sizes stay.
        if (!dim.some((f) => f.no === 1 && f.wire === 0 && f.value === 1n)) return undefined;
        changed = true;
        // Keep denotation (3) if any; replace dim_value by the new dim_param.
        const kept = dim.filter((f) => f.no !== 1 && f.no !== 2);
        const newDim: Field = { no: 1, wire: 2, bytes: encodeMessage([{ no: 2, wire: 2, bytes: encoder.encode(dimName) }, ...kept]) };
        return shape.map((f, i) => (i === first ? newDim : f));
      }),
    ),
  );
  return changed ? result : undefined;
}

/** ONNX TensorProto.DataType INT64. */
const INT64 = 7n;

/**
 * In an int64 1-D TensorProto whose first element is 1: sets that element to 0. Returns undefined
 * when the tensor is not such a shape constant.
 */
function zeroFirstShapeElement(tensor: Field[]): Field[] | undefined {
  const type = tensor.find((f) => f.no === 2);
  if (!type || type.wire !== 0 || type.value !== INT64) return undefined;
  const dims = tensor.filter((f) => f.no === 1);
  if (dims.length > 1 || (dims.length === 1 && dims[0].wire !== 0 && dims[0].wire !== 2)) return undefined;
  const rawIndex = tensor.findIndex((f) => f.no === 9 && f.wire === 2);
  if (rawIndex >= 0) {
    const raw = (tensor[rawIndex] as Extract<Field, { wire: 2 }>).bytes;
    if (raw.length < 8) return undefined;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (view.getBigInt64(0, true) !== 1n) return undefined;
    const copy = Uint8Array.from(raw);
    new DataView(copy.buffer).setBigInt64(0, 0n, true);
    return tensor.map((f, i) => (i === rawIndex ? { no: 9, wire: 2, bytes: copy } : f));
  }
  // int64_data (7): packed (wire 2) or one varint per element (wire 0).
  const packedIndex = tensor.findIndex((f) => f.no === 7 && f.wire === 2);
  if (packedIndex >= 0) {
    const packed = (tensor[packedIndex] as Extract<Field, { wire: 2 }>).bytes;
    const values: bigint[] = [];
    for (let pos = 0; pos < packed.length; ) {
      const [v, p] = readVarint(packed, pos);
      values.push(BigInt.asIntN(64, v));
      pos = p;
    }
    if (values[0] !== 1n) return undefined;
    values[0] = 0n;
    const bytes: number[] = [];
    for (const v of values) writeVarint(v, bytes);
    return tensor.map((f, i) => (i === packedIndex ? { no: 7, wire: 2, bytes: Uint8Array.from(bytes) } : f));
  }
  const firstIndex = tensor.findIndex((f) => f.no === 7 && f.wire === 0);
  if (firstIndex < 0) return undefined;
  const first = tensor[firstIndex] as Extract<Field, { wire: 0 }>;
  if (first.value !== 1n) return undefined;
  return tensor.map((f, i) => (i === firstIndex ? { no: 7, wire: 0, value: 0n } : f));
}

export interface DynamicBatchOptions {
  /**
   * Also rewrite the shape constants of Reshape nodes whose first element is a hard-coded batch
   * of 1 into 0 ("copy the input's first dimension"). Only correct where every such Reshape's
   * input carries the batch on its first axis: verify the rewritten model numerically.
   * Constants used by anything but the shape input of Reshape nodes (without allowzero) are left alone.
   */
  reshapeBatch?: boolean;
}

export interface DynamicBatchReport {
  /** Graph inputs and outputs whose first dimension became `dimName`. */
  inputs: string[];
  outputs: string[];
  /** value_info entries dropped (onnxruntime infers intermediate shapes itself). */
  valueInfoDropped: number;
  /** Reshape shape constants (initializers or Constant nodes) whose leading 1 became 0. */
  reshapeConstants: string[];
}

/** Rewrites an ONNX model (bytes) so that its graph inputs and outputs have a symbolic batch axis. */
export function dynamicBatchModel(model: Uint8Array, dimName = 'N', options: DynamicBatchOptions = {}): { model: Uint8Array; report: DynamicBatchReport } {
  const report: DynamicBatchReport = { inputs: [], outputs: [], valueInfoDropped: 0, reshapeConstants: [] };
  const top = decodeMessage(model);
  if (!top.some((f) => f.no === 7 && f.wire === 2)) throw new Error('not an ONNX model: no graph');
  const rewritten = editSubmessages(top, 7, (graph) => {
    // Older models list their initializers (weights) among the inputs too: those keep their shapes.
    const initializers = new Set<string>();
    for (const f of graph) if (f.no === 5 && f.wire === 2) initializers.add(str(decodeMessage(f.bytes), 8) ?? '');

    let g = editSubmessages(graph, 11, (vi) => {
      const name = str(vi, 1) ?? '';
      if (initializers.has(name)) return undefined;
      const edited = symbolicFirstDim(vi, dimName);
      if (edited) report.inputs.push(name);
      return edited;
    });
    g = editSubmessages(g, 12, (vi) => {
      const edited = symbolicFirstDim(vi, dimName);
      if (edited) report.outputs.push(str(vi, 1) ?? '');
      return edited;
    });
    // value_info only records inferred shapes of intermediate values (batch 1 here): drop it.
    g = editSubmessages(g, 13, () => {
      report.valueInfoDropped++;
      return null;
    });
    if (options.reshapeBatch) g = zeroReshapeBatch(g, report);
    return g;
  });
  return { model: encodeMessage(rewritten), report };
}

function zeroReshapeBatch(graph: Field[], report: DynamicBatchReport): Field[] {
  const nodes = graph.filter((f) => f.no === 1 && f.wire === 2).map((f) => decodeMessage((f as Extract<Field, { wire: 2 }>).bytes));
  // Names usable as a Reshape shape: used only as input 1 of Reshape nodes without allowzero=1.
  const reshapeShapes = new Set<string>();
  const otherUses = new Set<string>();
  // Values computed from the graph inputs (nodes are topologically sorted in a valid model): only
  // Reshapes of those carry the batch; weights reshaped with a leading 1 (biases) must stay as they are.
  const initializers = new Set<string>();
  for (const f of graph) if (f.no === 5 && f.wire === 2) initializers.add(str(decodeMessage(f.bytes), 8) ?? '');
  const dynamic = new Set<string>();
  for (const f of graph) {
    if (f.no !== 11 || f.wire !== 2) continue;
    const name = str(decodeMessage(f.bytes), 1) ?? '';
    if (!initializers.has(name)) dynamic.add(name);
  }
  for (const n of nodes) if (strs(n, 1).some((i) => dynamic.has(i))) for (const o of strs(n, 2)) dynamic.add(o);
  for (const n of nodes) {
    const op = str(n, 4);
    const inputs = strs(n, 1);
    const batched = dynamic.has(inputs[0] ?? '');
    const allowZero = n.some((f) => {
      if (f.no !== 5 || f.wire !== 2) return false;
      const a = decodeMessage(f.bytes);
      const i = a.find((x) => x.no === 3);
      return str(a, 1) === 'allowzero' && i !== undefined && i.wire === 0 && i.value !== 0n;
    });
    inputs.forEach((name, k) => {
      if (op === 'Reshape' && k === 1 && batched && !allowZero) reshapeShapes.add(name);
      else otherUses.add(name);
    });
  }
  for (const f of graph) if (f.no === 12 && f.wire === 2) otherUses.add(str(decodeMessage(f.bytes), 1) ?? '');
  const candidates = new Set([...reshapeShapes].filter((n) => !otherUses.has(n)));

  let g = editSubmessages(graph, 5, (tensor) => {
    const name = str(tensor, 8) ?? '';
    if (!candidates.has(name)) return undefined;
    const edited = zeroFirstShapeElement(tensor);
    if (edited) report.reshapeConstants.push(name);
    return edited;
  });
  // Constant nodes: output (2) = the name, attribute (5) "value" with t (5) = the tensor.
  g = editSubmessages(g, 1, (node) => {
    if (str(node, 4) !== 'Constant') return undefined;
    const name = strs(node, 2)[0] ?? '';
    if (!candidates.has(name)) return undefined;
    let changed = false;
    const edited = editSubmessages(node, 5, (attr) => {
      if (str(attr, 1) !== 'value') return undefined;
      return editSubmessages(attr, 5, (tensor) => {
        const t = zeroFirstShapeElement(tensor);
        if (t) changed = true;
        return t;
      });
    });
    if (!changed) return undefined;
    report.reshapeConstants.push(name);
    return edited;
  });
  return g;
}

/**
 * Writes to `dstPath` the model at `srcPath` with the first dimension (a fixed 1) of its graph
 * inputs and outputs replaced by the symbol `dimName` (a dynamic batch axis); value_info is dropped.
 * Whether the graph then really computes each item of a batch as it would alone depends on its
 * nodes (hard-coded batch constants, batch-wide dynamic quantization): verify it numerically.
 */
export function withDynamicBatch(srcPath: string, dstPath: string, dimName = 'N', options: DynamicBatchOptions = {}): DynamicBatchReport {
  const { model, report } = dynamicBatchModel(readFileSync(srcPath), dimName, options);
  writeFileSync(dstPath, model);
  return report;
}
