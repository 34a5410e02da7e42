import { describe, expect, it } from "vitest";
import { referenceRatios, residualInsolvency, survivorEndowment, waveDeficit } from "../../src/pipeline/metrics/reference.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

const proRataModel = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] });

describe("PTSR and PMR, hand-checked step by step", () => {
  // Worked example: capacities 8, 4, 0.5; B = 7.5; pro-rata takes 60% of each.
  const wave = waveOf(proRataModel, accountsOf({ capacity: [8, 4, 0.5] }), 7.5);
  const proRata = { haircut: Float64Array.from([4.8, 2.4, 0.3]) };
  const queue = { haircut: Float64Array.from([7.5, 0, 0]) };

  it("upsilon is the largest capacity left after the haircut", () => {
    // (8 - 4.8, 4 - 2.4, 0.5 - 0.3) = (3.2, 1.6, 0.2) for pro-rata; (0.5, 4, 0.5) for the queue.
    expect(survivorEndowment(wave, proRata)).toBeCloseTo(3.2, 12);
    expect(survivorEndowment(wave, queue)).toBeCloseTo(4, 12);
  });

  it("paper form: PTSR = upsilon / (theta D) = upsilon / H, PMR = upsilon / (theta Delta)", () => {
    // D = B / (1 + 0) = 7.5, H = 7.5, theta = H / D = 1, Delta = 2.5 (given).
    const ratios = referenceRatios(wave, proRata, { maxLoss: 2.5 }, "paper");
    expect(ratios.deficit).toBe(7.5);
    expect(ratios.ptsr).toBeCloseTo(3.2 / 7.5, 12);
    expect(ratios.pmr).toBeCloseTo(3.2 / 2.5, 12);
    // With D = 10 given: theta = 0.75, theta * Delta = 1.875.
    const partial = referenceRatios(wave, proRata, { deficit: 10, maxLoss: 2.5 }, "paper");
    expect(partial.ptsr).toBeCloseTo(3.2 / 7.5, 12);
    expect(partial.pmr).toBeCloseTo(3.2 / 1.875, 12);
    // The queue keeps a larger survivor (the 4 untouched): its ratios are higher here, not lower,
    // because the largest capacity is the one it drains.
    expect(referenceRatios(wave, queue).ptsr).toBeCloseTo(4 / 7.5, 12);
  });

  it("code form: PTSR = upsilon / (D - H), PMR = upsilon / (clip((D - H) / D) Delta), RD-NSE = upsilon / (upsilon + D - H)", () => {
    const ratios = referenceRatios(wave, proRata, { deficit: 10, maxLoss: 4 }, "code");
    // D - H = 2.5; theta = 0.25; theta * Delta = 1.
    expect(ratios.ptsr).toBeCloseTo(3.2 / 2.5, 12);
    expect(ratios.pmr).toBeCloseTo(3.2 / 1, 12);
    expect(ratios.rdNse).toBeCloseTo(3.2 / 5.7, 12);
    // A covering allocation (H >= D) has no remaining deficit: undefined, as _safe_ratio's NaN.
    const covered = referenceRatios(wave, proRata, {}, "code");
    expect(covered.ptsr).toBeNull();
    expect(covered.pmr).toBeNull();
  });

  it("nothing taken: the paper form is undefined", () => {
    const none = referenceRatios(wave, { haircut: new Float64Array(3) });
    expect(none.ptsr).toBeNull();
    expect(none.pmr).toBeNull();
  });

  it("D defaults to B / (1 + margin)", () => {
    const margined = waveOf(modelOf({ objective: [{ kind: "sparsity" }], budget: { margin: 0.5 } }), accountsOf({ capacity: [8, 4] }), 6);
    expect(waveDeficit(margined)).toBeCloseTo(4, 12);
  });

  it("ineligible accounts are not haircutable endowment", () => {
    const model = modelOf({ objective: [{ kind: "sparsity" }], eligibility: { source: "capacity < 10", where: "test" } });
    const gated = waveOf(model, accountsOf({ capacity: [100, 4] }), 2);
    expect(survivorEndowment(gated, { haircut: Float64Array.from([0, 2]) })).toBeCloseTo(2, 12);
  });
});

/**
 * Published rows of out/policy_per_wave_metrics.csv (pluriholonomic/autodeleveraging-analysis, MIT),
 * wealth pro-rata columns. Their inputs (the canonical REALTIME table) are not in the mirror, so the
 * wave is reconstructed: total capacity T = total_cap, B = budget_target, and the largest capacity
 * M = upsilon / (1 - B / T) with upsilon = ptsr_pr * (deficit_usd - budget_pr) (pro-rata leaves
 * every account the share 1 - B/T, so upsilon = M (1 - B/T)); the other T - M is spread over 20
 * equal accounts, each smaller than M. Our pro-rata on that wave must then reproduce pmr_pr and
 * rd_nse_pr, which the reconstruction did not use.
 */
const published = [
  { wave: 1, totalCap: 261289318.808989, budget: 2266239.82024108, budgetPr: 2266239.82024108, deficit: 10925707.159377944, maxLoss: 10925707.159377944, ptsr: 4.246049078622146, rdNse: 0.8093803574817783, pmr: 4.246049078622146 },
  { wave: 2, totalCap: 210635031.931815, budget: 1383878.3247609977, budgetPr: 1383878.3247609977, deficit: 10945233.811877944, maxLoss: 10925707.159377944, ptsr: 3.9398177906496845, rdNse: 0.7975633834323107, pmr: 3.9468591154618085 },
  { wave: 4, totalCap: 272477911.188362, budget: 1065843.446131001, budgetPr: 1065843.4461310012, deficit: 10942123.436786944, maxLoss: 10925707.159377944, ptsr: 8.287969788511734, rdNse: 0.8923338444493115, pmr: 8.300422768371151 },
];

describe("the reference's published per-wave values (code form)", () => {
  it.each(published)("wave $wave: our pro-rata reproduces ptsr_pr, pmr_pr and rd_nse_pr", async (row) => {
    const upsilon = row.ptsr * (row.deficit - row.budgetPr);
    const largest = upsilon / (1 - row.budget / row.totalCap);
    const others = Array.from({ length: 20 }, () => (row.totalCap - largest) / 20);
    expect(others[0]!).toBeLessThan(largest);
    const wave = waveOf(proRataModel, accountsOf({ capacity: [largest, ...others] }), row.budget);
    const result = await solveWave(wave);
    expect(result.status).toBe("optimal");
    const ratios = referenceRatios(wave, result.allocation!, { deficit: row.deficit, maxLoss: row.maxLoss }, "code");
    const relative = (ours: number | null, theirs: number): number => Math.abs(ours! - theirs) / theirs;
    expect(relative(ratios.ptsr, row.ptsr)).toBeLessThan(1e-9);
    expect(relative(ratios.pmr, row.pmr)).toBeLessThan(1e-9);
    expect(relative(ratios.rdNse, row.rdNse)).toBeLessThan(1e-9);
  });
});

describe("residualInsolvency", () => {
  const wave = waveOf(proRataModel, accountsOf({ capacity: [8, 4, 0.5] }), 7.5);
  it("is B - sum h when short, 0 when covered or within the verifier's tolerance", () => {
    expect(residualInsolvency(wave, { haircut: Float64Array.from([1, 1, 0]) })).toBeCloseTo(5.5, 12);
    expect(residualInsolvency(wave, { haircut: Float64Array.from([8, 0, 0]) })).toBe(0);
    expect(residualInsolvency(wave, { haircut: Float64Array.from([7.5 - 1e-12, 0, 0]) })).toBe(0);
  });
});
