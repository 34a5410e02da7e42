/**
 * Placing mechanisms against an exact frontier: how far each one is from the best achievable, and
 * whether the curve dominates it.
 *
 * Orientation. y is always minimized. x is minimized ("min": maxAccounts→maxFraction, where fewer
 * accounts touched is better and a larger K is a looser constraint, so y*(K) is nonincreasing) or
 * maximized ("max": coverage→touched, where more coverage is better and a larger share is a tighter
 * constraint, so y*(x) is nondecreasing).
 *
 * frontier(x) is the lower envelope of the solved points in that orientation: for "min",
 * min { y_p : x_p <= x }, the nonincreasing envelope; for "max", min { y_p : x_p >= x }. It repairs a
 * point left above its neighbours by a time limit; it decides dominance.
 *
 * distance = y - y*(x) is given only where the frontier has a *proven* point at the mechanism's own x
 * (|x_p - x| <= xTolerance, status optimal): between points the envelope is not a lower bound (y*
 * can drop between two K values), and an unproven point (a time limit) is only an upper bound on
 * y*, so neither would give a distance. The caller places a mechanism only against a frontier whose
 * constraints its allocation satisfies (src/tools/frontier/region.ts); then y >= y*(x) and the distance is
 * >= 0 by construction. A value below y* within the tolerance (the verifier's own slack) is 0; one
 * further below is a contradiction: distance null and belowBy set, so that it is reported, never
 * printed as a negative distance.
 *
 * For "max" (coverage→touched) a mechanism is measured at the largest computed share it reaches
 * (x_p <= x): whole lots cover 1.0002 B, not B, and what such a rule is asked is "you covered B: how
 * many more accounts than the least that covers B?". It satisfies that point's constraint
 * (sum h >= x_p B), so the distance is still >= 0.
 *
 * dominated: some solved frontier point is at least as good on both axes and better on one, beyond
 * the tolerance.
 */
import type { FrontierPoint, FrontierRow } from "../../floor/records/row.js";

export type XSense = "min" | "max";

export interface MechanismPoint {
  readonly mechanism: string;
  readonly x: number;
  readonly y: number;
}

export interface PlacementOptions {
  readonly xSense?: XSense;
  /** Absolute tolerance on y (default 1e-7 * max(1, |y|)). */
  readonly tolerance?: number;
  /** Absolute tolerance on x for "the frontier has a point at x" (default 1e-9 * max(1, |x|)). */
  readonly xTolerance?: number;
}

export type Placement = FrontierRow["placements"][number];

/** The solved points (y not null) as the lower envelope value at each point's x, in the given orientation. O(p log p). */
export function lowerEnvelope(points: readonly FrontierPoint[], xSense: XSense = "min"): { x: number; y: number }[] {
  const solved = points.filter((p): p is FrontierPoint & { y: number } => p.y !== null && Number.isFinite(p.y));
  const sorted = [...solved].sort((a, b) => (xSense === "min" ? a.x - b.x : b.x - a.x));
  const envelope: { x: number; y: number }[] = [];
  let best = Infinity;
  for (const point of sorted) {
    best = Math.min(best, point.y);
    envelope.push({ x: point.x, y: best });
  }
  return envelope;
}

/**
 * Each mechanism's distance to the frontier and whether the frontier dominates it (module comment).
 * O(m * p) for m mechanisms and p points.
 */
export function placeOnFrontier(points: readonly FrontierPoint[], mechanisms: readonly MechanismPoint[], options: PlacementOptions = {}): Placement[] {
  const xSense = options.xSense ?? "min";
  const envelope = lowerEnvelope(points, xSense);
  const yTol = (y: number): number => options.tolerance ?? 1e-7 * Math.max(1, Math.abs(y));
  const xTol = (x: number): number => options.xTolerance ?? 1e-9 * Math.max(1, Math.abs(x));
  const atLeastAsGoodX = (xp: number, x: number): boolean => (xSense === "min" ? xp <= x + xTol(x) : xp >= x - xTol(x));
  const betterX = (xp: number, x: number): boolean => (xSense === "min" ? xp < x - xTol(x) : xp > x + xTol(x));
  return mechanisms.map(({ mechanism, x, y }) => {
    const solved = points.filter((point): point is FrontierPoint & { y: number } => point.y !== null && Number.isFinite(point.y));
    const reached = solved.filter((point) => point.x <= x + xTol(x));
    // The point the mechanism is measured at: its own x, or for "max" the largest share it reaches.
    const target = xSense === "max" && reached.length > 0 ? Math.max(...reached.map((point) => point.x)) : x;
    const proven = solved.filter((point) => point.status === "optimal" && Math.abs(point.x - target) <= xTol(target));
    const frontierY = proven.length > 0 ? Math.max(...proven.map((point) => point.y)) : undefined;
    const dominated = envelope.some(
      (point) => atLeastAsGoodX(point.x, x) && point.y <= y + yTol(y) && (betterX(point.x, x) || point.y < y - yTol(y)),
    );
    if (frontierY === undefined) return { mechanism, x, y, distance: null, dominated };
    const gap = y - frontierY;
    if (gap >= 0) return { mechanism, x, y, distance: gap, dominated };
    if (-gap <= yTol(frontierY)) return { mechanism, x, y, distance: 0, dominated };
    return { mechanism, x, y, distance: null, dominated, belowBy: -gap };
  });
}
