/**
 * A change of money units for the solver. HiGHS accepts a MIP solution that breaks a row by up to its
 * absolute feasibility tolerance (1e-7, src/solvers/highs.ts), while the verifier allows
 * 1e-9 * max(1, B, max c) (src/verify/tolerance.ts): on a wave whose amounts are a few dollars, a
 * "proven optimal" allocation can fall 1e-7 short of B and be rejected (seen: capacities 1 and 6,
 * B = 0.14). Max haircut fractions and account counts do not depend on the unit, so the frontier
 * solves the wave in units where its largest amount is about 2^20 and maps the haircuts back. The
 * factor is a power of two, so scaling and unscaling are exact in floating point; the unscaled
 * allocation is verified against the original wave.
 */
import type { Allocation, BoundObjective, Wave } from "../domain.js";

/** The power of two that brings max(B, max c) to about 2^20 (1 if the wave has no amount). O(n). */
export function unitFactor(wave: Wave): number {
  let largest = wave.budget;
  for (let i = 0; i < wave.capacity.length; i++) if (wave.capacity[i]! > largest) largest = wave.capacity[i]!;
  if (!(largest > 0) || !Number.isFinite(largest)) return 1;
  return 2 ** (20 - Math.round(Math.log2(largest)));
}

const times = (values: Float64Array, factor: number): Float64Array => values.map((v) => v * factor);

/**
 * The same wave with every amount (budget, capacities, bounds, layers, lot values, a capacity-based
 * minmax scale or convex weight) multiplied by `factor`; lot counts, eligibility and the model unchanged.
 * O(n * layers + positions).
 */
export function scaleUnits(wave: Wave, factor: number): Wave {
  if (factor === 1) return wave;
  const capacity = times(wave.capacity, factor);
  const objectives: BoundObjective[] = wave.objectives.map((objective) => {
    if (objective.kind === "minmax" && objective.scale === wave.capacity) return { kind: "minmax", scale: capacity };
    if (objective.kind === "convex" && objective.weight === wave.capacity) return { ...objective, weight: capacity };
    return objective;
  });
  return {
    ...wave,
    budget: wave.budget * factor,
    capacity,
    upper: times(wave.upper, factor),
    objectives,
    ...(wave.layers ? { layers: { names: wave.layers.names, capacity: wave.layers.capacity.map((layer) => times(layer, factor)) } } : {}),
    ...(wave.positions ? { positions: { ...wave.positions, lotValue: times(wave.positions.lotValue, factor) } } : {}),
    columns: new Map([["capacity", capacity]]),
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
