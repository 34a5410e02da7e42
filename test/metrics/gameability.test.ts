import { describe, expect, it } from "vitest";
import type { Wave } from "../../src/domain.js";
import { getHeuristic } from "../../src/heuristics/index.js";
import { exactMechanism, heuristicMechanism, type Mechanism } from "../../src/mechanism/index.js";
import { gameability, sampleAccounts } from "../../src/pipeline/metrics/gameability.js";
import { generatePopulation } from "../../src/tools/scenarios/population.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

const heuristic = (name: string): Mechanism => heuristicMechanism(getHeuristic(name));
/** The mechanism's own allocation of the wave (what the metric is measured at). */
const allocate = async (mechanism: Mechanism, wave: Wave) => (await mechanism.run(wave, { seed: 1 })).allocation!;
const population = generatePopulation({ n: 40, seed: 11 });
const totalCapacity = population.capacity.reduce((a, b) => a + b, 0);
const wave = waveOf(modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] }), population, 0.3 * totalCapacity);

describe("gameability", () => {
  it("pro-rata by capacity cannot be gamed by either move", async () => {
    const mechanism = heuristic("pro-rata:wealth");
    const result = await gameability(wave, await allocate(mechanism, wave), mechanism, { accounts: 8, seed: 4 });
    expect(result.samples).toHaveLength(8);
    expect(result.closeAndReopen).toBeLessThan(1e-9);
    expect(result.split).toBeLessThan(1e-9);
  });

  it("the exact minmax model (water-filling) is split-proof and reopen-proof too", async () => {
    const mechanism = exactMechanism();
    const result = await gameability(wave, await allocate(mechanism, wave), mechanism, { accounts: 4, seed: 4 });
    expect(result.gameability).toBeLessThan(1e-9);
  });

  it("an entry-PnL queue is gamed by close-and-reopen", async () => {
    const entry = heuristic("queue:entry-pnl");
    const result = await gameability(wave, await allocate(entry, wave), entry, { accounts: 20, seed: 4 });
    // Reopening at the mark puts an account's entry_pnl at 0, the back of the queue: a touched account escapes.
    expect(result.closeAndReopen).toBeGreaterThan(0.05);
    expect(result.samples.every((s) => s.closeAndReopen === 0 || s.closeAndReopen === 1)).toBe(true);
  });

  it("a queue by size is gamed by splitting: hand-checked", async () => {
    // capacities 10, 6, 6; B = 10. The size queue takes all of account 0. Split, it is 5 + 5 behind
    // 6 and 6, which pay 6 + 4: account 0 escapes entirely (change 10 / 10 = 1). Splitting a 6 gives
    // 3 + 3, still untouched (change 0). No entry columns: close-and-reopen changes nothing.
    const hand = waveOf(modelOf({ objective: [{ kind: "sparsity" }] }), accountsOf({ capacity: [10, 6, 6] }), 10);
    const size = heuristic("queue:capacity");
    const result = await gameability(hand, await allocate(size, hand), size, { accounts: 3, seed: 1 });
    const byAccount = new Map(result.samples.map((s) => [s.account, s.split]));
    expect(byAccount.get(0)).toBeCloseTo(1, 12);
    expect(byAccount.get(1)).toBe(0);
    expect(result.split).toBeCloseTo(1 / 3, 12);
    expect(result.closeAndReopen).toBe(0);
    expect(result.gameability).toBeCloseTo(1 / 6, 12);
    // Pro-rata on the same wave: 0 for both moves.
    const proRata = heuristic("pro-rata:wealth");
    expect((await gameability(hand, await allocate(proRata, hand), proRata, { accounts: 3, seed: 1 })).gameability).toBeLessThan(1e-12);
  });

  it("samples distinct accounts deterministically", () => {
    const picks = sampleAccounts([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5, 3);
    expect(new Set(picks).size).toBe(5);
    expect(sampleAccounts([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5, 3)).toEqual(picks);
    expect(sampleAccounts([1, 2], 5, 3).sort()).toEqual([1, 2]);
  });
});
