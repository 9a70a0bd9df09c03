/**
 * Where the plugin finds its runtime: beside its own file (build/gst-plugin → build/tsvision), so a
 * checkout reached through a symlink and a build copied elsewhere work; TSVISION_RUNTIME_DIR
 * overrides it; when there is none, the error names what is missing and every place looked.
 */
import { cpSync, mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_DIR, HOOKS, ROOT, YOLOX, imageSource, readJsonl, run, tempDir } from '../helpers/gst';

const DETECT = (out: string) =>
  `${imageSource('person.jpg', 'RGB', 1)} ! tsdetect model=${YOLOX} module=${HOOKS}/filter-people.ts ! tsexport location=${out} ! fakesink`;

/** gst-launch-1.0 with the plugin from `pluginDir` (a registry of its own) and the runtime's debug log. */
function launch(pipeline: string, pluginDir: string, dir: string, env: Record<string, string> = {}) {
  return run('gst-launch-1.0', pipeline.split(' '), {
    env: {
      GST_PLUGIN_PATH: pluginDir,
      GST_REGISTRY: path.join(dir, 'registry.bin'),
      GST_DEBUG: 'tsvision-runtime:5',
      TSVISION_CACHE_DIR: path.join(dir, 'cache'),
      ...env,
    },
  });
}

/** The build's plugin, host library and runtime folder copied to `dir`/build, with node_modules/ and
 * .deps/ linked as a moved checkout would have them: no file of the copy names the build tree. */
function relocatedBuild(dir: string): string {
  const build = path.join(dir, 'build');
  mkdirSync(path.join(build, 'gst-plugin'), { recursive: true });
  cpSync(path.join(BUILD_DIR, 'gst-plugin', 'libgsttsvision.so'), path.join(build, 'gst-plugin', 'libgsttsvision.so'));
  cpSync(path.join(BUILD_DIR, 'libtsvisionhost.so'), path.join(build, 'libtsvisionhost.so'));
  // verbatimSymlinks: the folder's relative links (../libtsvisionhost.so, ../../node_modules) as they are
  cpSync(path.join(BUILD_DIR, 'tsvision'), path.join(build, 'tsvision'), { recursive: true, verbatimSymlinks: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  symlinkSync(path.join(ROOT, '.deps'), path.join(dir, '.deps'));
  return build;
}

describe('finding the runtime', () => {
  it('a checkout reached through a symlink runs a model and a hook', async () => {
    const dir = tempDir('tsvision-symlink-');
    const link = path.join(dir, 'checkout');
    symlinkSync(ROOT, link);
    const out = path.join(dir, 'out.jsonl');
    const r = await launch(DETECT(out), path.join(link, path.relative(ROOT, BUILD_DIR), 'gst-plugin'), dir);
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(out)[0].objects.map((o) => o.label).sort()).toEqual(['marker', 'person']);
    expect(r.output).toContain(`starting the Node runtime from ${realpathSync(path.join(BUILD_DIR, 'tsvision'))}`);
  });

  it('a copy of the build elsewhere uses its own runtime folder', async () => {
    const dir = realpathSync(tempDir('tsvision-moved-'));
    const build = relocatedBuild(dir);
    const out = path.join(dir, 'out.jsonl');
    const r = await launch(DETECT(out), path.join(build, 'gst-plugin'), dir);
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(out)[0].objects.map((o) => o.label).sort()).toEqual(['marker', 'person']);
    expect(r.output).toContain(`starting the Node runtime from ${path.join(build, 'tsvision')}`);
  });

  it('a copy without node_modules/ says that its runtime is incomplete and what it lacks', async () => {
    const dir = realpathSync(tempDir('tsvision-moved-'));
    const build = relocatedBuild(dir);
    rmSync(path.join(dir, 'node_modules'));
    const r = await launch(DETECT(path.join(dir, 'out.jsonl')), path.join(build, 'gst-plugin'), dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `the tsvision runtime in ${path.join(build, 'tsvision')} (beside the plugin ${path.join(build, 'gst-plugin', 'libgsttsvision.so')}) is incomplete: no node_modules/onnxruntime-node/package.json`,
    );
    expect(r.output).toContain('npm run build');
  });

  it('a plugin without a runtime lists every place it looked', async () => {
    const dir = realpathSync(tempDir('tsvision-alone-'));
    mkdirSync(path.join(dir, 'plugins'));
    cpSync(path.join(BUILD_DIR, 'gst-plugin', 'libgsttsvision.so'), path.join(dir, 'plugins', 'libgsttsvision.so'));
    const r = await launch(DETECT(path.join(dir, 'out.jsonl')), path.join(dir, 'plugins'), dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('cannot find the tsvision runtime');
    expect(r.output).toContain(`${path.join(dir, 'tsvision')} (beside the plugin ${path.join(dir, 'plugins', 'libgsttsvision.so')}): no such folder`);
    expect(r.output).toMatch(/tsvision \(the install prefix\): /);
    expect(r.output).toContain('TSVISION_RUNTIME_DIR');
  });

  it('TSVISION_RUNTIME_DIR pointing at a wrong folder is an error naming it, with no fallback', async () => {
    const dir = tempDir('tsvision-envdir-');
    const wrong = path.join(dir, 'not-a-runtime');
    mkdirSync(wrong);
    const r = await launch(DETECT(path.join(dir, 'out.jsonl')), path.join(BUILD_DIR, 'gst-plugin'), dir, { TSVISION_RUNTIME_DIR: wrong });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `TSVISION_RUNTIME_DIR=${wrong} is not a tsvision runtime folder (no libtsvisionhost.so, no runtime/tsvision-runtime.cjs, no node_modules/onnxruntime-node/package.json)`,
    );
    const missing = await launch(DETECT(path.join(dir, 'out.jsonl')), path.join(BUILD_DIR, 'gst-plugin'), dir, { TSVISION_RUNTIME_DIR: path.join(dir, 'nowhere') });
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain(`TSVISION_RUNTIME_DIR=${path.join(dir, 'nowhere')} is not a tsvision runtime folder (no such folder)`);
  });

  it('TSVISION_RUNTIME_DIR pointing at a runtime folder is used', async () => {
    const dir = realpathSync(tempDir('tsvision-envdir-'));
    const build = relocatedBuild(dir);
    const out = path.join(dir, 'out.jsonl');
    // The build tree's plugin, the copy's runtime.
    const r = await launch(DETECT(out), path.join(BUILD_DIR, 'gst-plugin'), dir, { TSVISION_RUNTIME_DIR: path.join(build, 'tsvision') });
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(out)[0].objects.length).toBeGreaterThan(0);
    expect(r.output).toContain(`starting the Node runtime from ${path.join(build, 'tsvision')}`);
  });
});
