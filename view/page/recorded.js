/**
 * A recorded run: the <video> plays the file, and each frame it presents gets the JSON line of its time.
 * Sync: the video's first frame is the first JSON line's (tsexport and the encoder on the same branch), and the
 * file keeps the time between frames, so the frame presented at media time t is the line whose pts is
 * pts0 + (t - t0), t0 being the media time of the first frame. t0 is read from the first frame the video presents
 * (mp4mux starts its timeline at 0; webmmux keeps the stream's own timestamps, so a recording that did not start
 * at pts 0 starts later than 0). requestVideoFrameCallback gives the exact media time of each frame presented
 * (`timeupdate` and `seeked`, coarser, where it is missing). Seeking to frame N goes to the middle of N's
 * interval, so that the decoder lands on N whatever its rounding.
 */
function parseJsonl(text) {
  const lines = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      lines.push(JSON.parse(l));
    } catch {
      // a line still being written (the file is growing): skipped
    }
  }
  return lines;
}

export async function playRecorded(view, config, embedded) {
  const $ = (id) => document.getElementById(id);
  const { timeline, chart } = view;
  const lines = embedded ?? parseJsonl(await (await fetch(config.lines)).text());
  timeline.setAll(lines);
  if (!timeline.lines.length) throw new Error('the JSON Lines have no frames with a pts');
  const pts0 = timeline.pts0;
  const frameNs = timeline.frameNs;
  for (const line of timeline.lines) chart.push(line, pts0);
  chart.update();

  const video = $('video');
  const scrub = $('scrub');
  const field = $('frame-field');
  const play = $('play');
  scrub.max = String(timeline.lines.length - 1);
  field.max = String(timeline.lines[timeline.lines.length - 1].frame);
  const first = timeline.lines[0];
  view.setSize(first.width, first.height);

  let t0 = null; // media time of the video's first frame (seconds)
  const ptsAt = (seconds) => pts0 + Math.round((seconds - (t0 ?? 0)) * 1e9);
  const indexAt = (seconds) => timeline.atOrBefore(ptsAt(seconds) + 1e6);
  let dragging = false;
  const showAt = (seconds) => {
    if (t0 === null) return;
    const index = Math.max(0, indexAt(seconds));
    view.show(index, ptsAt(seconds));
    const line = timeline.lines[index];
    if (!dragging) scrub.value = String(index);
    if (document.activeElement !== field) field.value = String(line.frame);
    $('time').textContent = `pts ${(line.pts / 1e9).toFixed(3)} s`;
  };
  /** Seeks to the frame at `index` (pausing: a frame picked is a frame to look at). */
  const seekToIndex = (index) => {
    video.pause();
    const i = Math.min(Math.max(0, index), timeline.lines.length - 1);
    const t = (t0 ?? 0) + (timeline.lines[i].pts - pts0 + frameNs / 2) / 1e9;
    video.currentTime = Number.isFinite(video.duration) ? Math.min(t, video.duration) : t;
  };

  let firstFrame;
  const firstFrameSeen = new Promise((resolve) => (firstFrame = resolve));
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    const onFrame = (_now, meta) => {
      if (t0 === null) {
        t0 = meta.mediaTime;
        firstFrame();
      }
      showAt(meta.mediaTime);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  } else {
    video.addEventListener('timeupdate', () => showAt(video.currentTime));
  }
  video.addEventListener('seeked', () => showAt(video.currentTime));
  video.addEventListener('play', () => (play.textContent = 'Pause'));
  video.addEventListener('pause', () => (play.textContent = 'Play'));
  video.addEventListener('ended', () => (play.textContent = 'Play'));
  video.addEventListener('error', () => view.status(`the browser cannot play ${config.video}: ${video.error?.message || `media error ${video.error?.code}`}`));
  play.addEventListener('click', () => (video.paused ? video.play() : video.pause()));
  scrub.addEventListener('pointerdown', () => (dragging = true));
  scrub.addEventListener('pointerup', () => (dragging = false));
  scrub.addEventListener('input', () => seekToIndex(Number(scrub.value)));
  field.addEventListener('change', () => seekToIndex(timeline.indexOfFrame(Number(field.value))));
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type === 'number') return;
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    seekToIndex((view.shown?.index ?? 0) + (e.key === 'ArrowRight' ? 1 : -1));
  });

  await new Promise((resolve) => {
    if (video.readyState >= 1) resolve();
    else video.addEventListener('loadedmetadata', resolve, { once: true });
    video.src = config.video;
  });
  // The first frame is presented once it is decoded; without requestVideoFrameCallback (or should it not come),
  // the timeline is taken to start at 0.
  await Promise.race([firstFrameSeen, new Promise((r) => setTimeout(r, 3000))]);
  if (t0 === null) {
    t0 = 0;
    showAt(0);
  }
  view.status(`${timeline.lines.length} frames, ${(video.duration || 0).toFixed(1)} s, ${timeline.firstSeen.size} tracks`);
}
