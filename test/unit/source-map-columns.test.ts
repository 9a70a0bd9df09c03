/** The hook loader's source-map fix: original columns on a prefixed line move back by the prefix. */
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { removePrefixColumns } from '../../ts-runtime/src/source-map-columns';

describe('removePrefixColumns', () => {
  it('moves the columns on the prefixed line of that source only, keeping the other positions', () => {
    // line 0: (src 0, line 0, col 0), (src 0, line 0, col 4); line 1: (src 0, line 1, col 0)
    const prefix = new Map([[0, { line: 0, length: 3 }]]);
    // col 0 stays 0 (inside the prefix), col 4 becomes 1, line 1 is untouched.
    expect(removePrefixColumns('AAAA,IAAI;AACJ', prefix)).toBe('AAAA,IAAC;AACD');
    expect(removePrefixColumns('AAAA,IAAI;AACJ', new Map([[1, { line: 0, length: 3 }]]))).toBe('AAAA,IAAI;AACJ');
    // On line 1 instead: (line 1, col 4) moves to col 1.
    expect(removePrefixColumns('AAAA,IAAI;AACA', new Map([[0, { line: 1, length: 3 }]]))).toBe('AAAA,IAAI;AACH');
  });

  it('re-encodes a real esbuild map unchanged when no mapping is on a prefixed line', () => {
    const code = Array.from({ length: 200 }, (_, i) => `export const v${i} = { a: ${i * 1000}, b: "${'x'.repeat(i)}" };`).join('\n');
    const map = JSON.parse(transformSync(code, { sourcemap: 'external', loader: 'ts' }).map) as { mappings: string };
    expect(map.mappings.length).toBeGreaterThan(1000);
    expect(removePrefixColumns(map.mappings, new Map([[3, { line: 0, length: 10 }]]))).toBe(map.mappings);
    expect(removePrefixColumns(map.mappings, new Map([[0, { line: 500, length: 10 }]]))).toBe(map.mappings);
  });
});
