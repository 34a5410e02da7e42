/**
 * A change of money units for the solver. HiGHS accepts a MIP solution that breaks a row by up to its
 * absolute feasibility tolerance (1e-7, src/pipeline/backends/highs.ts), while the verifier allows
 * 1e-9 + 1e-12 |rhs| per row (src/floor/numeric/tolerance.ts): on a wave whose amounts are a few dollars, a
 * "proven optimal" allocation can fall 1e-7 short of B and be rejected (seen: capacities 1 and 6,
 * B = 0.14); what is left after scaling, the repair step (repair.ts) removes. Max haircut fractions and account counts do not depend on the unit, so solveWave lowers
 * the wave in units where its largest amount is about 2^20 and maps the haircuts back. The factor is
 * a power of two, so scaling and unscaling are exact in floating point (short of under/overflow);
 * the unscaled allocation is verified against the original wave.
 */
import type { Allocation, BoundObjective, Wave } from "../../domain.js";
import { moduleOf } from "../objectives/index.js";
import { seniorStageLayers } from "../verify/objectives.js";

/** The solver sees the wave's largest amount near 2^TARGET_EXPONENT dollars-in-solver-units. */
const TARGET_EXPONENT = 20;
/**
 * javascript-lp-solver decides pivots and integrality at an absolute 1e-9 in a dense tableau: with
 * amounts near 2^20 (big-M rows of 1e6 beside 0/1 indicators) it called feasible min-max waves with
 * maxAccounts infeasible (capacities 5, 9, 7, 1, B = 4.971, one account) or "optimal" 27% above the
 * optimum. It also rounds the values it reports to 1e-9, so amounts near 1 cost precision (a level
 * 1.6e-9 off). When it is the first backend its amounts are near 2^10: 300 random such waves agree
 * with the exact oracle there (test/oracle/differential.test.ts).
 */
export const JSLP_TARGET_EXPONENT = 10;
/** No minmax scale of an account that can be haircut exceeds 2^MAX_SCALE_EXPONENT in solver units. */
const MAX_SCALE_EXPONENT = 40;
/** No minmax scale of an account that can be haircut is below 2^MIN_SCALE_EXPONENT solver units, where the largest amount allows. */
const MIN_SCALE_EXPONENT = -20;
/** Exponents beyond this would overflow (or lose to subnormals) a scaled amount: no scaling then. */
const MAX_EXPONENT = 900;

/**
 * The power of two that brings max(B, max upper_i) to about 2^20 (1 if the wave has no finite
 * positive amount). Only what can be taken counts (wave.upper, 0 for an ineligible account): a 1e15
 * house account excluded by eligibility must not shrink a 20,000 budget below the solver's tolerance.
 * Lowered when a minmax scale would otherwise pass 2^40 (see below). O(n * objectives).
 */
export function unitFactor(wave: Wave, targetExponent = TARGET_EXPONENT): number {
  let largest = Number.isFinite(wave.budget) ? wave.budget : 0;
  for (let i = 0; i < wave.upper.length; i++) {
    const c = wave.upper[i]!;
    if (c > largest && Number.isFinite(c)) largest = c;
  }
  if (!(largest > 0)) return 1;
  let exponent = targetExponent - Math.round(Math.log2(largest));
  // A minmax scale is a row coefficient (h_i - s_i t <= 0): an account whose scale dwarfs what can
  // be taken from it (a 3.8e9 capacity limited to one lot of 0.5) would put s_i past HiGHS's largest
  // matrix value (1e15) after scaling, and passModel refuses the model. Such an account's ratio is
  // tiny whatever the unit, so the unit gives way: no scaled scale above 2^MAX_SCALE_EXPONENT.
  let scale = 0;
  let smallest = Infinity;
  for (const objective of wave.objectives) {
    if (objective.kind !== "minmax") continue;
    for (let i = 0; i < wave.upper.length; i++) {
      const s = objective.scale[i]!;
      if (!(wave.upper[i]! > 0) || !Number.isFinite(s) || !(s > 0)) continue;
      if (s > scale) scale = s;
      if (s < smallest) smallest = s;
    }
  }
  // The other side: HiGHS drops matrix values below 1e-9, and a scale of 1 beside a 1e15 account
  // became 2^-30 (its level row h_i <= s_i t read as h_i <= 0: a coverable wave "infeasible"). The unit
  // grows so that no scale is below 2^MIN_SCALE_EXPONENT, as long as the largest amount stays below 2^40.
  if (smallest < Infinity) exponent = Math.max(exponent, Math.min(MIN_SCALE_EXPONENT - Math.floor(Math.log2(smallest)), 40 - Math.round(Math.log2(largest))));
  if (scale > 0) exponent = Math.min(exponent, MAX_SCALE_EXPONENT - Math.ceil(Math.log2(scale)));
  if (Math.abs(exponent) > MAX_EXPONENT) return 1;
  return 2 ** exponent;
}

const times = (values: Float64Array, factor: number): Float64Array => values.map((v) => v * factor);

/**
 * The same wave with every amount (budget, capacities, bounds, layers, lot values, the capacity
 * column) multiplied by `factor`, and every minmax scale and convex weight too: whatever their unit,
 * h_i / s_i then keeps its value (a scale in dollars would otherwise put the stage's optimum 2^k
 * away from 1, under a solver's tolerances on a large wave). Lot counts, eligibility, the model and
 * the other raw columns unchanged. O(n * (layers + objectives) + positions).
 */
export function scaleUnits(wave: Wave, factor: number): Wave {
  if (factor === 1) return wave;
  const capacity = times(wave.capacity, factor);
  // The same array where the wave shares one (a "capacity" scale is the capacity column itself).
  const scaled = (values: Float64Array): Float64Array => (values === wave.capacity ? capacity : times(values, factor));
  const objectives: BoundObjective[] = wave.objectives.map((objective) => moduleOf(objective).toSolverUnits(objective, scaled));
  const columns = new Map(wave.columns ?? []);
  columns.set("capacity", capacity);
  return {
    ...wave,
    budget: wave.budget * factor,
    capacity,
    upper: times(wave.upper, factor),
    objectives,
    ...(wave.layers ? { layers: { names: wave.layers.names, capacity: wave.layers.capacity.map((layer) => times(layer, factor)) } } : {}),
    ...(wave.positions ? { positions: { ...wave.positions, lotValue: times(wave.positions.lotValue, factor) } } : {}),
    columns,
  };
}

/** An allocation of the scaled wave in the original units. */
export function unscaleAllocation(allocation: Allocation, factor: number): Allocation {
  if (factor === 1) return allocation;
  return {
    haircut: times(allocation.haircut, 1 / factor),
    ...(allocation.lots ? { lots: allocation.lots } : {}),
    ...(allocation.layers ? { layers: allocation.layers.map((layer) => times(layer, 1 / factor)) } : {}),
  };
}

/**
 * Per stage (stageNames order: seniority stages, then objectives), the factor by which its value on
 * `scaleUnits(wave, factor)` exceeds its value on `wave`: `factor` for amounts of money (a layer's
 * total, overshoot) and for convex objectives (their weights are scaled), 1 for account counts and
 * minmax ratios. Divide a stage value of the scaled wave by it to get original units. O(stages).
 */
export function stageUnitFactors(wave: Wave, factor: number): number[] {
  const factors: number[] = seniorStageLayers(wave).map(() => factor);
  for (const objective of wave.objectives) factors.push(moduleOf(objective).valueScalesWithMoney ? factor : 1);
  return factors;
}
