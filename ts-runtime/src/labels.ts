import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TsvisionError } from './errors.js';

/** Reads a labels file: one label per line, line N = class id N; a trailing empty line is ignored. */
export function readLabels(file: string, property = 'labels-file'): string[] {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new TsvisionError('NOT_FOUND', `labels file not found: ${abs} (property ${property})`);
  const lines = readFileSync(abs, 'utf8').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((l) => l.trim());
}

/** Fails with a clear message when the labels file and the model disagree on the class count. */
export function checkLabelCount(labels: readonly string[], classCount: number, file: string, model: string): void {
  if (labels.length !== classCount) {
    throw new TsvisionError(
      'SETTINGS',
      `labels file ${path.resolve(file)} has ${labels.length} lines but model ${path.resolve(model)} predicts ${classCount} classes (property labels-file): give one label per class, in class-id order`,
    );
  }
}

/** The labels of an `object-class` setting ("person, car" → {person, car}; null or empty: none). */
export function labelSet(objectClass: string | null): Set<string> {
  return new Set(
    (objectClass ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}
