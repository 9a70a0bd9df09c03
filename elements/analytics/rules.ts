/**
 * tsanalytics' rules: parsed from JSON text, validated against the published JSON Schema (rules.schema.json,
 * with Ajv) and then for what a schema cannot say (simple polygons, unique names, known class names), each error
 * naming where the rules came from, the path in them and what is wrong.
 */
import Ajv, { type ErrorObject } from 'ajv';
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { polygonArea, selfIntersection, type Point } from './geometry.js';
import schema from './rules.schema.json';

export interface LineRule {
  readonly name: string;
  readonly points: readonly Point[];
  readonly classes?: readonly string[];
  readonly minDistance?: number;
  readonly minFrames?: number;
}

export interface ZoneRule {
  readonly name: string;
  readonly points: readonly Point[];
  readonly classes?: readonly string[];
  /** Seconds. */
  readonly dwell?: number;
  readonly maxOccupancy?: number;
  readonly minDistance?: number;
  readonly minFrames?: number;
}

export interface Rules {
  readonly units: 'pixels' | 'normalized';
  readonly lines: readonly LineRule[];
  readonly zones: readonly ZoneRule[];
}

export const NO_RULES: Rules = Object.freeze({ units: 'pixels', lines: [], zones: [] });

/** A rules error: `message` names the source, the path and what is wrong. */
export class RulesError extends Error {
  override name = 'RulesError';
}

const ajv = new Ajv({ allErrors: false, strict: true });
const validate = ajv.compile<{ units?: Rules['units']; lines?: LineRule[]; zones?: ZoneRule[] }>(schema);

/** `/lines/0/points` → `lines[0].points`. */
function readablePath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(error: ErrorObject): string {
  const where = readablePath(error.instancePath) || 'the top level';
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'enum':
      return `${where}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's messages differ between Node versions and do not all say where: jsonc-parser does (strict JSON).
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const { line, column } = lineColumn(text, first ? first.offset : text.length);
    const what = first ? printParseErrorCode(first.error) : 'InvalidSymbol';
    throw new RulesError(`${source}: JSON syntax error at line ${line}, column ${column}: ${what.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`);
  }
}

export interface ParseOptions {
  /** Where the text came from, for messages: e.g. `rules.json` or `property rules`. */
  readonly source: string;
  /** The labels objects can have (e.g. the detector's labels file): class names outside them are an error. */
  readonly labels?: readonly string[];
}

/** Parses and validates rules; throws a RulesError naming `source`, the path and the problem. */
export function parseRules(text: string, options: ParseOptions): Rules {
  const { source } = options;
  const value = parseJson(text, source);
  if (!validate(value)) throw new RulesError(`${source}: ${describe(validate.errors![0])}`);
  const units = value.units ?? 'pixels';
  const lines = value.lines ?? [];
  const zones = value.zones ?? [];
  const names = new Map<string, string>();
  const labels = options.labels ? new Set(options.labels) : null;
  const check = (kind: 'lines' | 'zones', i: number, rule: LineRule | ZoneRule) => {
    const where = `${kind}[${i}]`;
    const other = names.get(`${kind}:${rule.name}`);
    if (other) throw new RulesError(`${source}: ${where}.name: "${rule.name}" is also the name of ${other}; names must be unique`);
    names.set(`${kind}:${rule.name}`, where);
    for (const [j, p] of rule.points.entries()) {
      if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new RulesError(`${source}: ${where}.points[${j}] must be finite numbers`);
      if (units === 'normalized' && (p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1))
        throw new RulesError(`${source}: ${where}.points[${j}] must lie in 0..1 (units "normalized")`);
    }
    if (labels)
      for (const [j, c] of (rule.classes ?? []).entries())
        if (!labels.has(c)) throw new RulesError(`${source}: ${where}.classes[${j}]: unknown class "${c}" (not in the labels file, property labels-file)`);
  };
  lines.forEach((line, i) => {
    check('lines', i, line);
    const length = line.points.slice(1).reduce((sum, p, j) => sum + Math.hypot(p[0] - line.points[j][0], p[1] - line.points[j][1]), 0);
    if (length === 0) throw new RulesError(`${source}: lines[${i}].points: the line "${line.name}" has no length (all its points coincide)`);
  });
  zones.forEach((zone, i) => {
    check('zones', i, zone);
    const crossing = selfIntersection(zone.points);
    if (crossing)
      throw new RulesError(
        `${source}: zones[${i}].points: the polygon of "${zone.name}" intersects itself (edge ${crossing[0]} crosses edge ${crossing[1]}); list its corners in order around it`,
      );
    if (polygonArea(zone.points) === 0) throw new RulesError(`${source}: zones[${i}].points: the polygon of "${zone.name}" has no area`);
  });
  return { units, lines, zones };
}

/** The rules' geometry in frame pixels (normalised points scaled by the frame size). */
export function toPixels(rules: Rules, width: number, height: number): Rules {
  if (rules.units === 'pixels') return rules;
  const scale = (points: readonly Point[]): Point[] => points.map((p) => [p[0] * width, p[1] * height] as const);
  return {
    units: 'pixels',
    lines: rules.lines.map((l) => ({ ...l, points: scale(l.points) })),
    zones: rules.zones.map((z) => ({ ...z, points: scale(z.points) })),
  };
}
