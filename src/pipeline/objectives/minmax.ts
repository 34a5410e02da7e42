/**
 * minmax: min max_i h_i / s_i (s = capacity: the largest haircut fraction), lowered to a level
 * column t >= h_i / s_i. The stage cost is t times the sum of the scales so that its duals are O(1)
 * (see LexStage.normalizer in src/pipeline/lower/compile.ts).
 */
import type { ObjectiveModule } from "./objective.js";

/** Accounts above which the level column is split into chained copies, and the level rows per copy (compile.ts blocks the coverage row alike). */
export const SPLIT_ABOVE = 5_000;
export const LEVEL_BLOCK = 256;

export const minmax: ObjectiveModule<"minmax"> = {
  kind: "minmax",
  parse: (raw, path, context) => ({ kind: "minmax", scale: context.expression([...path, "scale"], raw.scale) }),
  key: (spec) => JSON.stringify([spec.kind, spec.scale === "capacity" ? "capacity" : spec.scale.source.replace(/\s+/g, "")]),
  bind: (spec, key, context) => ({ kind: "minmax", scale: context.coefficient(spec.scale, `${key}.scale`) }),
  needsIndicators: false,
  lower(objective, s, { wave, active, haircutColumn, addColumn, addRow }) {
    let top = 0;
    let largest = 0;
    for (const i of active) {
      top = Math.max(top, wave.upper[i]! / objective.scale[i]!);
      largest = Math.max(largest, objective.scale[i]!);
    }
    // When even the largest scale is tiny (2.6e-139, all equal: below HiGHS's smallest matrix value,
    // dropped, and the wave answered infeasible), the level columns hold t * S, S the power of two
    // nearest that scale, so that the coefficients s_i / S are O(1) and exact. Otherwise S = 1: the
    // money unit (src/pipeline/solve/units.ts) already keeps the scales within [2^-20, 2^40].
    const reference = largest > 0 && largest < 2 ** -20 ? 2 ** Math.round(Math.log2(largest)) : 1;
    // One level column in every level row is a dense column: HiGHS's basis factorization and its
    // interior-point normal equations (A D A^T, then dense) grew far worse than linearly with it (10^5
    // accounts: over 60 s, with the optimal basis given). Past SPLIT_ABOVE accounts each block of
    // LEVEL_BLOCK rows gets its own copy of the level, the copies chained equal: same optimum, sparse.
    const copies = active.length > SPLIT_ABOVE ? Math.ceil(active.length / LEVEL_BLOCK) : 1;
    const levels = [addColumn(`t_${s}`, 0, top * reference)];
    for (let k = 1; k < copies; k++) {
      levels.push(addColumn(`t_${s}_${k}`, 0, top * reference));
      addRow(`level_link_${s}_${k}`, [levels[k - 1]!, levels[k]!], [1, -1], 0, 0);
    }
    const level = levels[0]!;
    for (const [r, i] of active.entries()) addRow(`level_${s}_${i}`, [haircutColumn[i]!, levels[copies === 1 ? 0 : Math.floor(r / LEVEL_BLOCK)]!], [1, -objective.scale[i]! / reference], -Infinity, 0);
    let normalizer = 0;
    for (const i of active) normalizer += objective.scale[i]!;
    normalizer = normalizer > 0 ? normalizer : 1;
    return {
      name: "minmax",
      constant: 0,
      integral: false,
      normalizer,
      terms: [[level, normalizer / reference]],
      // The level of an allocation: its largest h_i / s_i, within the column's bound (every copy alike).
      lift(values) {
        let value = 0;
        for (const i of active) value = Math.max(value, values[haircutColumn[i]!]! / objective.scale[i]!);
        for (const column of levels) values[column] = Math.min(value, top) * reference;
      },
    };
  },
  toSolverUnits: (objective, scaled) => ({ kind: "minmax", scale: scaled(objective.scale) }),
  // h_i / s_i keeps its value when both are scaled.
  valueScalesWithMoney: false,
  warmStart: "pro-rata:wealth",
};
