/**
 * Writes a small ONNX model whose output is a known tensor in the YOLOv8/YOLO11-obb layout, so that the OBB decoder,
 * its angle convention and rotated NMS can be checked through a real tsdetect pipeline without a real OBB model
 * (none is available offline). Used by test/pipeline/obb.test.ts, which generates it into a temporary directory.
 *
 * Graph (opset 13): input `images` float [1, 3, S, S] → ReduceMean (all axes, keepdims 0) → Mul by 0 → Add to the
 * constant table [1, 4 + C + 1, N] → output `output0`. The input takes part (onnxruntime accepts the graph and
 * tsdetect feeds it as it feeds any detector) but does not change the output: every frame decodes the same.
 *
 * ONNX field numbers (onnx.proto3), beside those dynamic-batch.ts lists:
 *   ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (OperatorSetIdProto: version = 2)
 *   GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12
 *   NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5
 *   AttributeProto: name = 1, i = 3, type = 20 (INT = 2)
 *   ValueInfoProto: name = 1, type = 2 → TypeProto.tensor_type = 1 → elem_type = 1 (FLOAT = 1), shape = 2
 *   TensorShapeProto.dim = 1 → Dimension.dim_value = 1
 *   TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9
 */
import { writeFileSync } from 'node:fs';
import { encodeMessage, type Field } from './dynamic-batch';

/** One candidate of the table: its box (model-input pixels), class scores, and angle (radians, as exported). */
export interface ObbCandidate {
  cx: number;
  cy: number;
  w: number;
  h: number;
  scores: readonly number[];
  angle: number;
}

const text = new TextEncoder();
const str = (no: number, s: string): Field => ({ no, wire: 2, bytes: text.encode(s) });
const msg = (no: number, fields: readonly Field[]): Field => ({ no, wire: 2, bytes: encodeMessage(fields) });
const int = (no: number, v: number): Field => ({ no, wire: 0, value: BigInt(v) });

function valueInfo(name: string, dims: readonly number[]): Field[] {
  const shape = dims.map((d) => msg(1, [int(1, d)]));
  return [str(1, name), msg(2, [msg(1, [int(1, 1), msg(2, shape)])])];
}

function floatTensor(name: string, dims: readonly number[], values: Float32Array): Field[] {
  return [...dims.map((d) => int(1, d)), int(2, 1), str(8, name), { no: 9, wire: 2, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) }];
}

/**
 * The `[1, 4 + C + 1, n]` table of `candidates` (columns beyond them all zero: score 0), channels first as the
 * Ultralytics export writes it.
 */
export function obbTable(candidates: readonly ObbCandidate[], classes: number, n: number): Float32Array {
  const rows = 4 + classes + 1;
  if (candidates.length > n) throw new RangeError(`${candidates.length} candidates do not fit in ${n} columns`);
  const t = new Float32Array(rows * n);
  candidates.forEach((c, i) => {
    if (c.scores.length !== classes) throw new RangeError(`candidate ${i} has ${c.scores.length} scores, not ${classes}`);
    [c.cx, c.cy, c.w, c.h, ...c.scores, c.angle].forEach((v, r) => (t[r * n + i] = v));
  });
  return t;
}

/** The model's bytes: input `images` [1, 3, size, size], output `output0` = obbTable(candidates, classes, n). */
export function obbTestModel(candidates: readonly ObbCandidate[], classes: number, size: number, n = 64): Uint8Array {
  const rows = 4 + classes + 1;
  const nodes = [
    [str(1, 'images'), str(2, 'mean'), str(3, 'reduce'), str(4, 'ReduceMean'), msg(5, [str(1, 'keepdims'), int(3, 0), int(20, 2)])],
    [str(1, 'mean'), str(1, 'zero'), str(2, 'nothing'), str(3, 'times_zero'), str(4, 'Mul')],
    [str(1, 'table'), str(1, 'nothing'), str(2, 'output0'), str(3, 'add'), str(4, 'Add')],
  ];
  const graph: Field[] = [
    ...nodes.map((n) => msg(1, n)),
    str(2, 'obb_test'),
    msg(5, floatTensor('zero', [], new Float32Array([0]))),
    msg(5, floatTensor('table', [1, rows, n], obbTable(candidates, classes, n))),
    msg(11, valueInfo('images', [1, 3, size, size])),
    msg(12, valueInfo('output0', [1, rows, n])),
  ];
  return encodeMessage([int(1, 7), str(2, 'tsvision obb-test-model'), msg(7, graph), msg(8, [int(2, 13)])]);
}

/** Writes obbTestModel(...) to `path`. */
export function writeObbTestModel(path: string, candidates: readonly ObbCandidate[], classes: number, size: number, n = 64): void {
  writeFileSync(path, obbTestModel(candidates, classes, size, n));
}
