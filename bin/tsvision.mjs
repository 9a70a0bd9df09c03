#!/usr/bin/env node
/**
 * tsvision <command> [options]: the project's command line. Each command is one module, cli/<command>.mjs,
 * exporting `summary` (one line for this help) and `main(argv)` (resolves with the exit status). It runs from the
 * checkout (`node bin/tsvision.mjs …`); the npm package is the hook API only and does not ship it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli');

function commands() {
  return readdirSync(CLI_DIR)
    .filter((f) => f.endsWith('.mjs') && !f.startsWith('_'))
    .map((f) => f.slice(0, -'.mjs'.length))
    .sort();
}

async function load(name) {
  return import(pathToFileURL(path.join(CLI_DIR, `${name}.mjs`)).href);
}

async function usage(stream) {
  const lines = ['usage: tsvision <command> [options]   (tsvision <command> --help for its options)', '', 'commands:'];
  for (const name of commands()) lines.push(`  ${name.padEnd(10)} ${(await load(name)).summary ?? ''}`);
  stream.write(lines.join('\n') + '\n');
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  await usage(process.stdout);
  process.exit(name ? 0 : 2);
}
if (!commands().includes(name)) {
  process.stderr.write(`tsvision: unknown command '${name}'\n`);
  await usage(process.stderr);
  process.exit(2);
}
process.exitCode = await (await load(name)).main(rest);
