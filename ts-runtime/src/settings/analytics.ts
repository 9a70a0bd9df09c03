/**
 * tsanalytics' rule-evaluation parameters (its properties; `config`/`rules` hold the lines and zones). The
 * hysteresis defaults are chosen by `npm run eval:analytics` (eval/analytics): the lowest mean total count error
 * over every MOTChallenge sequence with ground truth in ../shared, each run with the same normalised rules.
 */
import { declare, enumType } from './spec.js';

export const ANCHOR = enumType('GstTsAnalyticsAnchor', [
  { nick: 'bottom-center', description: "The middle of the box's bottom edge (where a walking person touches the ground)" },
  { nick: 'center', description: "The box's centre" },
  { nick: 'top-center', description: "The middle of the box's top edge" },
  { nick: 'bottom-left', description: "The box's bottom-left corner" },
  { nick: 'bottom-right', description: "The box's bottom-right corner" },
]);

export const ANALYTICS_PARAMS = declare({
  /** Which point of an object's box is tested against lines and zones. */
  anchor: {
    type: 'enum',
    enum: ANCHOR,
    default: 'bottom-center',
    nick: 'Anchor',
    blurb: "The point of an object's box that lines and zones are tested against",
  },
  /**
   * Hysteresis, distance: a line crossing (or a zone entry/exit) counts once the anchor has been at least this many
   * pixels past the line (inside/outside the zone's edge).
   */
  minDistance: {
    type: 'double',
    default: 4,
    min: 0,
    max: 100000,
    nick: 'Minimum distance',
    blurb: 'A crossing, entry or exit counts once the anchor has gone at least this many pixels past the line (or the zone edge)',
  },
  /** Hysteresis, time: … and has stayed on the new side for this many frames in a row (the crossing frame included). */
  minFrames: {
    type: 'uint',
    default: 4,
    min: 1,
    max: 10000,
    nick: 'Minimum frames',
    blurb: 'A crossing, entry or exit counts once the anchor has stayed on the new side this many frames in a row',
  },
  /**
   * Line crossings with a bottom anchor: a box at least 15% shorter than the track's tallest of its last N boxes
   * (the feet hidden behind something or someone) is taken that tall from its top, so an occlusion does not move
   * the anchor across a line. Zones test each box as it is. 0: every box as it is. Chosen by eval:analytics.
   */
  anchorHeightFrames: {
    type: 'uint',
    default: 7,
    min: 0,
    max: 1000,
    nick: 'Anchor height frames',
    blurb:
      "Line crossings with a bottom anchor: a box at least 15% shorter than its track's tallest box of the last N frames (feet hidden) is taken that tall from its top; 0: every box as it is",
  },
  /** Boxes tstrack predicted on frames the detector skipped count only when this is set. */
  countPredicted: {
    type: 'bool',
    default: false,
    nick: 'Count predicted boxes',
    blurb: 'Let boxes that tstrack predicted (frames without detection) count towards crossings and zones',
  },
  /** A track not seen for this many frames is forgotten (it leaves its zones; its side of each line is dropped). */
  forgetFrames: {
    type: 'uint',
    default: 30,
    min: 1,
    max: 100000,
    nick: 'Forget after frames',
    blurb: 'A track not seen for this many frames is forgotten: it leaves the zones it was in',
  },
});

/** tsanalytics' settings (besides the base class's): where the rules come from, the counts messages, the parameters. */
export const ANALYTICS_SETTINGS = declare({
  config: {
    type: 'string',
    default: null,
    nick: 'Rules file',
    blurb:
      'A JSON file of lines and zones (schema: elements/analytics/rules.schema.json); changes to the file, or setting this while playing, take effect at the next frame; counts survive for rules that keep their name',
    mutablePlaying: true,
  },
  rules: {
    type: 'string',
    default: null,
    nick: 'Rules',
    blurb: 'The same JSON as config, inline (used when config is not set); may be set while playing',
    mutablePlaying: true,
  },
  labelsFile: {
    type: 'string',
    default: null,
    nick: 'Labels file',
    blurb:
      "The detector's labels file (one label per line): class names in the rules' `classes` must be among them (unset: any name is taken as it is)",
  },
  countsInterval: {
    type: 'double',
    default: 0,
    min: 0,
    max: 86400,
    nick: 'Counts interval',
    blurb: 'Seconds of stream time between tsanalytics-counts element messages with the running totals; 0: none',
  },
  ...ANALYTICS_PARAMS,
});
