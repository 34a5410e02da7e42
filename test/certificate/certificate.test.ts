/**
 * Certificates on hand-made waves: each broken promise with its exact need and have, the shortfall,
 * and the two structural bounds.
 */
import { describe, expect, it } from "vitest";
import { certify } from "../../src/pipeline/certificate/certificate.js";
import { makeWave } from "../exact/make-wave.js";

describe("broken promises", () => {
  it("capacity: only eligible accounts count; the shortfall is the residual insolvency", () => {
    const certificate = certify(makeWave({ capacity: [8, 4, 0.5, 100], eligible: [1, 1, 1, 0], budget: 20 }));
    expect(certificate).toMatchObject({ feasible: false, shortfall: 7.5, coverable: 12.5, decided: true });
    expect(certificate.broken).toEqual([{ promise: "capacity", need: 20, have: 12.5 }]);
  });

  it("alpha: the capacity suffices but alpha * capacity does not", () => {
    const certificate = certify(makeWave({ capacity: [8, 4, 0.5], budget: 3, alpha: 0.2 }));
    expect(certificate.broken).toEqual([{ promise: "alpha", need: 3, have: 2.5 }]);
    expect(certificate.feasible).toBe(false);
    expect(certificate.shortfall).toBeCloseTo(0.5, 15);
  });

  it("profits-only is reported, but the wave stays feasible: principal covers the rest", () => {
    const certificate = certify(
      makeWave({ capacity: [10, 5, 1], budget: 14, layers: { names: ["gains", "principal"], capacity: [[8, 4, 0.5], [2, 1, 0.5]] } }),
    );
    expect(certificate).toMatchObject({ feasible: true, shortfall: 0 });
    // need - have = 1.5: the principal (or backstop) the wave needs.
    expect(certificate.broken).toEqual([{ promise: "profits-only", need: 14, have: 12.5 }]);
  });

  it("profits-only with three layers counts every layer but the most senior, capped by alpha", () => {
    const certificate = certify(
      makeWave({ capacity: [10, 10], alpha: 0.5, budget: 9, layers: { names: ["recent", "settled", "principal"], capacity: [[2, 6], [2, 0], [6, 4]] } }),
    );
    // junior (recent + settled) = (4, 6), capped at alpha c = 5 -> 4 + 5 = 9 >= 9: kept.
    expect(certificate.broken).toEqual([]);
    expect(certify(makeWave({ capacity: [10, 10], alpha: 0.5, budget: 9.5, layers: { names: ["recent", "settled", "principal"], capacity: [[2, 6], [2, 0], [6, 4]] } })).broken).toEqual([
      { promise: "profits-only", need: 9.5, have: 9 },
    ]);
  });

  it("lots, one position per account: sum_i v_i min(Q_i, floor(cap_i / v_i))", () => {
    // 3 * min(5, floor(10 / 3) = 3) + 2 * min(5, floor(5 / 2) = 2) = 9 + 4 = 13.
    const certificate = certify(makeWave({ capacity: [10, 5], budget: 14, lots: { lotValue: [3, 2], maxLots: [5, 5] } }));
    expect(certificate.broken).toEqual([{ promise: "lots", need: 14, have: 13 }]);
    expect(certificate).toMatchObject({ feasible: false, shortfall: 1, overshootBound: 3 });
  });

  it("lots, several positions per account: the exact best lot amount under the cap", () => {
    // cap 9, positions 6 x 1 and 4 x 2: 6 + 4 = 10 > 9, so 4 + 4 = 8 is the best.
    const certificate = certify(makeWave({ capacity: [9], budget: 8.5, positions: { account: [0, 0], lotValue: [6, 4], maxLots: [1, 2] } }));
    expect(certificate.broken).toEqual([{ promise: "lots", need: 8.5, have: 8 }]);
    expect(certificate.decided).toBe(true);
  });

  it("maxAccounts: the K largest per-account maxima", () => {
    const certificate = certify(makeWave({ capacity: [5, 4, 3], budget: 10, maxAccounts: 2 }));
    expect(certificate.broken).toEqual([{ promise: "maxAccounts", need: 10, have: 9 }]);
    expect(certificate).toMatchObject({ feasible: false, shortfall: 1 });
  });

  it("a budget short by less than the tolerance breaks nothing", () => {
    const certificate = certify(makeWave({ capacity: [5, 5], budget: 10 + 1e-10 }));
    expect(certificate).toMatchObject({ feasible: true, shortfall: 0, broken: [] });
  });
});

describe("structural bounds", () => {
  it("concentration: top k accounts must pay at least B - sum of the rest", () => {
    // sorted (5, 4, 3, 2), B = 8: 5 < 8 <= 9 -> k = 2, must pay 8 - (3 + 2) = 3.
    expect(certify(makeWave({ capacity: [3, 5, 2, 4], budget: 8 })).concentration).toEqual({ accounts: 2, mustPay: 3 });
    // With alpha 0.5 the effective capacities are (2.5, 2, 1.5, 1): B = 4 -> k = 2, must pay 4 - 2.5 = 1.5.
    expect(certify(makeWave({ capacity: [3, 5, 2, 4], budget: 4, alpha: 0.5 })).concentration).toEqual({ accounts: 2, mustPay: 1.5 });
  });

  it("concentration when nothing covers: every account that can give, and all of B", () => {
    expect(certify(makeWave({ capacity: [3, 0, 2], budget: 8 })).concentration).toEqual({ accounts: 2, mustPay: 8 });
  });

  it("overshoot bound: the largest lot that can be taken at all; null without lots", () => {
    // Account 1's lot of 7 does not fit under its cap 5; account 2 is ineligible.
    const wave = makeWave({ capacity: [10, 5, 50], eligible: [1, 1, 0], budget: 4, positions: { account: [0, 1, 2], lotValue: [2, 7, 20], maxLots: [5, 3, 3] } });
    expect(certify(wave).overshootBound).toBe(2);
    expect(certify(makeWave({ capacity: [10], budget: 4 })).overshootBound).toBeNull();
  });
});
