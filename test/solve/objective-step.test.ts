/**
 * Lots with [sparsity, overshoot] on the MIP path: the greedy's floor and cover (structure.ts), the
 * overshoot grid (objective-step.ts) and the bind's lot bound, checked against the exact-rational
 * oracle (test/oracle), which knows nothing of either.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { lotCapacities, positionsByAccount } from "../../src/pipeline/exact/lot-capacity.js";
import { lowerWave } from "../../src/pipeline/lower/compile.js";
import { overshootStep, provedOnGrid, roundedBound } from "../../src/pipeline/solve/objective-step.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { scaleUnits, unitFactor } from "../../src/pipeline/solve/units.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { makeWave } from "../exact/make-wave.js";
import { oracleOptimum } from "../oracle/oracle.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-step-"));
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await closeBackends();
});

const lotsWave = (capacity: number[], lotValue: number[], maxLots: number[], budget: number) =>
  makeWave({ capacity, budget, objectives: [{ kind: "sparsity" }, { kind: "overshoot" }], lots: { lotValue, maxLots } });

describe("the overshoot grid", () => {
  it("is the coarsest decimal unit every lot value and the budget are whole multiples of, in the solver's units", () => {
    const wave = lotsWave([100, 100], [2.5, 0.75], [10, 10], 3);
    const factor = unitFactor(wave);
    const grid = overshootStep(scaleUnits(wave, factor), factor)!;
    expect(grid.unit).toBe(0.01);
    expect(grid.step).toBeCloseTo(0.01 * factor, 15);
    expect(overshootStep(scaleUnits(lotsWave([100, 100], [2, 4], [10, 10], 3), factor), factor)!.unit).toBe(1);
    // A lot value on no decimal grid (1/3), or no overshoot stage: no grid.
    expect(overshootStep(scaleUnits(lotsWave([100, 100], [1 / 3, 1], [10, 10], 3), factor), factor)).toBeUndefined();
    const minmax = makeWave({ capacity: [100, 100], budget: 3, objectives: [{ kind: "minmax" }], lots: { lotValue: [1, 1], maxLots: [10, 10] } });
    expect(overshootStep(minmax, 1)).toBeUndefined();
  });

  it("rounds a bound up to the next step, and proves an incumbent there, not one a step above", () => {
    const wave = lotsWave([100, 100], [0.25, 0.5], [100, 100], 3);
    const grid = overshootStep(wave, 1)!;
    expect(grid.unit).toBe(0.01);
    expect(roundedBound(0.004, grid, wave)).toBeCloseTo(0.01, 12);
    expect(provedOnGrid(0.01, 0.004, grid, wave)).toBe(true);
    expect(provedOnGrid(0.02, 0.004, grid, wave)).toBe(false);
    // A bound at 0 proves only 0.
    expect(provedOnGrid(0.01, 0, grid, wave)).toBe(false);
    expect(provedOnGrid(0, 0, grid, wave)).toBe(true);
    // Off the grid (not a sum of whole lots): never proved.
    expect(provedOnGrid(0.013, 0.012, grid, wave)).toBe(false);
  });
});

describe("lots with [sparsity, overshoot] on the MIP path", () => {
  // Lot values in whole cents, a budget in whole cents: the grid applies.
  const cents = fc.integer({ min: 1, max: 4000 }).map((c) => c / 100);
  const waves = fc
    .array(fc.record({ lotValue: cents, maxLots: fc.integer({ min: 1, max: 4 }), slack: fc.integer({ min: 1, max: 3 }) }), { minLength: 2, maxLength: 5 })
    .chain((accounts) => {
      const total = accounts.reduce((sum, a) => sum + a.lotValue * a.maxLots, 0);
      return fc.integer({ min: 1, max: Math.max(1, Math.floor(total * 100)) }).map((budgetCents) => ({ accounts, budget: budgetCents / 100 }));
    });

  it("is proven optimal and matches the exact-rational oracle on both stages", async () => {
    await fc.assert(
      fc.asyncProperty(waves, async ({ accounts, budget }) => {
        // Capacities above the lots' worth, or (slack 3) cutting into the last lot. A capacity exactly
        // at the lots' worth is left out: there the oracle reads amounts as binary doubles and
        // lot-capacity.ts as decimals (test/oracle/KNOWN.md), a question for neither stage here.
        const capacity = accounts.map((a) => Math.round((a.lotValue * a.maxLots + (a.slack === 3 ? -a.lotValue / 2 : a.slack * 0.37)) * 100) / 100);
        const wave = lotsWave(capacity, accounts.map((a) => a.lotValue), accounts.map((a) => a.maxLots), budget);
        const optimum = oracleOptimum(wave);
        const result = await solveWave(wave, { path: "mip", backend: "highs", fallbacks: ["glpk"] });
        if (!optimum.feasible) {
          expect(result.status).toBe("infeasible");
          return;
        }
        expect(result.status).toBe("optimal");
        expect(result.verified?.ok).toBe(true);
        expect(result.objective[0]).toBe(optimum.values[0]!.approx);
        expect(Math.abs(result.objective[1]! - optimum.values[1]!.approx)).toBeLessThanOrEqual(1e-9 * Math.max(1, budget));
      }),
      { numRuns: 40 },
    );
  });

  it("proves the count with the greedy's cover when it meets the floor (no solve for that stage)", async () => {
    const wave = lotsWave([30, 20, 10, 5], [2.5, 2, 1, 0.5], [12, 10, 10, 10], 31);
    const lowered = lowerWave(wave);
    expect(lowered.structure?.cover).toBeDefined();
    const result = await solveWave(wave, { path: "mip", backend: "highs", fallbacks: [] });
    expect(result.status).toBe("optimal");
    expect(result.stages[0]?.proof).toMatch(/greedy's lower bound/);
    const optimum = oracleOptimum(wave);
    expect(result.objective[0]).toBe(optimum.values[0]!.approx);
    expect(result.objective[1]).toBeCloseTo(optimum.values[1]!.approx, 9);
  });
});

describe("an account's lot bound", () => {
  it("holds all its lots exactly even when their float product falls an ulp short (49 lots of 242.14)", () => {
    // 49 * 242.14 is 11864.859999999999 in floating point; the decimal product is 11864.86.
    expect(49 * 242.14).toBeLessThan(11864.86);
    const accounts = join(scratch, "accounts.csv");
    writeFileSync(accounts, "id,capacity,lot_value,lots\na,12070.31,242.14,49\nb,500,100,3\n");
    const wave = loadWaveFromFiles({ model: "models/lots-sparsity-overshoot.yaml", accounts, budget: 11864.86 });
    const capacity = lotCapacities(wave.positions!, positionsByAccount(wave.positions!, 2), wave.upper);
    expect(capacity.lots[0]).toBe(49);
  });
});
