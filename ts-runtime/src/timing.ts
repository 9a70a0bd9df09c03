/**
 * Where a runtime's time goes: milliseconds spent in user hooks and in model runs since the host
 * last read them (after each frame; with frames in flight, overlapping frames share the figures).
 * A runtime hosts one element instance unless elements share a model-instance-id.
 */
export const spent = { hookMs: 0, modelMs: 0 };

/** Runs `work`, adding its duration (until its promise settles) to `spent[what]`. */
export async function timed<T>(what: keyof typeof spent, work: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    spent[what] += performance.now() - t0;
  }
}
