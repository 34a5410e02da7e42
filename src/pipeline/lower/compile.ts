import type { Allocation, Wave } from "../../domain.js";
import { ModelError } from "../../errors.js";
import { moduleOf, type LowerContext, type LoweredObjective } from "../objectives/index.js";
import { LEVEL_BLOCK, SPLIT_ABOVE } from "../objectives/minmax.js";
import { ProblemBuilder } from "./builder.js";
import { sparsityStructure, type SparsityStructure } from "./structure.js";
import type { LinearProblem } from "./standard-form.js";

export { tangentEnvelope, tangentEnvelopeAt, tangentPoints } from "../objectives/index.js";

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

  // Coverage. A pure LP over many accounts sums them in blocks first (partial-sum columns): one row over
  // every haircut is a dense row, and HiGHS's basis factorization slowed far more than linearly with it
  // (10^5 accounts: 19 s to install the optimal basis, issue 11). Same feasible set, sparse rows.
  const continuous = !wave.positions && model.maxAccounts === undefined && !wave.objectives.some((o) => moduleOf(o).needsIndicators);
  const coverageBlocks: number[][] = [];
  const coverageColumns: number[] = [];
  {
    const budget = wave.budget;
    const upper = model.coverage === "exact" ? budget : Infinity;
    if (continuous && active.length > SPLIT_ABOVE) {
      for (let start = 0; start < active.length; start += LEVEL_BLOCK) coverageBlocks.push(active.slice(start, start + LEVEL_BLOCK));
      for (const [b, block] of coverageBlocks.entries()) {
        let most = 0;
        for (const i of block) most += wave.upper[i]!;
        const column = builder.addColumn(`cover_${b}`, 0, most);
        coverageColumns.push(column);
        const index = [...block.map((i) => haircutColumn[i]!), column];
        const value = new Float64Array(index.length).fill(1);
        value[index.length - 1] = -1;
        builder.addRow(`cover_${b}`, index, value, 0, 0);
      }
      builder.addRow("coverage", coverageColumns, new Float64Array(coverageColumns.length).fill(1), budget, upper);
    } else {
      const index = active.map((i) => haircutColumn[i]!);
      builder.addRow("coverage", index, new Float64Array(index.length).fill(1), budget, upper);
    }
  }

  // Indicators z_i (h_i > 0 only if z_i = 1) when sparsity is an objective or K is bounded.
  const needsIndicators = model.maxAccounts !== undefined || wave.objectives.some((o) => moduleOf(o).needsIndicators);
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

  // Each objective's module lowers its own stage (src/pipeline/objectives); its lift fills its own columns of a MIP start.
  const context: LowerContext = {
    wave,
    active,
    haircutColumn,
    indicatorColumn,
    tangents: options.tangents ?? DEFAULT_TANGENTS,
    // The sparsity_floor row is added with the indicators whenever the structure applies.
    ...(structure ? { minimumAccounts: structure.minimumAccounts } : {}),
    addColumn: (name, lower, upper, integer) => builder.addColumn(name, lower, upper, integer),
    addRow: (name, index, value, lower, upper) => builder.addRow(name, index, value, lower, upper),
  };
  const lowered: LoweredObjective[] = wave.objectives.map((objective, s) => moduleOf(objective).lower(objective, s, context));
  lowered.forEach((stage, s) => checkFiniteCosts(stage, s, wave));
  for (const { lift: _lift, ...stage } of lowered) pending.push(stage);

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
    for (const [b, block] of coverageBlocks.entries()) {
      let sum = 0;
      for (const i of block) sum += values[haircutColumn[i]!]!;
      values[coverageColumns[b]!] = sum;
    }
    for (const stage of lowered) stage.lift?.(values);
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

/**
 * A stage whose cost overflows a double (a convex weight of 1e308 times a slope over a capacity)
 * cannot be solved by any backend (HiGHS refuses NaN costs, GLPK and jslp answer NaN): a ModelError
 * naming the stage, before a solver sees it. Scaling a stage's weights by a constant does not change
 * its minimizer, so the hint says how to mend it. O(terms).
 */
function checkFiniteCosts(stage: LoweredObjective, s: number, wave: Wave): void {
  const bad = stage.terms.find(([, cost]) => !Number.isFinite(cost));
  if (bad === undefined && Number.isFinite(stage.constant)) return;
  const objective = wave.objectives[s]!;
  throw new ModelError(
    { path: `objective[${s}] (${objective.kind})` },
    "costs that are finite doubles once lowered (each account's weight × slope / capacity)",
    bad !== undefined ? `a cost of ${bad[1]}` : `a constant of ${stage.constant}`,
    "scale the weights down; the allocation that minimizes the stage does not change",
  );
}
