// The instance mask kernel under AddressSanitizer + UBSan: ts-runtime/native/test/mask-bounds.cc (what it covers is
// described there) is built with g++ -fsanitize=address,undefined and run. The kernel samples prototype cells around
// each box's pixels and clamps at the grid's edges, so a box at or beyond the frame's edge must not read past the
// prototypes.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/gst.js';

const run = promisify(execFile);
const NATIVE = path.join(ROOT, 'ts-runtime', 'native');

describe('mask kernel under AddressSanitizer', () => {
  it('no read past the prototypes or coefficients; every mask fits its box', async () => {
    const dir = tempDir('tsvision-mask-asan-');
    const exe = path.join(dir, 'mask-bounds');
    const flags = ['-std=c++17', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer', '-fno-math-errno'];
    await run('g++', [...flags, path.join(NATIVE, 'src', 'mask.cc'), path.join(NATIVE, 'test', 'mask-bounds.cc'), '-o', exe]);
    let stdout = '';
    let failure = '';
    try {
      ({ stdout } = await run(exe, [], { env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' }, maxBuffer: 1 << 24 }));
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      failure = `${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`.slice(0, 8000);
    }
    expect(failure).toBe('');
    expect(stdout).toMatch(/^ok \d+ checks/m);
  }, 120_000);
});
