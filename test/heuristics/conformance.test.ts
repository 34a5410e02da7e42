/**
 * The conformance property every heuristic passes (STYLE.md §3): on random waves, the independent
 * verifier accepts the allocation, or every violation it reports is one the heuristic declares in
 * `ignores` (coverage too when the wave is infeasible); and on feasible waves the haircuts cover
 * the budget.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Allocation, Wave } from "../../src/domain.js";
import { solveDedicated } from "../../src/pipeline/exact/index.js";
import { getHeuristic, heuristicNames, loadUserHeuristic, unexpectedViolations, type Heuristic } from "../../src/heuristics/index.js";
import { ladder, lotExecution } from "../../src/heuristics/wrappers.js";
import { CompensatedSum } from "../../src/floor/numeric/sum.js";
import { allowance, tolerance } from "../../src/floor/numeric/tolerance.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { modelOf, waveOf } from "../support/waves.js";
import { arbitraryVenueWave, buildVenueWave, venueTable, withColumns } from "./venue-waves.js";

/** A heuristic that is not built with defineHeuristic (no lots, no layers): only usable inside a wrapper. */
const foreign: Heuristic = {
  name: "foreign:uniform",
  description: "every account the same fraction of its bound",
  ignores: ["maxAccounts", "seniority"],
  allocate(wave: Wave): Allocation {
    const total = wave.upper.reduce((a, b) => a + b, 0);
    const fraction = total > 0 ? Math.min(1, wave.budget / total) : 0;
    return { haircut: wave.upper.map((u) => u * fraction) };
  },
};

const wrapped = [
  "queue:score(leverage * max(upnl, 0) + 1)",
  "hybrid:1",
  "hybrid:3",
  "hybrid:2(entry_pnl)",
  ...heuristicNames().map((name) => `ladder(${name})`),
  "lots-floor-lr(pro-rata:wealth)",
  "lots-floor-lr(queue:bitmex)",
  "lots-floor-topup(risk-weighted)",
  "lots-ceil(pro-rata:pnl)",
  "lots-ceil(walk:dydx)",
  "ladder(lots-floor-lr(pro-rata:wealth))",
  "ladder(lots-ceil(hybrid:2))",
  "lots-floor-lr(ladder(queue:hyperliquid))",
];

let rules: Heuristic[] = [];

beforeAll(async () => {
  const user = await loadUserHeuristic("examples/my-heuristic.ts");
  rules = [
    ...heuristicNames().map(getHeuristic),
    ...wrapped.map(getHeuristic),
    user,
    ladder(user),
    ladder(foreign),
    lotExecution("floor-lr", foreign),
    ladder(lotExecution("ceil", foreign)),
  ];
});

function total(allocation: Allocation): number {
  const sum = new CompensatedSum();
  for (const h of allocation.haircut) sum.add(h);
  return sum.value;
}

function checkRule(rule: Heuristic, wave: Wave, feasible: boolean, seed: number): void {
  const allocation = rule.allocate(wave, { seed });
  const verdict = verifyAllocation(wave, allocation);
  const allowed = feasible ? rule : { ignores: [...rule.ignores, "coverage" as const] };
  const unexpected = unexpectedViolations(allowed, verdict);
  expect(unexpected, `${rule.name}: ${unexpected.map((v) => v.message).join("; ")}`).toEqual([]);
  if (feasible) expect(total(allocation), rule.name).toBeGreaterThanOrEqual(wave.budget - allowance(tolerance(wave), wave.budget));
}

describe("every heuristic keeps the promises it makes", () => {
  it("on random small waves (ties, zeros, ineligible, layers, lots, alpha, maxAccounts)", () => {
    fc.assert(
      fc.property(arbitraryVenueWave(), fc.integer(), (spec, seed) => {
        const { wave, feasible } = buildVenueWave(spec);
        for (const rule of rules) checkRule(rule, wave, feasible, seed);
      }),
      { numRuns: 250 },
    );
  });

  it("on random larger waves", () => {
    fc.assert(
      fc.property(arbitraryVenueWave({ maxN: 60 }), fc.integer(), (spec, seed) => {
        const { wave, feasible } = buildVenueWave(spec);
        for (const rule of rules) checkRule(rule, wave, feasible, seed);
      }),
      { numRuns: 40 },
    );
  });

  it("on one-account waves", () => {
    fc.assert(
      fc.property(arbitraryVenueWave({ maxN: 1 }), fc.integer(), (spec, seed) => {
        const { wave, feasible } = buildVenueWave(spec);
        for (const rule of rules) checkRule(rule, wave, feasible, seed);
      }),
      { numRuns: 60 },
    );
  });
});

describe("cross-checks against the exact algorithms", () => {
  it("pro-rata:wealth is the minmax optimum (capped water-filling) and queue:capacity the L0 optimum", () => {
    fc.assert(
      fc.property(arbitraryVenueWave(), (spec) => {
        const plain = { ...spec, layers: false, lots: "none" as const, maxAccounts: undefined, exactCoverage: false };
        const { wave, feasible } = buildVenueWave(plain);
        fc.pre(feasible);
        const accounts = venueTable(plain.rows, plain.withSide);
        const minmax = withColumns(waveOf(modelOf({ ...wave.model, objective: [{ kind: "minmax", scale: "capacity" }] }), accounts, wave.budget), accounts);
        const exact = solveDedicated(minmax)!;
        const heuristic = getHeuristic("pro-rata:wealth").allocate(minmax, { seed: 0 });
        exact.allocation.haircut.forEach((h, i) => expect(heuristic.haircut[i]).toBeCloseTo(h, 9));

        if (wave.model.alpha === undefined) {
          const l0 = solveDedicated(wave)!;
          const touched = (a: Allocation): number => a.haircut.filter((h) => h > 1e-9).length;
          expect(touched(getHeuristic("queue:capacity").allocate({ ...wave, columns: new Map([...wave.columns!].filter(([k]) => k !== "side")) }, { seed: 0 }))).toBe(touched(l0.allocation));
        }
      }),
      { numRuns: 150 },
    );
  });
});
