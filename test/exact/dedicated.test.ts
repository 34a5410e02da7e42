/**
 * Hand-checked cases of the dedicated algorithms, the structures they decline, and edge cases of
 * floating point and scale that the random small waves do not reach.
 */
import { describe, expect, it } from "vitest";
import { solveDedicated } from "../../src/pipeline/exact/index.js";
import { lotCapacities, lotsToCover, lotsWithin, positionsByAccount } from "../../src/pipeline/exact/lot-capacity.js";
import { waterFill } from "../../src/pipeline/exact/water-filling.js";
import { certify } from "../../src/pipeline/certificate/certificate.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { makeWave, piecewise, power, type WaveSpec } from "./make-wave.js";

function solve(spec: WaveSpec) {
  const wave = makeWave(spec);
  const result = solveDedicated(wave);
  expect(result).toBeDefined();
  const verdict = verifyAllocation(wave, result!.allocation);
  expect(verdict.violations).toEqual([]);
  return { result: result!, verdict, haircut: Array.from(result!.allocation.haircut) };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe("convex x^2: the weight decides, not the objective's name", () => {
  const capacity = [1, 2, 3];
  it("u = 1 gives h proportional to c^2, not pro-rata", () => {
    const { result, haircut } = solve({ capacity, budget: 2.8, objectives: [{ kind: "convex", phi: power(2), weight: [1, 1, 1] }] });
    expect(result.algorithm).toBe("kkt-convex");
    // h = 2.8 * (1, 4, 9) / 14
    [0.2, 0.8, 1.8].forEach((x, i) => expect(haircut[i]).toBeCloseTo(x, 12));
  });

  it("u = c gives pro-rata", () => {
    const { haircut } = solve({ capacity, budget: 2.4, objectives: [{ kind: "convex", phi: power(2) }] });
    [0.4, 0.8, 1.2].forEach((x, i) => expect(haircut[i]).toBeCloseTo(x, 12));
  });

  it("u = c with any power is pro-rata too (x^3, x^1.0001 without overflow)", () => {
    for (const p of [3, 1.0001, 40]) {
      const { haircut } = solve({ capacity, budget: 2.4, objectives: [{ kind: "convex", phi: power(p) }] });
      [0.4, 0.8, 1.2].forEach((x, i) => expect(haircut[i]).toBeCloseTo(x, 9));
    }
  });

  it("caps bind: u = 1, c^2 shares capped at alpha c, the rest water-fills", () => {
    // alpha = 0.5: caps (0.5, 1, 1.5); B = 2.9 -> account 2 capped at 1.5, then (1, 4) shares 1.4 -> (0.28, 1.12) exceeds cap 1 for account 1 -> capped; account 0 takes 0.4.
    const { haircut } = solve({ capacity, budget: 2.9, alpha: 0.5, objectives: [{ kind: "convex", phi: power(2), weight: [1, 1, 1] }] });
    [0.4, 1, 1.5].forEach((x, i) => expect(haircut[i]).toBeCloseTo(x, 12));
  });

  it("an account with zero weight costs nothing and is taken first", () => {
    const { haircut } = solve({ capacity: [4, 4], budget: 5, objectives: [{ kind: "convex", phi: power(2), weight: [0, 1] }] });
    expect(haircut).toEqual([4, 1]);
  });
});

describe("piecewise-linear phi", () => {
  it("fills the cheapest slopes first across accounts", () => {
    // phi: slope 1 on [0, 0.5], slope 3 on [0.5, 1]; u = c so the per-dollar costs are 1 then 3 for everyone.
    // B = 6 of capacities (4, 8): first halves (2 + 4 = 6) exactly.
    const { haircut } = solve({ capacity: [4, 8], budget: 6, objectives: [{ kind: "convex", phi: piecewise([[0, 0], [0.5, 0.5], [1, 2]]) }] });
    expect(haircut).toEqual([2, 4]);
  });

  it("declines a non-convex or decreasing phi", () => {
    expect(solveDedicated(makeWave({ capacity: [4, 8], budget: 6, objectives: [{ kind: "convex", phi: piecewise([[0, 0], [0.5, 1], [1, 1.2]]) }] }))).toBeUndefined();
    expect(solveDedicated(makeWave({ capacity: [4, 8], budget: 6, objectives: [{ kind: "convex", phi: piecewise([[0, 1], [1, 0]]) }] }))).toBeUndefined();
  });
});

describe("water-filling", () => {
  it("capped: small accounts are exhausted, the rest share one level", () => {
    // caps (1, 10, 10), s = c: B = 15 -> account 0 full (1), the others 7 each (level 0.7).
    const { result, haircut } = solve({ capacity: [1, 10, 10], budget: 15, objectives: [{ kind: "minmax", scale: [1, 1, 1] }] });
    expect(result.algorithm).toBe("water-filling");
    expect(haircut).toEqual([1, 7, 7]);
  });

  it("sums to the budget on 10^5 heavy-tailed accounts, and every free account sits on one level", () => {
    const n = 100_000;
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const upper = Float64Array.from({ length: n }, () => 1 / random() ** 0.7);
    const scale = Float64Array.from({ length: n }, () => 0.5 + random());
    const total = 0.6 * upper.reduce((a, b) => a + b, 0);
    const { haircut, level } = waterFill(new Float64Array(n), upper, scale, total)!;
    let s = 0;
    for (const h of haircut) s += h;
    expect(Math.abs(s - total)).toBeLessThanOrEqual(1e-9 * total);
    let offLevel = 0;
    for (let i = 0; i < n; i++) {
      const free = haircut[i]! < upper[i]! * (1 - 1e-12);
      if (free ? Math.abs(haircut[i]! / scale[i]! - level) > 1e-9 * level : upper[i]! / scale[i]! > level * (1 + 1e-12)) offLevel++;
    }
    expect(offLevel).toBe(0);
  });

  it("a zero budget takes nothing; a one-account wave takes the budget", () => {
    expect(solve({ capacity: [3, 4], budget: 0, objectives: [{ kind: "minmax" }] }).haircut).toEqual([0, 0]);
    expect(solve({ capacity: [3], budget: 2, objectives: [{ kind: "minmax" }] }).haircut).toEqual([2]);
    expect(solve({ capacity: [3], budget: 2, objectives: [{ kind: "sparsity" }] }).haircut).toEqual([2]);
  });

  it("ineligible accounts give nothing even when their scale is large", () => {
    const { haircut } = solve({ capacity: [10, 10], eligible: [0, 1], budget: 5, objectives: [{ kind: "minmax", scale: [100, 1] }] });
    expect(haircut).toEqual([0, 5]);
  });
});

describe("sparsity", () => {
  it("largest capacity first; the marginal account takes the remainder, so the sum is B exactly", () => {
    const { haircut } = solve({ capacity: [3, 9, 5, 9], budget: 20 });
    expect(haircut).toEqual([0, 9, 2, 9]);
  });

  it("ties go to the lower index", () => {
    expect(solve({ capacity: [5, 5, 5], budget: 6 }).haircut).toEqual([5, 1, 0]);
  });

  it("with lots: full lot amounts, the marginal account only the lots it needs", () => {
    // caps (10, 7, 3) with lot values (3, 2, 1) and 9 lots each: lot capacity (9, 6, 3); B = 12 -> 9 + 2 lots of 2 = 13.
    const { result, haircut } = solve({ capacity: [10, 7, 3], budget: 12, lots: { lotValue: [3, 2, 1], maxLots: [9, 9, 9] } });
    expect(result.algorithm).toBe("greedy-l0-lots");
    expect(haircut).toEqual([9, 4, 0]);
    expect(Array.from(result.allocation.lots!)).toEqual([3, 2, 0]);
  });

  it("with several positions per account, the exact lot capacity decides the order", () => {
    // account 0: cap 10, positions 6 x1 and 4 x2 -> best 10 (6 + 4) ; account 1: cap 11, one position of 4 x2 -> 8.
    const { haircut } = solve({ capacity: [10, 11], budget: 9, positions: { account: [0, 0, 1], lotValue: [6, 4, 4], maxLots: [1, 2, 2] } });
    expect(haircut).toEqual([10, 0]);
  });

  it("maxAccounts: the greedy count is the least possible, so exceeding K means infeasible", () => {
    expect(solve({ capacity: [5, 5, 5], budget: 10, maxAccounts: 2 }).haircut).toEqual([5, 5, 0]);
    expect(solveDedicated(makeWave({ capacity: [5, 5, 5], budget: 11, maxAccounts: 2 }))).toBeUndefined();
  });
});

describe("lots min-max", () => {
  it("lands on a breakpoint k v_i / s_i and removes lots that are not needed", () => {
    const { result, verdict, haircut } = solve({ capacity: [10, 5, 1], budget: 7.5, objectives: [{ kind: "minmax" }], lots: { lotValue: [1, 0.5, 0.25], maxLots: [10, 10, 4] } });
    expect(result.algorithm).toBe("lots-minmax-breakpoints");
    expect(verdict.objectives[0]).toBe(0.5);
    expect(sum(haircut)).toBeGreaterThanOrEqual(7.5);
    expect(sum(haircut)).toBeLessThan(7.5 + 1);
  });

  it("stays exact with 10^6 lots per account and non-dyadic lot values", () => {
    const lotValue = [0.1, 0.3, 0.7, 1.1];
    const maxLots = [1_000_000, 1_000_000, 1_000_000, 1_000_000];
    const capacity = [90_000, 200_000, 500_000, 1_000_000];
    const scale = [1, 2, 3, 5];
    const budget = 612_345.67;
    const wave = makeWave({ capacity, budget, objectives: [{ kind: "minmax", scale }], lots: { lotValue, maxLots } });
    const result = solveDedicated(wave)!;
    expect(verifyAllocation(wave, result.allocation).ok).toBe(true);
    const level = verifyAllocation(wave, result.allocation).objectives[0]!;
    // Optimality of the level: at the largest breakpoint strictly below it, the lots cannot cover B.
    let below = 0;
    for (let i = 0; i < 4; i++) {
      const most = Math.min(maxLots[i]!, lotsWithin(capacity[i]!, lotValue[i]!));
      let k = Math.min(most, Math.floor((level * scale[i]!) / lotValue[i]!));
      while (k > 0 && (k * lotValue[i]!) / scale[i]! >= level) k--;
      below += k * lotValue[i]!;
    }
    expect(below).toBeLessThan(budget);
  });

  it("declines accounts whose positions have different lot values", () => {
    const wave = makeWave({ capacity: [10, 10], budget: 5, objectives: [{ kind: "minmax" }], positions: { account: [0, 0, 1], lotValue: [1, 2, 1], maxLots: [5, 5, 5] } });
    expect(solveDedicated(wave)).toBeUndefined();
  });
});

describe("lot arithmetic is robust to decimal lot values", () => {
  it("three lots of 0.1 fit under 0.3 and cover 0.3", () => {
    expect(lotsWithin(0.3 + 1e-9, 0.1)).toBe(3);
    expect(lotsToCover(0.3, 0.1)).toBe(3);
    const { haircut } = solve({ capacity: [0.3], budget: 0.3, lots: { lotValue: [0.1], maxLots: [5] } });
    expect(haircut[0]).toBeCloseTo(0.3, 15);
  });

  it("several positions past the search budget: the capacity is an upper bound, and nothing is claimed optimal", () => {
    const m = 14;
    const positions = { account: new Int32Array(m), lotValue: Float64Array.from({ length: m }, (_, k) => Math.sqrt(2 + k) * 1.7), maxLots: new Int32Array(m).fill(40) };
    const capacity = lotCapacities(positions, positionsByAccount(positions, 1), Float64Array.of(1000.123));
    expect(capacity.allExact).toBe(false);
    expect(capacity.bound[0]).toBe(1000.123);
    expect(capacity.amount[0]).toBeLessThanOrEqual(1000.123);
    const wave = makeWave({ capacity: [1000.123], budget: 1000.1229, positions: { account: [...positions.account], lotValue: [...positions.lotValue], maxLots: [...positions.maxLots] } });
    expect(solveDedicated(wave)).toBeUndefined();
    const certificate = certify(wave);
    expect(certificate.feasible).toBe(true);
    expect(certificate.decided).toBe(false);
  });
});

describe("structures without a dedicated algorithm return undefined (the MIP runs)", () => {
  const base = { capacity: [4, 6], budget: 5 };
  it.each<[string, WaveSpec]>([
    ["a lexicographic list", { ...base, objectives: [{ kind: "sparsity" }, { kind: "overshoot" }] }],
    ["overshoot alone", { ...base, objectives: [{ kind: "overshoot" }] }],
    ["maxAccounts with minmax", { ...base, maxAccounts: 1, objectives: [{ kind: "minmax" }] }],
    ["maxAccounts with a ladder", { ...base, maxAccounts: 1, layers: { names: ["gains", "principal"], capacity: [[2, 3], [2, 3]] } }],
    ["lots with convex", { ...base, objectives: [{ kind: "convex", phi: power(2) }], lots: { lotValue: [1, 1], maxLots: [9, 9] } }],
    ["lots with layers", { ...base, lots: { lotValue: [1, 1], maxLots: [9, 9] }, layers: { names: ["gains", "principal"], capacity: [[2, 3], [2, 3]] } }],
    ["exact coverage with lots", { ...base, coverage: "exact", lots: { lotValue: [1, 1], maxLots: [9, 9] } }],
    ["an infeasible wave", { ...base, budget: 11 }],
    ["a negative scale", { ...base, objectives: [{ kind: "minmax", scale: [1, -1] }] }],
  ])("%s", (_name, spec) => {
    expect(solveDedicated(makeWave(spec))).toBeUndefined();
  });
});
