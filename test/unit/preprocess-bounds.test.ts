// The pixel kernels under AddressSanitizer + UBSan: ts-runtime/native/test/preprocess-bounds.cc (what it covers is
// described there) is built with g++ -fsanitize=address,undefined and run. The kernels read taps in pairs and, with
// the SSSE3 gathers, in 16-byte windows, so a load near the end of the frame data could run past it; this checks
// that none does, in every build of the kernel this CPU runs, and that the builds agree with the previous kernel.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/gst.js';

const run = promisify(execFile);
const SRC = path.join(ROOT, 'ts-runtime', 'native', 'src');

describe('pixel kernels under AddressSanitizer', () => {
  it('no read past the frame data, every build agrees with the previous kernel', async () => {
    const dir = tempDir('tsvision-preprocess-asan-');
    const common = ['-std=c++17', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer', '-fno-math-errno'];
    // the kernel with the flags CMakeLists.txt gives it; compiled in parallel (the kernel file takes the longest)
    const units: Array<[string, string[]]> = [
      ['preprocess_kernel.cc', ['-ffinite-math-only', '-fno-signed-zeros']],
      ['preprocess.cc', []],
      ['preprocess_scalar.cc', []],
      [path.join('..', 'test', 'preprocess-bounds.cc'), []],
    ];
    const objects = await Promise.all(
      units.map(async ([file, flags], i) => {
        const obj = path.join(dir, `${i}.o`);
        await run('g++', [...common, ...flags, '-c', path.join(SRC, file), '-o', obj]);
        return obj;
      }),
    );
    const exe = path.join(dir, 'preprocess-bounds');
    await run('g++', [...common, ...objects, '-o', exe]);
    let stdout = '';
    let failure = '';
    try {
      ({ stdout } = await run(exe, [], { env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' }, maxBuffer: 1 << 24 }));
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      failure = `${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`.slice(0, 8000);
    }
    expect(failure).toBe('');
    expect(stdout).toMatch(/^ok \d+ checks, builds: [1-9]/m);
  }, 300_000);
});
