/**
 * Hand-checked cases: the worked example (capacities = PnL (8, 4, 0.5), B = 7.5; cash (2, 1, 0.5)),
 * each venue preset's ranking on a 4-account table, the side split, lot rounding overshoot, and
 * the dYdX walk's seed.
 */
import { describe, expect, it } from "vitest";
import type { AccountTable, Model, Wave } from "../../src/domain.js";
import {
  getHeuristic,
  lotOvershoot,
  presetScore,
  queuePreset,
  rankDescending,
  walkStart,
  type QueuePreset,
} from "../../src/heuristics/index.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";
import { withColumns } from "./venue-waves.js";

function wave(columns: Record<string, readonly number[]>, budget: number, model: Partial<Model> = {}, ids?: readonly string[]): Wave {
  const accounts: AccountTable = accountsOf(columns, ids);
  return withColumns(waveOf(modelOf({ objective: [{ kind: "sparsity" }], ...model }), accounts, budget), accounts);
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], digits = 9): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((x, i) => expect(actual[i]).toBeCloseTo(x, digits));
}

describe("the worked example: capacities (8, 4, 0.5), B = 7.5", () => {
  const pnl = { capacity: [8, 4, 0.5], rank: [2, 3, 1] };

  it("a queue that ranks the second account first takes (3.5, 4, 0)", () => {
    const w = wave(pnl, 7.5);
    const allocation = getHeuristic("queue:score(rank)").allocate(w, { seed: 0 });
    expectClose(allocation.haircut, [3.5, 4, 0]);
    expect(verifyAllocation(w, allocation).ok).toBe(true);
  });

  it("largest capacity first takes the first account alone", () => {
    expectClose(getHeuristic("queue:capacity").allocate(wave(pnl, 7.5), { seed: 0 }).haircut, [7.5, 0, 0]);
  });

  it("pro-rata:wealth gives (4.8, 2.4, 0.3)", () => {
    const w = wave(pnl, 7.5);
    const allocation = getHeuristic("pro-rata:wealth").allocate(w, { seed: 0 });
    expectClose(allocation.haircut, [4.8, 2.4, 0.3]);
    expect(verifyAllocation(w, allocation).ok).toBe(true);
  });

  describe("the ladder around pro-rata, gains (8, 4, 0.5) + principal (2, 1, 0.5)", () => {
    const ladderColumns = { gains: [8, 4, 0.5], principal: [2, 1, 0.5] };
    const model = { seniority: ["gains", "principal"] };

    for (const inner of ["pro-rata:wealth", "pro-rata:pnl"]) {
      it(`ladder(${inner}) touches no principal at B = 7.5`, () => {
        const w = wave(ladderColumns, 7.5, model);
        const allocation = getHeuristic(`ladder(${inner})`).allocate(w, { seed: 0 });
        expectClose(allocation.haircut, [4.8, 2.4, 0.3]);
        expectClose(allocation.layers![0]!, [4.8, 2.4, 0.3]);
        expect(sum(allocation.layers![1]!)).toBe(0);
        expect(verifyAllocation(w, allocation).ok).toBe(true);
      });

      it(`ladder(${inner}) takes exactly 1.5 principal at B = 14`, () => {
        const w = wave(ladderColumns, 14, model);
        const allocation = getHeuristic(`ladder(${inner})`).allocate(w, { seed: 0 });
        expect(sum(allocation.layers![1]!)).toBeCloseTo(1.5, 12);
        expectClose(allocation.layers![0]!, [8, 4, 0.5]);
        expect(sum(allocation.haircut)).toBeCloseTo(14, 12);
        expect(verifyAllocation(w, allocation).ok).toBe(true);
      });
    }

    it("ladder(pro-rata:wealth) splits the principal rung pro-rata by principal: 1.5 x (2, 1, 0.5) / 3.5", () => {
      const allocation = getHeuristic("ladder(pro-rata:wealth)").allocate(wave(ladderColumns, 14, model), { seed: 0 });
      expectClose(allocation.layers![1]!, [3 / 3.5, 1.5 / 3.5, 0.75 / 3.5]);
    });

    it("plain pro-rata over total capacity (10, 5, 1) at B = 10 breaks seniority, and the verifier says exactly that", () => {
      // h = 10/16 x (10, 5, 1) = (6.25, 3.125, 0.625): C pays 0.125 of principal while the gains (12.5) could cover.
      const w = wave(ladderColumns, 10, model);
      const rule = getHeuristic("pro-rata:wealth");
      const verdict = verifyAllocation(w, rule.allocate(w, { seed: 0 }));
      expect(verdict.ok).toBe(false);
      expect(new Set(verdict.violations.map((v) => v.constraint))).toEqual(new Set(["seniority"]));
      expect(rule.ignores).toContain("seniority");
    });
  });
});

describe("venue presets rank a hand-made 4-account table", () => {
  // A, B in profit; C, D at a loss. Hand-computed scores:
  //   bitmex      PnL% x lev (PnL >= 0), PnL% / lev (< 0): A .2*3=.6, B .5*2=1, C -.3/10=-.03, D -.1/1=-.1 → B A C D
  //   binance     PnL% x margin_ratio:                     A .2*.5=.1, B .5*.1=.05, C -.3*.9=-.27, D -.1*.2=-.02 → A B D C
  //   hyperliquid (mark/entry) x (notional/equity):        A 1.2*3=3.6, B 1.5*1=1.5, C .7*10=7, D .9*.5=.45 → C A B D
  //   capacity    A 5, B 8, C 2, D 6                                                                   → B D A C
  //   entry-pnl   A .2, B .5, C -.3, D -.1                                                             → B A D C
  const table = {
    capacity: [5, 8, 2, 6],
    upnl: [20, 10, -30, -5],
    entry_notional: [100, 20, 100, 50],
    leverage: [3, 2, 10, 1],
    margin_ratio: [0.5, 0.1, 0.9, 0.2],
    mark: [120, 150, 70, 90],
    entry: [100, 100, 100, 100],
    notional: [120, 30, 70, 45],
    equity: [40, 30, 7, 90],
    entry_pnl: [0.2, 0.5, -0.3, -0.1],
  };
  const ids = ["A", "B", "C", "D"];
  const expected: Record<QueuePreset, string> = { bitmex: "BACD", binance: "ABDC", hyperliquid: "CABD", capacity: "BDAC", "entry-pnl": "BADC" };

  for (const [preset, order] of Object.entries(expected) as [QueuePreset, string][]) {
    it(`queue:${preset} ranks ${order}`, () => {
      const w = wave(table, 10, {}, ids);
      const ranked = rankDescending(presetScore(preset, w, w.upper));
      expect(Array.from(ranked, (i) => ids[i]).join("")).toBe(order);
      // And the allocation follows the ranking: the first account pays in full, the next the rest.
      const first = order.charCodeAt(0) - 65;
      const second = order.charCodeAt(1) - 65;
      const haircut = queuePreset(preset).allocate(w, { seed: 0 }).haircut;
      expect(haircut[first]).toBe(Math.min(10, table.capacity[first]!));
      expect(haircut[second]).toBeCloseTo(Math.min(table.capacity[second]!, 10 - Math.min(10, table.capacity[first]!)), 12);
    });
  }

  it("a missing column is a ModelError naming the heuristic and the column", () => {
    const w = wave({ capacity: [1, 2] }, 1);
    expect(() => getHeuristic("queue:bitmex").allocate(w, { seed: 0 })).toThrow(/heuristic queue:bitmex.*"upnl"/);
    expect(() => getHeuristic("queue:hyperliquid").allocate(wave({ capacity: [1], mark: [1], entry: [1], notional: [1] }, 1), { seed: 0 })).toThrow(
      /heuristic queue:hyperliquid.*"equity"/,
    );
    expect(() => getHeuristic("pro-rata:pnl").allocate(w, { seed: 0 })).toThrow(/"gains" or "upnl"/);
    expect(() => getHeuristic("risk-weighted").allocate(w, { seed: 0 })).toThrow(/"risk_weight"/);
  });

  it("a wave without columns is a clear error", () => {
    const { columns: _columns, ...bare } = wave({ capacity: [1, 2] }, 1);
    expect(() => getHeuristic("queue:entry-pnl").allocate(bare, { seed: 0 })).toThrow(/heuristic queue:entry-pnl.*wave\.columns/);
  });

  it("a NaN score on an account that can pay names the account", () => {
    const w = wave({ capacity: [1, 2], upnl: [0, 1], entry_notional: [0, 1], leverage: [1, 1] }, 1, {}, ["x", "y"]);
    expect(() => getHeuristic("queue:bitmex").allocate(w, { seed: 0 })).toThrow(/NaN for account "x"/);
  });

  it("ties are broken by index", () => {
    const haircut = getHeuristic("queue:score(1)").allocate(wave({ capacity: [3, 3, 3] }, 4), { seed: 0 }).haircut;
    expectClose(haircut, [3, 1, 0]);
  });
});

describe("longs and shorts", () => {
  const columns = { capacity: [6, 4, 5, 5], side: [1, 1, -1, -1] };

  it("each side pays a share of B proportional to its capacity, ranked on its own", () => {
    // Longs hold 10 of 20, so they pay 5: the larger long alone; shorts pay 5: the first of the tied shorts.
    expectClose(getHeuristic("queue:capacity").allocate(wave(columns, 10), { seed: 0 }).haircut, [5, 0, 5, 0]);
  });

  it("pooled ranks everyone together", () => {
    expectClose(queuePreset("capacity", { sides: "pooled" }).allocate(wave(columns, 10), { seed: 0 }).haircut, [6, 0, 4, 0]);
  });
});

describe("lot rounding schemes", () => {
  // Lots (value x held): A 4 x 2, B 1 x 10, C 3 x 3; capacities (12, 10, 8); B = 13.
  // pro-rata:wealth targets 13/30 x capacity = (5.2, 4.333, 3.467) → continuous lots A 1.3, B 4.333, C 1.156.
  // Floor: A 1 (4), B 4 (4), C 1 (3) = 11, short by 2.
  //   floor-topup: largest target first → A +1 lot (4): 15, overshoot 2.
  //   floor-lr:    largest remainder first → B (.333) +1 (1): 12, then A (.3) +1 (4): 16, overshoot 3.
  //   ceil:        every fractional position up → A 2, B 5, C 2 = 8 + 5 + 6 = 19, overshoot 6.
  const columns = { capacity: [12, 10, 8], lot_value: [4, 1, 3], lots: [2, 10, 3] };
  const model: Partial<Model> = { lots: { source: "columns", lotValue: "lot_value", lots: "lots" } };
  const cases = [
    ["pro-rata:wealth", [2, 4, 1], 2],
    ["lots-floor-topup(pro-rata:wealth)", [2, 4, 1], 2],
    ["lots-floor-lr(pro-rata:wealth)", [2, 5, 1], 3],
    ["lots-ceil(pro-rata:wealth)", [2, 5, 2], 6],
  ] as const;

  for (const [name, lots, overshoot] of cases) {
    it(`${name}: lots (${lots.join(", ")}), overshoot ${overshoot}`, () => {
      const w = wave(columns, 13, model);
      const allocation = getHeuristic(name).allocate(w, { seed: 0 });
      expect(Array.from(allocation.lots!)).toEqual([...lots]);
      expect(lotOvershoot(w, allocation)).toBeCloseTo(overshoot, 12);
      expect(verifyAllocation(w, allocation).ok).toBe(true);
    });
  }

  it("equal targets break ties by index, whatever the rounding of the pro-rata level", () => {
    // Capacities 10 each: targets 4.333 each up to the last bit; floor 4 + 4 + 3 = 11, A tops up first.
    const w = wave({ capacity: [10, 10, 10], lot_value: [4, 1, 3], lots: [2, 10, 3] }, 13, model);
    expect(Array.from(getHeuristic("pro-rata:wealth").allocate(w, { seed: 0 }).lots!)).toEqual([2, 4, 1]);
  });

  it("a queue's full accounts keep all their lots (no lot lost to floating-point floor)", () => {
    const w = wave({ capacity: [10, 10], lot_value: [0.1, 0.1], lots: [30, 30] }, 4.5, model);
    const allocation = getHeuristic("queue:capacity").allocate(w, { seed: 0 });
    expect(Array.from(allocation.lots!)).toEqual([30, 15]);
  });

  it("without lots in the wave the wrappers are the inner rule", () => {
    const w = wave({ capacity: [8, 4, 0.5] }, 7.5);
    expectClose(getHeuristic("lots-ceil(pro-rata:wealth)").allocate(w, { seed: 0 }).haircut, [4.8, 2.4, 0.3]);
    expect(lotOvershoot(w, getHeuristic("lots-ceil(pro-rata:wealth)").allocate(w, { seed: 0 }))).toBeCloseTo(0, 12);
  });
});

describe("walk:dydx", () => {
  const columns = { capacity: new Array<number>(10).fill(1) };

  it("is reproducible per seed and starts where the seed says", () => {
    const w = wave(columns, 2.5);
    const rule = getHeuristic("walk:dydx");
    for (const seed of [0, 1, 42, -7]) {
      const first = rule.allocate(w, { seed }).haircut;
      expect(Array.from(rule.allocate(w, { seed }).haircut)).toEqual(Array.from(first));
      const start = walkStart(10, { seed });
      expect(first[start]).toBe(1);
      expect(first[(start + 1) % 10]).toBe(1);
      expect(first[(start + 2) % 10]).toBeCloseTo(0.5, 12);
    }
  });

  it("different seeds start at different accounts", () => {
    const starts = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => walkStart(1000, { seed })));
    expect(starts.size).toBeGreaterThan(4);
  });
});

describe("hybrid buckets", () => {
  it("bucket 1 pays pro-rata first; bucket 2 only the rest", () => {
    // Scores 4, 3, 2, 1 → buckets {a0, a1}, {a2, a3}; bucket 1 holds 3 + 1 = 4 < B = 6: taken in full;
    // bucket 2 pays 2 pro-rata by capacity (2, 6): 0.5 and 1.5.
    const w = wave({ capacity: [3, 1, 2, 6], s: [4, 3, 2, 1] }, 6);
    expectClose(getHeuristic("hybrid:2(s)").allocate(w, { seed: 0 }).haircut, [3, 1, 0.5, 1.5]);
  });

  it("hybrid:1 is capped pro-rata", () => {
    const w = wave({ capacity: [8, 4, 0.5], upnl: [1, 1, 1], entry_notional: [1, 1, 1], leverage: [1, 1, 1] }, 7.5);
    expectClose(getHeuristic("hybrid:1").allocate(w, { seed: 0 }).haircut, [4.8, 2.4, 0.3]);
  });
});
