import { describe, expect, it } from "vitest";
import { allocationMetrics, gini } from "../../src/pipeline/metrics/allocation.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

describe("gini", () => {
  it("is 0 for equal values and (n-1)/n when one holds everything", () => {
    expect(gini([0.3, 0.3, 0.3])).toBeCloseTo(0, 12);
    expect(gini([0, 0, 0, 1])).toBeCloseTo(3 / 4, 12);
    expect(gini([])).toBe(0);
    // Hand-checked: values 1, 2, 3 -> mean abs difference 8/9 / (2 * mean 2) = 2/9.
    expect(gini([3, 1, 2])).toBeCloseTo(2 / 9, 12);
  });
});

describe("allocationMetrics on the worked example", () => {
  const wave = waveOf(modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] }), accountsOf({ capacity: [8, 4, 0.5] }), 7.5);

  it("pro-rata: equal fractions, Gini 0, HHI of the capacity shares", () => {
    const metrics = allocationMetrics(wave, { haircut: Float64Array.from([4.8, 2.4, 0.3]) });
    expect(metrics.coverage).toBeCloseTo(1, 12);
    expect(metrics.maxFraction).toBeCloseTo(0.6, 12);
    expect(metrics.giniOfFractions).toBeCloseTo(0, 12);
    expect(metrics.hhi).toBeCloseTo((8 / 12.5) ** 2 + (4 / 12.5) ** 2 + (0.5 / 12.5) ** 2, 12);
    expect(metrics.touched).toBe(3);
    expect(metrics.top1Share).toBeCloseTo(4.8 / 7.5, 12);
  });

  it("the queue (3.5, 4, 0): one account untouched, fractions (0.4375, 1, 0)", () => {
    const metrics = allocationMetrics(wave, { haircut: Float64Array.from([3.5, 4, 0]) });
    expect(metrics.touched).toBe(2);
    expect(metrics.touchedShare).toBeCloseTo(2 / 3, 12);
    expect(metrics.maxFraction).toBe(1);
    expect(metrics.giniOfFractions).toBeCloseTo(gini([0.4375, 1, 0]), 12);
    expect(metrics.top1Share).toBeCloseTo(4 / 7.5, 12);
    expect(metrics.shortfall).toBe(0);
  });

  it("reports a shortfall and an overshoot", () => {
    expect(allocationMetrics(wave, { haircut: Float64Array.from([1, 1, 0]) }).shortfall).toBeCloseTo(5.5, 12);
    const over = allocationMetrics(wave, { haircut: Float64Array.from([8, 0, 0]) });
    expect(over.overshoot).toBeCloseTo(0.5, 12);
    expect(over.overshootShare).toBeCloseTo(0.5 / 7.5, 12);
  });
});
