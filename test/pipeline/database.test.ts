/**
 * tsexport's database output in real gst-launch-1.0 pipelines, against a real PostgreSQL server that
 * this file starts on 127.0.0.1 (Debian's postgresql, a cluster made by initdb in a temp dir, password
 * logins: test/helpers/postgres.ts) and SQLite files read back with the sqlite3 command-line tool.
 * The rows must equal the JSON Lines that the same element wrote in the same run: frames, one object
 * row per object per frame (tstrack's filled-in past objects included), tsanalytics' events.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COCO_LABELS, HOOKS, ROOT, SHARED, YOLOX, freePort, gstLaunch, readJsonl, run, tempDir, type RunResult } from '../helpers/gst';
import { PostgresServer } from '../helpers/postgres';

const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Real people: TUD-Campus (MOTChallenge, 71 frames) through yolox_nano, tstrack and tsanalytics. */
const TUD_VIDEO = path.join(SHARED, 'mot', 'MOT15', 'TUD-Campus', 'TUD-Campus.mp4');
const RULES = JSON.stringify({
  units: 'normalized',
  lines: [
    { name: 'middle', points: [[0.5, 0.02], [0.5, 0.98]] },
    { name: 'third', points: [[0.33, 0.02], [0.33, 0.98]] },
  ],
  zones: [{ name: 'centre', points: [[0.3, 0.35], [0.7, 0.35], [0.7, 0.95], [0.3, 0.95]], dwell: 0.5, maxOccupancy: 2 }],
});
const PEOPLE =
  `filesrc location=${TUD_VIDEO} ! decodebin ! videoconvert ! ` +
  `tsdetect model=${YOLOX} labels-file=${COCO_LABELS} object-class=person ! tstrack ! tsanalytics rules='${RULES}'`;
/** A paced stream (a live source, 30 fps) with two synthetic objects a frame. */
const LIVE = (frames: number) =>
  `videotestsrc num-buffers=${frames} is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! ` +
  `tsdetect module=${HOOKS}/track-moving.ts module-args='{"static":true}'`;

// ---- what the JSON Lines say the rows must be --------------------------------------------------

interface Line {
  frame: number;
  pts: number | null;
  time: string;
  source: string | null;
  width: number;
  height: number;
  objects: Obj[];
  past_objects?: (Obj & { frame: number; pts: number | null })[];
  events?: Record<string, unknown>[];
  counts?: unknown;
  motion?: unknown;
  tags?: unknown;
  classifications?: unknown[];
}
interface Obj {
  box: { x: number; y: number; width: number; height: number };
  label: string;
  class_id: number;
  confidence: number;
  track_id: number | null;
  predicted?: boolean;
  classifications?: unknown[];
}

function objectRow(line: Line, o: Obj, past?: { frame: number; pts: number | null }) {
  return {
    source: line.source,
    frame: past ? past.frame : line.frame,
    pts: past ? past.pts : line.pts,
    time: line.time,
    track_id: o.track_id,
    label: o.label,
    label_id: o.class_id,
    confidence: o.confidence,
    x: o.box.x,
    y: o.box.y,
    width: o.box.width,
    height: o.box.height,
    predicted: o.predicted === true,
    interpolated: past !== undefined,
    classifications: o.classifications ?? null,
  };
}

function expectedRows(lines: Line[]) {
  const frames = lines.map((l) => ({
    source: l.source,
    frame: l.frame,
    pts: l.pts,
    time: l.time,
    width: l.width,
    height: l.height,
    object_count: l.objects.length,
    tags: l.tags ?? null,
    counts: l.counts ?? null,
    motion: l.motion ?? null,
  }));
  const objects = lines.flatMap((l) => [
    ...l.objects.map((o) => objectRow(l, o)),
    ...(l.past_objects ?? []).map((p) => objectRow(l, p, p)),
  ]);
  const events = lines.flatMap((l) =>
    (l.events ?? []).map((e) => ({
      source: l.source,
      frame: l.frame,
      pts: l.pts,
      time: l.time,
      type: e.type,
      rule: (e.line ?? e.zone ?? null) as string | null,
      track_id: (e.track_id ?? null) as number | null,
      label: (e.label ?? null) as string | null,
      direction: (e.direction ?? null) as string | null,
      data: e,
    })),
  );
  return { frames, objects, events };
}

/** Rows in a canonical order (the tables have no order of their own). */
const sorted = <T>(rows: T[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

type Rows = Record<'frames' | 'objects' | 'events', Record<string, unknown>[]>;

function expectRowsEqualLines(actual: Rows, lines: Line[]) {
  const expected = expectedRows(lines);
  expect(actual.frames.length).toBe(lines.length);
  expect(sorted(actual.frames)).toEqual(sorted(expected.frames));
  expect(actual.objects.length).toBe(expected.objects.length);
  expect(sorted(actual.objects)).toEqual(sorted(expected.objects));
  expect(sorted(actual.events)).toEqual(sorted(expected.events));
}

// ---- reading the tables back -------------------------------------------------------------------

const PG_TIME = `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time`;

async function pgRows(pg: PostgresServer, source: string) {
  const where = `WHERE source = '${source}'`;
  const [frames, objects, events] = await Promise.all([
    pg.rows(`SELECT source, frame, pts, ${PG_TIME}, width, height, object_count, tags, counts, motion FROM frames ${where}`),
    pg.rows(
      `SELECT source, frame, pts, ${PG_TIME}, track_id, label, label_id, confidence, x, y, width, height, predicted, ` +
        `interpolated, classifications FROM objects ${where}`,
    ),
    pg.rows(`SELECT source, frame, pts, ${PG_TIME}, type, rule, track_id, label, direction, data FROM events ${where}`),
  ]);
  return { frames, objects, events };
}

async function sqlite(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const { stdout } = await execFileP('sqlite3', ['-json', file, sql], { maxBuffer: 1 << 30 });
  return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>[]) : [];
}

async function sqliteRows(file: string) {
  const json = (v: unknown) => (v === null ? null : JSON.parse(v as string));
  const frames = (await sqlite(file, 'SELECT source, frame, pts, time, width, height, object_count, tags, counts, motion FROM frames')).map(
    (r) => ({ ...r, tags: json(r.tags), counts: json(r.counts), motion: json(r.motion) }),
  );
  const objects = (
    await sqlite(
      file,
      'SELECT source, frame, pts, time, track_id, label, label_id, confidence, x, y, width, height, predicted, ' +
        'interpolated, classifications FROM objects',
    )
  ).map((r) => ({ ...r, predicted: r.predicted === 1, interpolated: r.interpolated === 1, classifications: json(r.classifications) }));
  const events = (await sqlite(file, 'SELECT source, frame, pts, time, type, rule, track_id, label, direction, data FROM events')).map(
    (r) => ({ ...r, data: json(r.data) }),
  );
  return { frames, objects, events };
}

function expectClean(r: RunResult) {
  expect(r.timedOut, r.output).toBe(false);
  expect(r.code, r.output).toBe(0);
  expect(r.output).not.toMatch(/ERROR/);
}

// ---- one server for the file -------------------------------------------------------------------

let pg: PostgresServer;
beforeAll(async () => {
  pg = new PostgresServer(tempDir('tsvision-pg-'), await freePort());
  await pg.start();
}, 60_000);
afterAll(async () => {
  await pg?.destroy();
});

describe('tsexport database output (a real PostgreSQL server, SQLite files)', () => {
  it('writes every frame, object and event of a real pipeline as rows equal to the JSON Lines, to PostgreSQL and SQLite', async () => {
    const dir = tempDir();
    const passwordFile = path.join(dir, 'pg-password');
    writeFileSync(passwordFile, `${pg.password}\n`);
    const r = await gstLaunch(
      `${PEOPLE} ! ` +
        `tsexport location=${dir}/pg.jsonl source-id=tud-pg tags='{"site":"north","camera":3}' database=${pg.uri({ withPassword: false })} database-password-file=${passwordFile} ! ` +
        `tsexport location=${dir}/sqlite.jsonl source-id=tud-sqlite database=sqlite:${dir}/results.db ! fakesink`,
      { timeoutMs: 60_000 },
    );
    expectClean(r);
    expect(r.output).not.toMatch(/WARNING/);
    const pgLines = readJsonl(path.join(dir, 'pg.jsonl')) as unknown as Line[];
    expect(pgLines).toHaveLength(71);
    const expected = expectedRows(pgLines);
    // Something real to compare: people, tracks, filled-in boxes and events.
    expect(expected.objects.length).toBeGreaterThan(200);
    expect(expected.objects.some((o) => o.interpolated)).toBe(true);
    expect(expected.frames.some((f) => f.motion !== null)).toBe(true);
    expect(expected.frames[0].tags).toEqual({ site: 'north', camera: 3 });
    expect(expected.events.filter((e) => e.type === 'line-crossed').length).toBeGreaterThan(0);
    expectRowsEqualLines(await pgRows(pg, 'tud-pg'), pgLines);
    expectRowsEqualLines(await sqliteRows(path.join(dir, 'results.db')), readJsonl(path.join(dir, 'sqlite.jsonl')) as unknown as Line[]);

    // The indexes of the README's two queries (where was track N; counts per minute).
    const indexes = await pg.psql("SELECT indexdef FROM pg_indexes WHERE tablename IN ('frames', 'objects', 'events') ORDER BY 1");
    expect(indexes).toContain('CREATE INDEX objects_source_track_frame ON public.objects USING btree (source, track_id, frame)');
    expect(indexes).toContain('CREATE INDEX objects_source_time ON public.objects USING btree (source, "time")');
    expect(indexes).toContain('CREATE INDEX events_source_time ON public.events USING btree (source, "time")');
    const track = expected.objects.find((o) => o.track_id !== null)!.track_id;
    const where = await pg.rows(`SELECT frame, x, y, width, height FROM objects WHERE source = 'tud-pg' AND track_id = ${track} ORDER BY frame`);
    expect(where.map((w) => w.frame)).toEqual(expected.objects.filter((o) => o.track_id === track).map((o) => o.frame).sort((a, b) => a - b));
    const perMinute = await pg.rows(
      "SELECT date_trunc('minute', time) AS minute, count(*) AS objects FROM objects WHERE source = 'tud-pg' AND NOT interpolated GROUP BY 1",
    );
    expect(perMinute.reduce((n, m) => n + Number(m.objects), 0)).toBe(expected.objects.filter((o) => !o.interpolated).length);
  }, 90_000);

  it('queues while the server restarts mid-run, warns, reconnects and then writes every row', async () => {
    const dir = tempDir();
    const frames = 180; // 6 s at 30 fps
    const pipeline = gstLaunch(
      `${LIVE(frames)} ! tstrack ! tsexport location=${dir}/restart.jsonl source-id=restart database=${pg.uri()} ! fakesink`,
      { timeoutMs: 40_000 },
    );
    await sleep(1500);
    await pg.stop('fast'); // ends the writer's session
    await sleep(1500);
    await pg.start();
    const r = await pipeline;
    expectClean(r);
    expect(r.output).toMatch(/WARNING: .*tsexport0: Lost the connection to the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ \(property database\): .*; reconnecting; results are queued \(at most database-queue-size=10000\)/);
    expect(r.output).toMatch(/INFO:\n.*\n?Reconnected to the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+; writing \d+ queued results/);
    expect(r.output).not.toMatch(/Dropped/);
    expect(r.output).not.toContain(pg.password);
    const lines = readJsonl(path.join(dir, 'restart.jsonl')) as unknown as Line[];
    expect(lines).toHaveLength(frames);
    expectRowsEqualLines(await pgRows(pg, 'restart'), lines);
  }, 60_000);

  it('beyond database-queue-size while the server is away drops the oldest, with one warning that counts them', async () => {
    await pg.stop('fast');
    const dir = tempDir();
    const frames = 180;
    const queue = 20;
    const pipeline = gstLaunch(
      `${LIVE(frames)} ! tsexport location=${dir}/drop.jsonl source-id=drop database=${pg.uri()} database-queue-size=${queue} ! fakesink`,
      { timeoutMs: 40_000 },
    );
    await sleep(2000); // away at start
    await pg.start();
    const r = await pipeline;
    expectClean(r);
    expect(r.output).toMatch(/WARNING: .*Cannot connect to the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ \(property database\): .*Connection refused.*; retrying/);
    expect(r.output).toMatch(/INFO:\n.*\n?Connected to the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+; writing 20 queued results/);
    const drops = [...r.output.matchAll(/WARNING: .*Dropped the oldest (\d+) results: the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ was unreachable and database-queue-size \(20\) was reached/g)];
    expect(drops, r.output).toHaveLength(1);
    const dropped = Number(drops[0][1]);
    expect(dropped).toBeGreaterThan(0);
    // The oldest went: the rows are those of the frames after them, every one of them.
    const lines = readJsonl(path.join(dir, 'drop.jsonl')) as unknown as Line[];
    expect(lines).toHaveLength(frames);
    const rows = await pgRows(pg, 'drop');
    expect(rows.frames.map((f) => f.frame as number).sort((a, b) => a - b)).toEqual(lines.slice(dropped).map((l) => l.frame));
    expectRowsEqualLines(rows, lines.slice(dropped));
  }, 60_000);

  it('a statement cancelled mid-write (pg_cancel_backend, as statement_timeout does): warns, writes it again, every row lands', async () => {
    const dir = tempDir();
    const frames = 150; // 5 s at 30 fps
    const pipeline = gstLaunch(
      `${LIVE(frames)} ! tsexport location=${dir}/cancel.jsonl source-id=cancel database=${pg.uri()} ! fakesink`,
      { timeoutMs: 40_000 },
    );
    const poll = async (sql: string, what: string) => {
      for (let i = 0; i < 100; i++) {
        const out = (await pg.psql(sql).catch(() => '')).trim(); // the tables may not be there yet
        if (out && out !== '0') return out;
        await sleep(50);
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    await poll("SELECT count(*) FROM frames WHERE source = 'cancel'", 'the first rows');
    // A session holding a lock that INSERT waits for: the writer's next statement blocks, and is cancelled.
    const locker = pg.psql('BEGIN; LOCK TABLE frames IN SHARE MODE; SELECT pg_sleep(20); COMMIT').catch((e: Error) => e);
    const writer = await poll(
      "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'tsvision-%' AND wait_event_type = 'Lock'",
      'the writer to wait for the lock',
    );
    expect(await pg.psql(`SELECT pg_cancel_backend(${writer})`)).toContain('t');
    await pg.psql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()");
    expect(String(await locker)).toMatch(/canceling statement due to user request/);
    const r = await pipeline;
    expectClean(r);
    expect(r.output).toMatch(/WARNING: .*tsexport0: Cannot write to the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ \(property database\): canceling statement due to user request; reconnecting/);
    const lines = readJsonl(path.join(dir, 'cancel.jsonl')) as unknown as Line[];
    expect(lines).toHaveLength(frames);
    expectRowsEqualLines(await pgRows(pg, 'cancel'), lines);
  }, 60_000);

  it('a frame PostgreSQL cannot take (a \\u0000 in an event\'s zone name) is skipped with a warning naming it; the others are written', async () => {
    const dir = tempDir();
    const frames = 30;
    // analytics-record.ts: one event in the zone named by `custom` on every 10th frame (0, 10, 20).
    const r = await gstLaunch(
      `${LIVE(frames)} ! tstrack ! tsanalytics module=${HOOKS}/analytics-record.ts module-args='{"custom":"nul\\u0000zone"}' ! ` +
        `tsexport location=${dir}/nul.jsonl source-id=nul database=${pg.uri()} ! fakesink`,
      { timeoutMs: 40_000 },
    );
    expectClean(r);
    const skipped = [...r.output.matchAll(/WARNING: .*tsexport0: Skipped the results of frame (\d+): unsupported Unicode escape sequence .*\(SQLSTATE 22P05\): the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ \(property database\) cannot take them; the other results are written/g)];
    expect(skipped.map((m) => Number(m[1])), r.output).toEqual([0, 10, 20]);
    const lines = readJsonl(path.join(dir, 'nul.jsonl')) as unknown as Line[];
    expect(lines).toHaveLength(frames);
    expect(lines.filter((l) => (l.events ?? []).length > 0).map((l) => l.frame)).toEqual([0, 10, 20]);
    expectRowsEqualLines(await pgRows(pg, 'nul'), lines.filter((l) => ![0, 10, 20].includes(l.frame)));
  }, 60_000);

  it('a server that never comes: warns, keeps the stream going, and exits promptly at EOS', async () => {
    const port = await freePort(); // nothing listens there
    const r = await gstLaunch(
      `${LIVE(30)} ! tsexport database=postgresql://tsv@127.0.0.1:${port}/tsv database-queue-size=10 ! fakesink`,
      { timeoutMs: 30_000 },
    );
    expectClean(r);
    expect(r.output).toMatch(/WARNING: .*Cannot connect to the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ \(property database\)/);
    expect(r.output).toMatch(/WARNING: .*Dropped the oldest 20 results: .* was unreachable and database-queue-size \(10\) was reached/);
    expect(r.output).toMatch(/WARNING: .*At the end of the stream 10 results are not written to the PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ \(property database\): it is unreachable; one more attempt at stop/);
    // 1 s of stream; at EOS and at stop one more attempt each, not a wait for a server that is gone.
    expect(r.elapsedMs).toBeLessThan(8000);
  }, 30_000);

  it('on an interrupt while the server is away: no hang', async () => {
    const port = await freePort();
    let sent = 0;
    const r = await gstLaunch(`${LIVE(3000)} ! tsexport database=postgresql://tsv@127.0.0.1:${port}/tsv ! fakesink`, {
      timeoutMs: 30_000,
      onSpawn: (child) => setTimeout(() => ((sent = Date.now()), child.kill('SIGINT')), 1500),
    });
    expect(r.timedOut, r.output).toBe(false);
    expect(r.output).toMatch(/Cannot connect to the PostgreSQL database/);
    expect(r.output).toMatch(/handling interrupt/);
    expect(Date.now() - sent, r.output).toBeLessThan(5000);
  }, 30_000);

  it('examples/detect-to-postgres.sh: people of the person video in PostgreSQL, and the README\'s queries answered', async () => {
    const dir = tempDir();
    const passwordFile = path.join(dir, 'pg-password');
    writeFileSync(passwordFile, `${pg.password}\n`);
    const r = await run('bash', [path.join(ROOT, 'examples', 'detect-to-postgres.sh'), '', pg.uri({ withPassword: false })], {
      env: { FRAMES: '250', PASSWORD_FILE: passwordFile, SOURCE_ID: 'example', JSONL: path.join(dir, 'example.jsonl') },
      timeoutMs: 60_000,
    });
    expect(r.code, r.output).toBe(0);
    // The first person walks in around frame 60, is tracked as 1 and crosses the door line (in).
    expect(r.stdout).toMatch(/where was track 1 \(its first frames\):\n\s*frame \|\s*x\s*\|/);
    expect(r.stdout).toMatch(/^\s*door\s*\|\s*in\s*\|\s*1$/m);
    const lines = readJsonl(path.join(dir, 'example.jsonl')) as unknown as Line[];
    expectRowsEqualLines(await pgRows(pg, 'example'), lines);
  }, 90_000);

  it('a wrong password, none, or an unknown database is an error naming the database property, the password never printed', async () => {
    const cases = [
      { uri: pg.uri({ password: 'not-the-password' }), error: /refused the login of user "tsv" \(FATAL: password authentication failed for user "tsv"\): check the user name and password in the database property, or in database-password-file/ },
      { uri: pg.uri({ withPassword: false }), error: /The PostgreSQL database "tsv" at 127\.0\.0\.1:\d+ requires a password for user "tsv" \(fe_sendauth: no password supplied\): put it in the database property \(postgresql:\/\/user:password@host\/db\), in database-password-file or in ~\/\.pgpass/ },
      { uri: pg.uri({ database: 'nope' }), error: /The PostgreSQL database "nope" at 127\.0\.0\.1:\d+: FATAL: database "nope" does not exist: create it \(createdb nope\) or name an existing one in the database property/ },
    ];
    for (const c of cases) {
      const r = await gstLaunch(`${LIVE(60)} ! tsexport database=${c.uri} ! fakesink`, { timeoutMs: 30_000 });
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toMatch(/ERROR: from element .*tsexport0: /);
      expect(r.output).toMatch(c.error);
      expect(r.output).toMatch(/not retrying: nothing more is written to the database/);
      expect(r.output).not.toContain('not-the-password');
      expect(r.elapsedMs).toBeLessThan(10_000);
    }
  }, 60_000);

  it('tables of other columns are an error naming the database property; format=dlstreamer still writes tsvision\'s rows', async () => {
    await pg.psql('CREATE DATABASE other', 'postgres');
    await pg.psql('CREATE TABLE objects (id integer)', 'other');
    const r = await gstLaunch(`${LIVE(30)} ! tsexport database=${pg.uri({ database: 'other' })} ! fakesink`, { timeoutMs: 30_000 });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toMatch(/ERROR: .*tsexport0: Cannot create the tables in the PostgreSQL database "other" at 127\.0\.0\.1:\d+ \(property database\): column "source" does not exist \(SQLSTATE 42703\) \(tables frames, objects or events made by something else\?\)/);

    const dir = tempDir();
    const dl = await gstLaunch(
      `${LIVE(10)} ! tee name=t ! queue ! tsexport location=${dir}/tsvision.jsonl ! fakesink ` +
        `t. ! queue ! tsexport format=dlstreamer location=${dir}/dl.jsonl database=sqlite:${dir}/dl.db ! fakesink`,
      { timeoutMs: 30_000 },
    );
    expectClean(dl);
    expect(readJsonl(path.join(dir, 'dl.jsonl'))[0]).toHaveProperty('resolution'); // the file: DL Streamer's JSON
    const rows = await sqliteRows(path.join(dir, 'dl.db'));
    const lines = readJsonl(path.join(dir, 'tsvision.jsonl')) as unknown as Line[];
    // The same frames as the other branch's tsvision lines, but for the wall clock each element reads.
    const untimed = <T extends Record<string, unknown>>(rs: T[]) => rs.map(({ time, ...rest }) => rest);
    const expected = expectedRows(lines);
    expect(sorted(untimed(rows.frames))).toEqual(sorted(untimed(expected.frames)));
    expect(sorted(untimed(rows.objects))).toEqual(sorted(untimed(expected.objects)));
  }, 60_000);

  it('rejects a bad database value or an SQLite file in a missing directory at start, naming the property', async () => {
    const cases = [
      ['postgresql://127.0.0.1/tsv?bogus=1', /Invalid database: invalid URI query parameter: "bogus"/],
      ['postgresql://tsv:pa%zzword@127.0.0.1/tsv', /Invalid database: invalid percent-encoded token: "\*\*\*"/],
      ['mysql://127.0.0.1/tsv', /Invalid database: expected postgresql:\/\/user@host:port\/dbname/],
      // libpq's own message would quote "ss", a piece of the password: not passed on.
      ["'host=127.0.0.1 dbname=tsv password=pa ss'", /Invalid database: libpq cannot parse the key=value connection string: write it as key=value pairs separated by spaces/],
      ['sqlite:/nonexistent/dir/results.db', /Invalid database: the directory "\/nonexistent\/dir" of the SQLite file does not exist: create it first/],
      ['sqlite:/proc/results.db', /Cannot write to the database \(property database\): cannot open the SQLite database "\/proc\/results.db": unable to open database file/],
    ] as const;
    for (const [value, error] of cases) {
      const r = await gstLaunch(`${LIVE(2)} ! tsexport database=${value} ! fakesink`, { timeoutMs: 20_000 });
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toMatch(error);
      expect(r.output).not.toContain('"ss"');
    }
  }, 60_000);
});
