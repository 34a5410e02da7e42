/**
 * ExactSum (src/floor/numeric/exact.ts), the verifier's exact lot rows: sign(sum_t k_t v_t - c) with each
 * double read as its shortest decimal, against rationals built from the same decimals here
 * (test/oracle/rational.ts). Ties are the point: the float bound cannot call them, and the fast
 * safe-integer path and the BigInt path must both give the exact answer, including past 2^53.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExactSum } from "../../src/floor/numeric/exact.js";
import { Rational } from "../oracle/rational.js";

/** The shortest decimal of x as a rational (what a file wrote: 0.1 is one tenth). */
function decimalOf(x: number): Rational {
  const [digits, e = "0"] = String(x).split("e");
  const [whole, fraction = ""] = digits!.split(".");
  const exponent = Number(e) - fraction.length;
  const mantissa = BigInt(whole! + fraction);
  return exponent >= 0 ? Rational.of(mantissa * 10n ** BigInt(exponent)) : Rational.of(mantissa, 10n ** BigInt(-exponent));
}

const lotValues = [0.1, 0.3, 0.7, 1.1, 2.5, 0.05, 0.30000000000000004, 123456.789, 1e-7, 3.3333333333333335, Number("9007199254740993"), 1e20, 87.8299];

describe("ExactSum against decimal rationals", () => {
  it("sums of lots compared with a capacity at, just above and just below their decimal value", () => {
    let ties = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ count: fc.integer({ min: 0, max: 1_000_000 }), value: fc.constantFrom(...lotValues) }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(-1, 0, 1),
        (terms, nudge) => {
          const truth = Rational.sum(terms.map((t) => Rational.fromInteger(t.count).mul(decimalOf(t.value))));
          // The capacity: the exact decimal sum rounded to a double, moved by one ulp when asked.
          let c = truth.toNumber();
          if (nudge !== 0) c = nudge > 0 ? c + Math.max(Number.MIN_VALUE, Math.abs(c) * 2 ** -52) : c - Math.max(Number.MIN_VALUE, Math.abs(c) * 2 ** -52);
          const want = truth.cmp(decimalOf(c));
          if (want === 0) ties++;
          // A shared cache, as the verifier uses it, and none.
          for (const sum of [new ExactSum(new Map()), new ExactSum()]) {
            for (const t of terms) sum.addProduct(t.count, t.value);
            expect(sum.compare(c), JSON.stringify({ terms, c })).toBe(want);
            expect(sum.compareProduct(1, c)).toBe(want);
            expect(sum.compareProduct(c, 1)).toBe(want);
          }
        },
      ),
      { numRuns: 2000, seed: 20_261_201 },
    );
    expect(ties).toBeGreaterThan(100);
  });

  it("three lots of 0.1 fit 0.3 exactly; 0.30000000000000004 does not; past 2^53 still exact", () => {
    const sum = new ExactSum(new Map());
    sum.addProduct(3, 0.1);
    expect(sum.compare(0.3)).toBe(0);
    sum.reset();
    sum.addProduct(1, 0.30000000000000004);
    expect(sum.compare(0.3)).toBe(1);
    sum.reset();
    // 9007199254740993 is read as the double 9007199254740992; two of them are 18014398509481984 exactly.
    sum.addProduct(2, Number("9007199254740993"));
    expect(sum.compare(18014398509481984)).toBe(0);
    sum.addProduct(1, 0.1);
    expect(sum.compare(18014398509481984)).toBe(1);
  });
});
