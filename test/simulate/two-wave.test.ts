/**
 * A two-wave run checked by hand (test/simulate/fixtures/two-wave.yaml): one market X at 100, depth
 * 8,000 with slip = min(1%, 0.1 * notional / 8,000), margins 10% / 5%, fund 8, execution at the
 * mark without lots, ladder [gains, principal], mechanism ladder(pro-rata:wealth).
 *
 * Book (contracts, collateral): A +10 (100), D +5 (500), B -6 (300), C -9 (100). Wealth 1,000 + fund 8.
 *
 * Step 1, X 100 -> 80. PnL A -200, D -100, B +120, C +180; ledger gains B 120, C 180.
 *   A: equity -100 < 5% * 800 → liquidated; slip min(1%, 0.1 * 800/8000 = 1%) → sells 10 at 79.2:
 *   A = 100 + 10 * (79.2 - 100) = -108 → deficit 108; the fund pays 8; residual (needed) 100.
 *   Wave rows (equity > 0, open position): D 400, B 420, C 280 (capacity = min(equity, notional)).
 *   Ladder: gains rung D 0, B 120, C 180 covers 100 → pro-rata on gains: B 40, C 60.
 *   Execution at the mark: B closes 40/80 = 0.5 contracts (-> -5.5), C 60/80 = 0.75 (-> -8.25).
 *   Equity B 380, C 220; gains B 80, C 120. Two-pass at horizon 1 (X 80 -> 120, +40):
 *   B: 40 + (-6 + 5.5) * 40 = 20, C: 60 + (-9 + 8.25) * 40 = 30 → taken 50, overshoot -50.
 * Step 2, X 80 -> 120. PnL D +200 (gains 200), B -220 (gains 80 -> 0, equity 160), C -330 (equity -110).
 *   C liquidated: buys 8.25 at 120 * 1.01 = 121.2 (slip capped: 0.1 * 990/8000 > 1%):
 *   C cash 880 - 999.9 = -119.9 → deficit 119.9, fund 0, needed 119.9.
 *   Rows D (600, gains 200), B (160, gains 0): D pays 119.9 from gains, closes 119.9/120 contracts.
 *   Horizon 1 (X 120 -> 132, +12): D 119.9 + 0.999166… * 12 = 131.89; overshoot 11.99.
 * Conservation: A 0 + D 480.1 + B 160 + C 0 + order book (cash 188, +1.4991666… contracts at 120) 367.9 = 1,008.
 */
import { describe, expect, it } from "vitest";
import { loadScenario, simulate, simulationRow } from "../../src/tools/simulate/index.js";

const close = (actual: number, expected: number): void => expect(actual).toBeCloseTo(expected, 9);

describe("two-wave hand-checked scenario", async () => {
  const scenario = loadScenario("test/simulate/fixtures/two-wave.yaml");
  const result = await simulate(scenario, "ladder(pro-rata:wealth)");

  it("liquidates, realizes the deficit and lets the fund pay first", () => {
    expect(result.waves).toHaveLength(2);
    const [first, second] = result.waves;
    close(first!.deficit, 108);
    close(first!.fundPaid, 8);
    close(first!.needed, 100);
    close(second!.deficit, 119.9);
    close(second!.fundPaid, 0);
    close(second!.needed, 119.9);
    expect(result.steps.map((s) => [s.liquidated, s.bankrupt])).toEqual([[1, 1], [1, 1]]);
  });

  it("allocates gains first, pro-rata on the gains rung, and closes contracts at the mark", () => {
    const byWave = result.accounts.map((a) => [a.wave, a.account, a.haircut, a.contracts, a.layers["gains"], a.layers["principal"]] as const);
    expect(byWave.map(([w, id]) => `${w}:${id}`)).toEqual(["0:B", "0:C", "1:D"]);
    const expected = [[40, 0.5, 40, 0], [60, 0.75, 60, 0], [119.9, 119.9 / 120, 119.9, 0]];
    byWave.forEach(([, , haircut, contracts, gains, principal], k) => {
      close(haircut, expected[k]![0]!);
      close(contracts, expected[k]![1]!);
      close(gains!, expected[k]![2]!);
      close(principal!, expected[k]![3]!);
    });
    expect(result.waves.every((w) => w.verified.ok)).toBe(true);
  });

  it("measures the production haircut per account and horizon (two-pass)", () => {
    const production = result.accounts.map((a) => a.production);
    [[40, 20], [60, 30], [119.9, 131.89]].forEach((row, k) => row.forEach((x, h) => close(production[k]![h]!, x)));
    const row = simulationRow(result);
    expect(row.waves).toBe(2);
    close(row.budgetNeeded, 219.9);
    close(row.taken, 219.9);
    close(row.overshootByHorizon[0]!.overshoot, 0);
    close(row.overshootByHorizon[1]!.overshoot, 50 + 131.89 - 219.9);
    close(row.overshootByHorizon[1]!.overshootShare, (50 + 131.89 - 219.9) / 219.9);
    expect(row.gameability).toBeNull();
  });

  it("conserves money exactly: accounts + order book + fund - unfunded = 1,008 at every step", () => {
    expect(result.steps.map((s) => s.invariant)).toEqual([expect.closeTo(1008, 9), expect.closeTo(1008, 9)]);
    close(result.steps[1]!.accountsEquity, 640.1);
    close(result.steps[1]!.bookEquity, 367.9);
    close(result.steps[0]!.accountsEquity, 1000);
    close(result.steps[0]!.bookEquity, 8);
  });
});
