/**
 * Loads a user's hook module (`module=` property) so that it can do what a Node program can:
 *
 * - esbuild bundles the user's own files (.ts/.tsx/.js/.mjs/.cjs/.json, local imports) into one
 *   ES module, loaded with import(): top-level await works;
 * - packages stay outside the bundle: each bare import is resolved as Node would from the
 *   importing file's directory (node_modules beside or above it) and written into the output as
 *   that file's absolute path, so native addons and packages reading their own files work;
 *   `onnxruntime-node` (and `onnxruntime-common`) are the runtime's own copy, `tsvision` the
 *   runtime's public helpers (tsvision-api.cjs);
 * - `import.meta` (url, filename, dirname), `__dirname` and `__filename` describe each user file
 *   itself, not the compiled file: every user file gets a one-statement prefix defining them,
 *   and the source map is corrected for it, so stack traces name the user's file:line:col;
 * - the output is cached by the content of every input (and the packages it resolved to) and
 *   named by its own hash, the module's `version`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildResult, ImportKind, Message, Plugin } from 'esbuild';
import { TsvisionError } from './errors.js';
import { removePrefixColumns, type InsertedPrefix } from './source-map-columns.js';

export interface LoadedModule {
  /** Absolute path of the user's module. */
  path: string;
  /** The module's default export. */
  exports: Record<string, unknown>;
  /** True when the compiled output came from the cache. */
  cached: boolean;
  /** Absolute paths of the user's own files compiled into the module, entry first (no packages, no runtime files). */
  inputs: string[];
  /** Content hash of the compiled output: a different version whenever the compiled code differs. */
  version: string;
}

/** Bumped when the cache layout or the compiled form changes, so older entries are ignored. */
const CACHE_FORMAT = 3;

/** A package resolved outside the bundle: valid while the same node_modules folder is found from `from`. */
interface PackageLookup {
  name: string;
  from: string;
  /** The first `node_modules/<name>` above `from` (null: none, e.g. resolved through tsconfig paths). */
  dir: string | null;
  /** sha256 of that folder's package.json (null: none). */
  manifest: string | null;
  /** The file the import was resolved to. */
  file: string;
}

interface CacheIndex {
  output: string;
  version: string;
  /** Every file compiled in (the user's, the runtime's tsvision-api.cjs) with its sha256. */
  inputs: Record<string, string>;
  /** The user's own files, entry first. */
  local: string[];
  /** tsconfig.json / jsconfig.json / package.json at and above the inputs: sha256, or null while absent. */
  config: Record<string, string | null>;
  packages: PackageLookup[];
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

function hashFile(file: string): string | null {
  return existsSync(file) ? sha256(readFileSync(file)) : null;
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

/** Packages a hook always gets from the runtime (the copy whose native binding the runtime uses). */
const RUNTIME_PACKAGES = new Set(['onnxruntime-node', 'onnxruntime-common']);

function runtimeResolve(specifier: string): string {
  const name = packageName(specifier);
  if (name === 'onnxruntime-node') return createRequire(__filename).resolve(specifier);
  // onnxruntime-common: the copy onnxruntime-node itself loads.
  return createRequire(createRequire(__filename).resolve('onnxruntime-node')).resolve(specifier);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith('.') && !path.isAbsolute(specifier) && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}

function inNodeModules(file: string): boolean {
  return file.split(path.sep).includes('node_modules');
}

/** The first `<dir>/node_modules/<name>` at or above `from`, as Node's resolution finds it. */
function findPackageDir(name: string, from: string): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function packageLookup(specifier: string, from: string, file: string): PackageLookup {
  const name = packageName(specifier);
  const dir = findPackageDir(name, from);
  return { name, from, dir, manifest: dir ? hashFile(path.join(dir, 'package.json')) : null, file };
}

function packageLookupHolds(p: PackageLookup): boolean {
  const dir = findPackageDir(p.name, p.from);
  return dir === p.dir && (dir ? hashFile(path.join(dir, 'package.json')) : null) === p.manifest && existsSync(p.file);
}

/** Names the prefix defines in each user file; `define` points the user's identifiers at them. */
const META = '__tsvision_import_meta';
const DIRNAME = '__tsvision_dirname';
const FILENAME = '__tsvision_filename';
/** `module` / `exports` of a .js file that a "type": "module" package.json makes an ES module. */
const CJS_MODULE = '__tsvision_module';
const DEFINE = { 'import.meta': META, __dirname: DIRNAME, __filename: FILENAME, module: CJS_MODULE, exports: `${CJS_MODULE}.exports` };

/**
 * Top of the bundle: a require for what esbuild turns into require() calls (CommonJS files; the
 * paths are absolute), and the module object of .js files that use module.exports although a
 * "type": "module" package.json makes them ES modules (esbuild leaves free `module` and
 * `exports` there; CommonJS files get their own).
 */
const BANNER =
  "import { createRequire as __tsvisionCreateRequire } from 'node:module'; const require = __tsvisionCreateRequire(import.meta.url); " +
  `export const ${CJS_MODULE} = { exports: {} };`;

const SOURCE_FILE = /\.([cm]?[jt]sx?)$/;

function loaderFor(file: string): 'ts' | 'tsx' | 'jsx' | 'js' {
  const ext = SOURCE_FILE.exec(file)?.[1] ?? 'js';
  if (ext === 'tsx' || ext === 'jsx') return ext;
  return ext.includes('t') ? 'ts' : 'js';
}

/**
 * The user's source with the statement defining import.meta, __dirname and __filename for it,
 * inserted at the start of the first line (the second after a #! line), in ASCII so that its
 * length is the same in bytes and UTF-16 units.
 */
function withFileConstants(file: string, source: string): { contents: string; prefix: InsertedPrefix } {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const meta = { url: pathToFileURL(file).href, filename: file, dirname: path.dirname(file) };
  const json = JSON.stringify(meta).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const statement = `var ${META} = ${json}, ${DIRNAME} = ${META}.dirname, ${FILENAME} = ${META}.filename; `;
  if (!text.startsWith('#!')) return { contents: statement + text, prefix: { line: 0, length: statement.length } };
  const eol = text.indexOf('\n');
  const [first, rest] = eol < 0 ? [`${text}\n`, ''] : [text.slice(0, eol + 1), text.slice(eol + 1)];
  return { contents: first + statement + rest, prefix: { line: 1, length: statement.length } };
}

/** What one compilation learnt besides its output. */
interface CompileState {
  prefixes: Map<string, InsertedPrefix>;
  packages: PackageLookup[];
}

const RESOLVING = Symbol('tsvision-resolving');
const NATIVE = 'tsvision-native';

function loaderPlugin(state: CompileState): Plugin {
  const isImport = (kind: ImportKind) => kind === 'import-statement' || kind === 'dynamic-import';
  /** A file outside the bundle, as the output refers to it: a file URL for import, a path for require. */
  const outside = (file: string, kind: ImportKind) => {
    // ES modules cannot import a native addon: a CommonJS stub requires it.
    if (file.endsWith('.node') && isImport(kind)) return { path: file, namespace: NATIVE };
    return { path: isImport(kind) ? pathToFileURL(file).href : file, external: true };
  };
  return {
    name: 'tsvision-hook-loader',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        const spec = args.path;
        if (args.pluginData === RESOLVING || args.kind === 'entry-point') return undefined;
        if (spec === 'tsvision') return { path: publicApiPath() };
        if (spec.startsWith('node:') || builtinModules.includes(spec)) return { path: spec, external: true };
        if (!isBare(spec)) {
          return spec.endsWith('.node') ? outside(path.resolve(args.resolveDir, spec), args.kind) : undefined;
        }
        if (RUNTIME_PACKAGES.has(packageName(spec))) {
          let file: string;
          try {
            file = runtimeResolve(spec);
          } catch (err) {
            return { errors: [{ text: `cannot resolve "${spec}" from the tsvision runtime: ${(err as Error).message}` }] };
          }
          state.packages.push(packageLookup(spec, __dirname, file));
          return outside(file, args.kind);
        }
        const r = await build.resolve(spec, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: RESOLVING,
        });
        // esbuild's own resolution reports the failure, with the import's location.
        if (r.errors.length > 0 || r.external || r.namespace !== 'file') return undefined;
        // Through tsconfig paths or a linked workspace folder: the user's own code, bundled.
        if (!inNodeModules(r.path)) return { path: r.path };
        state.packages.push(packageLookup(spec, args.resolveDir, r.path));
        return outside(r.path, args.kind);
      });
      build.onLoad({ filter: /.*/, namespace: NATIVE }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
        resolveDir: path.dirname(args.path),
      }));
      build.onLoad({ filter: SOURCE_FILE, namespace: 'file' }, (args) => {
        const { contents, prefix } = withFileConstants(args.path, readFileSync(args.path, 'utf8'));
        state.prefixes.set(args.path, prefix);
        return { contents, loader: loaderFor(args.path) };
      });
    },
  };
}

interface Compiled {
  code: string;
  /** Absolute paths of all files compiled in. */
  inputs: string[];
  packages: PackageLookup[];
}

async function compile(entry: string, outDir: string): Promise<Compiled> {
  const state: CompileState = { prefixes: new Map(), packages: [] };
  const outfile = path.join(outDir, 'hook.mjs');
  let result: BuildResult<{ write: false; metafile: true }>;
  try {
    result = (await esbuild().build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      target: 'node18',
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
      // As Node resolves packages: "main" only, no bundler-only "module" condition.
      mainFields: ['main'],
      conditions: [],
      define: DEFINE,
      banner: { js: BANNER },
      plugins: [loaderPlugin(state)],
      absWorkingDir: path.dirname(entry),
    })) as BuildResult<{ write: false; metafile: true }>;
  } catch (err) {
    throw compileError(entry, err, state.prefixes);
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (!js || !map) throw new TsvisionError('INTERNAL', `esbuild produced no output for hook module ${entry}`);
  const sourceMap = JSON.parse(map.text) as { sources: string[]; mappings: string };
  const prefixes = new Map<number, InsertedPrefix>();
  sourceMap.sources.forEach((source, i) => {
    const prefix = state.prefixes.get(path.resolve(outDir, source));
    if (prefix) prefixes.set(i, prefix);
  });
  sourceMap.mappings = removePrefixColumns(sourceMap.mappings, prefixes);
  const inline = `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(sourceMap)).toString('base64')}`;
  const code = js.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, '') + inline + '\n';
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith(`${NATIVE}:`))
    .map((p) => path.resolve(path.dirname(entry), p));
  return { code, inputs, packages: state.packages };
}

function compileError(entry: string, err: unknown, prefixes: ReadonlyMap<string, InsertedPrefix>): TsvisionError {
  const errors = (err as { errors?: Message[] }).errors;
  if (!errors || errors.length === 0) {
    return new TsvisionError('HOOK', `cannot compile hook module ${entry}: ${String(err)}`);
  }
  // Locations in the file on disk: without the prefix the loader inserted.
  const located = errors.map((e) => {
    if (!e.location) return { text: e.text, location: null };
    const file = path.resolve(path.dirname(entry), e.location.file);
    const prefix = prefixes.get(file);
    let { column, lineText } = e.location;
    if (prefix && prefix.line === e.location.line - 1) {
      column = Math.max(0, column - prefix.length);
      lineText = lineText.slice(prefix.length);
    }
    return { text: e.text, location: { file, line: e.location.line, column, lineText } };
  });
  const lines = located.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text));
  const first = located[0];
  const snippet = first.location ? `\n    ${first.location.lineText}\n    ${' '.repeat(first.location.column)}^` : '';
  return new TsvisionError(
    'HOOK',
    `cannot compile hook module (property module): ${lines[0]}`,
    lines.join('\n') + snippet,
  );
}

/** The config files that shape how the files in `dirs` compile: each at and above each folder. */
function configFiles(files: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const seen = new Set<string>();
  for (const file of files) {
    for (let dir = path.dirname(file); !seen.has(dir); dir = path.dirname(dir)) {
      seen.add(dir);
      for (const name of ['tsconfig.json', 'jsconfig.json', 'package.json']) {
        const f = path.join(dir, name);
        out[f] = hashFile(f);
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return out;
}

function readCache(indexFile: string): CacheIndex | null {
  if (!existsSync(indexFile)) return null;
  try {
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as CacheIndex;
    const fresh =
      existsSync(index.output) &&
      Object.entries(index.inputs).every(([file, hash]) => hashFile(file) === hash) &&
      Object.entries(index.config).every(([file, hash]) => hashFile(file) === hash) &&
      index.packages.every(packageLookupHolds);
    return fresh ? index : null;
  } catch {
    return null;
  }
}

/** Writes `data` to `file` atomically (other processes and threads may read or write it). */
function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

async function compileToCache(entry: string, dir: string, indexFile: string): Promise<CacheIndex> {
  const { code, inputs, packages } = await compile(entry, dir);
  const version = sha256(code);
  const output = path.join(dir, `${path.basename(entry).replace(/\.[^.]*$/, '')}-${version.slice(0, 16)}.mjs`);
  if (!existsSync(output)) writeAtomic(output, code);
  const api = publicApiPath();
  const local = inputs.filter((f) => f !== api && !inNodeModules(f));
  const index: CacheIndex = {
    output,
    version,
    inputs: Object.fromEntries(inputs.map((f) => [f, sha256(readFileSync(f))])),
    local: [entry, ...local.filter((f) => f !== entry)],
    config: configFiles(local),
    packages: [...new Map(packages.map((p) => [JSON.stringify(p), p])).values()],
  };
  writeAtomic(indexFile, JSON.stringify(index));
  return index;
}

let runtimeHash: string | null = null;
/** The loader's own code (the runtime bundle): a rebuilt runtime compiles hooks afresh. */
function runtimeVersion(): string {
  runtimeHash ??= sha256(readFileSync(__filename));
  return runtimeHash;
}

let loads = 0;

/** Compiles (or takes from the cache) and imports the module at `modulePath`. */
export async function loadHookModule(modulePath: string): Promise<LoadedModule> {
  const entry = path.resolve(modulePath);
  if (!existsSync(entry)) {
    throw new TsvisionError('NOT_FOUND', `hook module not found: ${entry} (property module)`);
  }
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  // One index per entry and runtime (the output names the runtime's files and depends on its loader).
  const indexFile = path.join(dir, `${sha256(`${CACHE_FORMAT}\0${entry}\0${__dirname}\0${runtimeVersion()}`).slice(0, 24)}.json`);
  let index = readCache(indexFile);
  const cached = index !== null;
  index ??= await compileToCache(entry, dir, indexFile);

  // A fresh module instance per load (a new URL): each element instance gets its own module state.
  let ns: { default?: unknown; [CJS_MODULE]?: { exports: unknown } };
  try {
    ns = (await import(`${pathToFileURL(index.output).href}?load=${++loads}`)) as typeof ns;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    throw new TsvisionError('HOOK', `hook module ${entry} threw while loading: ${e.message}`, e.stack ?? '');
  }
  // An ES module must export its hooks as default; a CommonJS module.exports object is its default
  // (unless it is a compiled ES module itself, with __esModule and its own default).
  const cjs = ns[CJS_MODULE]?.exports;
  const hasCjs = cjs !== null && typeof cjs === 'object' && Object.keys(cjs).length > 0;
  let exported = (ns.default ?? (hasCjs ? cjs : undefined)) as { default?: unknown; __esModule?: boolean } | undefined;
  if (exported && typeof exported === 'object' && exported.__esModule && 'default' in exported) exported = exported.default as typeof exported;
  if (!exported || typeof exported !== 'object') {
    throw new TsvisionError(
      'HOOK',
      `hook module ${entry} must have a default export that is an object of hook functions, e.g. "export default { detect(frame) { … } }"`,
    );
  }
  return {
    path: entry,
    exports: exported as Record<string, unknown>,
    cached,
    inputs: index.local,
    version: index.version,
  };
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
