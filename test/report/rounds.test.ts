/**
 * The report's Repeated ADL section: present, with the run's own numbers, when the experiment has
 * multi-round scenarios; absent when it has none.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunFolder } from "../../src/tools/report/read.js";
import { planReport, writeReport } from "../../src/tools/report/report.js";
import { RUN_FILES, runExperiment } from "../../src/tools/run/runner.js";
import { readRows } from "../../src/tools/run/store.js";
import type { RoundsRow } from "../../src/floor/records/row.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-rounds-report-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const dir = join(scratch, "run");
let html: string;
let markdown: string;
let rows: RoundsRow[];

/** A CSV of the report's data/ as objects (the report writes plain numbers and quoted text). */
function csvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const split = (line: string): string[] => (line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []).slice(0, -1).map((cell) => cell.replace(/,$/, "").replace(/^"|"$/g, "").replace(/""/g, '"'));
  const keys = split(header!);
  return lines.map((line) => Object.fromEntries(split(line).map((cell, k) => [keys[k]!, cell])));
}

beforeAll(async () => {
  await runExperiment("test/fixtures/experiments/rounds.yaml", { out: dir, workers: 1, progress: "none", log: () => undefined });
  await writeReport(dir);
  html = readFileSync(join(dir, "report", "index.html"), "utf8");
  markdown = readFileSync(join(dir, "report", "summary.md"), "utf8");
  rows = readRows<RoundsRow>(join(dir, RUN_FILES.rounds));
});

describe("the Repeated ADL section", () => {
  it("draws each multi-round scenario's cumulative loss (and regret where defined) and share of the bound, and the two tables", () => {
    for (const scenario of ["two-rounds", "two-wave", "hl-2025-10-10"]) {
      for (const chart of ["rounds-cumulative", "rounds-share-of-bound"]) {
        expect(html).toMatch(new RegExp(`<section id="chart-${chart}-${scenario}">\\s*<h2>Repeated ADL, ${scenario}: `));
        expect(markdown).toContain(`](charts/${chart}-${scenario}.png)`);
      }
    }
    expect(html).toContain("Repeated ADL, two-rounds: cumulative loss and regret vs round");
    // A recorded table has no accounts, hence no regret panel.
    expect(html).toContain("Repeated ADL, hl-2025-10-10: cumulative loss vs round");
    expect(html).toContain('<section id="table-rounds-policies">');
    expect(html).toContain('<section id="table-rounds-stability">');
    expect(markdown).toContain("## Repeated ADL: loss, regret and the Proposition 1 bound per policy");
    // summary.md stays short: the headline columns, and the stability table as a link.
    expect(markdown).toContain("| scenario | policy | cumulative loss ($) | undershoot V_T ($) | dynamic regret ($) | within bound | share of bound |");
    expect(markdown).toContain("- [Repeated ADL: stability diagnostics per policy](data/rounds-stability.csv)");
  });

  it("an experiment of rounds only has no empty wave sections", () => {
    expect(html).not.toContain('id="chart-trilemma"');
    expect(html).not.toContain('id="table-verification"');
    // Nor a scorecard of no mechanism, nor notes about wave files it never had.
    expect(html).not.toContain('<section id="scorecard">');
    expect(markdown).not.toContain("## Scorecard");
    expect(markdown).not.toContain("results.jsonl: not present");
  });

  it("its tables and chart data are the rows' own numbers", () => {
    const policies = csvRows(join(dir, "report", "data", "rounds-policies.csv"));
    expect(policies).toHaveLength(rows.length);
    for (const row of rows) {
      const shown = policies.find((p) => p["scenario"] === row.scenario && p["policy"] === row.policy)!;
      expect(Number(shown["loss"])).toBe(row.loss);
      expect(shown["dynamicRegret"] === "" ? null : Number(shown["dynamicRegret"])).toBe(row.regret.dynamic);
      expect(Number(shown["shareOfBound"])).toBe(row.shareOfBound);
    }
    const stability = csvRows(join(dir, "report", "data", "rounds-stability.csv"));
    expect(stability).toHaveLength(rows.filter((r) => r.source === "scenario").length);
    for (const scenario of new Set(rows.map((r) => r.scenario))) {
      const drawn = csvRows(join(dir, "report", "data", `rounds-cumulative-${scenario}.csv`));
      for (const row of rows.filter((r) => r.scenario === scenario)) {
        const last = drawn.filter((d) => d["series"] === row.policy && d["panel"] === "cumulative loss ($)" && Number(d["round"]) === row.rounds);
        expect(last, row.job).toHaveLength(1);
        expect(Number(last[0]!["value"])).toBeCloseTo(row.loss, 2);
      }
    }
    // The policies keep the experiment's order (production of two-wave first, as its file lists it).
    const twoWave = policies.filter((p) => p["scenario"] === "two-wave").map((p) => p["policy"]);
    expect(twoWave).toEqual(["production", "ogd + pro-rata"]);
  });

  it("is absent from a run without multi-round scenarios", () => {
    const run = readRunFolder(dir);
    const { sections } = planReport({ ...run, rounds: [] });
    const ids = sections.map((s) => (s.kind === "chart" ? s.chart.id : s.table.id));
    expect(ids.some((id) => id.startsWith("rounds-"))).toBe(false);
    expect(ids).toContain("trilemma");
  });
});
