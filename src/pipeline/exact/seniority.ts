/**
 * The seniority ladder without lots, in closed form.
 *
 * Let C_i(l) = sum_{k<l} c_ik (what account i holds below layer l) and cap_i its per-account cap.
 * Whatever the allocation, the total taken from layers >= l is at least
 *   M_l = max(0, B - sum_i min(cap_i, C_i(l))).
 * Let l* be the lowest layer with sum_i min(cap_i, C_i(l*+1)) >= B (the marginal layer). Every
 * allocation with
 *   lower_i = min(cap_i, C_i(l*)) <= h_i <= upper_i = min(cap_i, C_i(l*+1)),  sum_i h_i = B,
 * split junior-first inside each account, reaches M_l for every senior layer at once, and (for
 * l* >= 1) these are exactly the allocations that do: total below l* must be used in full, nothing
 * above l*+1 may be touched. So the lexicographic seniority stages reduce to a box, and the model's
 * own objective is then solved on that box by the inner algorithm. (For l* = 0 the budget is a
 * lower bound, sum h >= B, and the inner objectives here all prefer sum h = B.)
 */
import type { Wave } from "../../domain.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";

export interface LadderBox {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** l*, the layer (junior = 0) where the budget is reached. */
  readonly marginal: number;
}

/** The box of lexicographically optimal haircuts (see the module comment). O(n * layers). */
export function ladderBox(wave: Wave, cap: Float64Array): LadderBox {
  const layers = wave.layers!.capacity;
  const L = layers.length;
  const n = cap.length;
  const below = new Float64Array(n);
  const lower = new Float64Array(n);
  let marginal = L - 1;
  for (let l = 0; l < L; l++) {
    // Invariant: below[i] = C_i(l); test whether the layers up to and including l reach B.
    // The sign of usable - B, compensated: 2.8e-5 of gains beside a 1e12 account still counts.
    const usable = new CompensatedSum();
    usable.add(-wave.budget);
    for (let i = 0; i < n; i++) usable.add(Math.min(cap[i]!, below[i]! + layers[l]![i]!));
    if (usable.value >= 0 || l === L - 1) {
      marginal = l;
      break;
    }
    for (let i = 0; i < n; i++) below[i]! += layers[l]![i]!;
  }
  const upper = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lower[i] = Math.max(0, Math.min(cap[i]!, below[i]!));
    upper[i] = marginal === L - 1 ? cap[i]! : Math.max(lower[i]!, Math.min(cap[i]!, below[i]! + layers[marginal]![i]!));
  }
  return { lower, upper, marginal };
}

/**
 * The junior-first split of each haircut over the wave's layers: h_il = min(c_il, what is left of
 * h_i after the more junior layers), the most senior layer taking any rest. For a fixed h_i the
 * lexicographically best split. The dedicated algorithms' own copy: the verifier derives its split
 * on its own (src/pipeline/verify/objectives.ts), so a mistake here cannot hide there. O(n * layers).
 */
export function splitJuniorFirst(wave: Wave, haircut: Float64Array): Float64Array[] {
  const capacities = wave.layers?.capacity ?? [];
  const count = capacities.length;
  const n = haircut.length;
  const layers = capacities.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let rest = haircut[i]!;
    for (let l = 0; l < count && rest > 0; l++) {
      const take = l === count - 1 ? rest : Math.min(capacities[l]![i]!, rest);
      if (take > 0) layers[l]![i] = take;
      rest -= take;
    }
  }
  return layers;
}
