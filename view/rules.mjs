/**
 * The geometry of tsanalytics rules (what `tsanalytics config=` reads; examples/rules/door.json): the lines and
 * zones the page draws. tsexport's JSON carries the counts and events, not the geometry, so `tsvision view --rules`
 * reads it from the same file the pipeline uses.
 */
import { readFileSync } from 'node:fs';

export function readRules(file) {
  let rules;
  try {
    rules = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--rules ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  const shapes = (key, minPoints) =>
    (rules[key] ?? []).map((r, i) => {
      const ok = Array.isArray(r.points) && r.points.length >= minPoints && r.points.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite));
      if (!ok) throw new Error(`--rules ${file}: ${key}[${i}].points must be at least ${minPoints} [x, y] pairs`);
      return { name: String(r.name ?? `${key.slice(0, -1)}${i}`), points: r.points };
    });
  const units = rules.units ?? 'pixels';
  if (units !== 'pixels' && units !== 'normalized') throw new Error(`--rules ${file}: units must be "pixels" or "normalized", got ${JSON.stringify(units)}`);
  return { units, lines: shapes('lines', 2), zones: shapes('zones', 3) };
}
