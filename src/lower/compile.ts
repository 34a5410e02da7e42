import type { Allocation, BoundObjective, Wave } from "../domain.js";
import { powerKkt } from "../exact/convex.js";
import { ProblemBuilder } from "./builder.js";
import { sparsityStructure, type SparsityStructure } from "./structure.js";
import type { LinearProblem } from "./standard-form.js";

/** How many tangents approximate a smooth phi (x^p) when it must be lowered to an LP/MIP. */
export const DEFAULT_TANGENTS = 32;

/** One lexicographic stage: a linear objective over the base problem's columns. */
export interface LexStage {
  /** "layer:principal", "sparsity", "convex", "minmax" or "overshoot". */
  readonly name: string;
  readonly cost: Float64Array;
  readonly constant: number;
  /**
   * The stage's cost is the objective times this factor (default 1). Minmax stages are scaled by
   * the sum of the scales so that their duals are O(1): unscaled, the duals are ~1/sum(s) (1e-9 on
   * real waves), below the solvers' dual feasibility tolerance, and HiGHS and GLPK both stopped at
   * suboptimal vertices claiming optimality (10^3-10^4 accounts; CBC found the true optimum).
   */
  readonly normalizer?: number;
  /** Present when a smooth phi was replaced by a tangent (outer) approximation: the stage optimum is then a lower bound. */
  readonly approximation?: { readonly kind: "tangent-outer"; readonly tangents: number };
  /** The seniority stages and sparsity are integral or exact sums; used to pick the fixing tolerance. */
  readonly integral: boolean;
  /**
   * A lower bound on the stage's value (cost·x + constant) at every feasible point, proved before
   * any solve: for sparsity with the structure rows, the greedy's count (the base problem's own
   * `sparsity_floor` row, over the stage's very terms). A feasible start that meets it is optimal.
   */
  readonly floor?: number;
}

export interface LoweredWave {
  /** The constraints, with a zero objective. */
  readonly base: LinearProblem;
  readonly stages: readonly LexStage[];
  /** Maps a solver's column values back to an allocation (rounds lots, clamps to bounds). */
  recover(values: Float64Array): Allocation;
  /**
   * The inverse: column values for an allocation (haircuts, lots, layers; indicators, levels and
   * convex pieces derived), used as a MIP start. Not checked here: the solver checks a start.
   */
  lift(allocation: Allocation): Float64Array;
  /** Number of accounts that got columns (eligible with a positive upper bound, not pruned). */
  readonly activeAccounts: number;
  /** What structure.ts derived for a sparsity-first wave (cut, pruning, symmetry), when it applied. */
  readonly structure?: {
    readonly minimumAccounts: number;
    readonly pruned: number;
    readonly symmetryRows: number;
    /** The greedy's cover, a MIP start (structure.ts, SparsityStructure.cover). */
    readonly cover?: Allocation;
  };
}

export interface LowerOptions {
  /** Tangents for a smooth phi. */
  readonly tangents?: number;
  /**
   * Structure first for a sparsity-first wave (structure.ts): the greedy's count as a cut, accounts
   * that cannot be in an optimum pruned, symmetry among equal accounts broken. Default true; false
   * lowers the plain MIP (the tests compare the two).
   */
  readonly structure?: boolean;
}

/**
 * Lowers a bound wave to the solver-neutral standard form with lexicographic stages:
 * seniority stages first (most senior layer first), then the model's objectives in order.
 *
 * A minmax stage proves the least maximum; it does not pick the leximin point among the optima.
 * That unique point is what the dedicated water-filling returns (path auto). A QP tie-break
 * (min sum h_i^2 / s_i, Fujishige's lexicographically optimal base) was tried and dropped: HiGHS
 * 1.15's WASM QP solver hangs or fails on small instances of exactly this form.
 *
 * Big-M values are each account's tightest upper bound (wave.upper), never a global constant.
 * Accounts whose upper bound is 0 (ineligible, zero capacity) get no columns at all.
 * Complexity O(n + positions + n * pieces); arrays only.
 */
export function lowerWave(wave: Wave, options: LowerOptions = {}): LoweredWave {
  const n = wave.ids.length;
  const model = wave.model;
  const builder = new ProblemBuilder();
  const structure: SparsityStructure | undefined = options.structure === false ? undefined : sparsityStructure(wave);
  const active: number[] = [];
  for (let i = 0; i < n; i++) if (wave.upper[i]! > 0 && (!structure || structure.candidate[i] === 1)) active.push(i);

  const haircutColumn = new Int32Array(n).fill(-1);
  for (const i of active) haircutColumn[i] = builder.addColumn(`h_${i}`, 0, wave.upper[i]!);

  // Lots: h_i = sum_p v_p q_p, q_p integer in [0, Q_p].
  const lotColumn = wave.positions ? new Int32Array(wave.positions.account.length).fill(-1) : undefined;
  if (wave.positions && lotColumn) {
    const { account, lotValue, maxLots } = wave.positions;
    const positionsOf = groupPositions(account, n);
    for (const i of active) {
      const index: number[] = [haircutColumn[i]!];
      const value: number[] = [1];
      for (const p of positionsOf[i] ?? []) {
        if (maxLots[p]! <= 0) continue;
        lotColumn[p] = builder.addColumn(`q_${p}`, 0, maxLots[p]!, true);
        index.push(lotColumn[p]!);
        value.push(-lotValue[p]!);
      }
      builder.addRow(`lots_${i}`, index, value, 0, 0);
    }
  }

  // Seniority ladder: h_i = sum_l h_il, 0 <= h_il <= c_il.
  const layerColumns: Int32Array[] = [];
  if (wave.layers) {
    const { names, capacity } = wave.layers;
    for (let l = 0; l < names.length; l++) layerColumns.push(new Int32Array(n).fill(-1));
    for (const i of active) {
      const index: number[] = [haircutColumn[i]!];
      const value: number[] = [1];
      for (let l = 0; l < names.length; l++) {
        const column = builder.addColumn(`y_${i}_${l}`, 0, capacity[l]![i]!);
        layerColumns[l]![i] = column;
        index.push(column);
        value.push(-1);
      }
      builder.addRow(`layers_${i}`, index, value, 0, 0);
    }
  }

  // Coverage.
  {
    const index = active.map((i) => haircutColumn[i]!);
    const budget = wave.budget;
    builder.addRow("coverage", index, new Float64Array(index.length).fill(1), budget, model.coverage === "exact" ? budget : Infinity);
  }

  // Indicators z_i (h_i > 0 only if z_i = 1) when sparsity is an objective or K is bounded.
  const needsIndicators = model.maxAccounts !== undefined || wave.objectives.some((o) => o.kind === "sparsity");
  const indicatorColumn = new Int32Array(n).fill(-1);
  if (needsIndicators) {
    for (const i of active) {
      indicatorColumn[i] = builder.addColumn(`z_${i}`, 0, 1, true);
      // Tightest big-M per account: a global M makes the LP relaxation weak and the MIP slow.
      const bigM = structure ? Math.min(wave.upper[i]!, structure.room[i]!) : wave.upper[i]!;
      builder.addRow(`touch_${i}`, [haircutColumn[i]!, indicatorColumn[i]!], [1, -bigM], -Infinity, 0);
    }
    if (structure) {
      // See structure.ts for why each row is valid.
      const index = active.map((i) => indicatorColumn[i]!);
      builder.addRow("sparsity_floor", index, new Float64Array(index.length).fill(1), structure.minimumAccounts, Infinity);
      for (const [a, b] of structure.symmetric) {
        builder.addRow(`symmetry_z_${a}_${b}`, [indicatorColumn[a]!, indicatorColumn[b]!], [1, -1], 0, Infinity);
        builder.addRow(`symmetry_h_${a}_${b}`, [haircutColumn[a]!, haircutColumn[b]!], [1, -1], 0, Infinity);
      }
    }
    if (model.maxAccounts !== undefined) {
      const index = active.map((i) => indicatorColumn[i]!);
      builder.addRow("maxAccounts", index, new Float64Array(index.length).fill(1), -Infinity, model.maxAccounts);
    }
  }

  // Objective-specific columns and rows; stage costs are filled after all columns exist.
  type PendingStage = Omit<LexStage, "cost"> & { terms: Array<[number, number]> };
  const pending: PendingStage[] = [];

  if (wave.layers) {
    const { names } = wave.layers;
    for (let l = names.length - 1; l >= 1; l--) {
      pending.push({
        name: `layer:${names[l]}`,
        constant: 0,
        integral: false,
        terms: active.map((i) => [layerColumns[l]![i]!, 1] as [number, number]),
      });
    }
  }

  wave.objectives.forEach((objective, s) => {
    pending.push(lowerObjective(objective, s));
  });

  function lowerObjective(objective: BoundObjective, s: number): PendingStage {
    switch (objective.kind) {
      case "sparsity":
        return {
          name: "sparsity",
          constant: 0,
          integral: true,
          // The sparsity_floor row is added with the indicators whenever the structure applies.
          ...(structure ? { floor: structure.minimumAccounts } : {}),
          terms: active.map((i) => [indicatorColumn[i]!, 1] as [number, number]),
        };
      case "overshoot":
        return { name: "overshoot", constant: -wave.budget, integral: false, terms: active.map((i) => [haircutColumn[i]!, 1] as [number, number]) };
      case "minmax": {
        let top = 0;
        for (const i of active) top = Math.max(top, wave.upper[i]! / objective.scale[i]!);
        const level = builder.addColumn(`t_${s}`, 0, top);
        for (const i of active) {
          builder.addRow(`level_${s}_${i}`, [haircutColumn[i]!, level], [1, -objective.scale[i]!], -Infinity, 0);
        }
        let normalizer = 0;
        for (const i of active) normalizer += objective.scale[i]!;
        normalizer = normalizer > 0 ? normalizer : 1;
        return { name: "minmax", constant: 0, integral: false, normalizer, terms: [[level, normalizer]] };
      }
      case "convex": {
        const tangents = options.tangents ?? DEFAULT_TANGENTS;
        const shared = objective.phi.kind === "piecewise" ? extendToOne(objective.phi.points) : undefined;
        const centre = objective.phi.kind === "power" ? relaxedFractions(wave, objective.weight, objective.phi.p) : undefined;
        const terms: Array<[number, number]> = [];
        let constant = 0;
        for (const i of active) {
          const c = wave.capacity[i]!;
          const weight = objective.weight[i]!;
          const points = shared ?? tangentEnvelopeAt((objective.phi as { p: number }).p, tangentPoints(Math.min(1, wave.upper[i]! / c), centre?.[i] ?? 0, tangents));
          constant += weight * points[0]![1];
          const index: number[] = [haircutColumn[i]!];
          const value: number[] = [1];
          for (let k = 1; k < points.length; k++) {
            const [x0, y0] = points[k - 1]!;
            const [x1, y1] = points[k]!;
            const column = builder.addColumn(`d_${s}_${i}_${k}`, 0, c * (x1 - x0));
            index.push(column);
            value.push(-1);
            // Cost per dollar of haircut on this piece: weight * slope / capacity.
            terms.push([column, (weight * (y1 - y0)) / (x1 - x0) / c]);
          }
          builder.addRow(`pieces_${s}_${i}`, index, value, 0, 0);
        }
        return {
          name: "convex",
          constant,
            integral: false,
          terms,
          ...(objective.phi.kind === "power" ? { approximation: { kind: "tangent-outer" as const, tangents } } : {}),
        };
      }
    }
  }

  const columns = builder.columns;
  const base = builder.build(new Float64Array(columns), 0);
  const stages: LexStage[] = pending.map(({ terms, ...rest }) => {
    const cost = new Float64Array(columns);
    for (const [column, value] of terms) cost[column] = cost[column]! + value;
    return { ...rest, cost };
  });

  function recover(values: Float64Array): Allocation {
    const haircut = new Float64Array(n);
    let lots: Int32Array | undefined;
    if (wave.positions && lotColumn) {
      lots = new Int32Array(wave.positions.account.length);
      const { account, lotValue, maxLots } = wave.positions;
      for (let p = 0; p < lots.length; p++) {
        const column = lotColumn[p]!;
        if (column < 0) continue;
        lots[p] = Math.min(maxLots[p]!, Math.max(0, Math.round(values[column]!)));
        haircut[account[p]!] = haircut[account[p]!]! + lotValue[p]! * lots[p]!;
      }
    } else {
      for (const i of active) haircut[i] = Math.min(wave.upper[i]!, Math.max(0, values[haircutColumn[i]!]!));
    }
    let layers: Float64Array[] | undefined;
    if (wave.layers) {
      const capacity = wave.layers.capacity;
      layers = capacity.map(() => new Float64Array(n));
      for (const i of active) {
        for (let l = 0; l < capacity.length; l++) {
          layers[l]![i] = Math.min(capacity[l]![i]!, Math.max(0, values[layerColumns[l]![i]!]!));
        }
        reconcileLayers(layers, capacity, i, haircut[i]!);
      }
    }
    return { haircut, ...(lots ? { lots } : {}), ...(layers ? { layers } : {}) };
  }

  function lift(allocation: Allocation): Float64Array {
    const values = new Float64Array(columns);
    const tolerance = 1e-9 * Math.max(1, wave.budget);
    for (const i of active) {
      const h = allocation.haircut[i]!;
      values[haircutColumn[i]!] = h;
      if (indicatorColumn[i]! >= 0) values[indicatorColumn[i]!] = h > tolerance ? 1 : 0;
      if (wave.layers) {
        const split = allocation.layers;
        let left = h;
        for (let l = 0; l < wave.layers.names.length; l++) {
          // The allocation's own split, or junior first when it has none.
          const amount = split ? split[l]![i]! : Math.min(left, wave.layers.capacity[l]![i]!);
          values[layerColumns[l]![i]!] = amount;
          left -= amount;
        }
      }
    }
    if (lotColumn && allocation.lots) {
      for (let p = 0; p < lotColumn.length; p++) if (lotColumn[p]! >= 0) values[lotColumn[p]!] = allocation.lots[p]!;
    }
    for (let j = 0; j < columns; j++) {
      const name = base.columnNames[j]!;
      if (name.startsWith("t_")) {
        // Level of a minmax stage: the largest h_i / s_i among the rows that bound it.
        let level = 0;
        for (let r = 0; r < base.rowLower.length; r++) {
          const start = base.rowStart[r]!;
          if (base.rowStart[r + 1]! - start === 2 && base.rowIndex[start + 1] === j) {
            level = Math.max(level, values[base.rowIndex[start]!]! / -base.rowValue[start + 1]!);
          }
        }
        values[j] = Math.min(level, base.columnUpper[j]!);
      }
    }
    for (let r = 0; r < base.rowLower.length; r++) {
      // Convex pieces: fill the cheapest (leftmost) pieces first, as the optimum would.
      if (!base.rowNames[r]!.startsWith("pieces_")) continue;
      const start = base.rowStart[r]!;
      let left = values[base.rowIndex[start]!]!;
      for (let k = start + 1; k < base.rowStart[r + 1]!; k++) {
        const column = base.rowIndex[k]!;
        const amount = Math.min(left, base.columnUpper[column]!);
        values[column] = amount;
        left -= amount;
      }
    }
    return values;
  }

  return {
    base,
    stages,
    recover,
    lift,
    activeAccounts: active.length,
    ...(structure
      ? { structure: { minimumAccounts: structure.minimumAccounts, pruned: structure.pruned, symmetryRows: 2 * structure.symmetric.length, ...(structure.cover ? { cover: structure.cover } : {}) } }
      : {}),
  };
}

/**
 * Makes the layer split of account i add up to its haircut exactly after rounding: a surplus is
 * removed from the most senior layer first, a deficit added to the most junior layer first.
 */
function reconcileLayers(layers: Float64Array[], capacity: readonly Float64Array[], i: number, haircut: number): void {
  let sum = 0;
  for (const layer of layers) sum += layer[i]!;
  let residual = haircut - sum;
  if (residual > 0) {
    for (let l = 0; l < layers.length && residual > 0; l++) {
      const room = capacity[l]![i]! - layers[l]![i]!;
      const add = Math.min(room, residual);
      layers[l]![i] = layers[l]![i]! + add;
      residual -= add;
    }
  } else if (residual < 0) {
    for (let l = layers.length - 1; l >= 0 && residual < 0; l--) {
      const take = Math.min(layers[l]![i]!, -residual);
      layers[l]![i] = layers[l]![i]! - take;
      residual += take;
    }
  }
}

function groupPositions(account: Int32Array, n: number): number[][] {
  const groups: number[][] = new Array(n);
  for (let p = 0; p < account.length; p++) {
    const i = account[p]!;
    (groups[i] ??= []).push(p);
  }
  return groups;
}

/** Piecewise points extended with the last slope to x = 1 (haircut fractions never exceed 1). */
function extendToOne(points: readonly (readonly [number, number])[]): Array<readonly [number, number]> {
  const result = points.map((point) => [point[0], point[1]] as const);
  const last = result[result.length - 1]!;
  if (last[0] < 1 && result.length >= 2) {
    const before = result[result.length - 2]!;
    const slope = (last[1] - before[1]) / (last[0] - before[0]);
    result.push([1, last[1] + slope * (1 - last[0])]);
  }
  return result;
}

/** Share of the tangents spread uniformly over an account's whole range (the rest cluster at its centre). */
const UNIFORM_SHARE = 0.25;
/** The clustered tangents cover [centre / CLUSTER_SPREAD, centre * CLUSTER_SPREAD]. */
const CLUSTER_SPREAD = 1.5;

/**
 * Where one account's `tangents + 1` tangents touch x^p, on its feasible fraction range [0, top]
 * (top = its bound / capacity). Uniform on [0, 1] wasted them: at fractions near 0.06 the envelope's
 * error was ~7% of the value with 32 tangents. With a centre (the account's fraction at the optimum
 * of the continuous relaxation, a cheap exact KKT solve) three quarters of them are spaced
 * geometrically over centre / 1.5 .. centre * 1.5, where the optimum lies unless lots or maxAccounts
 * move it far (the rest, uniform over [0, top], keep the error moderate there). For x^2, tangents at
 * a and r a leave a relative error ((r - 1) / (r + 1))^2: about 3e-4 here. Any choice keeps the
 * envelope below x^p, so the stage optimum stays a lower bound. Sorted, distinct, 0 and top included.
 */
export function tangentPoints(top: number, centre: number, tangents: number): number[] {
  if (!(top > 0)) return [0];
  const points = new Set<number>([0, top]);
  const clustered = centre > 0 && centre <= top ? Math.max(0, tangents - 1 - Math.round(tangents * UNIFORM_SHARE)) : 0;
  const uniform = tangents - 1 - clustered;
  for (let k = 1; k <= uniform; k++) points.add((k / (uniform + 1)) * top);
  if (clustered > 0) {
    const lo = centre / CLUSTER_SPREAD;
    const hi = Math.min(top, centre * CLUSTER_SPREAD);
    const ratio = hi / lo;
    for (let k = 0; k < clustered; k++) points.add(lo * ratio ** (clustered === 1 ? 0.5 : k / (clustered - 1)));
  }
  return [...points].filter((x) => x >= 0 && x <= top).sort((a, b) => a - b);
}

/**
 * Each account's fraction h_i / c_i at the optimum of the continuous relaxation (no lots, no
 * maxAccounts) of min sum w_i (h_i / c_i)^p, sum h >= B, 0 <= h <= bound: the exact KKT point
 * (src/exact/convex.ts). Undefined when it cannot be computed (the tangents are then uniform).
 */
function relaxedFractions(wave: Wave, weight: Float64Array, p: number): Float64Array | undefined {
  if (!(p > 1) || !Number.isFinite(p)) return undefined;
  const n = wave.ids.length;
  let reach = 0;
  for (let i = 0; i < n; i++) reach += wave.upper[i]!;
  const total = Math.min(wave.budget, reach);
  if (!(total > 0)) return undefined;
  const haircut = powerKkt(new Float64Array(n), wave.upper, wave.capacity, weight, p, total);
  if (!haircut) return undefined;
  const fraction = new Float64Array(n);
  for (let i = 0; i < n; i++) fraction[i] = wave.capacity[i]! > 0 ? haircut[i]! / wave.capacity[i]! : 0;
  return fraction;
}

/**
 * Breakpoints of the upper envelope of the tangents of x^p at the sorted points `at` (from 0 to
 * top): [0, 0], the intersections of consecutive tangents, and [top, top^p]. Below x^p everywhere
 * on [0, top] (an outer approximation of the epigraph).
 */
export function tangentEnvelopeAt(p: number, at: readonly number[]): Array<readonly [number, number]> {
  const points: Array<readonly [number, number]> = [[0, 0]];
  const top = at[at.length - 1]!;
  if (!(top > 0)) return points;
  for (let k = 0; k + 1 < at.length; k++) {
    const a = at[k]!;
    const b = at[k + 1]!;
    const x = ((p - 1) * (b ** p - a ** p)) / (p * (b ** (p - 1) - a ** (p - 1)));
    // Rounding can put the intersection a hair outside [a, b]; clamp it so the pieces stay ordered.
    const within = Math.min(b, Math.max(a, x));
    const y = a ** p + p * a ** (p - 1) * (within - a);
    if (within > points[points.length - 1]![0]) points.push([within, y]);
  }
  if (top > points[points.length - 1]![0]) points.push([top, top ** p]);
  return points;
}

/**
 * Breakpoints of the upper envelope of `tangents + 1` tangents of x^p at x_k = k / tangents on [0, 1].
 * The envelope lies below x^p everywhere (an outer approximation of the epigraph), so minimizing
 * it gives a certified lower bound on the true optimum.
 */
export function tangentEnvelope(p: number, tangents: number): Array<readonly [number, number]> {
  const points: Array<readonly [number, number]> = [[0, 0]];
  // Tangent at a: y = a^p + p a^{p-1} (x - a). Consecutive tangents at a < b meet at
  // x = ((p - 1)(b^p - a^p)) / (p (b^{p-1} - a^{p-1})).
  for (let k = 0; k < tangents; k++) {
    const a = k / tangents;
    const b = (k + 1) / tangents;
    const x = ((p - 1) * (b ** p - a ** p)) / (p * (b ** (p - 1) - a ** (p - 1)));
    const y = a ** p + p * a ** (p - 1) * (x - a);
    points.push([x, y]);
  }
  points.push([1, 1]);
  return points;
}
