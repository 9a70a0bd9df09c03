/**
 * The viewer page. Reads its configuration (and, in out/demo.html, the JSON lines) from the page itself, then
 * plays a recorded run (recorded.js) or a live pipeline (live.js). `window.tsvView` is the page's state: what is
 * shown, the layers, the colours (the tests read it; so can a console).
 */
import { CountsChart } from './chart.js';
import { Overlay, colourOf } from './draw.js';
import { playLive } from './live.js';
import { playRecorded } from './recorded.js';
import { Timeline } from './timeline.js';
import { TrackList } from './tracks.js';

const $ = (id) => document.getElementById(id);
const config = JSON.parse($('tsv-config').textContent);
const embedded = JSON.parse($('tsv-lines').textContent);
const layers = { boxes: true, labels: true, tracks: true, keypoints: true, analytics: true };
const timeline = new Timeline();
const overlay = new Overlay($('overlay'), layers, config.rules);
const tracks = new TrackList($('tracks'), $('track-count'));
const chart = new CountsChart($('chart'), { windowSeconds: config.mode === 'live' ? 120 : Infinity });

const view = {
  config,
  layers,
  timeline,
  chart,
  colourOf,
  /** What is on screen: { index (in timeline.lines, -1: no line), frame, pts } or null before the first frame. */
  shown: null,
  /** Frames shown so far (the tests wait on it). */
  framesShown: 0,
  status(text) {
    $('status').textContent = text;
  },
  /** Sizes the screen to a frame of width x height (1:1 when the window is wide enough). */
  setSize(width, height) {
    const screen = $('screen');
    screen.style.width = `${width}px`;
    screen.style.aspectRatio = `${width} / ${height}`;
    overlay.resize(width, height);
  },
  /** Draws line `index` over the frame with timestamp `pts` and updates the track list and the chart's marker. */
  show(index, pts) {
    const line = timeline.lines[index];
    if (line && (overlay.canvas.width !== line.width || overlay.canvas.height !== line.height)) this.setSize(line.width, line.height);
    overlay.draw(timeline, index);
    tracks.show(timeline, index);
    this.shown = { index, frame: line?.frame ?? null, pts: pts ?? line?.pts ?? null };
    this.framesShown++;
    if (line) chart.mark((line.pts - timeline.pts0) / 1e9);
  },
  redraw() {
    if (this.shown) overlay.draw(timeline, this.shown.index);
  },
};
window.tsvView = view;

for (const input of document.querySelectorAll('#layers input[data-layer]')) {
  input.checked = layers[input.dataset.layer];
  input.addEventListener('change', () => {
    layers[input.dataset.layer] = input.checked;
    view.redraw();
  });
}

(config.mode === 'live' ? playLive(view, config) : playRecorded(view, config, embedded)).catch((e) => {
  view.status(`error: ${e.message}`);
  console.error(e);
});
