/**
 * SSD-style heads with the prior-box decode inside the graph (UltraFace, many SSD/MobileNet exports).
 *
 * Two outputs with the same number of rows N:
 * - scores `[1, N, C]`: softmax over C columns, column 0 = background, so class id = column - 1;
 * - boxes `[1, N, 4]`: x1, y1, x2, y2 normalised to 0..1 of the model input (multiplied by its size).
 * The boxes tensor is the one named `box`/`loc`, else the one with 4 columns (when only one has), else
 * the second output. UltraFace ([1,N,2] + [1,N,4]) is the 'ultraface' decoder: the same decode with the
 * default label `face`.
 */
import { classCount, rows, shapeText, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, OutputInfo, RawDetection, TensorLike } from './types';

const BOX_NAME = /box|loc/i;

/** Names the scores and boxes outputs of an SSD head, or returns why the outputs are not one. */
export function ssdLayout(outputs: readonly OutputInfo[]): { scores: string; boxes: string; rows: number; columns: number } | string {
  if (outputs.length !== 2) return 'an SSD head has two outputs (scores and boxes)';
  const [a, b] = outputs;
  const ra = rows(a.dims);
  const rb = rows(b.dims);
  if (ra === null || rb === null) return 'SSD outputs are [1,N,C] and [1,N,4]';
  if (ra[0] < 1 || ra[0] !== rb[0]) return 'SSD scores and boxes have the same number of rows';
  const aBox = BOX_NAME.test(a.name);
  const bBox = BOX_NAME.test(b.name);
  let boxesFirst: boolean;
  if (aBox !== bBox) boxesFirst = aBox;
  else if ((ra[1] === 4) !== (rb[1] === 4)) boxesFirst = ra[1] === 4;
  else boxesFirst = false;
  const boxes = boxesFirst ? a : b;
  const scores = boxesFirst ? b : a;
  const rs = boxesFirst ? rb : ra;
  const rbx = boxesFirst ? ra : rb;
  if (rbx[1] !== 4) return `SSD boxes output '${boxes.name}' ${shapeText(boxes.dims)} does not have 4 columns`;
  if (rs[1] < 2) return `SSD scores output '${scores.name}' ${shapeText(scores.dims)} needs a background column and at least one class`;
  return { scores: scores.name, boxes: boxes.name, rows: rs[0], columns: rs[1] };
}

function makeSsdDecoder(name: string, defaultLabels?: readonly string[]): Decoder {
  const decode = (outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] => {
    const infos: OutputInfo[] = Object.keys(outputs).map((n) => ({ name: n, dims: outputs[n].dims }));
    const layout = ssdLayout(infos);
    if (typeof layout === 'string') {
      throw new Error(`decoder '${name}' cannot use outputs ${infos.map((o) => `'${o.name}' ${shapeText(o.dims)}`).join(', ')}: ${layout}`);
    }
    const scores = tensorValues(outputs[layout.scores]);
    const boxes = tensorValues(outputs[layout.boxes]);
    const cols = layout.columns;
    const nc = classCount(cols - 1, opts.numClasses, name);
    const w = opts.inputWidth;
    const h = opts.inputHeight;
    const threshold = opts.threshold;
    const dets: RawDetection[] = [];
    for (let i = 0; i < layout.rows; i++) {
      const sb = i * cols;
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 1; c <= nc; c++) {
        const s = scores[sb + c];
        if (s > bestScore) {
          bestScore = s;
          best = c - 1;
        }
      }
      if (!(bestScore >= threshold)) continue;
      const bb = i * 4;
      dets.push({ x1: boxes[bb] * w, y1: boxes[bb + 1] * h, x2: boxes[bb + 2] * w, y2: boxes[bb + 3] * h, score: bestScore, classId: best });
    }
    return dets;
  };
  return defaultLabels ? { name, defaultLabels, decode } : { name, decode };
}

export const ssdDecoder: Decoder = makeSsdDecoder('ssd');
export const ultrafaceDecoder: Decoder = makeSsdDecoder('ultraface', ['face']);
