/** Random small feasible MIPs with bounded columns, for the backend-agreement property. */
import fc from "fast-check";
import type { LinearProblem } from "../../src/pipeline/lower/standard-form.js";
import { problem } from "./problems.js";

export interface RandomMip {
  columns: { lower: number; width: number; integer: boolean; cost: number; at: number }[];
  rows: { coefficients: number[]; kind: "le" | "ge" | "eq" | "range"; below: number; above: number }[];
}

/**
 * Columns with bounds [lower, lower + width] and a point `at` inside them (integral for integer
 * columns); rows built around that point, so the problem is feasible, and bounded by its columns.
 * All data are small multiples of 1/16, so arithmetic on them is exact.
 */
export const randomMip: fc.Arbitrary<RandomMip> = fc.integer({ min: 2, max: 6 }).chain((n) =>
  fc.record({
    columns: fc.array(
      fc
        .record({
          lower: fc.integer({ min: -5, max: 3 }),
          width: fc.integer({ min: 0, max: 8 }),
          integer: fc.boolean(),
          cost: fc.integer({ min: -9, max: 9 }),
          // Eighths, so that every bound is a dyadic rational: no problem sits on a tolerance edge
          // (where solvers legitimately differ by their feasibility tolerances).
          fraction: fc.integer({ min: 0, max: 8 }).map((k) => k / 8),
          half: fc.boolean(),
        })
        .map(({ lower, width, integer, cost, fraction, half }) => {
          // Integer columns keep integral bounds; continuous ones may start at a half.
          const start = integer || !half ? lower : lower + 0.5;
          const at = integer ? start + Math.min(width, Math.floor(fraction * (width + 1))) : start + fraction * width;
          return { lower: start, width, integer, cost: cost / 2, at };
        }),
      { minLength: n, maxLength: n },
    ),
    rows: fc.array(
      fc.record({
        coefficients: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: n, maxLength: n }),
        kind: fc.constantFrom("le", "ge", "eq", "range"),
        below: fc.integer({ min: 0, max: 6 }),
        above: fc.integer({ min: 0, max: 6 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
);

export function buildRandomMip(random: RandomMip): LinearProblem {
  const at = random.columns.map((c) => c.at);
  return problem({
    columns: random.columns.map((c) => ({ lower: c.lower, upper: c.lower + c.width, integer: c.integer, cost: c.cost })),
    rows: random.rows.map((row) => {
      const entries = row.coefficients.flatMap((a, j): [number, number][] => (a === 0 ? [] : [[j, a]]));
      const activity = entries.reduce((sum, [j, a]) => sum + a * at[j]!, 0);
      const bounds =
        row.kind === "le"
          ? { lower: -Infinity, upper: activity + row.above / 2 }
          : row.kind === "ge"
            ? { lower: activity - row.below / 2, upper: Infinity }
            : row.kind === "eq"
              ? { lower: activity, upper: activity }
              : { lower: activity - row.below / 2, upper: activity + row.above / 2 };
      return { entries, ...bounds };
    }),
    constant: 1.25,
  });
}

