/**
 * Test waves built directly as `Wave` values (no model file, no binding), with the defaults a
 * bound model would have: coverage atLeast, stageTolerance 1e-9, every account eligible, and
 * upper_i = 0 if ineligible else min(c_i, alpha c_i, sum_p v_p Q_p).
 */
import type { BoundObjective, Model, ObjectiveSpec, Phi, Wave } from "../../src/domain.js";

export type ObjectiveShorthand =
  | { readonly kind: "sparsity" }
  | { readonly kind: "overshoot" }
  /** scale defaults to capacity. */
  | { readonly kind: "minmax"; readonly scale?: readonly number[] }
  /** weight defaults to capacity. */
  | { readonly kind: "convex"; readonly phi: Phi; readonly weight?: readonly number[] };

export interface WaveSpec {
  readonly capacity: readonly number[];
  readonly budget: number;
  /** Default [sparsity]. */
  readonly objectives?: readonly ObjectiveShorthand[];
  readonly ids?: readonly string[];
  readonly eligible?: readonly number[];
  readonly alpha?: number;
  readonly coverage?: "atLeast" | "exact";
  readonly maxAccounts?: number;
  /** Junior first, one capacity array per layer. */
  readonly layers?: { readonly names: readonly string[]; readonly capacity: readonly (readonly number[])[] };
  /** Several positions per account. */
  readonly positions?: { readonly account: readonly number[]; readonly lotValue: readonly number[]; readonly maxLots: readonly number[] };
  /** One position per account (shorthand for positions). */
  readonly lots?: { readonly lotValue: readonly number[]; readonly maxLots: readonly number[] };
}

export function makeWave(spec: WaveSpec): Wave {
  const n = spec.capacity.length;
  const capacity = Float64Array.from(spec.capacity);
  const eligible = Uint8Array.from(spec.eligible ?? new Array<number>(n).fill(1));
  const shorthand = spec.objectives ?? [{ kind: "sparsity" }];
  const objectives: BoundObjective[] = shorthand.map((objective) => {
    switch (objective.kind) {
      case "minmax":
        return { kind: "minmax", scale: Float64Array.from(objective.scale ?? spec.capacity) };
      case "convex":
        return { kind: "convex", phi: objective.phi, weight: Float64Array.from(objective.weight ?? spec.capacity) };
      default:
        return objective;
    }
  });
  const modelObjectives: ObjectiveSpec[] = shorthand.map((objective) => {
    switch (objective.kind) {
      case "minmax":
        return { kind: "minmax", scale: objective.scale ? { source: "scale", where: "test" } : "capacity" };
      case "convex":
        return { kind: "convex", phi: objective.phi, weight: objective.weight ? { source: "weight", where: "test" } : "capacity" };
      default:
        return objective;
    }
  });
  const positionSpec =
    spec.positions ??
    (spec.lots ? { account: spec.capacity.map((_, i) => i), lotValue: spec.lots.lotValue, maxLots: spec.lots.maxLots } : undefined);
  const positions = positionSpec && {
    account: Int32Array.from(positionSpec.account),
    lotValue: Float64Array.from(positionSpec.lotValue),
    maxLots: Int32Array.from(positionSpec.maxLots),
  };
  const model: Model = {
    name: "test",
    file: "test.yaml",
    budget: { margin: 0, budget: spec.budget },
    objective: modelObjectives,
    coverage: spec.coverage ?? "atLeast",
    stageTolerance: 1e-9,
    ...(spec.alpha !== undefined ? { alpha: spec.alpha } : {}),
    ...(spec.maxAccounts !== undefined ? { maxAccounts: spec.maxAccounts } : {}),
    ...(positions ? { lots: { source: "positions" as const } } : {}),
    ...(spec.layers ? { seniority: spec.layers.names } : {}),
  };
  const upper = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (eligible[i] === 0) continue;
    let bound = Math.min(capacity[i]!, (spec.alpha ?? 1) * capacity[i]!);
    if (positions) {
      let lots = 0;
      for (let p = 0; p < positions.account.length; p++) if (positions.account[p] === i) lots += positions.lotValue[p]! * positions.maxLots[p]!;
      bound = Math.min(bound, lots);
    }
    upper[i] = bound;
  }
  return {
    model,
    ids: spec.ids ?? spec.capacity.map((_, i) => `a${i}`),
    budget: spec.budget,
    capacity,
    eligible,
    upper,
    ...(spec.layers ? { layers: { names: spec.layers.names, capacity: spec.layers.capacity.map((layer) => Float64Array.from(layer)) } } : {}),
    ...(positions ? { positions } : {}),
    objectives,
  };
}

export const power = (p: number): Phi => ({ kind: "power", p });
export const piecewise = (points: readonly (readonly [number, number])[]): Phi => ({ kind: "piecewise", points });
