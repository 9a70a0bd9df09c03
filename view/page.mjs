/**
 * The viewer page as one HTML document: view/page/index.html with the front-end (view/page/main.js and what it
 * imports, uPlot included, bundled by esbuild into one script), its styles and the page's configuration inlined.
 * `tsvision view` serves it; scripts/demo.mjs writes it to out/demo.html with the JSON lines embedded, so that it
 * works from file:// (a module script or a fetch would not).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let bundled = null;

/** The front-end bundle (cached: built once per process, ~50 ms). */
async function bundle() {
  if (bundled) return bundled;
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(HERE, 'page', 'main.js')],
    bundle: true,
    format: 'iife',
    target: 'chrome100',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const css = readFileSync(path.join(HERE, 'page', 'style.css'), 'utf8') + readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  bundled = { script: result.outputFiles[0].text, css };
  return bundled;
}

/** JSON that is safe inside a <script> element (no "</script>", no "<!--"). */
function scriptJson(value) {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The page for `config`: { mode: 'recorded' | 'live', title, video (URL of the video, recorded), lines (URL of the
 * JSON Lines, recorded; or embedded: `embedded` holds the parsed lines), stream (URL of the live stream), rules
 * (tsanalytics rules or null) }.
 */
export async function renderPage(config, embedded = null) {
  const { script, css } = await bundle();
  const html = readFileSync(path.join(HERE, 'page', 'index.html'), 'utf8');
  const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  return html
    .replaceAll('<!--TITLE-->', () => escapeHtml(config.title ?? 'tsvision view'))
    .replace('/*STYLE*/', () => css)
    .replace('/*CONFIG*/', () => scriptJson(config))
    .replace('/*LINES*/', () => (embedded ? scriptJson(embedded) : 'null'))
    .replace('/*SCRIPT*/', () => script.replace(/<\/script/gi, '<\\/script'));
}

/** The fields of a JSON line the page draws (masks, classifications and embeddings left out: they are large). */
export function slimLine(line) {
  const objects = (line.objects ?? []).map((o) => {
    const slim = { box: o.box, label: o.label, class_id: o.class_id, confidence: o.confidence, track_id: o.track_id ?? null };
    if (o.keypoints) slim.keypoints = o.keypoints.map(({ name, x, y, confidence }) => ({ name, x, y, confidence }));
    if (o.rotation) slim.rotation = { corners: o.rotation.corners };
    return slim;
  });
  const slim = { frame: line.frame, pts: line.pts, width: line.width, height: line.height, objects };
  if (line.events) slim.events = line.events;
  if (line.counts) slim.counts = line.counts;
  return slim;
}
