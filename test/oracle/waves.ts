/**
 * Tiny waves for the oracle (n <= 6, a few lots), as fast-check arbitraries of WaveSpec
 * (test/exact/make-wave.ts builds the domain `Wave` directly: no model file, no binding), covering
 * every objective and constraint of DESIGN §1 and the adversarial shapes of issue 10: capacities from
 * 1e-6 to 1e15 in one wave, an ineligible house account, ties, one account, B = 0, B at the capacity
 * sum, B above it.
 */
import fc from "fast-check";
import type { Wave } from "../../src/domain.js";
import { makeWave, piecewise, power, type ObjectiveShorthand, type WaveSpec } from "../exact/make-wave.js";

const niceCapacity = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }).map((k) => k / 4) },
  { weight: 1, arbitrary: fc.constant(0) },
);
/** Log-uniform over 1e-6 .. 1e15, rounded to 6 significant digits (still a double, exactly converted). */
const wideCapacity = fc.double({ min: -6, max: 15, noNaN: true }).map((e) => Number((10 ** e).toPrecision(6)));
const capacityOf = fc.oneof({ weight: 3, arbitrary: niceCapacity }, { weight: 1, arbitrary: wideCapacity });

type Shape = "continuous" | "lots";

const OBJECTIVES: readonly (readonly ObjectiveShorthand["kind"][])[] = [
  ["sparsity"], ["minmax"], ["convex"], ["overshoot"],
  ["sparsity", "overshoot"], ["minmax", "overshoot"], ["overshoot", "minmax"], ["sparsity", "minmax"], ["minmax", "sparsity"], ["convex", "sparsity"],
];

const phiOf = fc.oneof(
  { weight: 3, arbitrary: fc.constant(power(2)) },
  { weight: 1, arbitrary: fc.constantFrom(power(1.5), power(3)) },
  { weight: 2, arbitrary: fc.constantFrom(piecewise([[0, 0], [0.5, 0.1], [1, 1]]), piecewise([[0, 0], [0.25, 0.05], [0.5, 0.2], [1, 1]]), piecewise([[0, 0], [1, 1]])) },
);

export interface OracleCase {
  readonly spec: WaveSpec;
  /** What the case is meant to exercise, for reports. */
  readonly label: string;
}

/**
 * One tiny wave. `shape` picks continuous haircuts or integer lots (then n <= 5 and at most 3 lots per
 * account, so that the oracle enumerates at most 4^5 lot vectors).
 */
export function tinyWave(shape?: Shape): fc.Arbitrary<OracleCase> {
  return fc
    .record({
      shape: shape ? fc.constant(shape) : fc.constantFrom<Shape>("continuous", "continuous", "lots"),
      n: fc.integer({ min: 1, max: 5 }),
      capacities: fc.array(capacityOf, { minLength: 6, maxLength: 6 }),
      tie: fc.boolean(),
      house: fc.oneof({ weight: 4, arbitrary: fc.constant<number | null>(null) }, { weight: 1, arbitrary: fc.constantFrom(1e15, 1e12, 5e6) }),
      ineligible: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      someIneligible: fc.integer({ min: 0, max: 5 }).map((k) => k === 0),
      objectives: fc.constantFrom(...OBJECTIVES),
      phi: phiOf,
      scaleKind: fc.constantFrom("capacity", "risk", "unit"),
      weights: fc.array(fc.constantFrom(0.5, 1, 2, 3), { minLength: 7, maxLength: 7 }),
      alpha: fc.option(fc.constantFrom(0.2, 0.5, 0.75, 1), { nil: undefined, freq: 4 }),
      exact: fc.integer({ min: 0, max: 5 }).map((k) => k === 0),
      maxAccounts: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined, freq: 4 }),
      layers: fc.option(fc.tuple(fc.constantFrom(2, 3), fc.array(fc.constantFrom(0, 0.25, 0.5, 1), { minLength: 14, maxLength: 14 })), { nil: undefined, freq: 4 }),
      lotValue: fc.array(fc.constantFrom(0.5, 1, 2, 3, 0.3, 1.7), { minLength: 6, maxLength: 6 }),
      maxLots: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
      share: fc.oneof(fc.constantFrom(0, 1, 1.2), fc.double({ min: 0.05, max: 1, noNaN: true })),
    })
    .map((r) => {
      const n = r.n;
      let capacity = r.capacities.slice(0, n);
      if (r.tie && n >= 2) capacity = capacity.map((c, i) => (i % 2 === 0 ? capacity[0]! : c));
      const eligible = capacity.map((_, i) => (r.someIneligible && r.ineligible[i] && n > 1 ? 0 : 1));
      const ids = capacity.map((_, i) => `a${i}`);
      if (r.house !== null) {
        capacity.push(r.house);
        eligible.push(0);
        ids.push("house");
      }
      const m = capacity.length;
      let layers: WaveSpec["layers"];
      if (r.layers && r.shape === "continuous") {
        const [count, splits] = r.layers;
        const names = count === 2 ? ["gains", "principal"] : ["recent", "settled", "principal"];
        // Junior layers take a share of the capacity, the most senior the rest (summed back in doubles).
        const columns = names.map(() => new Array<number>(m).fill(0));
        for (let i = 0; i < m; i++) {
          let rest = capacity[i]!;
          for (let l = 0; l < count - 1; l++) {
            const take = Number((rest * splits[(i * 2 + l) % 14]!).toPrecision(6));
            columns[l]![i] = Math.min(rest, take);
            rest -= columns[l]![i]!;
          }
          columns[count - 1]![i] = rest;
          capacity[i] = columns.reduce((sum, column) => sum + column[i]!, 0);
        }
        layers = { names, capacity: columns };
      }
      const lots = r.shape === "lots" ? { lotValue: capacity.map((_, i) => r.lotValue[i % 6]!), maxLots: capacity.map((_, i) => (i >= n ? 2 : r.maxLots[i]!)) } : undefined;
      // The budget: a share of what the promises allow (lots: what whole lots allow).
      const alpha = r.alpha;
      let reach = 0;
      for (let i = 0; i < m; i++) {
        if (eligible[i] === 0) continue;
        let cap = Math.min(capacity[i]!, (alpha ?? 1) * capacity[i]!);
        if (lots) cap = Math.min(cap, lots.lotValue[i]! * lots.maxLots[i]!);
        reach += cap;
      }
      const budget = r.share === 1 ? reach : Number((r.share * reach).toPrecision(8));
      const scale = r.scaleKind === "capacity" ? undefined : capacity.map((c, i) => (r.scaleKind === "risk" ? r.weights[i]! * c : 1) || 1);
      const objectives: ObjectiveShorthand[] = r.objectives.map((kind) => {
        if (kind === "minmax") return scale ? { kind, scale } : { kind };
        if (kind === "convex") return r.scaleKind === "capacity" ? { kind, phi: r.phi } : { kind, phi: r.phi, weight: capacity.map((_, i) => r.weights[i]!) };
        return { kind };
      });
      const spec: WaveSpec = {
        capacity,
        budget,
        ids,
        eligible,
        objectives,
        ...(alpha !== undefined ? { alpha } : {}),
        ...(r.exact && !lots ? { coverage: "exact" as const } : {}),
        ...(r.maxAccounts !== undefined ? { maxAccounts: r.maxAccounts } : {}),
        ...(layers ? { layers } : {}),
        ...(lots ? { lots } : {}),
      };
      const label = [r.shape, r.objectives.join("+"), r.house !== null ? "house" : "", layers ? `layers${layers.names.length}` : "", r.maxAccounts !== undefined ? `K${r.maxAccounts}` : "", alpha !== undefined ? `alpha${alpha}` : "", r.exact && !lots ? "exact" : ""].filter(Boolean).join(" ");
      return { spec, label };
    });
}

/** The Wave of a case (every account eligible unless the spec says otherwise). */
export function waveOf(c: OracleCase): Wave {
  return makeWave(c.spec);
}
