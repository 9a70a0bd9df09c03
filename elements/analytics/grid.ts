/**
 * A uniform grid over the frame that lists, per cell, the rules whose bounds reach into it: the engine asks it
 * which lines a move might cross and which zones a point might be in, instead of testing every rule against
 * every object (most objects are far from most rules). Answers are candidates; the exact tests follow.
 */
import type { Bounds } from './geometry.js';

/** Cells per side: enough that a cell holds few rules, few enough that building it is cheap. */
const CELLS = 16;

export class RuleGrid {
  private readonly cells: number[][];
  private readonly cellWidth: number;
  private readonly cellHeight: number;
  /** Per rule, the query that last returned it (so a rule in several cells is returned once). */
  private readonly stamps: Uint32Array;
  private stamp = 0;

  /** `bounds` of each rule over a width x height frame (rules may reach outside it). */
  constructor(bounds: readonly Bounds[], width: number, height: number) {
    this.cellWidth = Math.max(1, width) / CELLS;
    this.cellHeight = Math.max(1, height) / CELLS;
    this.cells = Array.from({ length: CELLS * CELLS }, () => []);
    this.stamps = new Uint32Array(bounds.length);
    bounds.forEach((b, rule) => {
      for (let cy = cellOf(b[1], this.cellHeight); cy <= cellOf(b[3], this.cellHeight); cy++)
        for (let cx = cellOf(b[0], this.cellWidth); cx <= cellOf(b[2], this.cellWidth); cx++) this.cells[cy * CELLS + cx].push(rule);
    });
  }

  /** The rules whose cells meet the box (x0, y0)–(x1, y1), each once, written to `out`; returns how many. */
  query(x0: number, y0: number, x1: number, y1: number, out: Int32Array): number {
    // The stamps are 32-bit: start them again before they wrap (else rules would come back twice).
    if (++this.stamp > 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    const cx0 = cellOf(Math.min(x0, x1), this.cellWidth), cx1 = cellOf(Math.max(x0, x1), this.cellWidth);
    const cy0 = cellOf(Math.min(y0, y1), this.cellHeight), cy1 = cellOf(Math.max(y0, y1), this.cellHeight);
    let n = 0;
    for (let cy = cy0; cy <= cy1; cy++)
      for (let cx = cx0; cx <= cx1; cx++) {
        const cell = this.cells[cy * CELLS + cx];
        for (let k = 0; k < cell.length; k++) {
          const rule = cell[k];
          if (this.stamps[rule] === stamp) continue;
          this.stamps[rule] = stamp;
          out[n++] = rule;
        }
      }
    return n;
  }
}

/**
 * A coordinate's cell, clamped to the grid: what lies outside the frame falls in the edge cells, for rules and
 * queries alike, so a box that meets a rule's bounds always shares a cell with it.
 */
function cellOf(v: number, size: number): number {
  return Math.min(CELLS - 1, Math.max(0, Math.floor(v / size)));
}
