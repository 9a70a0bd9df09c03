/**
 * GFL head of NanoDet (nanodet_m) and PicoDet: per feature-map level (stride s) a class-score tensor
 * `[1, N, C]` (sigmoid applied) and a distance tensor `[1, N, 4 * (regMax + 1)]` (for each side — left,
 * top, right, bottom — regMax+1 logits of a discrete distribution; distance = softmax integral * s).
 *
 * Cell (gx, gy) of a level (row-major, N = ceil(W/s) * ceil(H/s)) has its centre at
 *   cx = gx * s + 0.5 * (s - 1),  cy = gy * s + 0.5 * (s - 1)
 * and the box is (cx - left, cy - top, cx + right, cy + bottom).
 *
 * Pairing outputs into levels (see {@link gflLevelLayout}): tensors are grouped by N (one group per
 * level, exactly two tensors each). Inside a group the distance tensor is the one whose name says so
 * (`dis`/`reg`/`box`/`bbox`/`loc`), else the only one whose last dimension is a multiple of 4 (>= 8), else
 * the second in output order (NanoDet and PaddleDetection export class scores first). The stride comes
 * from a `stride_<S>` / `stride<S>` in the name, else from N and the input size.
 */
import { bestClassPerRow } from './scan';
import { classCount, dimValue, rows, shapeText, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, OutputInfo, RawDetection, TensorLike } from './types';

const CANDIDATE_STRIDES: readonly number[] = [8, 16, 32, 64, 128, 4];
const REG_NAME = /dis|reg|box|bbox|loc/i;
const CLS_NAME = /cls|score|conf|logit/i;

export interface GflLevel {
  /** Output names of the class scores and of the distance distributions of this level. */
  cls: string;
  reg: string;
  /** Cells of the level. */
  cells: number;
  numClasses: number;
  regMax: number;
  /** Stride from the output name, or null when only the input size can tell. */
  nameStride: number | null;
}

function strideFromName(name: string): number | null {
  const m = /stride_?(\d+)/i.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Groups GFL outputs into levels, or returns a reason why they are not a GFL head. Levels are returned
 * in order of decreasing cell count (increasing stride).
 */
export function gflLevelLayout(outputs: readonly OutputInfo[]): GflLevel[] | string {
  if (outputs.length < 2 || outputs.length % 2 !== 0) return 'a GFL head has an even number (>= 2) of outputs';
  const groups = new Map<number, { name: string; n: number; d: number }[]>();
  for (const o of outputs) {
    const r = rows(o.dims);
    if (r === null) return `output '${o.name}' ${shapeText(o.dims)} is not [1,N,K]`;
    const [n, d] = r;
    if (n < 1 || d < 1) return `output '${o.name}' ${shapeText(o.dims)} has unknown dimensions`;
    const g = groups.get(n);
    if (g) g.push({ name: o.name, n, d });
    else groups.set(n, [{ name: o.name, n, d }]);
  }
  const levels: GflLevel[] = [];
  for (const [n, g] of groups) {
    if (g.length !== 2) return `${g.length} outputs have ${n} rows (a GFL level has a class tensor and a distance tensor)`;
    const [a, b] = g;
    let regIndex: 0 | 1;
    const aReg = REG_NAME.test(a.name) && !CLS_NAME.test(a.name);
    const bReg = REG_NAME.test(b.name) && !CLS_NAME.test(b.name);
    const aFits = a.d % 4 === 0 && a.d >= 8;
    const bFits = b.d % 4 === 0 && b.d >= 8;
    if (aReg !== bReg) regIndex = aReg ? 0 : 1;
    else if (aFits !== bFits) regIndex = aFits ? 0 : 1;
    else regIndex = 1;
    const reg = regIndex === 0 ? a : b;
    const cls = regIndex === 0 ? b : a;
    if (reg.d % 4 !== 0 || reg.d < 8) return `distance output '${reg.name}' has ${reg.d} values per cell, not 4 * (regMax + 1)`;
    levels.push({ cls: cls.name, reg: reg.name, cells: n, numClasses: cls.d, regMax: reg.d / 4 - 1, nameStride: strideFromName(reg.name) ?? strideFromName(cls.name) });
  }
  const c0 = levels[0].numClasses;
  const r0 = levels[0].regMax;
  for (const l of levels) {
    if (l.numClasses !== c0 || l.regMax !== r0) return 'the levels disagree on the class count or the distance bins';
  }
  levels.sort((x, y) => y.cells - x.cells);
  return levels;
}

/** The stride of a level: from its name when given, else the stride whose grid has `cells` cells. */
function levelStride(level: GflLevel, inputWidth: number, inputHeight: number): { stride: number; gw: number; gh: number } {
  const fits = (s: number): { stride: number; gw: number; gh: number } | null => {
    for (const round of [Math.ceil, Math.floor]) {
      const gw = round(inputWidth / s);
      const gh = round(inputHeight / s);
      if (gw * gh === level.cells) return { stride: s, gw, gh };
    }
    return null;
  };
  if (level.nameStride !== null) {
    const f = fits(level.nameStride);
    if (f) return f;
    throw new Error(`decoder 'gfl': output '${level.cls}' has ${level.cells} cells, not a stride-${level.nameStride} grid of a ${inputWidth}x${inputHeight} input`);
  }
  for (const s of CANDIDATE_STRIDES) {
    const f = fits(s);
    if (f) return f;
  }
  throw new Error(`decoder 'gfl': no stride turns a ${inputWidth}x${inputHeight} input into ${level.cells} cells (output '${level.cls}')`);
}

function decodeGfl(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const infos: OutputInfo[] = Object.keys(outputs).map((name) => ({ name, dims: outputs[name].dims }));
  const layout = gflLevelLayout(infos);
  if (typeof layout === 'string') {
    throw new Error(`decoder 'gfl' cannot use outputs ${infos.map((o) => `'${o.name}' ${shapeText(o.dims)}`).join(', ')}: ${layout}`);
  }
  const threshold = opts.threshold;
  const dets: RawDetection[] = [];
  for (const level of layout) {
    const { stride, gw } = levelStride(level, opts.inputWidth, opts.inputHeight);
    const clsT = outputs[level.cls];
    const regT = outputs[level.reg];
    const nc = classCount(level.numClasses, opts.numClasses, 'gfl');
    const cls = tensorValues(clsT);
    const reg = tensorValues(regT);
    const bins = level.regMax + 1;
    const regWidth = 4 * bins;
    const offset = 0.5 * (stride - 1);
    const side = new Float64Array(4);
    const clsWidth = dimValue(clsT.dims[clsT.dims.length - 1]);
    const [index, classId, scores] = bestClassPerRow(cls, level.cells, nc, 0, clsWidth, threshold);
    for (let n = 0; n < index.length; n++) {
      const i = index[n];
      const rb = i * regWidth;
      for (let k = 0; k < 4; k++) {
        const o = rb + k * bins;
        let max = -Infinity;
        for (let j = 0; j < bins; j++) if (reg[o + j] > max) max = reg[o + j];
        let sum = 0;
        let acc = 0;
        for (let j = 0; j < bins; j++) {
          const e = Math.exp(reg[o + j] - max);
          sum += e;
          acc += e * j;
        }
        side[k] = (acc / sum) * stride;
      }
      const cx = (i % gw) * stride + offset;
      const cy = Math.floor(i / gw) * stride + offset;
      dets.push({ x1: cx - side[0], y1: cy - side[1], x2: cx + side[2], y2: cy + side[3], score: scores[n], classId: classId[n] });
    }
  }
  return dets;
}

export const gflDecoder: Decoder = { name: 'gfl', decode: decodeGfl };
