/** The rounds charts compile and render, and carry exactly the numbers of the run. */
import { describe, expect, it } from "vitest";
import { renderSvg } from "../../src/tools/report/render.js";
import { roundRows, roundsCharts, shareOfBoundChart, tableShares } from "../../src/tools/rounds/charts.js";
import { runRounds } from "../../src/tools/rounds/run.js";
import { loadRoundsScenario } from "../../src/tools/rounds/scenario.js";
import { readRoundTable, scoreRoundTable } from "../../src/tools/rounds/table.js";

describe("rounds charts", () => {
  it("cumulative loss/regret and share of bound render to SVG at report widths, from the run's own numbers", async () => {
    const scenario = loadRoundsScenario("test/rounds/fixtures/two-rounds.yaml");
    const result = await runRounds(await scenario.load(), scenario.policies, { weights: scenario.weights });
    const rows = roundRows(result);
    expect(rows).toHaveLength(result.policies.length * 2);
    const last = rows.filter((r) => r.round === 2);
    for (const p of result.policies) expect(last.find((r) => r.policy === p.name)!.cumulativeLoss).toBeCloseTo(p.loss, 9);
    for (const width of [800, 1400]) {
      for (const chart of roundsCharts(result, { width })) {
        const svg = await renderSvg(chart.spec!);
        for (const p of result.policies) expect(svg, chart.id).toContain(p.name.replace(/&/g, "&amp;"));
      }
    }
  });

  it("the 10 October table's shares: production 50.0 %", async () => {
    const score = scoreRoundTable(readRoundTable("test/fixtures/hyperliquid/policy_per_wave_metrics.csv"));
    const chart = shareOfBoundChart(tableShares(score, "10 October 2025"));
    expect(chart.rows.find((r) => r.series === "prod")!.share).toBeCloseTo(0.50007, 5);
    expect(await renderSvg(chart.spec!)).toContain("50.0%");
  });
});
