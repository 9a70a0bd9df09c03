#!/usr/bin/env node
/**
 * Resolves model and label files named in models/manifest.json to local paths:
 *   1. an offline mirror: $TSVISION_MODEL_MIRROR, else ../shared/models beside the repository;
 *   2. the download cache: $TSVISION_MODEL_CACHE, else ~/.cache/tsvision/models;
 *   3. a download from the manifest's upstream address into the cache.
 * Every file is checked against the manifest's sha256 before it is used.
 *
 *   node models/fetch.mjs yolox_nano_416.onnx coco_classes.txt   # prints the resolved paths
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(here, 'manifest.json'), 'utf8'));

export function mirrorDir() {
  return process.env.TSVISION_MODEL_MIRROR ?? path.resolve(here, '..', '..', 'shared', 'models');
}

export function cacheDir() {
  return process.env.TSVISION_MODEL_CACHE ?? path.join(homedir(), '.cache', 'tsvision', 'models');
}

function entryFor(name) {
  const entry = manifest.models[name] ?? manifest.labels[name];
  if (!entry) {
    const known = [...Object.keys(manifest.models), ...Object.keys(manifest.labels)].join(', ');
    throw new Error(`${name} is not in models/manifest.json (known: ${known})`);
  }
  return entry;
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Returns a verified local path of `name` (a manifest key), downloading it when needed. */
export async function resolveModelFile(name, log = () => {}) {
  const entry = entryFor(name);
  if (entry.available === false || !entry.sha256) {
    throw new Error(`${name} has no pinned file (not available offline): ${entry.export ?? `get it from ${entry.url}`}; tsdetect recognises it by its file name`);
  }
  for (const dir of [mirrorDir(), cacheDir()]) {
    const file = path.join(dir, name);
    if (existsSync(file)) {
      if (sha256(file) === entry.sha256) return file;
      log(`${file}: sha256 differs from the manifest, ignoring it`);
    }
  }
  const target = path.join(cacheDir(), name);
  mkdirSync(path.dirname(target), { recursive: true });
  log(`downloading ${name} from ${entry.url}`);
  let response;
  try {
    response = await fetch(entry.url);
  } catch (err) {
    throw new Error(`cannot download ${name} from ${entry.url}: ${err.message}. Put the file in ${mirrorDir()} or ${cacheDir()}.`);
  }
  if (!response.ok) throw new Error(`cannot download ${name}: HTTP ${response.status} from ${entry.url}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== entry.sha256) throw new Error(`${name} from ${entry.url} has sha256 ${got}, expected ${entry.sha256}`);
  writeFileSync(`${target}.part`, bytes);
  renameSync(`${target}.part`, target);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  if (names.length === 0) {
    console.error('usage: node models/fetch.mjs NAME... (names from models/manifest.json)');
    process.exit(2);
  }
  for (const name of names) console.log(await resolveModelFile(name, (m) => console.error(m)));
}
