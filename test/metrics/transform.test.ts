import { describe, expect, it } from "vitest";
import { closeAndReopen, scaleAccounts, splitAccount } from "../../src/pipeline/metrics/transform.js";
import { generatePopulation } from "../../src/tools/scenarios/population.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

describe("wave transforms keep the wave valid", () => {
  const ladder = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], seniority: ["gains", "principal"], lots: { source: "columns", lotValue: "lot_value", lots: "lots" } });
  const wave = waveOf(ladder, accountsOf({ gains: [6, 2, 0], principal: [4, 2, 1], lot_value: [1, 0.5, 1], lots: [10, 7, 1], leverage: [3, 5, 2] }), 5);

  it("scaleAccounts multiplies capacity, layers and lot values, not lot counts or intensive columns", () => {
    const scaled = scaleAccounts(wave, Float64Array.from([1.5, 1, 0.5]));
    expect([...scaled.capacity]).toEqual([15, 4, 0.5]);
    expect([...scaled.layers!.capacity[0]!]).toEqual([9, 2, 0]);
    expect([...scaled.layers!.capacity[1]!]).toEqual([6, 2, 0.5]);
    expect([...scaled.positions!.lotValue]).toEqual([1.5, 0.5, 0.5]);
    expect([...scaled.positions!.maxLots]).toEqual([10, 7, 1]);
    expect([...scaled.columns!.get("leverage")!]).toEqual([3, 5, 2]);
    // upper = min(c, v Q): 15 vs 15, 4 vs 3.5, 0.5 vs 0.5.
    expect([...scaled.upper]).toEqual([15, 3.5, 0.5]);
    expect(scaled.budget).toBe(5);
  });

  it("splitAccount halves the extensive columns and lots, copies the rest, appends the other half", () => {
    const split = splitAccount(wave, 1);
    expect(split.ids).toEqual(["a0", "a1", "a2", "a1#split"]);
    expect([...split.capacity]).toEqual([10, 2, 1, 2]);
    expect([...split.layers!.capacity[0]!]).toEqual([6, 1, 0, 1]);
    expect([...split.positions!.maxLots]).toEqual([10, 3, 1, 4]);
    expect([...split.positions!.lotValue]).toEqual([1, 0.5, 1, 0.5]);
    expect([...split.columns!.get("leverage")!]).toEqual([3, 5, 2, 5]);
  });

  it("closeAndReopen resets entry PnL at the mark and keeps capacity, gains and notional", () => {
    const population = generatePopulation({ n: 5, seed: 2 });
    const base = waveOf(modelOf({ objective: [{ kind: "sparsity" }] }), population, 100);
    const reopened = closeAndReopen(base, 3);
    const column = (name: string): number[] => [...reopened.columns!.get(name)!];
    const before = (name: string): number[] => [...base.columns!.get(name)!];
    expect(column("entry")[3]).toBe(before("mark")[3]);
    expect(column("entry_pnl")[3]).toBe(0);
    expect(column("upnl")[3]).toBe(0);
    expect(column("entry_notional")[3]).toBe(before("notional")[3]);
    for (const name of ["capacity", "gains", "notional", "equity", "leverage"]) expect(column(name)).toEqual(before(name));
    for (const name of ["entry", "entry_pnl", "upnl"]) expect(column(name).filter((_, i) => i !== 3)).toEqual(before(name).filter((_, i) => i !== 3));
  });
});
