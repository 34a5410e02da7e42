/**
 * Golden, hand-checked: the published worked example. Three accounts with PnL endowments
 * (8, 4, 0.5) and cash (2, 1, 0.5), budget B = 7.5.
 *
 * Capacity convention. The published numbers take the haircut out of PnL only: capacity c_i = the
 * PnL endowment (8, 4, 0.5), cash is not extractable (ADL haircuts positive PnL, not posted
 * collateral). Check: pro-rata on PnL is 7.5/12.5 * (8, 4, 0.5) = (4.8, 2.4, 0.3), the published
 * figure, whereas pro-rata on PnL + cash = (10, 5, 1) would be 7.5/16 * (10, 5, 1) =
 * (4.6875, 2.34375, 0.46875), which is not. The queue figure (3.5, 4, 0) also needs the second
 * account to give exactly 4 = its PnL. So the golden tests use capacity = PnL; the ladder form
 * (capacity = PnL + cash, layers [gains, principal]) reproduces the same numbers only when the
 * scale is the gains column, which the last tests show explicitly.
 */
import { describe, expect, it } from "vitest";
import { solveDedicated } from "../../src/pipeline/exact/index.js";
import { certify } from "../../src/pipeline/certificate/certificate.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { makeWave, piecewise, type WaveSpec } from "./make-wave.js";

const pnl = [8, 4, 0.5];
const cash = [2, 1, 0.5];
const ids = ["A", "B", "C"];

function solved(spec: WaveSpec) {
  const wave = makeWave({ ids, ...spec });
  const result = solveDedicated(wave);
  expect(result).toBeDefined();
  const verdict = verifyAllocation(wave, result!.allocation);
  expect(verdict.violations).toEqual([]);
  return { wave, result: result!, verdict, haircut: Array.from(result!.allocation.haircut) };
}

function expectHaircuts(actual: number[], expected: number[]): void {
  expected.forEach((x, i) => expect(actual[i]).toBeCloseTo(x, 12));
}

describe("worked example, capacity = PnL endowment", () => {
  it("pro-rata (minmax of h_i / c_i) takes (4.8, 2.4, 0.3): 60% of every account's PnL", () => {
    const { result, verdict, haircut } = solved({ capacity: pnl, budget: 7.5, objectives: [{ kind: "minmax" }] });
    expect(result.algorithm).toBe("pro-rata");
    expectHaircuts(haircut, [4.8, 2.4, 0.3]);
    expect(verdict.objectives[0]).toBeCloseTo(0.6, 12);
  });

  it("a queue that ranks B first takes (3.5, 4, 0): all of B's PnL, then 3.5 from A", () => {
    // A queue is the linear cost sum_i rank_i * h_i (phi(x) = x, u_i = rank_i * c_i): the greedy over
    // marginal costs empties the best-ranked account first. Ranks: B = 1, A = 2, C = 3.
    const ranks = [2, 1, 3];
    const { result, haircut } = solved({
      capacity: pnl,
      budget: 7.5,
      objectives: [{ kind: "convex", phi: piecewise([[0, 0], [1, 1]]), weight: pnl.map((c, i) => c * ranks[i]!) }],
    });
    expect(result.algorithm).toBe("greedy-pwl");
    expectHaircuts(haircut, [3.5, 4, 0]);
  });

  it("the L0 optimum touches only A (largest capacity first)", () => {
    const { result, verdict, haircut } = solved({ capacity: pnl, budget: 7.5, objectives: [{ kind: "sparsity" }] });
    expect(result.algorithm).toBe("greedy-l0");
    expectHaircuts(haircut, [7.5, 0, 0]);
    expect(verdict.objectives).toEqual([1]);
  });

  it("pro-rata on PnL + cash would give (4.6875, 2.34375, 0.46875): not the published figure", () => {
    const { haircut } = solved({ capacity: pnl.map((g, i) => g + cash[i]!), budget: 7.5, objectives: [{ kind: "minmax" }] });
    expectHaircuts(haircut, [4.6875, 2.34375, 0.46875]);
  });
});

describe("worked example as a ladder: capacity = PnL + cash, layers [gains, principal]", () => {
  const ladder = { names: ["gains", "principal"], capacity: [pnl, cash] };
  const capacity = pnl.map((g, i) => g + cash[i]!);

  it("profits first touches no principal (gains 12.5 >= 7.5) and, scaled by gains, is (4.8, 2.4, 0.3)", () => {
    const { result, verdict, haircut } = solved({ capacity, budget: 7.5, layers: ladder, objectives: [{ kind: "minmax", scale: pnl }] });
    expect(result.algorithm).toBe("seniority(water-filling)"); // proportional to gains, not to capacity
    expectHaircuts(haircut, [4.8, 2.4, 0.3]);
    expect(Array.from(result.allocation.layers![1]!)).toEqual([0, 0, 0]);
    expect(verdict.objectives[0]).toBe(0); // layer:principal
    expect(certify(makeWave({ capacity, budget: 7.5, layers: ladder })).broken).toEqual([]);
  });

  it("scaled by total capacity, still no principal, but the split is (4.6875, 2.34375, 0.46875)", () => {
    const { verdict, haircut } = solved({ capacity, budget: 7.5, layers: ladder, objectives: [{ kind: "minmax" }] });
    expectHaircuts(haircut, [4.6875, 2.34375, 0.46875]);
    expect(verdict.objectives[0]).toBe(0);
  });

  it("B = 14: all gains (12.5), then only the missing 1.5 from principal; the certificate names the profits-only promise", () => {
    const { result, verdict } = solved({ capacity, budget: 14, layers: ladder, objectives: [{ kind: "minmax", scale: pnl }] });
    const principal = Array.from(result.allocation.layers![1]!).reduce((a, b) => a + b, 0);
    const gains = Array.from(result.allocation.layers![0]!).reduce((a, b) => a + b, 0);
    expect(principal).toBeCloseTo(1.5, 12);
    expect(gains).toBeCloseTo(12.5, 12);
    expect(verdict.objectives[0]).toBeCloseTo(1.5, 12);
    const certificate = certify(makeWave({ capacity, budget: 14, layers: ladder }));
    expect(certificate.feasible).toBe(true);
    expect(certificate.broken).toEqual([{ promise: "profits-only", need: 14, have: 12.5 }]);
  });
});
