import { describe, expect, it } from "vitest";
import { churnMetrics } from "../../src/pipeline/metrics/churn.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

const model = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] });

describe("churnMetrics", () => {
  const wave = waveOf(model, accountsOf({ capacity: [10, 20], ltv: [3, 1] }), 5);
  const allocation = { haircut: Float64Array.from([5, 0]) };

  it("LTV proportional to capacity by default: f = (0.5, 0), beta 2", () => {
    const metrics = churnMetrics(wave, allocation, { beta: 2 });
    // p_1 = 1 - e^-1; retained (10 e^-1 + 20) / 30; lost 10 (1 - e^-1).
    expect(metrics.ltvRetained).toBeCloseTo((10 * Math.exp(-1) + 20) / 30, 12);
    expect(metrics.ltvLoss).toBeCloseTo(10 * (1 - Math.exp(-1)), 12);
  });

  it("reads LTV from a column", () => {
    const metrics = churnMetrics(wave, allocation, { beta: 2, ltvColumn: "ltv" });
    expect(metrics.ltvRetained).toBeCloseTo((3 * Math.exp(-1) + 1) / 4, 12);
    expect(metrics.ltvLoss).toBeCloseTo(3 * (1 - Math.exp(-1)), 12);
  });

  it("beta 0 keeps everyone; nothing taken keeps everyone", () => {
    expect(churnMetrics(wave, allocation, { beta: 0 })).toEqual({ ltvRetained: 1, ltvLoss: 0 });
    expect(churnMetrics(wave, { haircut: new Float64Array(2) }, { beta: 3 }).ltvLoss).toBe(0);
  });

  it("concave churn: pro-rata loses more LTV than a queue raising the same budget (Jensen)", () => {
    const big = waveOf(model, accountsOf({ capacity: [10, 10, 10, 10] }), 10);
    const proRata = churnMetrics(big, { haircut: Float64Array.from([2.5, 2.5, 2.5, 2.5]) }, { beta: 1 });
    const queue = churnMetrics(big, { haircut: Float64Array.from([10, 0, 0, 0]) }, { beta: 1 });
    expect(proRata.ltvLoss).toBeCloseTo(40 * (1 - Math.exp(-0.25)), 12);
    expect(queue.ltvLoss).toBeCloseTo(10 * (1 - Math.exp(-1)), 12);
    expect(proRata.ltvLoss).toBeGreaterThan(queue.ltvLoss);
  });

  it("rejects a negative beta and a missing column, naming the setting", () => {
    expect(() => churnMetrics(wave, allocation, { beta: -1 })).toThrow(/metrics\.churn\.beta: expected a finite number >= 0; found -1/);
    expect(() => churnMetrics(wave, allocation, { beta: 1, ltvColumn: "lifetime" })).toThrow(/column "lifetime"/);
  });
});
