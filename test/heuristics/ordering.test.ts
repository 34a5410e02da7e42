import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rankDescending } from "../../src/heuristics/index.js";
import { DescendingHeap } from "../../src/heuristics/rank.js";
import { takeByScore, takeInOrder } from "../../src/heuristics/queue.js";

function reference(key: Float64Array, members: Int32Array): number[] {
  const norm = (x: number): number => (Number.isNaN(x) ? -Infinity : x === 0 ? 0 : x);
  return Array.from(members, (index, position) => ({ index, position, value: norm(key[index]!) }))
    .sort((a, b) => (a.value === b.value ? a.position - b.position : b.value - a.value))
    .map((entry) => entry.index);
}

const value = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2.5, -2.5, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, NaN),
  fc.double({ noNaN: true }),
  fc.integer({ min: -5, max: 5 }),
);

describe("rankDescending", () => {
  it("orders by key descending, ties by position in members, on both the small and the radix path", () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 700 }), fc.boolean(), (values, subset) => {
        const key = Float64Array.from(values);
        const members = subset ? Int32Array.from(values.map((_, i) => i).filter((i) => i % 3 !== 1)) : Int32Array.from(values.map((_, i) => i));
        expect(Array.from(rankDescending(key, subset ? members : undefined))).toEqual(reference(key, members));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps ties in index order on a large input", () => {
    const key = new Float64Array(100_000).map((_, i) => i % 7);
    const ranked = rankDescending(key);
    expect(ranked[0]).toBe(6);
    expect(ranked[1]).toBe(13);
    expect(ranked[ranked.length - 1]).toBe(99_995);
  });

  it("both digit widths (8-bit below 2^15 entries, 16-bit from there) give the reference order", () => {
    // Keys drawn from a small set of awkward values and a spread of doubles, so that every pass
    // sees ties, signs, zeros of both signs and NaN; sizes on both sides of the width switch.
    const awkward = [0, -0, 1, -1, 2.5, -2.5, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE, NaN];
    let state = 12345;
    const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (const m of [300, 1000, (1 << 15) - 1, 1 << 15, 70_000]) {
      const key = Float64Array.from({ length: m }, () => (next() % 4 === 0 ? awkward[next() % awkward.length]! : ((next() / 2 ** 32) - 0.5) * 10 ** (next() % 40 - 20)));
      const members = Int32Array.from({ length: m }, (_, i) => i).filter((i) => i % 5 !== 3);
      expect(Array.from(rankDescending(key)), `m = ${m}`).toEqual(reference(key, Int32Array.from({ length: m }, (_, i) => i)));
      expect(Array.from(rankDescending(key, members)), `m = ${m}, subset`).toEqual(reference(key, members));
    }
  });

  it("the lazy heap pops in the same order (ascending members)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true })), { maxLength: 400 }), (values) => {
        const key = Float64Array.from(values, (x) => (x === 0 ? 0 : x));
        const members = Int32Array.from(values.map((_, i) => i).filter((i) => i % 4 !== 2));
        const heap = new DescendingHeap(key, members.slice());
        const popped: number[] = [];
        for (let i = heap.pop(); i >= 0; i = heap.pop()) popped.push(i);
        expect(popped).toEqual(Array.from(rankDescending(key, members)));
      }),
      { numRuns: 200 },
    );
  });

  it("takeByScore (selection) takes exactly what taking down the ranked order takes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 }), fc.double({ min: 0, max: 50, noNaN: true }))), { maxLength: 300 }),
        fc.double({ min: 0, max: 1.1, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        (rows, share, small) => {
          const score = Float64Array.from(rows, (r) => r[0]);
          const bound = Float64Array.from(rows, (r) => r[1]);
          const members = Int32Array.from(rows.map((_, i) => i).filter((i) => bound[i]! > 0));
          const amount = share * bound.reduce((a, b) => a + b, 0);
          const bySelection = new Float64Array(rows.length);
          const byOrder = new Float64Array(rows.length);
          const leftSelection = takeByScore(score, members, bound, bySelection, amount, small);
          const leftOrder = takeInOrder(rankDescending(score, members), bound, byOrder, amount);
          expect(leftSelection).toBeCloseTo(leftOrder, 6);
          bySelection.forEach((h, i) => expect(h).toBeCloseTo(byOrder[i]!, 6));
        },
      ),
      { numRuns: 300 },
    );
  });
});
