/**
 * Counts over time (uPlot): objects and tracked objects per frame and, with tsanalytics, each line's in and out
 * totals and each zone's occupancy, against the stream time in seconds; a marker at the frame shown.
 */
import uPlot from 'uplot';

const COLOURS = ['#e6e6e6', '#ff00ff', '#00ffff', '#ffff00', '#00ff00', '#ff8000', '#0080ff', '#ff4040', '#80ff00', '#ff0080'];

function seriesOf(line) {
  const values = { objects: line.objects?.length ?? 0, tracked: (line.objects ?? []).filter((o) => o.track_id !== null && o.track_id !== undefined).length };
  for (const [name, c] of Object.entries(line.counts?.lines ?? {})) {
    values[`${name} in`] = c.in ?? 0;
    values[`${name} out`] = c.out ?? 0;
  }
  for (const [name, c] of Object.entries(line.counts?.zones ?? {})) values[`${name} occupancy`] = c.occupancy ?? 0;
  return values;
}

export class CountsChart {
  constructor(element, { windowSeconds = Infinity } = {}) {
    this.element = element;
    this.windowSeconds = windowSeconds;
    this.keys = [];
    this.x = [];
    this.columns = new Map();
    this.marker = null;
    this.plot = null;
    this.dirty = false;
  }

  /** Adds a line's values at its time (seconds from `pts0`). */
  push(line, pts0) {
    const values = seriesOf(line);
    const t = (line.pts - pts0) / 1e9;
    for (const key of Object.keys(values)) {
      if (!this.columns.has(key)) {
        this.columns.set(key, this.x.map(() => null));
        this.keys.push(key);
        this.plot?.destroy();
        this.plot = null;
      }
    }
    this.x.push(t);
    for (const [key, column] of this.columns) column.push(values[key] ?? null);
    while (this.x.length > 1 && this.x[this.x.length - 1] - this.x[0] > this.windowSeconds) {
      this.x.shift();
      for (const column of this.columns.values()) column.shift();
    }
    this.dirty = true;
  }

  reset() {
    this.plot?.destroy();
    this.plot = null;
    this.keys = [];
    this.x = [];
    this.columns.clear();
  }

  /** Draws what was pushed (call at most a few times a second). */
  update() {
    if (!this.dirty && this.plot) return;
    this.dirty = false;
    const data = [this.x, ...this.keys.map((k) => this.columns.get(k))];
    if (!this.plot) {
      if (!this.x.length) return;
      const self = this;
      this.plot = new uPlot(
        {
          width: this.element.clientWidth || 340,
          height: 200,
          scales: { x: { time: false } },
          axes: [{ stroke: '#9aa0a6', grid: { stroke: '#2a2e33' }, label: 's' }, { stroke: '#9aa0a6', grid: { stroke: '#2a2e33' } }],
          series: [{ label: 's' }, ...this.keys.map((k, i) => ({ label: k, stroke: COLOURS[i % COLOURS.length], width: 1.5, paths: uPlot.paths.stepped?.({ align: 1 }) }))],
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
          hooks: {
            draw: [
              (u) => {
                if (self.marker === null) return;
                const left = u.valToPos(self.marker, 'x', true);
                const { ctx } = u;
                ctx.save();
                ctx.strokeStyle = '#ff4040';
                ctx.lineWidth = 1;
                ctx.beginPath();
                ctx.moveTo(left, u.bbox.top);
                ctx.lineTo(left, u.bbox.top + u.bbox.height);
                ctx.stroke();
                ctx.restore();
              },
            ],
          },
        },
        data,
        this.element,
      );
    } else this.plot.setData(data);
  }

  /** Moves the marker to `t` seconds. */
  mark(t) {
    if (this.marker === t) return;
    this.marker = t;
    this.plot?.redraw(false, false);
  }
}
