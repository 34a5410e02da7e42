/**
 * The exact overshoot search for `[sparsity, overshoot]` with lots (src/pipeline/exact/lots-overshoot.ts),
 * alone and as the MIP path's second stage: golden waves worked by hand (one proven by the gcd bound,
 * one where the bound is not reached and only exhaustion proves the optimum), and tiny random waves
 * held to the brute-force oracle (test/oracle, exact rationals). Lot values and budgets are
 * binary-exact decimals (quarters, halves, integers), so the oracle's reading of a double and the
 * search's decimal reading are the same number.
 */
import "../support/fast-check-seed.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bindWave } from "../../src/pipeline/bind/bind.js";
import { isLeastOvershoot, leastOvershoot } from "../../src/pipeline/exact/lots-overshoot.js";
import { breakSymmetry } from "../../src/pipeline/lower/structure.js";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { generatePopulation } from "../../src/tools/scenarios/population.js";
import { judgeAllocation, oracleOptimum } from "../oracle/oracle.js";
import { makeWave } from "./make-wave.js";

const objectives = [{ kind: "sparsity" as const }, { kind: "overshoot" as const }];

/** A lots wave with one position per account and the cap each account's lots are worth (or `capacity`). */
function lotsWave(lotValue: readonly number[], maxLots: readonly number[], budget: number, capacity?: readonly number[]) {
  return makeWave({ capacity: capacity ?? lotValue.map((v, i) => v * maxLots[i]!), budget, objectives, lots: { lotValue, maxLots } });
}

function found(wave: ReturnType<typeof lotsWave>, most: number, limits = {}) {
  const result = leastOvershoot(wave, most, limits);
  if (!isLeastOvershoot(result)) throw new Error(`no result: ${result.reason}`);
  return result;
}

describe("leastOvershoot, golden waves", () => {
  it("proves 0.5 by the gcd bound: lot values 1.5, 2.25, 3.75 (gcd 0.75), B = 7, two accounts", () => {
    // By hand: one account gives at most 6 < 7, so k = 2; with two accounts the sums >= 7 are
    // 7.5 (2 x 1.5 + 2 x 2.25), 8.25, 9, ...; ceil(7 / 0.75) x 0.75 - 7 = 0.5.
    const wave = lotsWave([1.5, 2.25, 3.75], [4, 2, 1], 7);
    const result = found(wave, 2);
    expect(result).toMatchObject({ overshoot: 0.5, unit: 0.75, onGcdBound: true, proven: true, touched: 2 });
    expect(Array.from(result.allocation.lots!)).toEqual([2, 2, 0]);
    expect(verifyAllocation(wave, result.allocation).ok).toBe(true);
  });

  it("proves 3 by exhaustion where the gcd bound says only 1: lot values 10, 4, 6, B = 11, two accounts", () => {
    // By hand: gcd 2, so the bound is 12 - 11 = 1; but two accounts give 10 + 4 = 14, 10 + 6 = 16,
    // 10 + 8 = 18, 8 + 6 = 14, 4 + 6 = 10 < 11: the least is 14, overshoot 3.
    const wave = lotsWave([10, 4, 6], [1, 2, 1], 11);
    const result = found(wave, 2);
    expect(result).toMatchObject({ overshoot: 3, unit: 2, onGcdBound: false, proven: true, exhaustive: true });
    expect(verifyAllocation(wave, result.allocation).objectives).toEqual([2, 3]);
  });

  it("reads lot values as decimals: 0.1 x 3 + 0.2 covers B = 0.5 exactly (a float sum would say 0.5000000000000001)", () => {
    const wave = lotsWave([0.1, 0.2], [3, 1], 0.5);
    const result = found(wave, 2);
    expect(result).toMatchObject({ overshoot: 0, unit: 0.1, onGcdBound: true });
  });

  it("keeps the count: with at most one account the least overshoot is the smallest single cover", () => {
    const wave = lotsWave([7, 3], [2, 5], 13);
    // One account: 14 (2 x 7) or 15 (5 x 3); two accounts could reach 13 (7 + 2 x 3) but are not allowed.
    expect(found(wave, 1)).toMatchObject({ overshoot: 1, touched: 1 });
    expect(found(wave, 2)).toMatchObject({ overshoot: 0, touched: 2 });
  });

  it("the narrow search alone proves nothing unless it meets the gcd bound: then the exhaustive one runs", () => {
    // k = 2 (20 < 31 <= 20 + 18). The two top accounts alone (5 a + 9 b, a <= 4, b <= 2) reach 33 at
    // best (overshoot 2, above the gcd bound 0); with the third account swapped in, 20 + 11 = 31.
    const wave = lotsWave([5, 9, 1], [4, 2, 16], 31);
    const result = found(wave, 2, { narrowOthers: 0 });
    expect(result).toMatchObject({ overshoot: 0, exhaustive: true, proven: true });
    expect(verifyAllocation(wave, result.allocation).objectives).toEqual([2, 0]);
  });

  it("says why it does not run: several positions, exact coverage, a range past its limit, no cover", () => {
    const several = makeWave({ capacity: [10, 10], budget: 5, objectives, positions: { account: [0, 0, 1], lotValue: [1, 2, 3], maxLots: [2, 2, 2] } });
    expect(leastOvershoot(several, 1)).toEqual({ reason: "an account with several positions" });
    const exact = makeWave({ capacity: [4, 6], budget: 5, objectives, coverage: "exact", lots: { lotValue: [1, 2], maxLots: [4, 3] } });
    expect(leastOvershoot(exact, 2)).toEqual({ reason: "exact coverage" });
    expect(leastOvershoot(lotsWave([0.01, 0.01], [10 ** 8, 10 ** 8], 10 ** 5), 2, { maxBits: 1000 })).toMatchObject({ reason: expect.stringContaining("search range") });
    expect(leastOvershoot(lotsWave([1, 2], [3, 3], 20), 2)).toMatchObject({ reason: expect.stringContaining("cover the budget") });
  });
});

describe("breakSymmetry", () => {
  it("moves haircuts and lots to the first members of a class of interchangeable accounts, largest first", () => {
    const wave = lotsWave([2, 2, 2, 3], [3, 3, 3, 1], 7);
    const allocation = { haircut: Float64Array.from([0, 2, 6, 3]), lots: Int32Array.from([0, 1, 3, 1]) };
    const ordered = breakSymmetry(wave, allocation);
    expect(Array.from(ordered.haircut)).toEqual([6, 2, 0, 3]);
    expect(Array.from(ordered.lots!)).toEqual([3, 1, 0, 1]);
    expect(verifyAllocation(wave, ordered).objectives).toEqual(verifyAllocation(wave, allocation).objectives);
  });
});

/** Tiny [sparsity, overshoot] lots waves: up to 5 accounts, one position each, binary-exact amounts. */
const tinyLotsWave = fc
  .record({
    n: fc.integer({ min: 1, max: 5 }),
    lotValue: fc.array(fc.constantFrom(0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 3.75, 6), { minLength: 5, maxLength: 5 }),
    maxLots: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 5 }),
    // Some caps below what the lots are worth (whole quarters), so that not every lot fits.
    capShare: fc.array(fc.constantFrom(1, 1, 0.75, 0.5), { minLength: 5, maxLength: 5 }),
    budgetShare: fc.integer({ min: 1, max: 40 }),
    // Binary-exact alphas, so that the oracle's reading and the decimal one agree.
    alpha: fc.option(fc.constantFrom(0.5, 0.75), { nil: undefined, freq: 3 }),
  })
  .map(({ n, lotValue, maxLots, capShare, budgetShare, alpha }) => {
    const v = lotValue.slice(0, n);
    const lots = maxLots.slice(0, n);
    const capacity = v.map((x, i) => Math.floor((x * lots[i]! * capShare[i]!) * 4) / 4);
    const total = capacity.reduce((a, b) => a + b, 0);
    // Whole eighths of up to the total capacity (sometimes beyond it: infeasible).
    const budget = Math.max(0.125, Math.round(((total * budgetShare) / 36) * 8) / 8);
    const wave = lotsWave(v, lots, budget, capacity);
    return alpha === undefined ? wave : makeWave({ capacity, budget, objectives, alpha, lots: { lotValue: v, maxLots: lots } });
  });

describe("leastOvershoot against the brute-force oracle", () => {
  it("finds the oracle's least overshoot at the oracle's count, with a witness the oracle accepts", () => {
    let checked = 0;
    fc.assert(
      fc.property(tinyLotsWave, (wave) => {
        const optimum = oracleOptimum(wave);
        if (!optimum.feasible || !(wave.budget > 0)) return;
        const count = optimum.values[0]!.approx;
        const overshoot = optimum.values[1]!.approx;
        const result = leastOvershoot(wave, count);
        expect(isLeastOvershoot(result)).toBe(true);
        if (!isLeastOvershoot(result)) return;
        checked++;
        expect(result.proven).toBe(true);
        expect(result.overshoot).toBeCloseTo(overshoot, 12);
        const judged = judgeAllocation(wave, result.allocation, optimum);
        expect(judged.verdict).toBe("feasible");
        expect(verifyAllocation(wave, result.allocation).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it("the MIP path answers the oracle's optimum, the overshoot stage proven with no solve of it", async () => {
    const samples = fc.sample(tinyLotsWave, 40);
    let proven = 0;
    for (const wave of samples) {
      const optimum = oracleOptimum(wave);
      if (!optimum.feasible) continue;
      const result = await solveWave(wave, { path: "mip" });
      expect(result.status).toBe("optimal");
      expect(result.objective[0]).toBe(optimum.values[0]!.approx);
      expect(result.objective[1]).toBeCloseTo(optimum.values[1]!.approx, 9);
      const stage = result.stages.find((s) => s.name === "overshoot");
      if (stage?.proof && /gcd bound|exhaustive search/.test(stage.proof)) proven++;
    }
    expect(proven).toBeGreaterThan(10);
  });
});

describe("the MIP path on a generated 3,000-account lots wave (the bench's population, smaller)", () => {
  it("answers the least count and overshoot 0, each checked here in integer cents, proven without a solve", async () => {
    const accounts = generatePopulation({ n: 3000, seed: 7 });
    const capacity = accounts.capacity;
    let total = 0;
    for (const c of capacity) total += c;
    // 30% of the capacity: about a hundred accounts must pay, and the lots leave room to meet B to the cent.
    const budget = Math.round(total * 0.3);
    const wave = bindWave(loadModel("models/lots-sparsity-overshoot.yaml"), { accounts }, { budget });
    const result = await solveWave(wave, { path: "mip", timeLimitSeconds: 60 });
    expect(result.status).toBe("optimal");
    // Independently, in cents: the least count is the greedy prefix over the most each account can give in whole lots.
    const cents = (x: number): bigint => BigInt(Math.round(x * 100));
    const value = accounts.columns.get("lot_value")!;
    const held = accounts.columns.get("lots")!;
    const room: bigint[] = [];
    for (let i = 0; i < capacity.length; i++) {
      const v = cents(value[i]!);
      expect(Number(v) / 100).toBe(value[i]); // whole cents, so the reading is exact
      const fit = cents(capacity[i]!) / v;
      room.push(v * (fit < BigInt(held[i]!) ? fit : BigInt(held[i]!)));
    }
    room.sort((a, b) => (b > a ? 1 : b < a ? -1 : 0));
    let count = 0;
    for (let sum = 0n; sum < cents(budget); count++) sum += room[count]!;
    expect(result.objective[0]).toBe(count);
    // B is whole dollars and the lots whole cents: every overshoot is a whole number of cents, and 0 is the bound.
    let taken = 0n;
    for (let p = 0; p < result.allocation!.lots!.length; p++) taken += BigInt(result.allocation!.lots![p]!) * cents(wave.positions!.lotValue[p]!);
    expect(taken).toBe(cents(budget));
    expect(result.stages.find((s) => s.name === "overshoot")!.proof).toMatch(/^the gcd bound/);
    expect(result.solver.attempts).toEqual([]);
    // No backend ran: the answer says so, rather than naming the backend asked for.
    expect([result.path, result.solver.name]).toEqual(["mip:exact", "exact"]);
  });
});
