/**
 * Model class labels → COCO category ids, by name. Label files often use the PASCAL VOC / darknet spellings
 * of COCO classes (`motorbike`, `aeroplane`, `sofa`, `pottedplant`, `diningtable`, `tvmonitor`), so a label
 * matches a category when the names are equal, equal once case, spaces, '_' and '-' are dropped
 * (`pottedplant` = `potted plant`), or equal through {@link LABEL_ALIASES}.
 */
import type { CocoCategory } from './metrics';

/** Spellings of COCO category names found in label files (normalised key → COCO name). */
export const LABEL_ALIASES: Readonly<Record<string, string>> = {
  motorbike: 'motorcycle',
  aeroplane: 'airplane',
  sofa: 'couch',
  tvmonitor: 'tv',
  television: 'tv',
  hairdryer: 'hair drier',
  doughnut: 'donut',
  mobilephone: 'cell phone',
  cellphone: 'cell phone',
  sportsball: 'sports ball',
  diningtable: 'dining table',
  pottedplant: 'potted plant',
};

/** Lower case without spaces, '_' and '-'. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

export interface LabelMapping {
  /** Index = class id; the COCO category id, or null when the label matches no category. */
  categoryIdByClass: (number | null)[];
  /** Labels that matched no category. */
  unmatched: { classId: number; label: string }[];
  /** Labels that matched a category of another spelling (e.g. motorbike → motorcycle). */
  renamed: { classId: number; label: string; category: string }[];
  /** Categories that no label matched. */
  missing: CocoCategory[];
}

/**
 * Maps class labels to COCO categories by name. Throws when two labels match the same category (a class
 * mapping that is not one-to-one would silently merge classes).
 */
export function mapLabelsToCategories(labels: readonly string[], categories: readonly CocoCategory[]): LabelMapping {
  const exact = new Map(categories.map((c) => [c.name, c]));
  const normalized = new Map(categories.map((c) => [normalizeName(c.name), c]));
  const categoryIdByClass: (number | null)[] = [];
  const unmatched: LabelMapping['unmatched'] = [];
  const renamed: LabelMapping['renamed'] = [];
  const taken = new Map<number, string>();
  labels.forEach((label, classId) => {
    const key = normalizeName(label);
    const alias = LABEL_ALIASES[key];
    const cat = exact.get(label) ?? normalized.get(key) ?? (alias !== undefined ? normalized.get(normalizeName(alias)) : undefined);
    if (!cat) {
      categoryIdByClass.push(null);
      unmatched.push({ classId, label });
      return;
    }
    const previous = taken.get(cat.id);
    if (previous !== undefined) throw new Error(`labels '${previous}' and '${label}' both map to COCO category '${cat.name}' (${cat.id})`);
    taken.set(cat.id, label);
    categoryIdByClass.push(cat.id);
    if (cat.name !== label) renamed.push({ classId, label, category: cat.name });
  });
  const missing = categories.filter((c) => !taken.has(c.id));
  return { categoryIdByClass, unmatched, renamed, missing };
}
