/**
 * The pro-rata fast path (fixed-point capping) must give the water-filling answer of
 * src/pipeline/exact/water-filling.ts, which it falls back to.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { waterFill } from "../../src/pipeline/exact/water-filling.js";
import { cappedProRata, proportionalFixedPoint } from "../../src/heuristics/pro-rata.js";

const amount = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }), fc.double({ min: 0.01, max: 1e6, noNaN: true }));

describe("cappedProRata", () => {
  it("equals capped water-filling, zero weights paying last in proportion to their bounds", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, amount), { minLength: 1, maxLength: 40 }), fc.oneof(fc.double({ min: 0, max: 1.2, noNaN: true }), fc.constant(1)), (rows, share) => {
        const bound = Float64Array.from(rows, (r) => r[0]);
        const weight = Float64Array.from(rows, (r) => r[1]);
        const reach = bound.reduce((a, b) => a + b, 0);
        const budget = share * reach;
        const haircut = cappedProRata(bound, weight, budget);
        const total = Math.min(budget, reach);
        expect(haircut.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 6);
        haircut.forEach((h, i) => expect(h).toBeLessThanOrEqual(bound[i]! * (1 + 1e-12) + 1e-12));

        const weighted = rows.reduce((sum, r) => sum + (r[1] > 0 ? r[0] : 0), 0);
        const n = bound.length;
        const reference =
          total <= weighted
            ? waterFill(new Float64Array(n), bound, weight.map((w, i) => (bound[i]! > 0 ? w : 0)), total)!.haircut
            : waterFill(bound.map((b, i) => (weight[i]! > 0 ? b : 0)), bound, bound.map((b, i) => (weight[i]! > 0 ? 0 : b)), total)!.haircut;
        haircut.forEach((h, i) => expect(h).toBeCloseTo(reference[i]!, 6));
      }),
      { numRuns: 400 },
    );
  });

  it("the fixed point hands over to waterFill when it has not settled", () => {
    // Total 16: round 1 caps a0 (level 4 >= 1), round 2 caps a1 (level 15/3 = 5 >= 5), round 3 settles at 5.
    const bound = Float64Array.from([1, 5, 100, 100]);
    const weight = new Float64Array(4).fill(1);
    expect(proportionalFixedPoint(bound, weight, 16, 2)).toBeUndefined();
    expect(Array.from(proportionalFixedPoint(bound, weight, 16, 3)!)).toEqual([1, 5, 5, 5]);
    expect(Array.from(cappedProRata(bound, weight, 16))).toEqual([1, 5, 5, 5]);
    // Everyone capped (budget = everything): waterFill answers.
    expect(proportionalFixedPoint(bound, weight, 206)).toBeUndefined();
    expect(Array.from(cappedProRata(bound, weight, 206))).toEqual([1, 5, 100, 100]);
  });
});
