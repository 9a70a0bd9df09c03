/**
 * Debian 13 (trixie: GStreamer 1.26, Node 20 / libnode115) next to this Debian 12 machine: the
 * checkout is set up and built in a cached debootstrap root (.deps/debian13, build-debian13/) and the
 * test files of debian13-tests.txt run there (scripts/debian13.sh test).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from '../helpers/gst';

const LIST = path.join(ROOT, 'test', 'platform', 'debian13-tests.txt');
const FILES = readFileSync(LIST, 'utf8')
  .split('\n')
  .map((l) => l.replace(/#.*/, '').trim())
  .filter((l) => l.length > 0);

/** The last `n` lines of a long output: what a failure needs without vitest's whole log. */
const tail = (text: string, n = 150) => text.split('\n').slice(-n).join('\n');

describe('Debian 13', () => {
  it(`builds in a trixie root and passes ${FILES.length} pipeline test files there`, async () => {
    // A fresh root takes a few minutes (debootstrap + ~800 packages); a cached one seconds.
    const r = await run('bash', [path.join(ROOT, 'scripts', 'debian13.sh'), 'test', ...FILES], { timeoutMs: 20 * 60_000 });
    expect(r.code, tail(r.output)).toBe(0);
    // The inner vitest ran every listed file (none missing, none filtered out).
    expect(r.output, tail(r.output)).toMatch(new RegExp(`Test Files\\s+${FILES.length} passed \\(${FILES.length}\\)`));
    expect(r.output).toMatch(/gst-launch-1\.0 version 1\.26\./);
    expect(r.output).toMatch(/TSVISION_LIBNODE_SONAME "libnode\.so\.115"/);
    expect(r.output).toMatch(/TSVISION_NODE_MAJOR_VERSION 20/);
  }, 25 * 60_000);
});
