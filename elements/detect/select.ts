/**
 * Chooses the decoder for a model from the names and shapes of its outputs.
 *
 * Rules, in order (a leading batch dimension of 1 is ignored; "grid(W,H)" is the number of cells of the
 * stride 8, 16 and 32 feature maps of a W x H input; without the input size, a count is taken for a grid
 * when it is 21·k²/16 for a k divisible by 4, i.e. the grid of a square input whose side is a multiple of
 * 32):
 *
 * 1. `override` (the element's `decoder=` property), unless empty or `auto`: that decoder, whatever the
 *    shapes (it throws on decode when they do not fit). Unknown names throw, listing the valid ones.
 * 2. Two outputs `[1,N,C]` + `[1,N,4]` (same N; the boxes one named `box`/`loc` or the one with 4 columns)
 *    → `ultraface` when C = 2 (background + face), else `ssd`.
 * 3. An even number of outputs that pair up by row count N into (class `[1,N,C]`, distances
 *    `[1,N,4·(regMax+1)]`) levels → `gfl` (NanoDet, PicoDet; see gfl.ts for how pairs are told apart).
 * 4. One output `[1,A,B]` or `[A,B]` (A > 1 for rank 2: `[1,B]` is a classifier/embedding vector);
 *    outputs of rank >= 4 beside it (e.g. raw YOLOv5 feature maps) are ignored:
 *    a. input size known and B = grid(W,H), A >= 5 → `yolov8` (`[1,4+C,N]`, channels first);
 *    b. input size known and A = grid(W,H), B >= 6 → `yolox` (`[1,N,5+C]`, raw grid outputs);
 *    c. input size known and A = 3·grid(W,H), B >= 6 → `yolov5` (3 anchors per cell, decoded boxes);
 *    d. A < B and A >= 5 → `yolov8`;
 *    e. B >= 6 and A is a square-input grid count → `yolox`;
 *    f. B is 6 or 7 and A <= 1000 → `end2end` (`[1,K,6]` x1,y1,x2,y2,score,class; `[K,7]` YOLOv7 end2end);
 *    g. B >= 6 → `yolov5`.
 * 5. Anything else throws an Error naming the outputs and the valid `decoder=` values.
 *
 * 6. A model whose description names keypoints (`model.keypoints`: its manifest entry lists keypoint names) and
 *    whose single output took rule 4a or 4d → `yolov8-pose` (`[1,4+C+3K,N]`): the shape alone cannot tell a pose
 *    head from a detector with 4+C classes.
 *
 * 7. An oriented-box model → `yolov8-obb` (`[1,4+C+1,N]`: boxes, C class scores, an angle) where rule 4a or 4d
 *    chose `yolov8`, when its description says so (`model.obb`: the manifest's `task: "obb"`), or when the labels
 *    count C is known (`model.labelCount`: labels-file, or the manifest's labels) and the output has exactly 4+C+1
 *    rows. As for pose, the shape alone cannot tell: 4+C+1 rows are also a detector with C+1 classes; a labels
 *    file one line short of the detector's classes is an error (the label count check) either way.
 * 8. Two outputs, detections `[1,A,N]` (rule 4a or 4d) and prototypes `[1,M,h,w]` with A >= 4 + M + 1 →
 *    `yolov8-seg` (YOLOv8/YOLO11-seg: A = 4 + C + M rows, the last M the mask coefficients).
 *
 * The class count is never assumed: every decoder reads it from the shapes.
 */
import { end2endDecoder } from './end2end';
import { gflDecoder, gflLevelLayout } from './gfl';
import { ssdDecoder, ssdLayout, ultrafaceDecoder } from './ssd';
import { gridCellCount, outputsText, rows } from './tensor';
import type { Decoder, OutputInfo } from './types';
import { yolov5Decoder } from './yolov5';
import { yolov8Decoder } from './yolov8';
import { yolov8PoseDecoder } from './pose';
import { yolov8ObbDecoder } from './obb';
import { segOutputs, yolov8SegDecoder } from './seg';
import { YOLOX_STRIDES, yoloxDecoder } from './yolox';

/** Every decoder by its `decoder=` name. */
export const DECODERS: Readonly<Record<string, Decoder>> = Object.freeze({
  yolox: yoloxDecoder,
  yolov5: yolov5Decoder,
  yolov8: yolov8Decoder,
  'yolov8-pose': yolov8PoseDecoder,
  'yolov8-obb': yolov8ObbDecoder,
  'yolov8-seg': yolov8SegDecoder,
  end2end: end2endDecoder,
  gfl: gflDecoder,
  ssd: ssdDecoder,
  ultraface: ultrafaceDecoder,
});

/** Other accepted spellings of `decoder=`. */
export const DECODER_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  nanodet: 'gfl',
  picodet: 'gfl',
  yolov7: 'yolov5',
  yolo11: 'yolov8',
  'yolo11-pose': 'yolov8-pose',
  pose: 'yolov8-pose',
  'yolo11-obb': 'yolov8-obb',
  obb: 'yolov8-obb',
  'yolo11-seg': 'yolov8-seg',
  seg: 'yolov8-seg',
  yolov10: 'end2end',
  yolo26: 'end2end',
});

/** The valid `decoder=` values (canonical names first, then aliases, then `auto`). */
export const DECODER_NAMES: readonly string[] = Object.freeze([...Object.keys(DECODERS), ...Object.keys(DECODER_ALIASES), 'auto']);

/** Looks a decoder up by name or alias (case-insensitive); undefined when unknown. */
export function getDecoder(name: string): Decoder | undefined {
  const key = name.trim().toLowerCase();
  const canonical = DECODER_ALIASES[key] ?? key;
  return Object.prototype.hasOwnProperty.call(DECODERS, canonical) ? DECODERS[canonical] : undefined;
}

/** True when `n` is the stride-8/16/32 cell count of a square input whose side is a multiple of 32. */
function isSquareGridCount(n: number): boolean {
  if (n < 1 || (n * 16) % 21 !== 0) return false;
  const k = Math.round(Math.sqrt((n * 16) / 21));
  return k * k * 21 === n * 16 && k % 4 === 0;
}

function validNamesText(): string {
  return DECODER_NAMES.join(', ');
}

/**
 * Picks the decoder for outputs with these names and shapes (see the rules above). `input` is the model
 * input size, when known; it makes the YOLO-family rules exact.
 */
export function selectDecoder(
  outputs: readonly OutputInfo[],
  override?: string,
  input?: { readonly width: number; readonly height: number },
  model?: { readonly keypoints?: boolean; readonly obb?: boolean; readonly labelCount?: number },
): Decoder {
  // A YOLOv8-layout output ([1, A, N]) as pose, OBB or plain boxes (rules 6 and 7).
  const yolov8BoxFamily = (a: number): Decoder => {
    if (model?.keypoints) return yolov8PoseDecoder;
    if (model?.obb || (model?.labelCount !== undefined && model.labelCount > 0 && a === 4 + model.labelCount + 1)) return yolov8ObbDecoder;
    return yolov8Decoder;
  };
  if (override !== undefined && override.trim() !== '' && override.trim().toLowerCase() !== 'auto') {
    const d = getDecoder(override);
    if (!d) throw new Error(`unknown decoder '${override}': valid decoder= values are ${validNamesText()}`);
    return d;
  }
  const reasons: string[] = [];

  const ssd = ssdLayout(outputs);
  if (typeof ssd !== 'string') return ssd.columns === 2 ? ultrafaceDecoder : ssdDecoder;
  if (outputs.length === 2) reasons.push(`not SSD: ${ssd}`);

  if (outputs.length >= 2) {
    const gfl = gflLevelLayout(outputs);
    if (typeof gfl !== 'string') return gflDecoder;
    reasons.push(`not GFL (NanoDet/PicoDet): ${gfl}`);
  }

  const tabular = outputs.filter((o) => rows(o.dims) !== null);
  const others = outputs.filter((o) => rows(o.dims) === null && o.dims.length >= 4);
  if (tabular.length === 1 && tabular.length + others.length === outputs.length) {
    const r = rows(tabular[0].dims);
    if (tabular[0].dims.length === 2 && r !== null && r[0] === 1) {
      reasons.push(`output '${tabular[0].name}' looks like one vector per image (a classifier or an embedding), not boxes`);
    } else if (r !== null && r[0] >= 1 && r[1] >= 1) {
      const [a, b] = r;
      // Rule 8: a channels-first YOLOv8 head beside its prototype masks.
      const seg = others.length === 1 ? segOutputs(outputs) : null;
      const yolov8Family = (a: number) => (seg && typeof seg !== 'string' ? yolov8SegDecoder : yolov8BoxFamily(a));
      if (input && input.width > 0 && input.height > 0) {
        const grid = gridCellCount(input.width, input.height, YOLOX_STRIDES);
        if (b === grid && a >= 5) return yolov8Family(a);
        if (a === grid && b >= 6) return yoloxDecoder;
        if (a === 3 * grid && b >= 6) return yolov5Decoder;
      }
      if (a < b && a >= 5) return yolov8Family(a);
      if (b >= 6 && isSquareGridCount(a)) return yoloxDecoder;
      if ((b === 6 || b === 7) && a <= 1000) return end2endDecoder;
      if (b >= 6) return yolov5Decoder;
      reasons.push(`a single output needs at least 6 values per row ([1,N,5+C], [1,K,6]) or [1,4+C,N]`);
    } else {
      reasons.push(`output '${tabular[0].name}' has unknown dimensions (decide after a first inference, from the real tensor shapes)`);
    }
  } else if (outputs.length === 1) {
    reasons.push(`a single output must be [1,N,K] or [N,K]`);
  }

  throw new Error(
    `cannot tell which detector head produced outputs ${outputsText(outputs)}` +
      (reasons.length ? ` (${reasons.join('; ')})` : '') +
      `. Set decoder= to one of: ${validNamesText()} — or decode the outputs in a module's postprocess() hook.`,
  );
}
