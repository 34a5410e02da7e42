/**
 * The verifier on hand-made allocations: each constraint violated on purpose is reported with the
 * right constraint name and account; a correct allocation passes; tolerances behave as stated.
 */
import { describe, expect, it } from "vitest";
import type { Allocation, Wave } from "../../src/domain.js";
import { absTol, relTol } from "../../src/floor/numeric/tolerance.js";
import { verifyAllocation, type ConstraintName } from "../../src/pipeline/verify/verify.js";
import { makeWave } from "../exact/make-wave.js";

const allocation = (haircut: number[], extra: Partial<Allocation> = {}): Allocation => ({ haircut: Float64Array.from(haircut), ...extra });

function onlyViolation(wave: Wave, given: Allocation, constraint: ConstraintName, account?: string) {
  const verdict = verifyAllocation(wave, given);
  expect(verdict.ok).toBe(false);
  expect(verdict.violations.map((v) => [v.constraint, v.account])).toEqual([[constraint, account]]);
  expect(verdict.worstViolation).toBe(verdict.violations[0]!.amount);
  expect(verdict.violations[0]!.message.length).toBeGreaterThan(10);
  return verdict.violations[0]!;
}

describe("a correct allocation passes", () => {
  it("with its objectives and the tolerance stated", () => {
    const wave = makeWave({ capacity: [10, 5, 1], budget: 7.5, objectives: [{ kind: "minmax" }] });
    const verdict = verifyAllocation(wave, allocation([4.6875, 2.34375, 0.46875]));
    expect(verdict).toMatchObject({ ok: true, worstViolation: 0, violations: [], tolerance: { absolute: 1e-9, relative: 1e-12 } });
    expect(verdict.objectives[0]).toBeCloseTo(0.46875, 15);
  });
});

describe("each constraint, violated alone, is named with its account", () => {
  const wave = makeWave({ capacity: [10, 5, 1], budget: 7.5, ids: ["A", "B", "C"], eligible: [1, 1, 0], alpha: 0.8 });

  it("finite", () => {
    expect(onlyViolation(wave, allocation([7.5, NaN, 0]), "finite", "B").amount).toBe(Infinity);
  });
  it("nonnegative", () => {
    expect(onlyViolation(wave, allocation([8, -0.5, 0]), "nonnegative", "B").amount).toBe(0.5);
  });
  it("capacity (and alpha, which is tighter, at the same time)", () => {
    const verdict = verifyAllocation(makeWave({ capacity: [10, 5], budget: 7.5, ids: ["A", "B"] }), allocation([1.5, 6]));
    expect(verdict.violations.map((v) => [v.constraint, v.account, v.amount])).toEqual([["capacity", "B", 1]]);
  });
  it("eligibility", () => {
    expect(onlyViolation(wave, allocation([7, 0.5, 0.5]), "eligibility", "C").amount).toBe(0.5);
  });
  it("alpha", () => {
    expect(onlyViolation(wave, allocation([3, 4.5, 0]), "alpha", "B").amount).toBeCloseTo(0.5, 15);
  });
  it("coverage at least", () => {
    expect(onlyViolation(wave, allocation([4, 3, 0]), "coverage").amount).toBe(0.5);
  });
  it("coverage exact, both ways", () => {
    const exact = makeWave({ capacity: [10, 5], budget: 7.5, coverage: "exact" });
    expect(onlyViolation(exact, allocation([5, 3]), "coverage").amount).toBe(0.5);
    expect(onlyViolation(exact, allocation([5, 2]), "coverage").amount).toBe(0.5);
  });
  it("maxAccounts, in accounts", () => {
    const capped = makeWave({ capacity: [10, 5, 1], budget: 7.5, maxAccounts: 1 });
    expect(onlyViolation(capped, allocation([4, 2.5, 1]), "maxAccounts").amount).toBe(2);
  });
});

describe("lots", () => {
  const wave = makeWave({ capacity: [10, 10], budget: 7, ids: ["A", "B"], positions: { account: [0, 0, 1], lotValue: [1, 2.5, 2], maxLots: [4, 2, 3] } });
  const lots = (q: number[]) => Int32Array.from(q);

  it("a consistent lot allocation passes", () => {
    expect(verifyAllocation(wave, allocation([6, 2], { lots: lots([1, 2, 1]) })).ok).toBe(true);
  });
  it("lot-bounds, per position", () => {
    const violation = onlyViolation(wave, allocation([5, 8], { lots: lots([0, 2, 4]) }), "lot-bounds", "B");
    expect(violation).toMatchObject({ position: 2, amount: 1 });
  });
  it("lot-integrality", () => {
    const fractional = Float64Array.from([1, 2, 0.5]) as unknown as Int32Array;
    const verdict = verifyAllocation(wave, allocation([6, 1], { lots: fractional }));
    expect(verdict.violations.map((v) => [v.constraint, v.account, v.amount])).toEqual([["lot-integrality", "B", 0.5]]);
  });
  it("lot-sum: the haircut must equal the lots' value", () => {
    expect(onlyViolation(wave, allocation([6.5, 2], { lots: lots([1, 2, 1]) }), "lot-sum", "A").amount).toBeCloseTo(0.5, 15);
  });
  it("an account without positions cannot be haircut", () => {
    const lonely = makeWave({ capacity: [10, 10], budget: 4, ids: ["A", "B"], positions: { account: [0], lotValue: [2], maxLots: [5] } });
    const verdict = verifyAllocation(lonely, allocation([2, 2], { lots: lots([1]) }));
    // B's haircut is not executable in lots, and what the lots do execute (2) does not cover 4.
    expect(verdict.violations.map((v) => [v.constraint, v.account])).toEqual([["lot-sum", "B"], ["coverage", undefined]]);
    expect(verdict.violations[0]!.amount).toBe(2);
  });
  it("missing or short lots is a shape violation", () => {
    onlyViolation(wave, allocation([6, 2]), "shape");
    onlyViolation(wave, allocation([6, 2], { lots: lots([1, 2]) }), "shape");
  });
});

describe("layers and seniority", () => {
  const layers = { names: ["gains", "principal"], capacity: [[8, 4, 0.5], [2, 1, 0.5]] };
  const wave = makeWave({ capacity: [10, 5, 1], budget: 7.5, ids: ["A", "B", "C"], layers, objectives: [{ kind: "minmax" }] });
  const split = (gains: number[], principal: number[]) => [Float64Array.from(gains), Float64Array.from(principal)];

  it("junior first passes", () => {
    const verdict = verifyAllocation(wave, allocation([4.8, 2.4, 0.3], { layers: split([4.8, 2.4, 0.3], [0, 0, 0]) }));
    expect(verdict.violations).toEqual([]);
    expect(verdict.objectives[0]).toBe(0);
  });
  it("layer-bounds and layer-sum", () => {
    expect(onlyViolation(wave, allocation([4.8, 2.4, 0.6], { layers: split([4.8, 2.4, 0.6], [0, 0, 0]) }), "layer-bounds", "C").amount).toBeCloseTo(0.1, 15);
    onlyViolation(wave, allocation([4.8, 2.4, 0.3], { layers: split([4.8, 2.0, 0.3], [0, 0, 0]) }), "layer-sum", "B");
  });
  it("principal taken while the same account's gains have room: a definite per-account violation", () => {
    const verdict = verifyAllocation(wave, allocation([4.8, 2.4, 0.3], { layers: split([3.8, 2.4, 0.3], [1, 0, 0]) }));
    const kinds = verdict.violations.map((v) => [v.constraint, v.account ?? null, v.amount]);
    // Per account (A moves 1 down) and in total (1 taken from principal, 0 needed).
    expect(kinds).toEqual([
      ["seniority", "A", 1],
      ["seniority", null, 1],
    ]);
    expect(verdict.violations[0]!.message).toContain("definite");
  });
  it("principal touched while other accounts' gains were left: the closed-form total check", () => {
    // B = 12: gains could give 12 (A 8 + B 4); here A gives its 8 gains plus 2 principal, B only 2 of its gains.
    const tight = makeWave({ capacity: [10, 5, 1], budget: 12, ids: ["A", "B", "C"], layers, objectives: [{ kind: "minmax" }] });
    const verdict = verifyAllocation(tight, allocation([10, 2, 0], { layers: split([8, 2, 0], [2, 0, 0]) }));
    expect(verdict.violations.map((v) => [v.constraint, v.account ?? null, v.amount])).toEqual([["seniority", null, 2]]);
    expect(verdict.violations[0]!.message).toContain("junior capacity was left");
  });
  it("with lots, no principal at all where gains could cover B: decided (at the closed form's lower bound)", () => {
    const lotted = makeWave({ capacity: [10, 5], budget: 4, layers: { names: ["gains", "principal"], capacity: [[8, 4], [2, 1]] }, lots: { lotValue: [1, 1], maxLots: [10, 5] } });
    const verdict = verifyAllocation(lotted, allocation([0, 4], { lots: Int32Array.from([0, 4]), layers: split([0, 4], [0, 0]) }));
    expect(verdict.ok).toBe(true);
    expect(verdict.undecided).toEqual([]);
  });
  it("with lots, principal above the lower bound: not decided, and the verdict says so", () => {
    // Lots of 2 and 1 against gains of 1.5 and 0.5: the least principal is 0.5 (one lot of a0), the
    // closed form's bound (junior amounts chosen freely) is 0. The verifier cannot tell 0.5 is the minimum.
    const lotted = makeWave({ capacity: [10, 5], budget: 2, layers: { names: ["gains", "principal"], capacity: [[1.5, 0.5], [8.5, 4.5]] }, lots: { lotValue: [2, 1], maxLots: [5, 5] } });
    const verdict = verifyAllocation(lotted, allocation([2, 0], { lots: Int32Array.from([1, 0]), layers: split([1.5, 0], [0.5, 0]) }));
    expect(verdict.ok).toBe(true);
    expect(verdict.undecided).toEqual(["seniority"]);
    expect(verdict.notes.join(" ")).toContain("not decided");
  });
  it("maxAccounts that does not bind: the closed form decides (principal while another account's gains are left is rejected)", () => {
    const wave = makeWave({ capacity: [6, 6], budget: 3, maxAccounts: 2, layers: { names: ["gains", "principal"], capacity: [[2, 2], [4, 4]] } });
    const verdict = verifyAllocation(wave, allocation([3, 0], { layers: split([2, 0], [1, 0]) }));
    expect(verdict.violations.map((v) => v.constraint)).toEqual(["seniority"]);
    expect(verifyAllocation(wave, allocation([1.5, 1.5], { layers: split([1.5, 1.5], [0, 0]) })).undecided).toEqual([]);
  });
  it("a binding maxAccounts: at the lower bound decided, above it undecided", () => {
    // K = 1: one account gives all 3. a0's gains are 2, a1's 1: the least principal is 1 (a0), the bound max(0, 3 - 2) = 1.
    const wave = makeWave({ capacity: [6, 6], budget: 3, maxAccounts: 1, layers: { names: ["gains", "principal"], capacity: [[2, 1], [4, 5]] } });
    expect(verifyAllocation(wave, allocation([3, 0], { layers: split([2, 0], [1, 0]) })).undecided).toEqual([]);
    const above = verifyAllocation(wave, allocation([0, 3], { layers: split([0, 1], [0, 2]) }));
    expect(above.ok).toBe(true);
    expect(above.undecided).toEqual(["seniority"]);
  });
  it("missing layers is a shape violation", () => {
    onlyViolation(wave, allocation([4.8, 2.4, 0.3]), "shape");
  });
});

describe("independence and tolerances", () => {
  it("does not trust wave.upper", () => {
    const honest = makeWave({ capacity: [10, 10], budget: 8, alpha: 0.5, ids: ["A", "B"] });
    const lying: Wave = { ...honest, upper: Float64Array.from([10, 10]) };
    onlyViolation(lying, allocation([8, 0]), "alpha", "A");
  });

  it("a violation within absolute + relative * |rhs| passes; beyond it fails", () => {
    const wave = makeWave({ capacity: [10, 5], budget: 7.5, ids: ["A", "B"] });
    const allowed = absTol + relTol * 10;
    expect(verifyAllocation(wave, allocation([10 + 0.9 * allowed, 0])).ok).toBe(true);
    onlyViolation(wave, allocation([10 + 1.1 * allowed, 0]), "capacity", "A");
    const coverageAllowed = absTol + relTol * 7.5;
    expect(verifyAllocation(wave, allocation([7.5 - 0.9 * coverageAllowed, 0])).ok).toBe(true);
    onlyViolation(wave, allocation([7.5 - 1.1 * coverageAllowed, 0]), "coverage");
  });

  it("the allowance of a row comes from that row's own right-hand side, never from the wave's largest amount", () => {
    // A 1e15 account beside small ones: coverage of 1e9 allows 1e-3 (not 2 as a wave-wide 1e-9 * 2e9 did), a cap of 5 allows 5e-12.
    const big = makeWave({ capacity: [2e9, 5, 1e15], budget: 1e9 });
    expect(verifyAllocation(big, allocation([1e9 - 1e-4, 0, 0])).ok).toBe(true);
    expect(verifyAllocation(big, allocation([1e9 - 0.01, 0, 0])).ok).toBe(false);
    expect(verifyAllocation(big, allocation([1e9, 5 + 1e-9, 0])).ok).toBe(true);
    onlyViolation(big, allocation([1e9, 5.01, 0]), "capacity", "a1");
    expect(verifyAllocation(big, allocation([1e9, 0, 0])).tolerance.rule).toMatch(/own rhs/);
  });

  it("touched means a positive haircut: dust counts against maxAccounts", () => {
    const wave = makeWave({ capacity: [10, 5], budget: 7.5, maxAccounts: 1 });
    onlyViolation(wave, allocation([7.5, 1e-12]), "maxAccounts");
    expect(verifyAllocation(wave, allocation([7.5, 0])).ok).toBe(true);
  });

  it("a wrong-length haircut array stops the check", () => {
    const verdict = verifyAllocation(makeWave({ capacity: [10, 5], budget: 7.5 }), allocation([7.5]));
    expect(verdict).toMatchObject({ ok: false, worstViolation: 1, objectives: [] });
    expect(verdict.violations[0]!.constraint).toBe("shape");
  });

  it("lists at most 50 violations per constraint but keeps the worst amount over all", () => {
    const n = 1000;
    const wave = makeWave({ capacity: new Array<number>(n).fill(1), budget: 1 });
    const verdict = verifyAllocation(wave, allocation(Array.from({ length: n }, (_, i) => 1 + (i + 1) / 1000)));
    expect(verdict.violations).toHaveLength(50);
    expect(verdict.worstViolation).toBe(1);
    expect(verdict.notes[0]).toContain("950 further capacity violations");
  });
});
