/**
 * Model descriptions from models/manifest.json: preprocessing, decoder and labels of the models
 * tsvision knows, looked up by file name (then by sha256, so renamed copies are recognised too).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import manifest from '../../models/manifest.json';
import type { PreprocessSpec } from '../preprocess/index';

export interface ManifestModel {
  task: string;
  url: string;
  /** Absent for models tsvision names but has no pinned file of (`available: false`: recognised by file name only). */
  sha256?: string;
  size?: number;
  /** false: not in the offline mirror and no file pinned (e.g. the upstream OBB models, exported by the user). */
  available?: boolean;
  license: string;
  decoder?: string;
  labels?: string;
  labelNames?: string[];
  keypoints?: ModelKeypoints;
  preprocess: PreprocessSpec;
}

/** A pose model's keypoints: their names in the head's order, and the skeleton as pairs of 0-based indices. */
export interface ModelKeypoints {
  names: string[];
  skeleton?: [number, number][];
}

export interface ModelDescription {
  file: string;
  /** detection, classification, embedding, … */
  task: string;
  decoder?: string;
  labelNames?: string[];
  /** The labels file named by the manifest, when found beside the model. */
  labelsPath?: string;
  keypoints?: ModelKeypoints;
  preprocess: PreprocessSpec;
}

const models = (manifest as unknown as { models: Record<string, ManifestModel> }).models;

export function manifestModels(): Readonly<Record<string, ManifestModel>> {
  return models;
}

/** The manifest's description of the model at `modelPath`, or null for an unknown model. */
export function describeModel(modelPath: string): ModelDescription | null {
  const base = path.basename(modelPath);
  let name: string | undefined = models[base] ? base : undefined;
  if (!name) {
    const size = statSync(modelPath).size;
    const candidates = Object.entries(models).filter(([, m]) => m.size === size);
    if (candidates.length > 0) {
      const sha = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
      name = candidates.find(([, m]) => m.sha256 === sha)?.[0];
    }
  }
  if (!name) return null;
  const m = models[name];
  const labelsPath = m.labels ? path.join(path.dirname(modelPath), m.labels) : undefined;
  return {
    file: name,
    task: m.task,
    decoder: m.decoder,
    labelNames: m.labelNames,
    labelsPath: labelsPath && existsSync(labelsPath) ? labelsPath : undefined,
    keypoints: m.keypoints,
    preprocess: m.preprocess,
  };
}
