#!/usr/bin/env node
/**
 * tsexport's database output: rows per second sustained with 100 objects per frame, into a PostgreSQL server
 * this script starts on 127.0.0.1 (Debian's binaries, a throw-away cluster: test/helpers/postgres.ts) and into
 * an SQLite file, against baselines from the same run:
 *  (a) the pipeline `videotestsrc ! tsdetect (100-object hook) ! tsexport … ! fakesink` with the JSON Lines file
 *      alone (tsexport location=…), then with database=postgresql://… (database-batch-size 10, 100, 1000) and
 *      database=sqlite:…; for each the wall time, and the writer thread's own rate: rows it committed / the time
 *      its transactions took (from its debug log, tsexport-database:5), which is what it sustains when the
 *      database is the bottleneck;
 *  (b) the ceiling of that server: the same object rows loaded by psql's \copy (COPY FROM a CSV made from the JSON
 *      Lines beforehand: no JSON work on the server), into a table of the same columns and indexes.
 *
 *   node bench/database-bench.mjs [FRAMES]      (default 2000 frames = 200 000 object rows)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { machine } from '../scripts/lib/bench.mjs';
import { ROOT, gstLaunch, readJsonl } from '../scripts/lib/gst.mjs';
import { importTs } from '../scripts/lib/import-ts.mjs';

const run = promisify(execFile);
const FRAMES = Number(process.argv[2] ?? 2000);
const OBJECTS = 100;
const HOOK = path.join(ROOT, 'bench', 'overlay-objects.ts');

console.log(`tsexport database benchmark on ${machine}: ${FRAMES} frames x ${OBJECTS} objects\n`);
const { PostgresServer } = await importTs('test/helpers/postgres.ts');
const { freePort } = await importTs('test/helpers/gst.ts');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvision-db-bench-'));
// Its own temp dir: as root the cluster belongs to nobody, who must reach it.
const pg = new PostgresServer(mkdtempSync(path.join(os.tmpdir(), 'tsvision-db-bench-pg-')), await freePort());
await pg.start();
const sqliteFile = path.join(dir, 'results.db');

process.env.GST_DEBUG = 'tsexport-database:5';
process.env.GST_DEBUG_NO_COLOR = '1';

async function pipeline(name, exportProps) {
  const jsonl = path.join(dir, `${name}.jsonl`);
  const args = [
    'videotestsrc', `num-buffers=${FRAMES}`, '!', 'video/x-raw,width=640,height=480,framerate=30/1', '!',
    'tsdetect', `module=${HOOK}`, `module-args={"count":${OBJECTS}}`, '!',
    'tsexport', `location=${jsonl}`, 'source-id=bench', ...exportProps, '!', 'fakesink',
  ];
  const r = await gstLaunch(args);
  if (r.code !== 0) throw new Error(`pipeline failed:\ngst-launch-1.0 ${args.join(' ')}\n${r.output.slice(-3000)}`);
  if (/WARNING: /.test(r.output)) throw new Error(`${name}: warnings:\n${r.output.slice(-3000)}`);
  // "wrote N results in X ms": the writer's transactions.
  let frames = 0;
  let ms = 0;
  let batches = 0;
  for (const m of r.output.matchAll(/wrote (\d+) results in ([\d.]+) ms/g)) {
    frames += Number(m[1]);
    ms += Number(m[2]);
    batches++;
  }
  return { jsonl, seconds: r.seconds, frames, ms, batches };
}

function row(name, r, rows) {
  const writer = r.ms > 0 ? `${((r.frames * OBJECTS) / (r.ms / 1000)).toFixed(0).padStart(8)} rows/s in its transactions (${r.batches} batches, ${(r.frames / r.batches).toFixed(0)} frames each)` : '';
  console.log(`  ${name.padEnd(34)} ${r.seconds.toFixed(2).padStart(6)} s wall  ${rows !== undefined ? `${rows} rows  ` : ''}${writer}`);
}

console.log('(a) the pipeline, and the writer thread');
const base = await pipeline('baseline', []);
row('JSON Lines file only (baseline)', base);
for (const batch of [10, 100, 1000]) {
  const r = await pipeline(`pg-${batch}`, [`database=${pg.uri()}`, `database-batch-size=${batch}`, `database-queue-size=${FRAMES}`]);
  const rows = Number(await pg.psql(`SELECT count(*) FROM objects WHERE run = (SELECT run FROM frames ORDER BY time DESC LIMIT 1)`));
  if (rows !== FRAMES * OBJECTS) throw new Error(`PostgreSQL holds ${rows} object rows of ${FRAMES * OBJECTS}`);
  row(`PostgreSQL, database-batch-size=${batch}`, r, rows);
}
const lite = await pipeline('sqlite', [`database=sqlite:${sqliteFile}`, `database-queue-size=${FRAMES}`]);
const liteRows = Number((await run('sqlite3', [sqliteFile, 'SELECT count(*) FROM objects'])).stdout);
if (liteRows !== FRAMES * OBJECTS) throw new Error(`SQLite holds ${liteRows} object rows of ${FRAMES * OBJECTS}`);
row('SQLite, database-batch-size=100', lite, liteRows);

console.log('\n(b) the server\'s ceiling: the same object rows by COPY (psql \\copy of a CSV, no JSON on the server)');
const csv = path.join(dir, 'objects.csv');
const q = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? `"${JSON.stringify(v).replaceAll('"', '""')}"` : typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : String(v));
const lines = readJsonl(base.jsonl);
writeFileSync(
  csv,
  lines
    .flatMap((l) =>
      l.objects.map((o) =>
        ['copy', l.source, l.frame, l.pts, l.time, o.track_id, o.label, o.class_id, o.confidence, o.box.x, o.box.y, o.box.width, o.box.height, false, false, o.classifications]
          .map(q)
          .join(','),
      ),
    )
    .join('\n') + '\n',
);
await pg.psql('CREATE TABLE objects_copy (LIKE objects INCLUDING ALL)');
const t0 = performance.now();
await pg.psql(`\\copy objects_copy (run, source, frame, pts, time, track_id, label, label_id, confidence, x, y, width, height, predicted, interpolated, classifications) FROM '${csv}' CSV`);
const copyMs = performance.now() - t0;
const copied = Number(await pg.psql('SELECT count(*) FROM objects_copy'));
console.log(`  COPY ${copied} rows (${(statSync(csv).size / 2 ** 20).toFixed(0)} MiB of CSV)  ${(copyMs / 1000).toFixed(2)} s  ${((copied / copyMs) * 1000).toFixed(0)} rows/s`);

await pg.destroy();
rmSync(dir, { recursive: true, force: true });
