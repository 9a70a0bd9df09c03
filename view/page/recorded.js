/**
 * A recorded run: the <video> plays the file, and each frame it presents gets the JSON line of its time.
 * Sync: the muxers (mp4mux, webmmux) start the file's timeline at its first frame, so media time t is the frame
 * whose pts is the first line's pts + t; requestVideoFrameCallback gives the exact media time of the frame
 * presented (`timeupdate` and `seeked`, coarser, where it is missing). Seeking to frame N goes to the middle of
 * N's interval, so that the decoder lands on N whatever its rounding.
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

  const indexAt = (seconds) => timeline.atOrBefore(pts0 + Math.round(seconds * 1e9) + 1e6);
  let dragging = false;
  const showAt = (seconds) => {
    const index = Math.max(0, indexAt(seconds));
    view.show(index, pts0 + Math.round(seconds * 1e9));
    const line = timeline.lines[index];
    if (!dragging) scrub.value = String(index);
    if (document.activeElement !== field) field.value = String(line.frame);
    $('time').textContent = `${seconds.toFixed(3)} s · pts ${(line.pts / 1e9).toFixed(3)} s`;
  };
  /** Seeks to the frame at `index` (pausing: a frame picked is a frame to look at). */
  const seekToIndex = (index) => {
    video.pause();
    const i = Math.min(Math.max(0, index), timeline.lines.length - 1);
    const t = (timeline.lines[i].pts - pts0 + frameNs / 2) / 1e9;
    video.currentTime = Number.isFinite(video.duration) ? Math.min(t, video.duration) : t;
  };

  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    const onFrame = (_now, meta) => {
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
  showAt(0);
  view.status(`${timeline.lines.length} frames, ${(video.duration || 0).toFixed(1)} s, ${timeline.firstSeen.size} tracks`);
}
