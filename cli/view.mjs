/**
 * tsvision view: a page in the browser that plays a recorded run (video + tsexport's JSON Lines) or a live
 * pipeline, with the metadata drawn over the video. See README "Live view in the browser".
 */
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readRules } from '../view/rules.mjs';
import { startViewServer } from '../view/server.mjs';

export const summary = 'a recorded run (VIDEO + JSON Lines) or a live pipeline in the browser, metadata drawn over the video';

const USAGE = `usage: tsvision view VIDEO [JSONL] [options]               a recorded run (JSONL default: VIDEO with .jsonl)
       tsvision view --live HOST:PORT --jsonl FILE [options]  a live pipeline

  --live HOST:PORT  the pipeline's  … ! jpegenc ! gdppay ! tcpserversink host=HOST port=PORT
                    (connected to, and again whenever it comes back)
  --jsonl FILE      live: the JSON Lines file the pipeline's tsexport writes (location=FILE), followed as it grows
  --rules FILE      tsanalytics rules (the pipeline's config=FILE): the lines and zones to draw
  --port N          port to serve on (default 8080; 0 = a free one; the address is printed)
  --host ADDR       address to serve on (default 127.0.0.1)
  --title TEXT      the page's title
`;

function fail(message) {
  process.stderr.write(`tsvision view: ${message}\n`);
  return 2;
}

function needFile(file, what) {
  if (!existsSync(file)) throw new Error(`${what} not found: ${file}`);
  if (!statSync(file).isFile()) throw new Error(`${what} is not a file: ${file}`);
}

export async function main(argv) {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        live: { type: 'string' },
        jsonl: { type: 'string' },
        rules: { type: 'string' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        title: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return fail(`${e.message}\n${USAGE}`);
  }
  const { values: o, positionals } = args;
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`--port must be a port number (0 = a free one), got '${o.port}'`);

  const options = { host: o.host, port, title: o.title, log: (m) => process.stderr.write(`${m}\n`) };
  try {
    options.rules = o.rules ? readRules(o.rules) : null;
    if (o.live !== undefined) {
      const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:]+):(\d+)$/.exec(o.live);
      if (!m) return fail(`--live must be HOST:PORT of the pipeline's tcpserversink, got '${o.live}'`);
      if (!o.jsonl) return fail('--live needs --jsonl FILE: the JSON Lines file the pipeline\'s tsexport writes');
      if (positionals.length) return fail(`--live takes no VIDEO (got '${positionals[0]}')`);
      options.live = { source: { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }, jsonl: o.jsonl };
    } else {
      if (positionals.length < 1 || positionals.length > 2) return fail(`a recorded run needs VIDEO [JSONL]\n${USAGE}`);
      const video = positionals[0];
      const jsonl = positionals[1] ?? o.jsonl ?? video.replace(/\.[^./]+$/, '') + '.jsonl';
      needFile(video, 'video');
      needFile(jsonl, 'JSON Lines file (tsexport location=…)');
      options.recorded = { video, jsonl };
    }
  } catch (e) {
    return fail(e.message);
  }

  let server;
  try {
    server = await startViewServer(options);
  } catch (e) {
    return fail(e.code === 'EADDRINUSE' ? `port ${port} on ${o.host} is in use: choose another with --port (0 = a free one)` : e.message);
  }
  process.stdout.write(`tsvision view: ${server.url} (Ctrl-C stops)\n`);
  await new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
