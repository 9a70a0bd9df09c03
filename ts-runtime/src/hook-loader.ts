/**
 * Loads a user's hook module (`module=` property): compiles .ts/.js with esbuild into one CommonJS
 * file with an inline source map (so stack traces name the user's .ts file, line and column),
 * caches the output by the content of every input file, and returns the default export.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { TsvisionError } from './errors.js';

export interface LoadedModule {
  /** Absolute path of the user's module. */
  path: string;
  /** The module's default export. */
  exports: Record<string, unknown>;
  /** True when the compiled output came from the cache. */
  cached: boolean;
}

/** Bumped when the cache layout changes, so older entries are ignored. */
const CACHE_FORMAT = 2;

interface CacheIndex {
  output: string;
  inputs: Record<string, string>;
}

/** Where compiled hooks are cached: $TSVISION_CACHE_DIR, else $XDG_CACHE_HOME/tsvision, else ~/.cache/tsvision. */
export function cacheDir(): string {
  if (process.env.TSVISION_CACHE_DIR) return process.env.TSVISION_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || (homedir() ? path.join(homedir(), '.cache') : tmpdir());
  return path.join(base, 'tsvision', 'hooks');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

type Esbuild = typeof import('esbuild');
let esbuildModule: Esbuild | null = null;
function esbuild(): Esbuild {
  // Loaded on first use: most pipelines without a hook never need it.
  if (!esbuildModule) esbuildModule = createRequire(__filename)('esbuild') as Esbuild;
  return esbuildModule;
}

/** Module specifier `tsvision` resolves to the runtime's public helpers (see public.ts). */
function publicApiPath(): string {
  return path.join(__dirname, 'tsvision-api.cjs');
}

function compile(entry: string, outfile: string): { code: string; inputs: string[] } {
  const esb = esbuild();
  let result: import('esbuild').BuildResult<{ write: false; metafile: true }>;
  try {
    result = esb.buildSync({
      entryPoints: [entry],
      outfile,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      external: ['onnxruntime-node', '*.node'],
      alias: { tsvision: publicApiPath() },
      absWorkingDir: path.dirname(entry),
    }) as import('esbuild').BuildResult<{ write: false; metafile: true }>;
  } catch (err) {
    throw compileError(entry, err);
  }
  const out = result.outputFiles.find((f) => f.path.endsWith('.cjs')) ?? result.outputFiles[0];
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(path.dirname(entry), p));
  return { code: out.text, inputs };
}

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
}

function compileError(entry: string, err: unknown): TsvisionError {
  const errors = (err as { errors?: EsbuildMessage[] }).errors;
  if (!errors || errors.length === 0) {
    return new TsvisionError('HOOK', `cannot compile hook module ${entry}: ${String(err)}`);
  }
  const lines = errors.map((e) => {
    if (!e.location) return e.text;
    const file = path.resolve(path.dirname(entry), e.location.file);
    return `${file}:${e.location.line}:${e.location.column + 1}: ${e.text}`;
  });
  const first = errors[0];
  const snippet = first.location ? `\n    ${first.location.lineText}\n    ${' '.repeat(first.location.column)}^` : '';
  return new TsvisionError(
    'HOOK',
    `cannot compile hook module (property module): ${lines[0]}`,
    lines.join('\n') + snippet,
  );
}

/** Compiles (or takes from the cache) and requires the module at `modulePath`. */
export function loadHookModule(modulePath: string): LoadedModule {
  const entry = path.resolve(modulePath);
  if (!existsSync(entry)) {
    throw new TsvisionError('NOT_FOUND', `hook module not found: ${entry} (property module)`);
  }
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const indexFile = path.join(dir, `${sha256(`${CACHE_FORMAT}\0${entry}`).slice(0, 24)}.json`);

  let cached = false;
  let output: string | null = null;
  if (existsSync(indexFile)) {
    try {
      const index = JSON.parse(readFileSync(indexFile, 'utf8')) as CacheIndex;
      const fresh = Object.entries(index.inputs).every(
        ([file, hash]) => existsSync(file) && sha256(readFileSync(file)) === hash,
      );
      if (fresh && existsSync(index.output)) {
        output = index.output;
        cached = true;
      }
    } catch {
      output = null;
    }
  }
  if (!output) {
    // Keyed by path and content: the source map inside names this entry's own path.
    const contentKey = sha256(readFileSync(entry)).slice(0, 16);
    const pathKey = sha256(entry).slice(0, 8);
    const outfile = path.join(dir, `${path.basename(entry).replace(/\.[^.]*$/, '')}-${pathKey}-${contentKey}.cjs`);
    const { code, inputs } = compile(entry, outfile);
    const tmp = `${outfile}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, outfile);
    const index: CacheIndex = {
      output: outfile,
      inputs: Object.fromEntries(inputs.map((f) => [f, sha256(readFileSync(f))])),
    };
    writeFileSync(`${indexFile}.${process.pid}.tmp`, JSON.stringify(index));
    renameSync(`${indexFile}.${process.pid}.tmp`, indexFile);
    output = outfile;
  }

  const req = createRequire(output);
  // A fresh copy per load: each element instance gets its own module state.
  delete req.cache[output];
  let loaded: unknown;
  try {
    loaded = req(output);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    throw new TsvisionError('HOOK', `hook module ${entry} threw while loading: ${e.message}`, e.stack ?? '');
  }
  const mod = loaded as { default?: unknown; __esModule?: boolean };
  // An ES module must export its hooks as default; a CommonJS module.exports object is its default.
  const exported = mod && typeof mod === 'object' && (mod.__esModule || 'default' in mod) ? mod.default : loaded;
  if (!exported || typeof exported !== 'object') {
    throw new TsvisionError(
      'HOOK',
      `hook module ${entry} must have a default export that is an object of hook functions, e.g. "export default { detect(frame) { … } }"`,
    );
  }
  return { path: entry, exports: exported as Record<string, unknown>, cached };
}

/** Checks that the module exports only known hooks, each a function. */
export function validateHooks(mod: LoadedModule, allowed: readonly string[]): void {
  for (const [name, value] of Object.entries(mod.exports)) {
    if (!allowed.includes(name)) {
      throw new TsvisionError(
        'HOOK',
        `hook module ${mod.path} exports unknown hook "${name}"; this element's hooks are: ${allowed.join(', ')}`,
      );
    }
    if (typeof value !== 'function') {
      throw new TsvisionError('HOOK', `hook "${name}" in ${mod.path} must be a function, not ${typeof value}`);
    }
  }
}
