/** What the benchmarks share: the machine they ran on, and a median timing. */
import os from 'node:os';

export const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores`;

/** Median milliseconds of `fn` over `runs` calls after `warmup` untimed ones. */
export function median(fn, runs = 200, warmup = 20) {
  for (let i = 0; i < warmup; i++) fn();
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}
