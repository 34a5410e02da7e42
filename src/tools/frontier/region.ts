/**
 * Feasible regions ("constraint sets") of an experiment's frontiers.
 *
 * An exact frontier is the least achievable value under some set of constraints. A mechanism can
 * be measured against it only when its allocation lies in that set: then, for a proven frontier
 * point at the mechanism's own x, its y is at least the frontier's, so its distance is >= 0 by
 * construction. Placing a mechanism with looser constraints (no alpha cap, no lots) against a
 * tighter frontier is what made pro-rata land "below the least achievable" curve.
 *
 * The dimensions that shape the feasible set of a wave (beyond caps, which every mechanism keeps):
 * eligibility (which accounts may pay), alpha (h_i <= alpha c_i), lots (h_i = v_i q_i, with the
 * sweep's lot scale), the seniority ladder (senior layers only as far as needed) and exact coverage.
 * maxAccounts is not a dimension: the maxAccounts→maxFraction frontier sweeps it, and any allocation
 * touching t accounts is feasible at K = t; coverage→touched minimizes touched itself. The objective
 * is not a dimension either: two models with the same constraints share one frontier.
 */
import type { Model } from "../../domain.js";
import type { ConstraintSet } from "../../floor/records/row.js";

// The region type is part of the run-folder contract (src/floor/records/row.ts): frontier rows carry it.
export type { ConstraintSet };

/** The sweep values that change a region: lot scale and margin (alpha is read from the swept model). */
export interface RegionSweep {
  readonly lotScale?: number;
  readonly margin?: number;
}

/** The region of a (swept) model: what its allocations must satisfy besides caps. O(1). */
export function constraintSetOf(model: Model, sweep: RegionSweep = {}): ConstraintSet {
  const lots = model.lots ? (model.lots.source === "positions" ? "positions" : `${model.lots.lotValue}×${model.lots.lots}`) : null;
  const scale = sweep.lotScale;
  return {
    eligibility: model.eligibility?.source.trim() || null,
    alpha: model.alpha !== undefined && model.alpha < 1 ? model.alpha : null,
    lots: lots !== null && scale !== undefined && scale !== 1 ? `${lots}×${scale}` : lots,
    ladder: model.seniority && model.seniority.length >= 2 ? [...model.seniority] : null,
    coverage: model.coverage,
    margin: sweep.margin ?? null,
  };
}

/** A stable key: equal regions, equal keys. */
export function regionKey(set: ConstraintSet): string {
  return JSON.stringify([set.eligibility, set.alpha, set.lots, set.ladder, set.coverage, set.margin]);
}

/** A short human name: "caps", "alpha 0.1", "lots lot_value×lots×4", "ladder gains→principal", joined by " + ". */
export function regionLabel(set: ConstraintSet): string {
  const parts: string[] = [];
  if (set.eligibility !== null) parts.push(`eligible: ${set.eligibility}`);
  if (set.alpha !== null) parts.push(`alpha ${set.alpha}`);
  if (set.lots !== null) parts.push(`lots ${set.lots}`);
  if (set.ladder !== null) parts.push(`ladder ${set.ladder.join("→")}`);
  if (set.coverage === "exact") parts.push("coverage = B");
  if (set.margin !== null) parts.push(`margin ${set.margin}`);
  return parts.length > 0 ? parts.join(" + ") : "caps";
}

/** How many constraints a region adds to caps: the tighter of two regions a mechanism satisfies has more. */
export function regionWeight(set: ConstraintSet): number {
  return [set.eligibility, set.alpha, set.lots, set.ladder, set.margin].filter((v) => v !== null).length + (set.coverage === "exact" ? 1 : 0);
}

/** The two frontier kinds a run computes, by which constraint is the x axis. */
export type FrontierKind = "maxAccounts→maxFraction" | "coverage→touched";

/**
 * Whether an allocation made under `own` (that broke the constraints named in `broken`, as the
 * verifier names them) lies in `region`, so that `region`'s frontier is a lower bound for it.
 * Sound, not complete: it answers true only when each constraint of `region` is implied by one of
 * `own` that was kept. On maxAccounts→maxFraction coverage (sum h >= B) is part of the frontier's
 * problem, so an allocation that fell short is outside; on coverage→touched coverage is the x axis.
 * A mechanism with a different margin is a different wave (another B): never in the region.
 */
export function satisfies(own: ConstraintSet, broken: readonly string[], region: ConstraintSet, kind: FrontierKind): boolean {
  const kept = (name: string): boolean => !broken.includes(name);
  if (!kept("capacity") || !kept("nonnegative") || !kept("finite") || !kept("shape")) return false;
  if (own.margin !== region.margin) return false;
  if (region.eligibility !== null && !(own.eligibility === region.eligibility && kept("eligibility"))) return false;
  if (region.alpha !== null && !(own.alpha !== null && own.alpha <= region.alpha && kept("alpha"))) return false;
  if (region.lots !== null && !(own.lots === region.lots && kept("lot-integrality") && kept("lot-bounds") && kept("lot-sum"))) return false;
  if (region.ladder !== null && !(own.ladder !== null && own.ladder.join("\u0000") === region.ladder.join("\u0000") && kept("seniority") && kept("layer-bounds") && kept("layer-sum"))) {
    return false;
  }
  if (kind === "maxAccounts→maxFraction") {
    if (!kept("coverage")) return false;
    if (region.coverage === "exact" && own.coverage !== "exact") return false;
  } else if (region.coverage === "exact") {
    // coverage→touched solves with sum h >= x B: an exact-coverage region is never computed for it.
    return false;
  }
  return true;
}
