/** Which objects of a frame tsclassify runs on, and the (clipped) region of each. */

export interface RegionBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RegionObject {
  box: RegionBox;
  label: string;
  /** tstrack's id, when the object has one. */
  trackId?: number | null;
  /** A box tstrack predicted on a frame without detections. */
  predicted?: boolean;
}

export interface RegionFilter {
  /** Labels to classify (empty: all). */
  objectClass: ReadonlySet<string>;
  minWidth: number;
  minHeight: number;
}

export interface Region {
  /** Index of the object on the frame (its ROI meta). */
  index: number;
  /** The object's box clipped to the frame (whole pixels, what the crop reads). */
  box: RegionBox;
}

/**
 * Clips `box` to a `width` x `height` frame on whole pixels (as the crop does); null when nothing is left
 * (zero-size, or entirely outside the frame) or a coordinate is not finite.
 */
export function clipToFrame(box: RegionBox, width: number, height: number): RegionBox | null {
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite)) return null;
  const x0 = Math.max(0, Math.round(box.x));
  const y0 = Math.max(0, Math.round(box.y));
  const x1 = Math.min(width, Math.round(box.x + box.width));
  const y1 = Math.min(height, Math.round(box.y + box.height));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The objects to classify: wanted label, not predicted, and at least min-width x min-height inside the frame. */
export function selectRegions(objects: readonly RegionObject[], width: number, height: number, filter: RegionFilter): Region[] {
  const out: Region[] = [];
  objects.forEach((o, index) => {
    if (o.predicted) return;
    if (filter.objectClass.size > 0 && !filter.objectClass.has(o.label)) return;
    const box = clipToFrame(o.box, width, height);
    if (!box || box.width < filter.minWidth || box.height < filter.minHeight) return;
    out.push({ index, box });
  });
  return out;
}
