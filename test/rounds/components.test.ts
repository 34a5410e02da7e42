/** The pieces of src/tools/rounds against independent computations: projection, mirror descent, contract pro-rata, stability, comparators, scenario files. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/errors.js";
import { getHeuristic, unexpectedViolations } from "../../src/heuristics/index.js";
import { comparatorLoss, dynamicComparator, roundGeometry, staticComparator } from "../../src/tools/rounds/comparators.js";
import { DEFAULT_WEIGHTS, type LossWeights } from "../../src/tools/rounds/loss.js";
import { VectorMirrorDescent, haircutsOf, projectCappedSimplex } from "../../src/tools/rounds/mirror.js";
import { roundWave, type Round } from "../../src/tools/rounds/round.js";
import { runRounds } from "../../src/tools/rounds/run.js";
import { loadRoundsScenario, parseRoundsScenario } from "../../src/tools/rounds/scenario.js";
import { spearman } from "../../src/tools/rounds/stability.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { accountsOf } from "../support/waves.js";

/** The reference's method: bisection on the multiplier (vector_mirror_descent.py:29-98), 200 halvings. */
function bisectProjection(y: number[], w: number[], budget: number): number[] {
  const at = (lambda: number) => y.map((v, i) => Math.min(1, Math.max(0, v - lambda * w[i]!)));
  const mass = (lambda: number) => at(lambda).reduce((s, h, i) => s + h * w[i]!, 0);
  let lo = Math.min(...y.map((v, i) => (v - 1) / w[i]!)) - 1;
  let hi = Math.max(...y.map((v, i) => v / w[i]!)) + 1;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (mass(mid) > budget) lo = mid;
    else hi = mid;
  }
  return at((lo + hi) / 2);
}

describe("projection onto {h in [0,1]^n : w.h = B}", () => {
  it("equals the reference's bisection and hits the budget", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ y: fc.double({ min: -2, max: 2, noNaN: true }), w: fc.double({ min: 0.01, max: 100, noNaN: true }) }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rows, share) => {
          const y = rows.map((r) => r.y);
          const w = rows.map((r) => r.w);
          const budget = share * w.reduce((s, x) => s + x, 0);
          const h = projectCappedSimplex(Float64Array.from(y), Float64Array.from(w), budget);
          const oracle = bisectProjection(y, w, budget);
          // The reference's bisection stops at its own tolerance (about 5e-8 on a fraction).
          h.forEach((v, i) => expect(v).toBeCloseTo(oracle[i]!, 6));
          const x = haircutsOf(h, Float64Array.from(w), budget);
          expect(x.reduce((s, v) => s + v, 0)).toBeCloseTo(budget, 9);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("vector mirror descent learns across rounds", () => {
  it("from h = 0 the first round is the reference's one-shot answer h_i = min(1, c w_i), then the max-burden account is relieved", () => {
    const learner = new VectorMirrorDescent(0.15);
    const ids = ["a", "b"];
    const w = Float64Array.from([1, 3]);
    const first = learner.allocate(ids, w, 2);
    // y = 0: h_i = clip(-lambda w_i) proportional to w (capped): h = (0.2, 0.6), x = (0.2, 1.8).
    expect(first[0]).toBeCloseTo(0.2, 12);
    expect(first[1]).toBeCloseTo(1.8, 12);
    learner.observe(ids, 1, 1);
    const second = learner.allocate(ids, w, 2);
    expect(second[1]!).toBeLessThan(first[1]!);
    expect(second[0]! + second[1]!).toBeCloseTo(2, 12);
  });
});

describe("pro-rata:contracts (the reference's integer contract pro-rata)", () => {
  const positions = (lots: number[], lotValue: number[], market?: string[]) => ({
    file: "p.csv",
    account: Int32Array.from(lots.map((_, p) => p)),
    market: market ?? lots.map(() => "BTC"),
    lotValue: Float64Array.from(lotValue),
    lots: Int32Array.from(lots),
  });
  const wave = (capacity: number[], lots: number[], lotValue: number[], budget: number, market?: string[]) => ({ ...roundWave({ accounts: accountsOf({ capacity }), positions: positions(lots, lotValue, market) }, "t"), budget });

  it("matches contracts_pro_rata_close_integer: Q = ceil(8.6 / 2) = 5 lots over (7, 3, 5) held gives (2, 1, 2)", () => {
    // Oracle: the reference's Python function on the same input returned closed (2, 1, 2), losses (4, 2, 4).
    const w = wave([100, 100, 100], [7, 3, 5], [2, 2, 2], 8.6);
    const allocation = getHeuristic("pro-rata:contracts").allocate(w, { seed: 1 });
    expect(Array.from(allocation.lots!)).toEqual([2, 1, 2]);
    expect(Array.from(allocation.haircut)).toEqual([4, 2, 4]);
    expect(verifyAllocation(w, allocation).ok).toBe(true);
  });

  it("never tops up: an account's cap takes lots back and the rule undershoots, which the verifier reports as declared coverage", () => {
    const w = wave([100, 3, 100], [7, 3, 5], [2, 2, 2], 8.6);
    const rule = getHeuristic("pro-rata:contracts");
    const allocation = rule.allocate(w, { seed: 1 });
    expect(Array.from(allocation.lots!)).toEqual([2, 1, 2]);
    const tight = wave([100, 1, 100], [7, 3, 5], [2, 2, 2], 8.6);
    const short = rule.allocate(tight, { seed: 1 });
    expect(Array.from(short.lots!)).toEqual([2, 0, 2]);
    const verdict = verifyAllocation(tight, short);
    expect(verdict.violations.map((v) => v.constraint)).toEqual(["coverage"]);
    expect(unexpectedViolations(rule, verdict)).toEqual([]);
  });

  it("splits the budget over markets by closable value, and needs lots", () => {
    const w = wave([1e6, 1e6], [10, 10], [1, 3], 8, ["BTC", "ETH"]);
    const allocation = getHeuristic("pro-rata:contracts").allocate(w, { seed: 1 });
    // BTC holds 10 of value 10, ETH 10 of value 30: B_BTC = 2 -> 2 lots, B_ETH = 6 -> 2 lots.
    expect(Array.from(allocation.lots!)).toEqual([2, 2]);
    const plain = { ...roundWave({ accounts: accountsOf({ capacity: [1] }) }, "t"), budget: 1 };
    expect(() => getHeuristic("pro-rata:contracts").allocate(plain, { seed: 1 })).toThrow(ModelError);
  });
});

describe("rank stability", () => {
  it("is Spearman's rho with average ranks for ties, undefined for a constant list", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]) = 0.9486832980505138
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(0.9486832980505138, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1], [1])).toBeNull();
  });
});

describe("comparators against a brute-force grid", () => {
  const make = (capacity: number[], deficit: number, needed: number, equity?: number[]): Round => ({
    label: "r",
    deficit,
    needed,
    wave: roundWave({ accounts: accountsOf({ capacity, ...(equity ? { equity } : {}) }) }, "t"),
  });
  const arbitraryRounds = fc.array(
    fc.record({
      capacity: fc.array(fc.double({ min: 0.5, max: 50, noNaN: true }), { minLength: 1, maxLength: 4 }),
      deficit: fc.double({ min: 1, max: 100, noNaN: true }),
      neededShare: fc.double({ min: 0, max: 1.2, noNaN: true }),
    }),
    { minLength: 1, maxLength: 5 },
  );

  it.each<[string, Partial<LossWeights>]>([
    ["symmetric, capacity base", {}],
    ["asymmetric, heavy fairness", { under: 3, over: 0.5, fair: 40 }],
    ["equity base", { fractionBase: "equity", fair: 20 }],
  ])("%s: no grid point beats them, and they are attained", (_, partial) => {
    const weights = { ...DEFAULT_WEIGHTS, ...partial };
    fc.assert(
      fc.property(arbitraryRounds, (spec) => {
        const rounds = spec.map((r) => make(r.capacity, r.deficit, r.deficit * r.neededShare, r.capacity.map((c) => 1.5 * c)));
        const geometry = rounds.map((r) => roundGeometry(r, weights));
        const slack = 1e-6;
        rounds.forEach((round, t) => {
          const best = dynamicComparator(round, geometry[t]!, weights);
          for (let k = 0; k <= 400; k++) expect(best.loss).toBeLessThanOrEqual(comparatorLoss(round, geometry[t]!, (k / 400) * geometry[t]!.reach, weights) + slack);
          expect(comparatorLoss(round, geometry[t]!, best.budget, weights)).toBeCloseTo(best.loss, 9);
        });
        const fixed = staticComparator(rounds, geometry, weights);
        for (let k = 0; k <= 400; k++) {
          const theta = k / 400;
          const loss = rounds.reduce((s, r, t) => s + comparatorLoss(r, geometry[t]!, theta * r.deficit, weights), 0);
          expect(fixed.loss).toBeLessThanOrEqual(loss + slack);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("rounds scenario files", () => {
  it("runs per-round files with production haircuts: the default policies, every allocation verified", async () => {
    const scenario = loadRoundsScenario("test/rounds/fixtures/two-rounds.yaml");
    const result = await runRounds(await scenario.load(), scenario.policies, { weights: scenario.weights });
    expect(result.policies.map((p) => p.name)).toContain("production");
    const production = result.policies.find((p) => p.name === "production")!;
    // H = 40 and 40 against needs 30 and 36: tracking 10 + 4; fractions 40/100 and 30/80.
    expect(production.tracking).toBeCloseTo(14, 12);
    expect(production.fairness).toBeCloseTo(10 * (0.4 + 0.375), 12);
    for (const p of result.policies) expect(p.verified.accepted, p.name).toBe(2);
    // theta_need = 0.3, 0.45: P = 0.15; bound = sqrt(1.3 * (100^2 + 80^2)).
    expect(result.bound).toBeCloseTo(Math.sqrt(1.3 * (100 ** 2 + 80 ** 2)), 9);
  });

  it("fractionBase equity divides by the equity column (the reference's measure); severity estimate reads B̂", async () => {
    const text = `name: equity
rounds:
  - { deficit: 100, needed: 30, estimate: 20, accounts: r1.csv, productionHaircuts: r1-prod.csv }
  - { deficit: 80, needed: 36, estimate: 40, accounts: r2.csv, productionHaircuts: r2-prod.csv }
fractionBase: equity
weights: { under: 2, over: 1, fair: 10 }
policies:
  - { name: production, severity: production, allocation: production }
  - { name: estimate, severity: estimate, allocation: pro-rata:wealth }
`;
    const scenario = parseRoundsScenario(text, "test/rounds/fixtures/equity.yaml");
    const result = await runRounds(await scenario.load(), scenario.policies, { weights: scenario.weights });
    const [production, estimate] = result.policies;
    // Round 1: alice 40/400; round 2: bob 10/90 beats alice 30/300. Overshoot 10 and 4 at weight 1.
    expect(production!.fairness).toBeCloseTo(10 * (0.1 + 10 / 90), 12);
    expect(production!.tracking).toBeCloseTo(14, 12);
    // Estimate: B = 20 then 40; undershoot 10 at weight 2, overshoot 4 at weight 1.
    expect(estimate!.tracking).toBeCloseTo(2 * 10 + 4, 9);
    expect(result.rows.filter((r) => r.policy === "estimate").map((r) => r.budget)).toEqual([20, 40]);
  });

  it("bad files are placed errors", () => {
    expect(() => parseRoundsScenario("name: x\nrounds:\n  - { deficit: -1, needed: 1, accounts: a.csv }\n", "bad.yaml")).toThrow(/bad\.yaml:3:\d+/);
    expect(() => parseRoundsScenario("name: x\n", "none.yaml")).toThrow(/exactly one of rounds .* or simulate/);
    expect(() => parseRoundsScenario("name: x\nsimulate: { scenario: s.yaml, mechanism: queue:bitmex }\npolicies:\n  - { name: p, severity: 1.5, allocation: minmax }\n", "p.yaml")).toThrow(ModelError);
    expect(() => parseRoundsScenario("name: x\nsimulate: { scenario: s.yaml, mechanism: queue:bitmex }\npolicies:\n  - { name: p, severity: ogd, allocation: pro-rata:welth }\n", "h.yaml")).toThrow(/h\.yaml:4:\d+.*policies\[0\]\.allocation.*did you mean "pro-rata:wealth"/);
  });
});
