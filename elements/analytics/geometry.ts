/**
 * Plane geometry of tsanalytics' rules, in image coordinates (x right, y down). Pure functions.
 *
 * Sides of a directed line: standing on segment a→b and looking along it, "right" is where
 * cross(b − a, p − a) > 0 (with y pointing down, that is the clockwise side: below a left-to-right line).
 */

export type Point = readonly [number, number];

/** cross(b − a, p − a): > 0 right of a→b, < 0 left, 0 on its supporting line. */
export function cross(a: Point, b: Point, p: Point): number {
  return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

/** Distance from p to the segment a–b. */
export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2)) : 0;
  const ex = p[0] - (a[0] + t * dx), ey = p[1] - (a[1] + t * dy);
  return Math.sqrt(ex * ex + ey * ey); // not Math.hypot: several times slower, and this runs per object and rule
}

/** Distance from p to a polyline (its segments). */
export function distanceToPolyline(p: Point, line: readonly Point[]): number {
  let best = Infinity;
  for (let i = 0; i + 1 < line.length; i++) best = Math.min(best, distanceToSegment(p, line[i], line[i + 1]));
  return best;
}

/**
 * Where segment p→q crosses segment a→b: `t` along p→q (0..1) and the side of a→b that q lies on
 * (+1 right, −1 left); null when they do not cross. Touching at an end point of p→q does not count as
 * crossing to a side (q exactly on a→b has no side yet), so a point that lands on the line and goes back
 * crosses nothing.
 */
export function segmentCrossing(p: Point, q: Point, a: Point, b: Point): { t: number; side: 1 | -1 } | null {
  const d1 = cross(a, b, p);
  const d2 = cross(a, b, q);
  if (d2 === 0 || (d1 > 0 && d2 > 0) || (d1 < 0 && d2 < 0)) return null;
  const d3 = cross(p, q, a);
  const d4 = cross(p, q, b);
  if ((d3 > 0 && d4 > 0) || (d3 < 0 && d4 < 0)) return null;
  if (d1 === 0 && d3 === 0 && d4 === 0) return null; // collinear: no side change
  const t = d1 === d2 ? 0 : d1 / (d1 - d2);
  return { t, side: d2 > 0 ? 1 : -1 };
}

/**
 * The last crossing of the move p→q over a polyline (the side q ends up on, relative to the segment crossed
 * last along the move); null when the move does not cross it. A move that crosses a zig-zag line twice ends on
 * the side of the segment crossed last.
 */
export function polylineCrossing(p: Point, q: Point, line: readonly Point[]): { t: number; side: 1 | -1; segment: number } | null {
  let best: { t: number; side: 1 | -1; segment: number } | null = null;
  for (let i = 0; i + 1 < line.length; i++) {
    const c = segmentCrossing(p, q, line[i], line[i + 1]);
    if (c && (!best || c.t >= best.t)) best = { t: c.t, side: c.side, segment: i };
  }
  return best;
}

/** Side of p relative to the polyline's nearest segment: +1 right, −1 left, 0 on it. */
export function sideOfPolyline(p: Point, line: readonly Point[]): -1 | 0 | 1 {
  let best = Infinity;
  let side: -1 | 0 | 1 = 0;
  for (let i = 0; i + 1 < line.length; i++) {
    const d = distanceToSegment(p, line[i], line[i + 1]);
    if (d < best) {
      best = d;
      const c = cross(line[i], line[i + 1], p);
      side = c > 0 ? 1 : c < 0 ? -1 : 0;
    }
  }
  return side;
}

/** Even–odd point-in-polygon test (points on an edge count as inside). */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[j];
    const b = polygon[i];
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside || distanceToPolygonEdge(p, polygon) < 1e-9;
}

/** Axis-aligned bounds [minX, minY, maxX, maxY] of points. */
export type Bounds = readonly [number, number, number, number];

export function boundsOf(points: readonly Point[]): Bounds {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

/** Whether the segment p–q can touch anything inside `b` (its bounds overlap them). */
export function segmentNearBounds(p: Point, q: Point, b: Bounds): boolean {
  return Math.max(p[0], q[0]) >= b[0] && Math.min(p[0], q[0]) <= b[2] && Math.max(p[1], q[1]) >= b[1] && Math.min(p[1], q[1]) <= b[3];
}

export function inBounds(p: Point, b: Bounds): boolean {
  return p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];
}

/** Distance from p to a polygon's boundary. */
export function distanceToPolygonEdge(p: Point, polygon: readonly Point[]): number {
  let best = Infinity;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) best = Math.min(best, distanceToSegment(p, polygon[j], polygon[i]));
  return best;
}

/** Whether two segments share a point (touching and collinear overlap included). */
function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const onSegment = (p: Point, q: Point, r: Point) =>
    Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
  return (
    (d1 === 0 && onSegment(c, d, a)) || (d2 === 0 && onSegment(c, d, b)) || (d3 === 0 && onSegment(a, b, c)) || (d4 === 0 && onSegment(a, b, d))
  );
}

/**
 * The first pair of non-adjacent polygon edges that intersect (indices of their first vertices), or null for a
 * simple polygon. O(n²): zones have a handful of vertices.
 */
export function selfIntersection(polygon: readonly Point[]): [number, number] | null {
  const n = polygon.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // adjacent edges share a vertex
      if (segmentsIntersect(polygon[i], polygon[(i + 1) % n], polygon[j], polygon[(j + 1) % n])) return [i, j];
    }
  }
  return null;
}

/** Signed area (shoelace; > 0 clockwise in image coordinates). */
export function polygonArea(polygon: readonly Point[]): number {
  let s = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) s += polygon[j][0] * polygon[i][1] - polygon[i][0] * polygon[j][1];
  return s / 2;
}
