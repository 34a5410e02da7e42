import { describe, expect, it } from "vitest";
import { getHeuristic } from "../../src/heuristics/index.js";
import { heuristicMechanism } from "../../src/mechanism/index.js";
import { allocationMetrics } from "../../src/pipeline/metrics/allocation.js";
import { DEFAULT_METRIC_SETTINGS, fractionByCapacity, jobMetrics, lorenzPoints } from "../../src/pipeline/metrics/job.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

const model = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] });
const wave = waveOf(model, accountsOf({ capacity: [8, 4, 0.5] }), 7.5);
const proRata = { haircut: Float64Array.from([4.8, 2.4, 0.3]) };

describe("jobMetrics", () => {
  it("fills every JobMetrics field; the mechanism-based ones are null without a mechanism", async () => {
    const metrics = await jobMetrics(wave, proRata, { ...DEFAULT_METRIC_SETTINGS, churn: { beta: 2 }, reference: { maxLoss: 2.5 } });
    const base = allocationMetrics(wave, proRata);
    for (const key of Object.keys(base) as (keyof typeof base)[]) expect(metrics[key]).toBe(base[key]);
    expect(metrics.residualInsolvency).toBe(0);
    // Paper form: upsilon = 3.2, H = 7.5, D = 7.5, theta = 1, Delta = 2.5.
    expect(metrics.ptsr).toBeCloseTo(3.2 / 7.5, 12);
    expect(metrics.pmr).toBeCloseTo(3.2 / 2.5, 12);
    // Every account loses 60%: retained e^{-1.2}, lost 12.5 (1 - e^{-1.2}).
    expect(metrics.ltvRetained).toBeCloseTo(Math.exp(-1.2), 12);
    expect(metrics.ltvLoss).toBeCloseTo(12.5 * (1 - Math.exp(-1.2)), 12);
    expect(metrics.brittleness).toBeNull();
    expect(metrics.rankFlips).toBeNull();
    expect(metrics.gameability).toBeNull();
  });

  it("measures brittleness and gameability with a mechanism, unless the settings turn them off", async () => {
    const mechanism = heuristicMechanism(getHeuristic("pro-rata:wealth"));
    const measured = await jobMetrics(wave, proRata, DEFAULT_METRIC_SETTINGS, mechanism);
    expect(measured.brittleness).toBeGreaterThan(0);
    expect(measured.rankFlips).toBe(0);
    expect(measured.gameability).toBeLessThan(1e-12);
    const off = await jobMetrics(wave, proRata, { ...DEFAULT_METRIC_SETTINGS, brittleness: false, gameability: false }, mechanism);
    expect(off.brittleness).toBeNull();
    expect(off.gameability).toBeNull();
  });
});

describe("lorenzPoints", () => {
  it("21 points, linear between accounts sorted by haircut ascending", () => {
    // Haircuts 3, 1, 0 sorted: 0, 1, 3 (total 4). At p = 0.5 (1.5 accounts): 0 + 0.5 * 1 = 0.5, L = 0.125.
    const points = lorenzPoints(wave, { haircut: Float64Array.from([3, 1, 0]) });
    expect(points).toHaveLength(21);
    expect(points[0]).toEqual([0, 0]);
    expect(points[10]![1]).toBeCloseTo(0.125, 12);
    // p = 0.8 (2.4 accounts): 0 + 1 + 0.4 * 3 = 2.2, L = 0.55.
    expect(points[16]![1]).toBeCloseTo(0.55, 12);
    expect(points[20]).toEqual([1, 1]);
    for (let k = 1; k < 21; k++) expect(points[k]![1]).toBeGreaterThanOrEqual(points[k - 1]![1]);
  });

  it("pro-rata of equal accounts is the diagonal; nothing taken is empty", () => {
    const equal = waveOf(model, accountsOf({ capacity: [5, 5, 5, 5] }), 4);
    for (const [p, share] of lorenzPoints(equal, { haircut: Float64Array.from([1, 1, 1, 1]) })) expect(share).toBeCloseTo(p, 12);
    expect(lorenzPoints(wave, { haircut: new Float64Array(3) })).toEqual([]);
  });
});

describe("fractionByCapacity", () => {
  it("every account when few; an evenly spaced sample by capacity rank, ends included, when many", () => {
    expect(fractionByCapacity(wave, proRata)).toEqual([
      [0.5, 0.6],
      [4, 0.6],
      [8, 0.6],
    ].map(([c, f]) => [c, expect.closeTo(f!, 12)]));
    const n = 1000;
    const big = waveOf(model, accountsOf({ capacity: Array.from({ length: n }, (_, i) => ((i * 7919) % n) + 1) }), 10);
    const haircut = Float64Array.from(big.capacity, (c) => c / 100);
    const sample = fractionByCapacity(big, { haircut }, 200);
    expect(sample).toHaveLength(200);
    expect(sample[0]![0]).toBe(1);
    expect(sample[199]![0]).toBe(n);
    for (let k = 1; k < 200; k++) expect(sample[k]![0]).toBeGreaterThan(sample[k - 1]![0]);
    expect(fractionByCapacity(big, { haircut }, 200)).toEqual(sample);
  });
});
