/**
 * Numeric extremes: amounts spanning 18 orders of magnitude in one wave, budgets at (and one ulp
 * around) the capacity sum, thousands of ties, one account, 10^6 accounts, and waves of a few cents.
 * Every answer is held to the verifier (1e-9 · max(1, B, max c) absolute, 1e-9 relative) and to the
 * known optimum: account counts exactly, fractions and dollar objectives to a relative 1e-6.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Wave } from "../../src/domain.js";
import { solveDedicated } from "../../src/pipeline/exact/index.js";
import { getHeuristic } from "../../src/heuristics/index.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import type { BackendName } from "../../src/pipeline/backends/backend.js";
import { solveWave, type SolveResult } from "../../src/pipeline/solve/solve.js";
import { unitFactor } from "../../src/pipeline/solve/units.js";
import { absTol, relTol } from "../../src/floor/numeric/tolerance.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { makeWave, type ObjectiveShorthand } from "../exact/make-wave.js";

afterAll(async () => {
  await closeBackends();
});

/** Relative agreement of objectives, as stated in the module comment. */
const RELATIVE = 1e-6;

const minmax: ObjectiveShorthand[] = [{ kind: "minmax" }];
const sparsity: ObjectiveShorthand[] = [{ kind: "sparsity" }];
const convex: ObjectiveShorthand[] = [{ kind: "convex", phi: { kind: "piecewise", points: [[0, 0], [0.5, 0.25], [1, 1]] } }];
const sparsityOvershoot: ObjectiveShorthand[] = [{ kind: "sparsity" }, { kind: "overshoot" }];

/**
 * GLPK returns vectors that break rows on the widest waves (seen: 1e-6..1e12 minmax, and B = the
 * capacity sum with capacities 1e-6, 1e12, 3.5); the robust layer catches them as garbage, so its
 * route may fall back to HiGHS, and the attempts must say so whenever it does.
 */
const routes: { name: string; path: "auto" | "mip"; backend: BackendName; fallbacks: BackendName[] }[] = [
  { name: "auto", path: "auto", backend: "highs", fallbacks: [] },
  { name: "mip/highs", path: "mip", backend: "highs", fallbacks: [] },
  { name: "mip/glpk", path: "mip", backend: "glpk", fallbacks: ["highs"] },
];

/** Any attempt that is not "ok" must be followed by one that is, and the answer names the backend that gave it. */
function expectHonestAttempts(result: SolveResult): void {
  const attempts = result.solver.attempts;
  if (attempts.length === 0) return;
  expect(attempts[attempts.length - 1]!.outcome).toBe("ok");
  for (const attempt of attempts) if (attempt.outcome !== "ok") expect(attempt.outcome).toBe("garbage");
  expect(result.solver.name).toBe(attempts[attempts.length - 1]!.backend);
}

function expectVerified(wave: Wave, result: SolveResult): void {
  expect(result.status, result.message).toBe("optimal");
  expect(result.verified?.ok).toBe(true);
  expect(verifyAllocation(wave, result.allocation!).ok).toBe(true);
  expect(result.verified!.tolerance.absolute).toBe(absTol);
  expectHonestAttempts(result);
}

function expectObjectives(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, s) => expect(Math.abs(value - expected[s]!)).toBeLessThanOrEqual(RELATIVE * Math.max(1e-12, Math.abs(expected[s]!))));
}

describe("capacities from 1e-6 to 1e12 in one wave", () => {
  const capacity = Array.from({ length: 19 }, (_, k) => 10 ** (k - 6));
  const total = capacity.reduce((a, b) => a + b, 0);
  it.each(routes)("$name: minmax, sparsity and PWL convex agree with the dedicated algorithms", async ({ path, backend, fallbacks }) => {
    for (const objectives of [minmax, sparsity, convex]) {
      for (const share of [1e-9, 0.3, 0.999]) {
        const wave = makeWave({ capacity, budget: share * total, objectives });
        const result = await solveWave(wave, { path, backend, fallbacks });
        const dedicated = solveDedicated(wave)!;
        const optimum = verifyAllocation(wave, dedicated.allocation).objectives;
        if (path === "mip" && objectives !== sparsity && result.status === "feasible") {
          // Known limit (see the report): a row h_i <= t s_i holds within the solver's absolute
          // tolerance, so an account of 1e-6 (1e-12 in solver units) may be taken whole for free: the
          // max fraction reads 1, the PWL cost 1e-4 too high. Never reported optimal: the dedicated
          // algorithm refutes it.
          expect(result.verified?.ok).toBe(true);
          expect(result.message).toMatch(/claim of optimality is refuted: the dedicated algorithm/);
          expect(result.objective[0]).toBeGreaterThan(optimum[0]!);
          continue;
        }
        expectVerified(wave, result);
        expectObjectives(result.objective, optimum);
      }
    }
  });
});

describe("budgets at the capacity sum, and one ulp either side", () => {
  const nextUp = (x: number): number => x + Math.max(Number.MIN_VALUE, Math.abs(x) * Number.EPSILON);
  const nextDown = (x: number): number => x - Math.max(Number.MIN_VALUE, Math.abs(x) * Number.EPSILON);
  const cases = [
    [0.1, 0.2, 0.3],
    [1e-6, 1e12, 3.5],
    [7, 7, 7, 7],
  ];
  it.each(routes)("$name: every account is taken in full (within the verifier's tolerance)", async ({ path, backend, fallbacks }) => {
    for (const capacity of cases) {
      const sum = capacity.reduce((a, b) => a + b, 0);
      for (const budget of [sum, nextUp(sum), nextDown(sum)]) {
        for (const objectives of [minmax, sparsityOvershoot]) {
          const wave = makeWave({ capacity, budget, objectives });
          const result = await solveWave(wave, { path, backend, fallbacks });
          expectVerified(wave, result);
          const h = result.allocation!.haircut;
          // Coverage's allowance comes from B alone: all accounts together may fall short of their capacities by that much.
          capacity.forEach((c, i) => expect(Math.abs(h[i]! - c)).toBeLessThanOrEqual(2 * (absTol + relTol * sum)));
          // Touched means a positive haircut.
          if (objectives === minmax) expect(result.objective[0]).toBeCloseTo(1, 6);
          else {
            // An account smaller than coverage's allowance need not be touched; every larger one must be.
            expect(result.objective[0]).toBeLessThanOrEqual(capacity.filter((c) => c > 0).length);
            expect(result.objective[0]).toBeGreaterThanOrEqual(capacity.filter((c) => c > 2 * (absTol + relTol * sum)).length);
          }
        }
      }
    }
  });

  it("two ulps of the tolerance above the sum is a certificate, not a solve", async () => {
    const wave = makeWave({ capacity: [1, 2, 3], budget: 6 + 3 * absTol, objectives: minmax });
    const result = await solveWave(wave, { path: "mip" });
    expect(result.status).toBe("infeasible");
    expect(result.certificate.broken.map((b) => b.promise)).toContain("capacity");
  });
});

describe("ties", () => {
  // The MIP of n equal capacities is all symmetry: HiGHS did not prove 501 for n = 2,000 within 60 s
  // (answered "feasible", honestly). The MIP routes get n = 60 (n = 200 took 18 s on HiGHS); the auto route n = 2,000.
  it.each(routes)("$name: equal capacities: ceil(B) accounts for B = n/4 + 0.5, fraction B / n", async ({ name, path, backend, fallbacks }) => {
    const n = name === "auto" ? 2000 : 60;
    const capacity = new Array<number>(n).fill(1);
    const budget = n / 4 + 0.5;
    const sparse = makeWave({ capacity, budget, objectives: sparsity });
    const l0 = await solveWave(sparse, { path, backend, fallbacks, timeLimitSeconds: 30 });
    expectVerified(sparse, l0);
    expect(l0.objective).toEqual([Math.ceil(budget)]);
    const fair = makeWave({ capacity, budget, objectives: minmax });
    const pro = await solveWave(fair, { path, backend, fallbacks, timeLimitSeconds: 30 });
    expectVerified(fair, pro);
    expectObjectives(pro.objective, [budget / n]);
  }, 120_000);

  it("equal scores on the auto path are split exactly pro-rata (leximin): every fraction is the same", async () => {
    const wave = makeWave({ capacity: new Array<number>(5000).fill(3), budget: 1234.5, objectives: minmax });
    const result = await solveWave(wave, { path: "auto" });
    expectVerified(wave, result);
    for (const h of result.allocation!.haircut) expect(h).toBeCloseTo(1234.5 / 5000, 12);
  });
});

describe("one account and 10^6 accounts", () => {
  it.each(routes)("$name: one account", async ({ path, backend, fallbacks }) => {
    for (const objectives of [minmax, sparsityOvershoot, convex]) {
      const wave = makeWave({ capacity: [5], budget: 2, objectives });
      const result = await solveWave(wave, { path, backend, fallbacks });
      expectVerified(wave, result);
      expect(result.allocation!.haircut[0]).toBeCloseTo(2, 9);
    }
  });

  it("10^6 accounts: the dedicated path and two heuristics, verified (their speed is bench/mechanisms.ts)", async () => {
    const n = 1_000_000;
    const capacity = new Float64Array(n);
    // Heavy-tailed but deterministic: c_i = 1e6 / (i + 1)^1.2, spanning about 7 orders of magnitude.
    for (let i = 0; i < n; i++) capacity[i] = 1e6 / (i + 1) ** 1.2;
    let total = 0;
    for (const c of capacity) total += c;
    const base = makeWave({ capacity: [1], budget: 1 });
    const waveOf = (objective: "minmax" | "sparsity"): Wave => ({
      ...base,
      model: { ...base.model, objective: [objective === "minmax" ? { kind: "minmax", scale: "capacity" } : { kind: "sparsity" }] },
      ids: Array.from({ length: n }, (_, i) => `a${i}`),
      budget: 0.25 * total,
      capacity,
      eligible: new Uint8Array(n).fill(1),
      upper: capacity,
      objectives: [objective === "minmax" ? { kind: "minmax", scale: capacity } : { kind: "sparsity" }],
      columns: new Map([["capacity", capacity]]),
    });
    const fair = waveOf("minmax");
    const pro = await solveWave(fair, { path: "auto" });
    expectVerified(fair, pro);
    expect(pro.path).toMatch(/^dedicated:/);
    expectObjectives(pro.objective, [0.25]);
    const sparse = waveOf("sparsity");
    const queue = await solveWave(sparse, { path: "auto" });
    expectVerified(sparse, queue);
    // The largest capacities first: the least prefix of the sorted capacities that covers B.
    let taken = 0;
    let k = 0;
    while (taken < sparse.budget) taken += capacity[k++]!;
    expect(queue.objective).toEqual([k]);
    for (const name of ["pro-rata:wealth", "queue:capacity"]) {
      const allocation = getHeuristic(name).allocate(fair, { seed: 1 });
      expect(verifyAllocation(fair, allocation).ok).toBe(true);
    }
  }, 60_000);
});

describe("waves of a few dollars or cents (solved in scaled money units, verified in the original ones)", () => {
  it("the reported case: capacities 1 and 6, B = 0.14, min max fraction with K = 2, on HiGHS", async () => {
    const wave = makeWave({ capacity: [1, 6], budget: 0.14, objectives: minmax, maxAccounts: 2 });
    expect(unitFactor(wave)).toBe(2 ** 17);
    const result = await solveWave(wave, { path: "mip", backend: "highs", fallbacks: [] });
    expectVerified(wave, result);
    expectObjectives(result.objective, [0.02]);
    expect(result.stages[0]!.value).toBeCloseTo(0.02, 9);
  });

  it.each(["highs", "glpk"] as const)("%s: random waves of cents are optimal and agree with the closed forms", async (backend) => {
    const cents = fc.integer({ min: 1, max: 900 }).map((c) => c / 100);
    await fc.assert(
      fc.asyncProperty(fc.array(cents, { minLength: 1, maxLength: 6 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.constantFrom(minmax, sparsityOvershoot, convex), async (capacity, share, objectives) => {
        const total = capacity.reduce((a, b) => a + b, 0);
        const wave = makeWave({ capacity, budget: Math.round(share * total * 100) / 100 || 0.01, objectives, maxAccounts: capacity.length });
        const result = await solveWave(wave, { path: "mip", backend, fallbacks: [] });
        expectVerified(wave, result);
        const dedicated = solveDedicated(makeWave({ capacity, budget: wave.budget, objectives }));
        if (dedicated && objectives.length === 1) expectObjectives(result.objective, verifyAllocation(wave, dedicated.allocation).objectives);
      }),
      { numRuns: 40, seed: 42 },
    );
  }, 120_000);
});
