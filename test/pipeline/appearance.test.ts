/** tstrack appearance in a pipeline: embeddings that reached the ROI metas (here from a tsdetect hook, as tsclassify writes them) re-find a hidden person. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOKS, gstLaunch, readJsonl, tempDir } from '../helpers/gst';

async function ids(args: string, trackProps = '') {
  const out = path.join(tempDir(), 'ids.jsonl');
  const r = await gstLaunch(
    `videotestsrc num-buffers=60 pattern=black ! video/x-raw,format=I420,width=640,height=480 ! ` +
      `tsdetect module=${path.join(HOOKS, 'occluded-person.ts')} module-args='${args}' ! tstrack ${trackProps} ! tsexport location=${out} ! fakesink`,
  );
  expect(r.code, r.output).toBe(0);
  const frames = readJsonl(out);
  return { before: frames[19].objects[0]?.track_id, after: frames[59].objects[0]?.track_id };
}

describe('tstrack appearance', () => {
  it('the same embedding gets the id back after a 30-frame occlusion; another one, or appearance=off, a new id', async () => {
    const same = await ids('{"same":true}');
    expect(typeof same.before).toBe('number');
    expect(same.after).toBe(same.before);
    const stranger = await ids('{"same":false}');
    expect(typeof stranger.after).toBe('number');
    expect(stranger.after).not.toBe(stranger.before);
    const off = await ids('{"same":true}', 'appearance=off');
    expect(off.after).not.toBe(off.before);
  });
});
