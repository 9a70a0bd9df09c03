/**
 * A live pipeline: GET /live is one long response of records (view/server.mjs): JPEG frames with their pts, the
 * JSON lines tsexport writes, and status. A frame is shown with the line of the same pts — the frame's
 * GStreamer pts travels with it, and tsexport writes that pts into the line — so the drawing matches the frame
 * exactly. A frame waits for its line at most MAX_WAIT_MS (the lines come from a file the server polls), and no
 * longer once a later line is there (lines come in order: its own will not come).
 */
const MAX_WAIT_MS = 500;

async function* records(stream) {
  const reader = stream.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf);
    joined.set(value, buf.length);
    buf = joined;
    let at = 0;
    while (buf.length - at >= 5) {
      const dv = new DataView(buf.buffer, buf.byteOffset + at);
      const type = dv.getUint8(0), length = dv.getUint32(1);
      if (buf.length - at - 5 < length) break;
      yield { type, payload: buf.subarray(at + 5, at + 5 + length) };
      at += 5 + length;
    }
    buf = buf.slice(at);
  }
}

export async function playLive(view, config) {
  const $ = (id) => document.getElementById(id);
  const { timeline, chart } = view;
  const video = $('video');
  const frameCanvas = $('frame-canvas');
  const frameCtx = frameCanvas.getContext('2d');
  video.hidden = true;
  frameCanvas.hidden = false;
  $('scrub').hidden = true;
  $('frame-field').parentElement.hidden = true;
  const play = $('play');
  let paused = false;
  play.textContent = 'Pause';
  play.addEventListener('click', () => {
    paused = !paused;
    play.textContent = paused ? 'Play' : 'Pause';
  });

  const decoder = new TextDecoder();
  const pending = []; // frames waiting for their line: { pts, blob, arrived }
  let pts0 = null;
  let received = 0;
  const stats = (view.liveStats = { waitMs: [], drawMs: [], received: () => received });
  let drawing = false;

  const pump = async () => {
    requestAnimationFrame(pump);
    if (drawing || paused || !pending.length) return;
    const now = performance.now();
    const last = timeline.lines[timeline.lines.length - 1];
    let ready = -1;
    for (let i = 0; i < pending.length; i++) {
      const f = pending[i];
      if (timeline.exact(f.pts) >= 0 || now - f.arrived > MAX_WAIT_MS || (last && last.pts > f.pts) || Number.isNaN(f.pts)) ready = i;
      else break;
    }
    if (ready < 0) return;
    const frame = pending.splice(0, ready + 1).pop(); // the newest ready frame; older ones are late
    drawing = true;
    const started = performance.now();
    try {
      const bitmap = await createImageBitmap(frame.blob);
      if (frameCanvas.width !== bitmap.width || frameCanvas.height !== bitmap.height) {
        frameCanvas.width = bitmap.width;
        frameCanvas.height = bitmap.height;
        view.setSize(bitmap.width, bitmap.height);
      }
      frameCtx.drawImage(bitmap, 0, 0);
      bitmap.close();
      view.show(timeline.exact(frame.pts), frame.pts);
      // for bench/view-bench.mjs: how long frames waited for their line, and how long showing one took (ms)
      stats.waitMs.push(started - frame.arrived);
      stats.drawMs.push(performance.now() - started);
      if (stats.waitMs.length > 5000) stats.waitMs.splice(0, 1000), stats.drawMs.splice(0, 1000);
      $('time').textContent = `pts ${(frame.pts / 1e9).toFixed(3)} s · ${received} frames received`;
    } finally {
      drawing = false;
    }
  };
  requestAnimationFrame(pump);
  setInterval(() => chart.update(), 500);

  for (;;) {
    try {
      const res = await fetch(config.stream, { cache: 'no-store' });
      if (!res.ok || !res.body) throw new Error(`${config.stream}: HTTP ${res.status}`);
      // Each response starts with the server's recent lines: they replace what an earlier connection brought.
      timeline.clear();
      chart.reset();
      pts0 = null;
      pending.length = 0;
      for await (const { type, payload } of records(res.body)) {
        if (type === 1) {
          const pts = new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0);
          received++;
          pending.push({ pts, blob: new Blob([payload.slice(8)], { type: 'image/jpeg' }), arrived: performance.now() });
          if (pending.length > 30) pending.splice(0, pending.length - 30);
        } else if (type === 2) {
          let line;
          try {
            line = JSON.parse(decoder.decode(payload));
          } catch {
            continue;
          }
          if (typeof line.pts !== 'number') continue;
          const last = timeline.lines[timeline.lines.length - 1];
          if (pts0 === null || (last && line.pts < timeline.lines[0].pts)) {
            pts0 = line.pts;
            chart.reset();
          }
          timeline.add(line);
          chart.push(line, pts0);
        } else if (type === 4) {
          timeline.clear();
          chart.reset();
          pts0 = null;
        } else if (type === 3) {
          const status = JSON.parse(decoder.decode(payload));
          view.status(
            status.error ? `${status.source}: ${status.error}` : status.connected ? `live from ${status.source}` : `waiting for the pipeline at ${status.source}…`,
          );
        }
      }
      view.status('the server closed the stream; reconnecting…');
    } catch (e) {
      view.status(`${e.message}; reconnecting…`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
