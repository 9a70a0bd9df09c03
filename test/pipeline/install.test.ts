/** `meson install` to a prefix: the installed plugin finds its runtime without the repository. */
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_DIR, HOOKS, ROOT, YOLOX, imageSource, readJsonl, run, tempDir } from '../helpers/gst';

/** Every symbolic link below `dir` (the installed tree must hold real files, not links into the repo). */
function links(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (lstatSync(p).isSymbolicLink()) out.push(`${p} -> ${readlinkSync(p)}`);
    else if (entry.isDirectory()) out.push(...links(p));
  }
  return out;
}

describe('meson install', () => {
  it('installs a plugin that runs a model and a TypeScript hook from the prefix alone', async () => {
    const dir = tempDir('tsvision-install-');
    const build = path.join(dir, 'build');
    const prefix = path.join(dir, 'prefix');
    const setup = await run('meson', ['setup', build, ROOT, `--prefix=${prefix}`], { timeoutMs: 120_000 });
    expect(setup.code, setup.output).toBe(0);
    const install = await run('meson', ['install', '-C', build], { timeoutMs: 300_000 });
    expect(install.code, install.output).toBe(0);

    // meson's libdir differs between releases (Debian 12's meson: lib/x86_64-linux-gnu, Debian 13's: lib64).
    const options = await run('meson', ['introspect', build, '--buildoptions']);
    const libdirOption = (JSON.parse(options.stdout) as { name: string; value: string }[]).find((o) => o.name === 'libdir')!.value;
    const libdir = path.resolve(prefix, libdirOption);
    const runtime = path.join(libdir, 'tsvision');
    for (const f of ['libtsvisionhost.so', 'runtime/tsvision-runtime.cjs', 'runtime/tsvision_pixels.node', 'node_modules/onnxruntime-node/package.json', 'node_modules/esbuild/package.json']) {
      expect(existsSync(path.join(runtime, f)), f).toBe(true);
    }
    expect(links(runtime).filter((l) => l.includes(ROOT))).toEqual([]);
    // libnode comes along where the build's is not the system's (.deps/node), as in build/tsvision.
    const libnode = (d: string) => readdirSync(d).filter((f) => f.startsWith('libnode.so.'));
    expect(libnode(runtime)).toEqual(libnode(path.join(BUILD_DIR, 'tsvision')));
    // Only this platform's onnxruntime binaries (the package has five platforms': 357 MB installed).
    const ortBin = path.join(runtime, 'node_modules', 'onnxruntime-node', 'bin');
    for (const napi of readdirSync(ortBin)) {
      expect(readdirSync(path.join(ortBin, napi))).toEqual([process.platform]);
      expect(readdirSync(path.join(ortBin, napi, process.platform))).toEqual([process.arch]);
    }
    const du = await run('du', ['-sm', runtime]);
    const mb = Number(du.stdout.split('\t')[0]);
    console.log(`installed runtime: ${mb} MB`);
    expect(mb).toBeLessThan(150);

    const out = path.join(dir, 'installed.jsonl');
    const r = await run(
      'gst-launch-1.0',
      [...`${imageSource('person.jpg', 'RGB', 1)} ! tsdetect model=${YOLOX} module=${HOOKS}/filter-people.ts ! tsexport location=${out} ! fakesink`.split(' ')],
      {
        env: {
          GST_PLUGIN_PATH: path.join(libdir, 'gstreamer-1.0'),
          GST_REGISTRY: path.join(dir, 'registry.bin'),
          TSVISION_CACHE_DIR: path.join(dir, 'cache'),
        },
      },
    );
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(out)[0].objects.map((o) => o.label).sort()).toEqual(['marker', 'person']);
  });
});
