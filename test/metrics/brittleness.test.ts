import { describe, expect, it } from "vitest";
import type { Wave } from "../../src/domain.js";
import { getHeuristic } from "../../src/heuristics/index.js";
import { heuristicMechanism, type Mechanism } from "../../src/mechanism/index.js";
import { brittleness, rankFlips } from "../../src/pipeline/metrics/brittleness.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

const heuristic = (name: string): Mechanism => heuristicMechanism(getHeuristic(name));
/** The mechanism's own allocation of the wave (what the metric is measured at). */
const allocate = async (mechanism: Mechanism, wave: Wave) => (await mechanism.run(wave, { seed: 1 })).allocation!;
const model = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] });

describe("rankFlips", () => {
  it("counts pairs whose haircut order reverses, among accounts touched in either", () => {
    // Touched: 0, 1, 2 (3 pairs); every pair reverses.
    expect(rankFlips(Float64Array.from([3, 2, 1, 0]), Float64Array.from([1, 2, 3, 0]), 1e-9, 1)).toEqual({ share: 1, pairs: 3 });
    // (0,1): 3 > 2 then 1 < 2 flips; (0,2) and (1,2) keep their order.
    expect(rankFlips(Float64Array.from([3, 2, 0]), Float64Array.from([1, 2, 0.5]), 1e-9, 1).share).toBeCloseTo(1 / 3, 12);
    // A tie that opens is not a flip.
    expect(rankFlips(Float64Array.from([2, 2]), Float64Array.from([3, 1]), 1e-9, 1).share).toBe(0);
    expect(rankFlips(Float64Array.from([2, 0]), Float64Array.from([2, 0]), 1e-9, 1)).toEqual({ share: 0, pairs: 0 });
  });

  it("samples pairs deterministically above maxPairs, close to the exact share", () => {
    const n = 400;
    const before = Float64Array.from({ length: n }, (_, i) => i + 1);
    // Reverse the top half: pairs within it flip, 200*199/2 of 400*399/2.
    const after = Float64Array.from(before, (v, i) => (i >= 200 ? 600 - i : v));
    const exact = rankFlips(before, after, 1e-9, 1, Infinity);
    expect(exact.share).toBeCloseTo((200 * 199) / (400 * 399), 12);
    const sampled = rankFlips(before, after, 1e-9, 7, 20_000);
    expect(sampled.pairs).toBe(20_000);
    expect(Math.abs(sampled.share - exact.share)).toBeLessThan(0.02);
    expect(rankFlips(before, after, 1e-9, 7, 20_000)).toEqual(sampled);
  });
});

describe("brittleness", () => {
  it("pro-rata moves in proportion (order of eps), never reorders well-separated accounts", async () => {
    const wave = waveOf(model, accountsOf({ capacity: [10, 20, 40, 80] }), 30);
    const base = await allocate(heuristic("pro-rata:wealth"), wave);
    const result = await brittleness(wave, base, heuristic("pro-rata:wealth"), { perturbations: 8, epsilon: 0.01, seed: 3 });
    expect(result.rankFlips).toBe(0);
    // h_i = B c_i (1 + eps u_i) / sum: the relative L1 change is at most 2 eps, so <= 2 per unit eps.
    expect(result.brittleness).toBeGreaterThan(0);
    expect(result.brittleness).toBeLessThanOrEqual(2 + 1e-9);
    expect(result.samples).toHaveLength(8);
  });

  it("a queue by size flips near-tied accounts: large change per unit perturbation", async () => {
    // Two near-equal large accounts; the budget fits in either: a 1% perturbation swaps them half the time.
    const wave = waveOf(modelOf({ objective: [{ kind: "sparsity" }] }), accountsOf({ capacity: [10, 10.01, 3] }), 5);
    const queue = heuristic("queue:capacity");
    const base = await allocate(queue, wave);
    const result = await brittleness(wave, base, queue, { perturbations: 20, epsilon: 0.01, seed: 5 });
    const swaps = result.samples.filter((s) => s.rankFlips === 1).length;
    expect(swaps).toBeGreaterThan(0);
    // Each swap moves all of B: relative change 2 / eps = 200.
    for (const sample of result.samples) expect([0, 200]).toContainEqual(Math.round(sample.relativeChange));
    expect(result.brittleness).toBeCloseTo((200 * swaps) / 20, 6);
    const proRata = await brittleness(wave, await allocate(heuristic("pro-rata:wealth"), wave), heuristic("pro-rata:wealth"), { perturbations: 20, epsilon: 0.01, seed: 5 });
    expect(result.brittleness).toBeGreaterThan(proRata.brittleness);
  });

  it("is deterministic in the seed and rejects bad settings", async () => {
    const wave = waveOf(model, accountsOf({ capacity: [10, 20, 40] }), 30);
    const base = await allocate(heuristic("pro-rata:wealth"), wave);
    const settings = { perturbations: 3, epsilon: 0.05, seed: 9 };
    expect(await brittleness(wave, base, heuristic("pro-rata:wealth"), settings)).toEqual(await brittleness(wave, base, heuristic("pro-rata:wealth"), settings));
    await expect(brittleness(wave, base, heuristic("pro-rata:wealth"), { ...settings, epsilon: 0 })).rejects.toThrow(/metrics\.brittleness\.epsilon/);
  });
});
