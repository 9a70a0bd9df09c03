/**
 * A throw-away PostgreSQL server for tests and benchmarks: Debian's binaries (package postgresql,
 * /usr/lib/postgresql/<version>/bin), a cluster made by initdb in a temp dir, listening on 127.0.0.1
 * at a port of the caller's choosing (and a Unix socket in the same dir), password logins only
 * (scram-sha-256). PostgreSQL refuses to run as root: as root the cluster belongs to `nobody` and
 * initdb/pg_ctl run through runuser. fsync off: the data is thrown away.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries installed (Debian 12: 15, Debian 13: 17). */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server in /usr/lib/postgresql: apt-get install postgresql (scripts/setup.sh does)');
  return path.join(base, versions[0], 'bin');
}

export class PostgresServer {
  readonly user: string;
  readonly password: string;
  readonly data: string;
  readonly bin = postgresBinDir();
  readonly asRoot = process.getuid?.() === 0;
  running = false;

  /** `dir`: an empty temp dir (the cluster and the socket go there). */
  constructor(
    readonly dir: string,
    readonly port: number,
    { user = 'tsv', password = 's3cret' }: { user?: string; password?: string } = {},
  ) {
    this.user = user;
    this.password = password;
    this.data = path.join(dir, 'data');
  }

  /** argv that runs `command` as the cluster's owner. */
  private argv(command: string, args: string[]): [string, string[]] {
    const file = path.join(this.bin, command);
    return this.asRoot ? ['runuser', ['-u', 'nobody', '--', file, ...args]] : [file, args];
  }

  /** initdb (once) and start; creates a database named after the user. */
  async start(): Promise<void> {
    if (!existsSync(this.data)) {
      const pwfile = path.join(this.dir, 'pwfile');
      writeFileSync(pwfile, `${this.password}\n`, { mode: 0o600 });
      mkdirSync(this.data, { mode: 0o700 });
      if (this.asRoot) {
        const uid = Number(execFileSync('id', ['-u', 'nobody']).toString());
        const gid = Number(execFileSync('id', ['-g', 'nobody']).toString());
        for (const p of [this.dir, pwfile, this.data]) chownSync(p, uid, gid);
      }
      const [cmd, args] = this.argv('initdb', ['-D', this.data, '-U', this.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
      await run(cmd, args, { cwd: this.dir });
      rmSync(pwfile);
      await this.pgCtl('start');
      await this.psql(`CREATE DATABASE ${this.user}`, 'postgres');
      return;
    }
    await this.pgCtl('start');
  }

  private async pgCtl(action: 'start' | 'stop', mode = 'fast'): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const args =
      action === 'start'
        ? ['-D', this.data, '-l', path.join(this.dir, 'log'), '-w', '-t', '30', '-o', opts, 'start']
        : ['-D', this.data, '-w', '-t', '30', '-m', mode, 'stop'];
    const [cmd, argv] = this.argv('pg_ctl', args);
    await run(cmd, argv, { cwd: this.dir });
    this.running = action === 'start';
  }

  /** Stops the server (fast: running sessions are ended; immediate: a crash). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (this.running) await this.pgCtl('stop', mode);
  }

  /** `postgresql://` URI of the database (with the password unless `withPassword` is false). */
  uri({ database = this.user, password = this.password, withPassword = true } = {}): string {
    const login = withPassword ? `${this.user}:${encodeURIComponent(password)}` : this.user;
    return `postgresql://${login}@127.0.0.1:${this.port}/${database}`;
  }

  /** Runs SQL with psql (unaligned, tuples only); returns its output. */
  async psql(sql: string, database = this.user): Promise<string> {
    const { stdout } = await run(
      'psql',
      ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(this.port), '-U', this.user, '-d', database, '-c', sql],
      { env: { ...process.env, PGPASSWORD: this.password }, maxBuffer: 1 << 30 },
    );
    return stdout;
  }

  /** Rows of a query as objects (row_to_json, one per line). */
  async rows<T = Record<string, unknown>>(query: string, database = this.user): Promise<T[]> {
    const out = await this.psql(`SELECT row_to_json(q) FROM (${query}) q`, database);
    return out
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as T);
  }

  /** Stops the server (if running) and removes its dir. */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
