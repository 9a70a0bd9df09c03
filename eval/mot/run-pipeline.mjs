#!/usr/bin/env node
/**
 * MOT evaluation through the real pipeline (tsdetect replaying det.txt → tstrack → tsexport), scored with
 * eval/mot/metrics.ts:
 *
 *   node eval/mot/run-pipeline.mjs [SEQ...]          (default: every sequence of MOT15_DIR)
 *
 * Sequences with ground truth (MOT15 rule: conf-1 rows) print MOTA / IDF1 / FP / FN / IDSW and whether the result equals
 * runOffline() with the same parameters; the others print track counts. Needs the plugin built
 * (`bash scripts/build.sh`). Env: MOT15_DIR (default ../shared/mot/MOT15 beside the repository),
 * TRACKER (bytetrack | sort | iou, default bytetrack), TRACKER_PARAMS (JSON over TRACKER_DEFAULTS, e.g.
 * '{"lostMatchThreshold":0,"maxHeightChange":0}' for plain ByteTrack). The TypeScript modules are bundled with the
 * repository's esbuild on the fly, so a plain `node` runs this.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);

async function loadTs() {
  const esbuild = require(path.join(root, 'node_modules', 'esbuild'));
  const entry = [
    `export * from ${JSON.stringify(path.join(here, 'pipeline.ts'))};`,
    `export { evaluateMot } from ${JSON.stringify(path.join(here, 'metrics.ts'))};`,
    `export { runOffline } from ${JSON.stringify(path.join(here, 'run-offline.ts'))};`,
  ].join('\n');
  const result = esbuild.buildSync({
    stdin: { contents: entry, resolveDir: here, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    write: false,
    logLevel: 'error',
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'tsvision-eval-'));
  const file = path.join(dir, 'eval.mjs');
  writeFileSync(file, result.outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (v) => (v * 100).toFixed(1);

async function main() {
  const motDir = process.env.MOT15_DIR ?? path.resolve(root, '../shared/mot/MOT15');
  const kind = process.env.TRACKER ?? 'bytetrack';
  const params = JSON.parse(process.env.TRACKER_PARAMS ?? '{}');
  const seqs = process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : readdirSync(motDir).filter((s) => existsSync(path.join(motDir, s, 'det', 'det.txt'))).sort();
  const lib = await loadTs();
  let failed = false;
  for (const seq of seqs) {
    const seqDir = path.join(motDir, seq);
    if (!existsSync(path.join(seqDir, 'det', 'det.txt'))) {
      console.error(`${seq}: no ${path.join(seqDir, 'det', 'det.txt')}`);
      failed = true;
      continue;
    }
    const res = await lib.runPipelineSequence(seqDir, { kind, params, root });
    const offline = lib.runOffline(readFileSync(path.join(seqDir, 'det', 'det.txt'), 'utf8'), { kind, params, frameSize: lib.frameSize(seqDir) });
    const same = lib.sameRows(offline.rows, res.rows);
    const perFrame = ((res.elapsedMs / Math.max(1, res.numFrames))).toFixed(2);
    const gt = path.join(seqDir, 'gt', 'gt.txt');
    if (existsSync(gt)) {
      const m = lib.evaluateMot(readFileSync(gt, 'utf8'), res.text, { gtFilter: 'mot15' }); // MOT15_DIR: MOTChallenge's MOT15 rule (conf-1 rows)
      console.log(
        `${seq.padEnd(15)} ${kind} MOTA ${pct(m.mota)} IDF1 ${pct(m.idf1)} FP ${m.fp} FN ${m.fn} IDSW ${m.idsw} ` +
          `tracks ${res.trackCount} (gt ${m.numUniqueGt}) frames ${res.numFrames} ${perFrame} ms/frame; ` +
          `pipeline ${same ? '==' : '!='} offline`,
      );
    } else {
      console.log(
        `${seq.padEnd(15)} ${kind} (no gt) tracks ${res.trackCount} rows ${res.rows.length} frames ${res.numFrames} ` +
          `${perFrame} ms/frame; pipeline ${same ? '==' : '!='} offline (offline tracks ${offline.trackCount})`,
      );
    }
    if (!same) failed = true;
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
