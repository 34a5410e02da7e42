/**
 * The oracle checked on its own: exact conversion of doubles, closed forms (pro-rata, h ∝ c^2 for
 * x^2 with unit weights, the seniority minimum, whole-lot optima), an independent brute force
 * (test/frontier/brute-force.ts, floats and bisection) for min-max with maxAccounts and alpha, and
 * soundness: no random feasible allocation beats the optimum it reports, and its own optimal
 * allocation keeps every promise and attains the optimum.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeWave, piecewise, power } from "../exact/make-wave.js";
import { bruteMaxFraction } from "../frontier/brute-force.js";
import { judgeAllocation, lotsMinmaxLevel, lotVectorCount, optimalAllocation, oracleObjectives, oracleOptimum, type StageValue } from "./oracle.js";
import { q } from "./rational.js";
import { tinyWave, waveOf } from "./waves.js";

const values = (wave: Parameters<typeof oracleOptimum>[0]): string[] => oracleOptimum(wave).values.map((v) => v.exact!.toString());

describe("Rational", () => {
  it("converts doubles exactly: 0.1 is the double nearest 1/10, not 1/10", () => {
    expect(q(0.1).toString()).toBe("3602879701896397/36028797018963968");
    expect(q(0.1).add(q(0.2)).eq(q(0.3))).toBe(false);
    expect(q(5e-324).toString()).toBe(`1/${2n ** 1074n}`);
    expect(q(-1e300).toNumber()).toBe(-1e300);
  });

  it("round-trips every finite double, and its arithmetic is exact", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (a, b) => {
        expect(q(a).toNumber()).toBe(a === 0 ? 0 : a);
        const sum = q(a).add(q(b));
        expect(sum.sub(q(b)).eq(q(a))).toBe(true);
        if (b !== 0) expect(q(a).mul(q(b)).div(q(b)).eq(q(a))).toBe(true);
        expect(q(a).cmp(q(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });
});

describe("closed forms", () => {
  it("pro-rata: min-max of h/c is B / sum c, every account at that fraction (leximin, unique)", () => {
    const optimum = oracleOptimum(makeWave({ capacity: [1, 2, 3], budget: 3, objectives: [{ kind: "minmax" }] }));
    expect(optimum.values[0]!.exact!.toString()).toBe("1/2");
    expect(optimum.haircut!.map(String)).toEqual(["1/2", "1", "3/2"]);
    expect(optimum.unique).toBe(true);
  });

  it("risk-weighted min-max with a cap: capped water-filling", () => {
    // s = (1, 1, 10) · c = (1, 1, 10): the third account would take 10/12 of B = 6 but its cap is 1.
    const optimum = oracleOptimum(makeWave({ capacity: [10, 10, 1], budget: 6, objectives: [{ kind: "minmax", scale: [1, 1, 10] }] }));
    expect(optimum.haircut!.map(String)).toEqual(["5/2", "5/2", "1"]);
    expect(optimum.values[0]!.exact!.toString()).toBe("5/2");
  });

  it("x^2 with unit weights: h ∝ c^2, not pro-rata", () => {
    const optimum = oracleOptimum(makeWave({ capacity: [1, 2], budget: 1, objectives: [{ kind: "convex", phi: power(2), weight: [1, 1] }] }));
    expect(optimum.haircut!.map(String)).toEqual(["1/5", "4/5"]);
    expect(optimum.values[0]!.exact!.toString()).toBe("1/5");
  });

  it("x^p with weights = capacity is pro-rata for every p (approximate value for p != 2)", () => {
    const optimum = oracleOptimum(makeWave({ capacity: [1, 2], budget: 1, objectives: [{ kind: "convex", phi: power(3) }] }));
    expect(optimum.values[0]!.exact).toBeUndefined();
    expect(optimum.values[0]!.approx).toBeCloseTo(3 * (1 / 3) ** 3, 14);
  });

  it("piecewise phi: the cheapest segments first", () => {
    // Both accounts' first segment costs 0.2 per dollar (0.5 and 1 dollars of it): B = 1 stays there.
    expect(values(makeWave({ capacity: [1, 2], budget: 1, objectives: [{ kind: "convex", phi: piecewise([[0, 0], [0.5, 0.125], [1, 1]]) }] }))).toEqual(["1/4"]);
  });

  it("sparsity, [sparsity, overshoot] with lots, maxAccounts, exact coverage", () => {
    expect(values(makeWave({ capacity: [5, 3, 1], budget: 6 }))).toEqual(["2"]);
    expect(values(makeWave({ capacity: [3, 3], budget: 2.5, objectives: [{ kind: "sparsity" }, { kind: "overshoot" }], lots: { lotValue: [1, 1], maxLots: [3, 3] } }))).toEqual(["1", "1/2"]);
    expect(values(makeWave({ capacity: [1, 2, 3], budget: 3, objectives: [{ kind: "minmax" }], maxAccounts: 2 }))).toEqual(["3/5"]);
    expect(values(makeWave({ capacity: [1, 2, 3], budget: 2, objectives: [{ kind: "overshoot" }, { kind: "minmax" }], coverage: "exact" }))).toEqual(["0", "1/3"]);
    expect(values(makeWave({ capacity: [1, 2, 3], budget: 2, objectives: [{ kind: "sparsity" }, { kind: "minmax" }] }))).toEqual(["1", "2/3"]);
  });

  it("seniority: principal only where gains cannot cover, then min-max on what is left", () => {
    const wave = makeWave({ capacity: [6, 6], budget: 3, objectives: [{ kind: "minmax" }], layers: { names: ["gains", "principal"], capacity: [[1, 1], [5, 5]] } });
    expect(values(wave)).toEqual(["1", "1/4"]);
    const three = makeWave({ capacity: [3, 3], budget: 4, objectives: [{ kind: "sparsity" }], layers: { names: ["recent", "settled", "principal"], capacity: [[1, 0.5], [1, 1], [1, 1.5]] } });
    // recent 1.5, settled 2: the rest 0.5 from principal; settled 2 is all there is.
    expect(values(three)).toEqual(["1/2", "2", "2"]);
  });

  it("infeasible: no allocation, and the most the promises allow", () => {
    const optimum = oracleOptimum(makeWave({ capacity: [1, 2, 3], budget: 4, objectives: [{ kind: "minmax" }], maxAccounts: 1 }));
    expect(optimum.feasible).toBe(false);
    expect(optimum.maxCoverage.toString()).toBe("3");
  });
});

describe("against an independent brute force (floats, bisection: test/frontier/brute-force.ts)", () => {
  it("least max fraction with maxAccounts, alpha, eligibility and lots", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.constantFrom(0.25, 0.5, 1),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.boolean(),
        (capacity, excluded, alpha, K, share, lotted) => {
          const eligible = capacity.map((_, i) => (excluded[i] && i > 0 ? 0 : 1));
          const lots = lotted ? { lotValue: capacity.map((c) => c / 4), maxLots: capacity.map(() => 3) } : undefined;
          const reach = capacity.reduce((sum, c, i) => sum + (eligible[i] ? alpha * c : 0), 0);
          const budget = Number((share * reach * 0.9).toPrecision(6));
          const wave = makeWave({ capacity, budget, eligible, alpha, objectives: [{ kind: "minmax" }], ...(K < capacity.length ? { maxAccounts: K } : {}), ...(lots ? { lots } : {}) });
          const brute = bruteMaxFraction({ capacity, eligible: eligible.map(Boolean), alpha, budget, ...(lots ? { lots } : {}) }, K);
          const optimum = oracleOptimum(wave);
          expect(optimum.feasible).toBe(brute !== null);
          if (brute !== null) expect(optimum.values[0]!.approx).toBeCloseTo(brute, 8);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it("lotsMinmaxLevel (bisection over exact levels) equals the lot-vector enumeration", () => {
    fc.assert(
      fc.property(tinyWave("lots"), (c) => {
        const spec = { ...c.spec, objectives: [{ kind: "minmax" as const }] };
        const { maxAccounts, ...rest } = spec;
        void maxAccounts;
        const wave = makeWave(rest);
        const level = lotsMinmaxLevel(wave);
        const optimum = oracleOptimum(wave);
        expect(level !== undefined).toBe(optimum.feasible);
        if (level) expect(level.eq(optimum.values[0]!.exact!)).toBe(true);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

/**
 * a >=lex b, stage by stage: exactly, or (`rounded`: a is the value of doubles rounded from exact
 * haircuts) within 1e-12 of the larger of the two values and the budget.
 */
function lexAtLeast(a: readonly StageValue[], b: readonly StageValue[], rounded = false, budget = 0): boolean {
  for (let s = 0; s < a.length; s++) {
    const x = a[s]!;
    const y = b[s]!;
    const slack = 1e-12 * Math.max(Math.abs(x.approx), Math.abs(y.approx), Math.abs(budget), 1e-300);
    const c = x.exact && y.exact && !rounded ? x.exact.cmp(y.exact) : Math.abs(x.approx - y.approx) <= slack ? 0 : Math.sign(x.approx - y.approx);
    if (c !== 0) return c > 0;
  }
  return true;
}

describe("soundness on random tiny waves", () => {
  it("the optimal allocation keeps every promise and attains the optimum; no random feasible allocation beats it", () => {
    let compared = 0;
    fc.assert(
      fc.property(tinyWave(), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }), (c, draw) => {
        const wave = waveOf(c);
        if (lotVectorCount(wave) > 5000) return;
        const optimum = oracleOptimum(wave);
        if (!optimum.feasible) return;
        const best = optimalAllocation(wave, optimum);
        expect(judgeAllocation(wave, best, optimum).verdict).not.toBe("infeasible");
        const attained = oracleObjectives(wave, best);
        expect(lexAtLeast(attained, optimum.values, true, wave.budget) && lexAtLeast(optimum.values, attained, true, wave.budget)).toBe(true);
        // A random point: each account a random share of its own room, then lots rounded down.
        const n = wave.ids.length;
        const haircut = new Float64Array(n);
        const room = (i: number): number => (wave.eligible[i] ? Math.min(wave.capacity[i]!, (wave.model.alpha ?? 1) * wave.capacity[i]!) : 0);
        for (let i = 0; i < n; i++) haircut[i] = draw[i]! * room(i);
        // Then topped up, account by account, until B is covered (or everything is taken).
        let short = wave.budget - haircut.reduce((sum, h) => sum + h, 0);
        for (let i = 0; i < n && short > 0; i++) {
          const add = Math.min(short, room(i) - haircut[i]!);
          haircut[i] = haircut[i]! + add;
          short -= add;
        }
        let lots: Int32Array | undefined;
        if (wave.positions) {
          lots = new Int32Array(wave.positions.account.length);
          haircut.fill(0);
          for (let p = 0; p < lots.length; p++) {
            const i = wave.positions.account[p]!;
            lots[p] = wave.eligible[i] ? Math.floor(draw[i]! * (wave.positions.maxLots[p]! + 1) * 0.999) : 0;
            haircut[i] = haircut[i]! + lots[p]! * wave.positions.lotValue[p]!;
          }
        }
        const layers = wave.layers ? juniorFirst(wave.layers.capacity, haircut) : undefined;
        const random = { haircut, ...(lots ? { lots } : {}), ...(layers ? { layers } : {}) };
        if (judgeAllocation(wave, random, optimum).verdict !== "feasible") return;
        compared++;
        expect(lexAtLeast(oracleObjectives(wave, random), optimum.values, true, wave.budget)).toBe(true);
      }),
      { numRuns: 400, seed: 11 },
    );
    // Not vacuous: many random allocations were feasible and compared.
    expect(compared).toBeGreaterThan(60);
  });
});

function juniorFirst(capacity: readonly Float64Array[], haircut: Float64Array): Float64Array[] {
  const layers = capacity.map(() => new Float64Array(haircut.length));
  for (let i = 0; i < haircut.length; i++) {
    let rest = haircut[i]!;
    capacity.forEach((layer, l) => {
      const take = l === capacity.length - 1 ? rest : Math.min(layer[i]!, rest);
      layers[l]![i] = take;
      rest -= take;
    });
  }
  return layers;
}


