import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Wave } from "../../src/domain.js";
import { coverageFrontier } from "../../src/tools/frontier/coverage.js";
import { closedFormApplies, maxAccountsFrontier, maxAccountsWave } from "../../src/tools/frontier/max-accounts.js";
import { placeOnFrontier } from "../../src/tools/frontier/place.js";
import { scaleUnits, unitFactor, unscaleAllocation } from "../../src/pipeline/solve/units.js";
import { getHeuristic } from "../../src/heuristics/index.js";
import { allocationMetrics } from "../../src/pipeline/metrics/allocation.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";
import { bruteMaxFraction, bruteTouched, type SmallWave } from "./brute-force.js";

const minmax = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] });

/** The SmallWave as a bound wave: eligibility by a column, alpha and lots from the model. */
function bind(small: SmallWave): Wave {
  const model = modelOf({
    objective: [{ kind: "minmax", scale: "capacity" }],
    eligibility: { source: "ok > 0", where: "test" },
    ...(small.alpha < 1 ? { alpha: small.alpha } : {}),
    ...(small.lots ? { lots: { source: "columns" as const, lotValue: "lot_value", lots: "lots" } } : {}),
  });
  const columns: Record<string, number[]> = {
    capacity: [...small.capacity],
    ok: small.eligible.map((e) => (e ? 1 : 0)),
    risk_weight: small.capacity.map((_, i) => 1 + (i % 3)),
  };
  if (small.lots) {
    columns.lot_value = [...small.lots.lotValue];
    columns.lots = [...small.lots.maxLots];
  }
  return waveOf(model, accountsOf(columns), small.budget);
}

function arbitrarySmallWave(options: { maxN: number; lots: boolean }): fc.Arbitrary<SmallWave> {
  return fc
    .record({
      rows: fc.array(
        fc.record({
          capacity: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.constant(10)),
          eligible: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          lotValue: fc.constantFrom(0.5, 1, 2, 3, 5),
          maxLots: fc.integer({ min: 0, max: 12 }),
        }),
        { minLength: 1, maxLength: options.maxN },
      ),
      alpha: fc.constantFrom(1, 1, 0.5, 0.75),
      share: fc.double({ min: 0.02, max: 0.9, noNaN: true }),
    })
    .filter(({ rows }) => rows.some((r) => r.eligible && r.capacity > 0))
    .map(({ rows, alpha, share }) => {
      const eligibleTotal = rows.reduce((sum, r) => sum + (r.eligible ? r.capacity : 0), 0);
      return {
        capacity: rows.map((r) => r.capacity),
        eligible: rows.map((r) => r.eligible),
        alpha,
        budget: Math.round(share * eligibleTotal * 100) / 100,
        ...(options.lots ? { lots: { lotValue: rows.map((r) => r.lotValue), maxLots: rows.map((r) => r.maxLots) } } : {}),
      };
    });
}

const close = (a: number | null, b: number | null): boolean => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b)));

describe("maxAccountsFrontier on the worked example", () => {
  const wave = waveOf(minmax, accountsOf({ capacity: [8, 4, 0.5] }), 7.5);

  it.each(["closed-form", "mip"] as const)("%s: B / (sum of the K largest capacities)", async (method) => {
    const { points, seconds } = await maxAccountsFrontier(wave, { ks: [1, 2, 3], method });
    expect(points.map((p) => p.status)).toEqual(["optimal", "optimal", "optimal"]);
    expect(points[0]!.y).toBeCloseTo(7.5 / 8, 9);
    expect(points[1]!.y).toBeCloseTo(7.5 / 12, 9);
    expect(points[2]!.y).toBeCloseTo(7.5 / 12.5, 9);
    expect(points.map((p) => p.x)).toEqual([1, 2, 3]);
    expect(seconds).toBeGreaterThanOrEqual(0);
    for (const point of points) expect(verifyAllocation(maxAccountsWave(wave, point.x), point.allocation!).ok).toBe(true);
  });

  it("alpha 0.5: K accounts whose B / S_K exceeds alpha are infeasible", async () => {
    const capped = waveOf(modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], alpha: 0.5 }), accountsOf({ capacity: [8, 4, 0.5] }), 5);
    for (const method of ["closed-form", "mip"] as const) {
      const { points } = await maxAccountsFrontier(capped, { ks: [1, 2], method });
      expect(points[0]).toMatchObject({ x: 1, y: null, status: "infeasible" });
      expect(points[1]!.y).toBeCloseTo(5 / 12, 9);
    }
  });

  it("a seniority ladder comes first: the MIP, not the closed form (hand-checked)", async () => {
    // gains 6 / principal 4 and gains 1 / principal 5; B = 5. K = 1: account 0 pays 5 from gains, 5/10.
    // K = 2: principal stays 0, so account 1 gives at most its 1 of gains: 10 t + min(1, 6 t) = 5, t = 0.4
    // (without the ladder it would be 5 / 16).
    const ladder = waveOf(
      modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], seniority: ["gains", "principal"] }),
      accountsOf({ gains: [6, 1], principal: [4, 5] }),
      5,
    );
    expect(closedFormApplies(ladder)).toBe(false);
    const { points } = await maxAccountsFrontier(ladder, { ks: [1, 2] });
    expect(points.map((p) => p.path)).toEqual(["mip:highs", "mip:highs"]);
    expect(points[0]!.y).toBeCloseTo(0.5, 9);
    expect(points[1]!.y).toBeCloseTo(0.4, 9);
    await expect(maxAccountsFrontier(ladder, { ks: [1], method: "closed-form" })).rejects.toThrow(/frontier\.method/);
  });

  it("a wave of a few dollars: the MIP point is solved in scaled units and verified in the original ones", async () => {
    // Regression: unscaled, HiGHS returned h = (0.02, 0.12) - 1e-7 for K = 2, short of B = 0.14 by
    // 1e-7 > the verifier's 6e-9, and the point was an error.
    const few = waveOf(minmax, accountsOf({ capacity: [1, 6] }), 0.14);
    expect(unitFactor(few)).toBe(2 ** 17);
    const { points } = await maxAccountsFrontier(few, { ks: [1, 2], method: "mip" });
    expect(points.map((p) => p.status)).toEqual(["optimal", "optimal"]);
    expect(points[1]!.y).toBeCloseTo(0.02, 9);
    const scaled = scaleUnits(maxAccountsWave(few, 2), unitFactor(few));
    expect(scaled.budget).toBe(0.14 * 2 ** 17);
    expect(unscaleAllocation({ haircut: scaled.capacity }, unitFactor(few)).haircut).toEqual(few.capacity);
  });

  it("rejects a K that is not a whole number >= 1", async () => {
    await expect(maxAccountsFrontier(wave, { ks: [0] })).rejects.toThrow(/frontier\.ks\[0\]: expected a whole number of accounts >= 1; found 0/);
  });
});

describe("maxAccountsFrontier equals brute force over subsets (n <= 8)", () => {
  it("without lots: closed form = MIP = brute force, nonincreasing in K", async () => {
    await fc.assert(
      fc.asyncProperty(arbitrarySmallWave({ maxN: 8, lots: false }), async (small) => {
        const wave = bind(small);
        const ks = Array.from({ length: small.capacity.length }, (_, k) => k + 1);
        const closed = await maxAccountsFrontier(wave, { ks, method: "closed-form" });
        const mip = await maxAccountsFrontier(wave, { ks, method: "mip" });
        for (const [k, K] of ks.entries()) {
          const expected = bruteMaxFraction(small, K);
          expect(close(closed.points[k]!.y, expected)).toBe(true);
          expect(close(mip.points[k]!.y, expected)).toBe(true);
          expect(closed.points[k]!.status).toBe(expected === null ? "infeasible" : "optimal");
          expect(mip.points[k]!.status).toBe(expected === null ? "infeasible" : "optimal");
          if (k > 0 && closed.points[k - 1]!.y !== null) expect(closed.points[k]!.y!).toBeLessThanOrEqual(closed.points[k - 1]!.y! + 1e-12);
        }
      }),
      { numRuns: 25, seed: 20251125 },
    );
  }, 120_000);

  it("with lots: the MIP = brute force (the K largest capacities are not optimal there)", async () => {
    await fc.assert(
      fc.asyncProperty(arbitrarySmallWave({ maxN: 6, lots: true }), async (small) => {
        const wave = bind(small);
        const ks = Array.from({ length: small.capacity.length }, (_, k) => k + 1);
        const { points } = await maxAccountsFrontier(wave, { ks });
        for (const [k, K] of ks.entries()) {
          expect(points[k]!.path === "certificate" || points[k]!.path === "mip:highs").toBe(true);
          expect(close(points[k]!.y, bruteMaxFraction(small, K))).toBe(true);
        }
      }),
      { numRuns: 20, seed: 7 },
    );
  }, 120_000);

  it("a counterexample to the closed form with lots", async () => {
    // B = 3: account 0 (c 10) has one lot of 5, account 1 (c 4) has lots of 1. K = 1: the largest
    // account gives 5 / 10 = 0.5; the smaller gives 3 / 4 = 0.75, so here the largest wins; with B = 2
    // account 1 gives 2 / 4 = 0.5 but account 0 still 0.5; with B = 1: 1 / 4 = 0.25 < 0.5.
    const small: SmallWave = { capacity: [10, 4], eligible: [true, true], alpha: 1, budget: 1, lots: { lotValue: [5, 1], maxLots: [1, 4] } };
    const { points } = await maxAccountsFrontier(bind(small), { ks: [1] });
    expect(points[0]!.y).toBeCloseTo(0.25, 9);
    expect(bruteMaxFraction(small, 1)).toBeCloseTo(0.25, 12);
  });
});

describe("coverageFrontier", () => {
  it("worked example: least accounts to raise x B", async () => {
    const wave = waveOf(minmax, accountsOf({ capacity: [8, 4, 0.5] }), 7.5);
    const { points } = await coverageFrontier(wave, { shares: [0.5, 1, 1.6, 1.7] });
    expect(points.map((p) => p.y)).toEqual([1, 1, 2, null]);
    expect(points.map((p) => p.status)).toEqual(["optimal", "optimal", "optimal", "infeasible"]);
  });

  it("equals brute force over subsets, with and without lots (n <= 8)", async () => {
    await fc.assert(
      fc.asyncProperty(arbitrarySmallWave({ maxN: 8, lots: true }), fc.boolean(), async (withLots, lotted) => {
        const small = lotted ? withLots : { ...withLots, lots: undefined };
        const shares = [0.25, 0.5, 1, 1.5];
        const { points } = await coverageFrontier(bind(small), { shares });
        for (const [k, share] of shares.entries()) expect(points[k]!.y).toBe(bruteTouched(small, share * small.budget));
      }),
      { numRuns: 60, seed: 3 },
    );
  }, 120_000);
});

describe("heuristics placed on the exact frontier", () => {
  const heuristics = ["queue:capacity", "pro-rata:wealth", "risk-weighted", "walk:dydx"];

  it("no verified heuristic allocation beats the frontier at its own K", async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(arbitrarySmallWave({ maxN: 8, lots: false }), async (small) => {
        const wave = bind(small);
        const placed = heuristics
          .map((name) => ({ name, allocation: getHeuristic(name).allocate(wave, { seed: 2 }) }))
          .filter(({ allocation }) => verifyAllocation(wave, allocation).ok)
          .map(({ name, allocation }) => {
            const metrics = allocationMetrics(wave, allocation);
            return { mechanism: name, x: metrics.touched, y: metrics.maxFraction };
          })
          .filter((point) => point.x >= 1);
        if (placed.length === 0) return;
        const ks = [...new Set(placed.map((p) => p.x))];
        const { points } = await maxAccountsFrontier(wave, { ks });
        for (const placement of placeOnFrontier(points, placed)) {
          expect(placement.distance).not.toBeNull();
          expect(placement.distance!).toBeGreaterThanOrEqual(-1e-9);
          checked++;
        }
      }),
      { numRuns: 60, seed: 11 },
    );
    expect(checked).toBeGreaterThan(100);
  }, 120_000);
});
