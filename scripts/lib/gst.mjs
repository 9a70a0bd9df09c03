/** Shared by demo and bench: run gst-launch-1.0 with the plugin from the build tree. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = path.resolve(ROOT, '..', 'shared');

export function gstEnv() {
  return { ...process.env, GST_PLUGIN_PATH: path.join(ROOT, 'build', 'gst-plugin') };
}

/** Runs gst-launch-1.0 with argv `args`; resolves with { code, output, seconds }. */
export function gstLaunch(args, { onStdout } = {}) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn('gst-launch-1.0', args, { env: gstEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      onStdout?.(String(d));
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

export function readJsonl(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
