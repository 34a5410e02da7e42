/**
 * Exact exposure curves against the mechanism itself: on random small waves, every account's
 * closed-form haircut equals what solveWave (for a model) or allocate (for a heuristic) gives when
 * the wave is re-solved at that budget — at every breakpoint, halfway between consecutive
 * breakpoints, and at random budgets — and the curves are monotone where the model guarantees it.
 * Sampled curves (lots-minmax) equal a fresh solve at every sampled budget.
 */
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Model, Wave } from "../../src/domain.js";
import { curveOf, exposureCurve, exposureFamily, exposureHaircut, exposureSummaries, type ExposureFamily } from "../../src/tools/exposure/index.js";
import { exactMechanism, heuristicMechanism, type Mechanism } from "../../src/mechanism/index.js";
import { getHeuristic } from "../../src/heuristics/index.js";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { accountsOf, arbitraryAccounts, modelOf, waveOf, type RandomAccounts } from "../support/waves.js";

const runs = { numRuns: Number(process.env.RUNS ?? 120) };
const model = (name: string): Model => loadModel(fileURLToPath(new URL(`../../models/${name}.yaml`, import.meta.url)));

/** A random wave for `base`, optionally with an alpha cap, an eligibility rule and a side column. */
function randomWave(base: Model, random: RandomAccounts, extra: { alpha?: number; eligibility?: boolean; sides?: readonly number[] }): Wave {
  const n = random.capacity.length;
  const columns: Record<string, readonly number[]> = {
    capacity: random.capacity,
    risk_weight: random.risk_weight,
    lot_value: random.lot_value,
    lots: random.lots,
    // A score unrelated to capacity, with ties, for queue:score.
    score: random.lots.map((q, i) => (q * 7 + i * 3) % 5),
    ...(extra.sides ? { side: Array.from({ length: n }, (_, i) => extra.sides![i % extra.sides!.length]!) } : {}),
  };
  const m: Model = {
    ...base,
    ...(extra.alpha !== undefined ? { alpha: extra.alpha } : {}),
    // Binding rejects a rule that admits nobody; the rule is only added when it admits someone.
    ...(extra.eligibility && random.capacity.some((c) => c >= 3) ? { eligibility: { source: "capacity >= 3", where: "test" } } : {}),
  };
  const total = random.capacity.reduce((a, b) => a + b, 0);
  return waveOf(m, accountsOf(columns), random.budgetShare * total);
}

const options = fc.record({
  alpha: fc.option(fc.constantFrom(0.3, 0.5, 1), { nil: undefined }),
  eligibility: fc.boolean(),
  sides: fc.option(fc.constantFrom([1], [1, -1], [1, -1, 0], [-1, -1, 1]), { nil: undefined }),
});

/** Budgets to probe: every kink of every account, midpoints between consecutive kinks, a few random ones, the ends. */
function probeBudgets(family: ExposureFamily, extra: readonly number[]): number[] {
  const from = family.range.from;
  const top = family.answeredTo;
  const kinks = new Set<number>([from, top, ...extra.filter((b) => b >= from && b <= top)]);
  for (let j = 0; j < family.ids.length; j++) for (const p of curveOf(family, j).points) kinks.add(p.budget);
  const sorted = [...kinks].sort((a, b) => a - b);
  const mids = sorted.slice(1).map((b, k) => (b + sorted[k]!) / 2);
  return [...sorted, ...mids].sort((a, b) => a - b);
}

async function mechanismHaircut(wave: Wave, mechanism: Mechanism, budget: number, seed = 1): Promise<Float64Array> {
  const at = { ...wave, budget };
  if (mechanism.rule) return mechanism.rule.allocate(at, { seed }).haircut;
  const result = await solveWave(at, { path: "auto" });
  expect(result.status, result.message).toBe("optimal");
  return result.allocation!.haircut;
}

/** Exact family == mechanism at every probe; monotone; one account's curve points == mechanism; summaries consistent. */
async function agrees(wave: Wave, mechanism: Mechanism, algorithm: RegExp, extraBudgets: readonly number[], seed = 1): Promise<void> {
  const family = await exposureFamily(wave, mechanism, { seed });
  expect(family.notes).toEqual([]);
  expect(family.method).toBe("exact-breakpoints");
  expect(family.algorithm).toMatch(algorithm);
  const tol = 4 * comparisonTolerance({ ...wave, budget: family.range.to });
  const budgets = probeBudgets(family, extraBudgets.map((share) => share * family.range.to));
  const previous = new Float64Array(wave.ids.length);
  for (const budget of budgets) {
    const expected = await mechanismHaircut(wave, mechanism, budget, seed);
    const mismatch = expected.findIndex((h, j) => !(Math.abs(exposureHaircut(family, j, budget) - h) <= tol));
    if (mismatch >= 0) {
      throw new Error(`B = ${budget}, account ${mismatch}: curve ${exposureHaircut(family, mismatch, budget)}, mechanism ${expected[mismatch]} (${family.algorithm})`);
    }
    for (let j = 0; j < wave.ids.length; j++) {
      const h = exposureHaircut(family, j, budget);
      // Monotone non-decreasing in B: exactly, on the form (no tolerance needed).
      expect(h).toBeGreaterThanOrEqual(previous[j]!);
      previous[j] = h;
    }
  }
  // One account through the single-curve API: the same values as the family (whose agreement with
  // the mechanism at every one of these budgets was checked above: the probes include every kink).
  const j = wave.ids.length - 1;
  const curve = await exposureCurve(wave, j, mechanism, { seed });
  expect(curve.points.map((p) => p.budget)).toEqual(curveOf(family, j).points.map((p) => p.budget));
  for (const p of curve.points) expect(p.haircut).toBe(exposureHaircut(family, j, p.budget));
  // Summaries read off the form agree with the curve's own points.
  const summaries = exposureSummaries(family);
  for (let k = 0; k < wave.ids.length; k++) {
    const points = curveOf(family, k).points;
    const top = points[points.length - 1]!;
    const summary = summaries[k]!;
    expect(summary.worstCase!.haircut).toBe(top.haircut);
    let steepest = 0;
    for (let t = 1; t < points.length; t++) {
      const run = points[t]!.budget - points[t - 1]!.budget;
      if (run > 1e-9) steepest = Math.max(steepest, (points[t]!.haircut - points[t - 1]!.haircut) / run);
    }
    expect(Math.abs(summary.maxSlope.size - steepest)).toBeLessThanOrEqual(1e-6 * Math.max(1, steepest));
    if (summary.firstTouched !== null) {
      expect(exposureHaircut(family, k, Math.min(family.answeredTo, summary.firstTouched + 1e-6))).toBeGreaterThan(family.touchTolerance);
      if (summary.firstTouched > family.range.from) expect(exposureHaircut(family, k, Math.max(0, summary.firstTouched - 1e-6))).toBeLessThanOrEqual(family.touchTolerance + 1e-12);
    }
  }
}

const shares = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 4 });

describe("exact exposure curves equal re-solving at each budget", () => {
  it("pro-rata (models/pro-rata.yaml: minmax, scale capacity) — water-filling", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ maxN: 7 }), options, shares, async (random, extra, budgets) => {
        await agrees(randomWave(model("pro-rata"), random, extra), exactMechanism(), /^water-filling$/, budgets);
      }),
      runs,
    );
  });

  it("risk-weighted (models/risk-weighted.yaml: minmax, scale risk_weight * capacity) — water-filling", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ maxN: 7 }), options, shares, async (random, extra, budgets) => {
        await agrees(randomWave(model("risk-weighted"), random, extra), exactMechanism(), /^water-filling$/, budgets);
      }),
      runs,
    );
  });

  it("the L0 queue (models/queue-l0.yaml: sparsity) — greedy ramp", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ maxN: 7 }), options, shares, async (random, extra, budgets) => {
        await agrees(randomWave(model("queue-l0"), random, extra), exactMechanism(), /^greedy-l0$/, budgets);
      }),
      runs,
    );
  });

  it("convex x^2 (models/convex-quadratic.yaml) and x^3 with weight 1 — KKT water level", async () => {
    const cubic = modelOf({ name: "cubic-unweighted", objective: [{ kind: "convex", phi: { kind: "power", p: 3 }, weight: { source: "1", where: "test" } }] });
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ maxN: 6 }), options, shares, fc.boolean(), async (random, extra, budgets, unweighted) => {
        await agrees(randomWave(unweighted ? cubic : model("convex-quadratic"), random, extra), exactMechanism(), /^kkt-convex$/, budgets);
      }),
      { numRuns: Math.ceil(runs.numRuns / 2) },
    );
  });

  it.each(["queue:capacity", "queue:score(score)", "walk:dydx", "pro-rata:wealth", "risk-weighted"])("heuristic %s — its own order / water level", async (name) => {
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ maxN: 7 }), options, shares, fc.integer({ min: 0, max: 1000 }), async (random, extra, budgets, seed) => {
        const wave = randomWave(model("pro-rata"), random, extra);
        await agrees(wave, heuristicMechanism(getHeuristic(name)), /^(queue|walk|capped-pro-rata)$/, budgets, seed);
      }),
      { numRuns: Math.ceil(runs.numRuns / 2) },
    );
  });

  it("at n = 1,500 with heavy ties (the radix ranking path) the water level and the ramp still agree", async () => {
    const n = 1500;
    const capacity = Array.from({ length: n }, (_, i) => [0, 1, 2.5, 7, 40, 300][(i * 7919) % 6]! * (1 + (i % 3)));
    const risk_weight = Array.from({ length: n }, (_, i) => 1 + (i % 4));
    const accounts = accountsOf({ capacity, risk_weight });
    for (const [name, algorithm] of [["risk-weighted", /^water-filling$/], ["queue-l0", /^greedy-l0$/]] as const) {
      const wave = waveOf({ ...model(name), alpha: 0.6 }, accounts, 1);
      const family = await exposureFamily(wave, exactMechanism());
      expect(family.algorithm).toMatch(algorithm);
      const tol = 4 * comparisonTolerance({ ...wave, budget: family.range.to });
      for (const share of [0.001, 0.05, 0.2, 0.5, 0.77, 0.99, 1]) {
        const budget = share * family.answeredTo;
        const expected = await mechanismHaircut(wave, exactMechanism(), budget);
        let worst = 0;
        for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(exposureHaircut(family, j, budget) - expected[j]!));
        expect(worst).toBeLessThanOrEqual(tol);
      }
    }
  });
});

describe("sampled exposure curves", () => {
  it("lots-minmax (models/lots-minmax.yaml): each point is a fresh solve at that budget; infeasible budgets end the curve", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ maxN: 6 }), fc.integer({ min: 0, max: 5 }), async (random, j0) => {
        const wave = randomWave(model("lots-minmax"), random, {});
        const j = j0 % wave.ids.length;
        const total = random.capacity.reduce((a, b) => a + b, 0);
        const curve = await exposureCurve(wave, j, exactMechanism(), { budgets: { from: 0, to: total + 1, steps: 6 } });
        expect(curve.method).toBe("sampled");
        expect(curve.notes.join(" ")).toMatch(/lots/);
        // The range goes past everything the wave holds: the last budget at least is infeasible.
        expect(curve.ended).not.toBeNull();
        expect(curve.ended!.reason).toMatch(/infeasible/);
        expect(curve.points.length).toBeLessThan(7);
        for (const p of curve.points) {
          const result = await solveWave({ ...wave, budget: p.budget });
          expect(result.status).toBe("optimal");
          expect(p.haircut).toBe(result.allocation!.haircut[j]);
        }
        const next = await solveWave({ ...wave, budget: curve.ended!.budget });
        expect(next.status).toBe("infeasible");
      }),
      { numRuns: Math.ceil(runs.numRuns / 2) },
    );
  });
});

/** Two computations of one curve agree to 1e-9 of the wave's largest amount (a comparison of two numerical paths, not a feasibility check). */
function comparisonTolerance(wave: Wave): number {
  let scale = Math.max(1, Math.abs(wave.budget));
  for (const c of wave.capacity) if (c > scale && Number.isFinite(c)) scale = c;
  return 1e-9 * scale;
}
