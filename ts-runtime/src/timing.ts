/**
 * Where a runtime's time goes: milliseconds spent in user hooks, model runs, preprocessing and output
 * decoding (+ NMS) since the host last read them (after each frame; with frames in flight, overlapping
 * frames share the figures). A runtime hosts one element instance unless elements share a
 * model-instance-id.
 */
export const spent = { hookMs: 0, modelMs: 0, preprocessMs: 0, decodeMs: 0 };

export type Spent = typeof spent;

/** The figures since the last call (-1 for what did not run), starting anew. */
export function takeSpent(): Spent {
  const out = { ...spent };
  for (const key of Object.keys(spent) as (keyof Spent)[]) {
    if (out[key] <= 0) out[key] = -1;
    spent[key] = 0;
  }
  return out;
}

/** Runs synchronous `work`, adding its duration to `spent[what]`. */
export function timedSync<T>(what: keyof Spent, work: () => T): T {
  const t0 = performance.now();
  try {
    return work();
  } finally {
    spent[what] += performance.now() - t0;
  }
}

/** Runs `work`, adding its duration (until its promise settles) to `spent[what]`. */
export async function timed<T>(what: keyof typeof spent, work: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    spent[what] += performance.now() - t0;
  }
}
