/**
 * Debian 13 (trixie: GStreamer 1.26, Node 20 / libnode115) next to this Debian 12 machine: the
 * checkout is set up and built in a cached debootstrap root (.deps/debian13, build-debian13/) and the
 * test files of debian13-tests.txt run there (scripts/debian13.sh test).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/gst';

const LIST = path.join(ROOT, 'test', 'platform', 'debian13-tests.txt');
const FILES = readFileSync(LIST, 'utf8')
  .split('\n')
  .map((l) => l.replace(/#.*/, '').trim())
  .filter((l) => l.length > 0);

/** `pid` and all its descendants (from /proc: the root's processes share this machine's pid space). */
function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …", where comm may hold spaces and parentheses
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of parent) if (tree.includes(pp) && !tree.includes(p)) (tree.push(p), (grew = true));
  }
  return tree;
}

/** Runs a command; past `timeoutMs` it kills the command and everything it started (the root's
 * set-up, vitest, their gst-launch processes), not only the shell. */
function runTree(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]\n`;
      for (const pid of processTree(child.pid!)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The last `n` lines of a long output: what a failure needs without vitest's whole log. */
const tail = (text: string, n = 150) => text.split('\n').slice(-n).join('\n');

/** On Debian 13 itself the whole suite runs there already: no root inside it. */
const ON_TRIXIE = /^VERSION_CODENAME=trixie$/m.test(readFileSync('/etc/os-release', 'utf8'));

describe('Debian 13', () => {
  it.skipIf(ON_TRIXIE)(`builds in a trixie root and passes ${FILES.length} pipeline test files there`, async () => {
    // A fresh root takes a few minutes (debootstrap + ~800 packages); with a cached one, the listed tests about a minute.
    const run = await runTree('bash', [path.join(ROOT, 'scripts', 'debian13.sh'), 'test', ...FILES], 20 * 60_000);
    // Without colours (vitest colours its summary when CI is set, and CI reaches the root).
    const r = { ...run, output: run.output.replace(/\x1b\[[0-9;]*m/g, '') };
    // The stage times (root, set-up and build, vitest) in npm test's output.
    console.log(r.output.split('\n').filter((l) => l.startsWith('[debian13]')).join('\n'));
    expect(r.code, tail(r.output)).toBe(0);
    // The inner vitest ran every listed file (none missing, none filtered out).
    expect(r.output, tail(r.output)).toMatch(new RegExp(`Test Files\\s+${FILES.length} passed \\(${FILES.length}\\)`));
    // Nothing skipped there: GStreamer 1.26 has GstAnalytics, so its tests run.
    expect(r.output, tail(r.output)).not.toMatch(/Tests\s+[^\n]*skipped/);
    expect(r.output).toMatch(/gst-launch-1\.0 version 1\.26\./);
    expect(r.output).toMatch(/TSVISION_LIBNODE_SONAME "libnode\.so\.115"/);
    expect(r.output).toMatch(/TSVISION_NODE_MAJOR_VERSION 20/);
  }, 25 * 60_000);
});
