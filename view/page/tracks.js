/** The list of the tracks on the frame shown: colour, id, label, confidence, since when it is tracked. */
import { colourOf } from './draw.js';

export class TrackList {
  constructor(table, count) {
    this.body = table.tBodies[0];
    this.count = count;
    this.key = '';
  }

  show(timeline, index) {
    const line = timeline.lines[index];
    const objects = (line?.objects ?? []).filter((o) => o.track_id !== null && o.track_id !== undefined);
    objects.sort((a, b) => a.track_id - b.track_id);
    const key = objects.map((o) => `${o.track_id}:${o.label}:${Math.round(o.confidence * 100)}`).join(',');
    if (key === this.key) return;
    this.key = key;
    const rows = objects.map((o) => {
      const tr = document.createElement('tr');
      tr.dataset.trackId = String(o.track_id);
      const since = timeline.firstSeen.get(o.track_id);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colourOf(o);
      const cells = [swatch, `#${o.track_id}`, o.label ?? String(o.class_id), `${Math.round((o.confidence ?? 0) * 100)}%`,
        since ? `frame ${since.frame} (${((line.pts - since.pts) / 1e9).toFixed(1)} s)` : ''];
      for (const c of cells) {
        const td = document.createElement('td');
        if (typeof c === 'string') td.textContent = c;
        else td.append(c);
        tr.append(td);
      }
      return tr;
    });
    this.body.replaceChildren(...rows);
    this.count.textContent = `${objects.length} on this frame, ${timeline.firstSeen.size} seen`;
  }
}
