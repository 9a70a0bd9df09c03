/**
 * Rewrites the original columns of a source map's mappings on one line per source: the hook
 * loader inserts a short prefix on one line of each user file before esbuild sees it, and this
 * moves the positions on that line back to where they are in the file on disk.
 */
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`invalid source map character "${c}"`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeSegment(values: number[]): string {
  let out = '';
  for (const v of values) {
    let rest = v < 0 ? (-v << 1) | 1 : v << 1;
    do {
      let digit = rest & 31;
      rest >>>= 5;
      if (rest > 0) digit |= 32;
      out += BASE64[digit];
    } while (rest > 0);
  }
  return out;
}

/** A prefix of `length` characters inserted at the start of 0-based `line` of a source. */
export interface InsertedPrefix {
  line: number;
  length: number;
}

/**
 * Returns `mappings` with every original column on an inserted prefix's line moved left by the
 * prefix's length (positions inside the prefix become column 0). `prefixes` is keyed by source index.
 */
export function removePrefixColumns(mappings: string, prefixes: ReadonlyMap<number, InsertedPrefix>): string {
  if (prefixes.size === 0) return mappings;
  let source = 0;
  let line = 0;
  let column = 0;
  let written = 0; // the last original column written: mappings are relative to it
  return mappings
    .split(';')
    .map((generatedLine) =>
      generatedLine
        .split(',')
        .map((segment) => {
          if (segment === '') return segment;
          const v = decodeSegment(segment);
          if (v.length < 4) return segment;
          source += v[1];
          line += v[2];
          column += v[3];
          const prefix = prefixes.get(source);
          const fixed = prefix && prefix.line === line ? Math.max(0, column - prefix.length) : column;
          v[3] = fixed - written;
          written = fixed;
          return encodeSegment(v);
        })
        .join(','),
    )
    .join(';');
}
