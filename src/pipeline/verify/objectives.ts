/**
 * The objective vector of an allocation, recomputed from the wave's raw data: one number per
 * lexicographic stage, seniority stages first. Every reported objective in the workbench (solver
 * path, dedicated path, heuristics) is this function's output, never a solver's own claim.
 */
import type { Allocation, BoundObjective, Phi, Wave } from "../../domain.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";

/**
 * Stage names in objective-vector order: "layer:<name>" for the seniority layers from the most
 * senior down to the second-most-junior, then the objective kinds, e.g.
 * ["layer:principal", "sparsity", "overshoot"]. O(layers + objectives).
 */
export function stageNames(wave: Wave): string[] {
  const names: string[] = [];
  for (const l of seniorStageLayers(wave)) names.push(`layer:${wave.layers!.names[l]!}`);
  for (const objective of wave.objectives) names.push(objective.kind);
  return names;
}

/**
 * Layer indices (junior = 0) that are lexicographic stages, most senior first. The most junior layer
 * is not a stage: it is what the ladder exists to take, so minimizing it would fight the budget.
 */
export function seniorStageLayers(wave: Wave): number[] {
  const count = wave.layers?.names.length ?? 0;
  const layers: number[] = [];
  for (let l = count - 1; l >= 1; l--) layers.push(l);
  return layers;
}

/**
 * The objective vector (see stageNames for the order):
 * - seniority stage: dollars taken from that layer, sum_i h_il;
 * - sparsity: #{i : h_i > 0} (accounts);
 * - convex: sum_i u_i * phi(h_i / c_i), accounts with c_i = 0 contribute 0;
 * - minmax: max h_i / s_i over accounts with h_i > 0 (0 if none; +Infinity if such an s_i <= 0);
 * - overshoot: sum_i h_i - B (dollars).
 * When the wave has layers but the allocation does not, the layers are read as the junior-first
 * split of each haircut (the best split there is; the verifier reports the missing layers).
 * Expects haircut.length === wave.ids.length (the verifier checks it first). O(n * layers + n * objectives).
 */
export function objectiveValues(wave: Wave, allocation: Allocation): number[] {
  const values: number[] = [];
  const senior = seniorStageLayers(wave);
  if (senior.length > 0) {
    const layers = allocation.layers && allocation.layers.length === wave.layers!.names.length ? allocation.layers : juniorFirstSplit(wave, allocation.haircut);
    for (const l of senior) {
      const total = new CompensatedSum();
      const layer = layers[l]!;
      for (let i = 0; i < layer.length; i++) total.add(layer[i]!);
      values.push(total.value);
    }
  }
  for (const objective of wave.objectives) values.push(objectiveValue(wave, objective, allocation.haircut));
  return values;
}

/** One objective's value on the haircuts (units as in objectiveValues). O(n). */
export function objectiveValue(wave: Wave, objective: BoundObjective, haircut: Float64Array): number {
  const n = haircut.length;
  switch (objective.kind) {
    case "sparsity": {
      let touched = 0;
      for (let i = 0; i < n; i++) if (haircut[i]! > 0) touched++;
      return touched;
    }
    case "convex": {
      const total = new CompensatedSum();
      const phi = phiEvaluator(objective.phi);
      for (let i = 0; i < n; i++) {
        const c = wave.capacity[i]!;
        if (c > 0) total.add(objective.weight[i]! * phi(haircut[i]! / c));
      }
      return total.value;
    }
    case "minmax": {
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const h = haircut[i]!;
        if (h > 0) {
          const s = objective.scale[i]!;
          const ratio = s > 0 ? h / s : Infinity;
          if (ratio > worst) worst = ratio;
        }
      }
      return worst;
    }
    case "overshoot": {
      const total = new CompensatedSum();
      for (let i = 0; i < n; i++) total.add(haircut[i]!);
      total.add(-wave.budget);
      return total.value;
    }
  }
}

/**
 * phi as a function of the haircut fraction x >= 0. Power: x^p (0 for x <= 0). Piecewise: linear
 * interpolation through the points (sorted by x), extended beyond the first and last point along
 * the end segments (a single point is a constant). O(points) to build, O(log points) per call.
 */
export function phiEvaluator(phi: Phi): (x: number) => number {
  if (phi.kind === "power") {
    const p = phi.p;
    return (x) => (x > 0 ? x ** p : 0);
  }
  const points = [...phi.points].sort((a, b) => a[0] - b[0]);
  if (points.length === 0) return () => 0;
  if (points.length === 1) {
    const y = points[0]![1];
    return () => y;
  }
  const xs = points.map((point) => point[0]);
  const ys = points.map((point) => point[1]);
  const last = points.length - 1;
  return (x) => {
    // Segment k spans [xs[k], xs[k+1]]; the end segments also carry the extrapolation.
    let lo = 0;
    let hi = last - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (xs[mid]! <= x) lo = mid;
      else hi = mid - 1;
    }
    const x0 = xs[lo]!;
    const x1 = xs[lo + 1]!;
    const y0 = ys[lo]!;
    const y1 = ys[lo + 1]!;
    return x1 === x0 ? Math.max(y0, y1) : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  };
}

/**
 * The junior-first split of each haircut over the wave's layers: h_il = min(c_il, what is left of
 * h_i after the more junior layers); the most senior layer takes any rest. For a fixed h_i this is
 * the lexicographically best split (moving an amount from a senior layer to a junior layer with
 * room leaves h_i unchanged). O(n * layers).
 */
export function juniorFirstSplit(wave: Wave, haircut: Float64Array): Float64Array[] {
  const capacities = wave.layers?.capacity ?? [];
  const count = capacities.length;
  const n = haircut.length;
  const layers = capacities.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let rest = haircut[i]!;
    for (let l = 0; l < count; l++) {
      const take = l === count - 1 ? Math.max(0, rest) : Math.max(0, Math.min(capacities[l]![i]!, rest));
      layers[l]![i] = take;
      rest -= take;
    }
  }
  return layers;
}
