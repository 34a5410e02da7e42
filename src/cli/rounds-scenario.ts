/**
 * `adl rounds --scenario FILE [--lambda L] [--json]`: runs a multi-round scenario's policies
 * (src/tools/rounds/scenario.ts, src/tools/rounds/run.ts) and prints one line per policy, or with --json the
 * whole RoundsResult (per-policy results and one row per policy and round) as one object.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { csvText } from "../csv.js";
import { ExitCode } from "../errors.js";
import { roundRows, roundsCharts, shareOfBoundChart, tableShares, type RoundsChart } from "../tools/rounds/charts.js";
import type { TableScore } from "../tools/rounds/table.js";
import { runRounds, type RoundsResult } from "../tools/rounds/run.js";
import { loadRoundsScenario } from "../tools/rounds/scenario.js";

function money(x: number): string {
  return x.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
}

function ratio(x: number | null, digits = 3): string {
  return x === null || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

/** The per-policy table of a run. */
export function renderRoundsResult(result: RoundsResult): string {
  const w = result.weights;
  const lines = [
    `${result.name} (${result.source}): ${result.rounds} rounds, severity variation P_T ${result.severityVariation.toFixed(4)}, bound sqrt((1 + 2 P_T) sum D²) = ${money(result.bound)}, Proposition 1 step ${result.step.toPrecision(4)}`,
    `loss = ${w.under} [B^need - H]+ + ${w.over} [H - B^need]+ + ${w.fair} max x/(${w.fractionBase}${w.eps > 0 ? ` + ${w.eps}` : ""}); best fixed severity ${result.comparators.static.theta.toFixed(4)} loses ${money(result.comparators.static.loss)} (${result.comparators.static.method}); best per-round actions lose ${money(result.comparators.dynamicLoss)}`,
  ];
  const header = ["policy", "loss", "undershoot V_T", "static regret", "dynamic regret", "severity regret", "≤ bound", "share of bound", "monotonicity", "rank stab.", "verified"];
  const rows = result.policies.map((p) => [
    p.name,
    money(p.loss),
    money(p.undershoot),
    money(p.regret.static),
    money(p.regret.dynamic),
    money(p.severityRegret),
    p.withinBound ? "yes" : "no",
    `${(100 * p.shareOfBound).toFixed(2)}%`,
    `${(100 * p.stability.monotonicityViolations).toFixed(2)}%`,
    ratio(p.stability.rankStability),
    `${p.verified.accepted}/${p.verified.rounds}${p.verified.declared.length > 0 ? ` (declared: ${p.verified.declared.join(", ")})` : ""}`,
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]): string => cells.map((c, k) => (k === 0 || k === cells.length - 1 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join("  ").trimEnd();
  lines.push(line(header), ...rows.map(line));
  return lines.join("\n") + "\n";
}

/** Rows as CSV: a header of the keys, numbers as numbers, text through csvText. */
function csvOf(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return "";
  const keys = Object.keys(rows[0]!);
  const cell = (v: unknown): string => (typeof v === "number" ? String(v) : v === null || v === undefined ? "" : csvText(String(v)));
  return [keys.join(","), ...rows.map((row) => keys.map((k) => cell(row[k])).join(","))].join("\n") + "\n";
}

/**
 * Writes the charts (SVG, rendered by the report's renderer) and the numbers behind them, plus the
 * per-policy-per-round rows, into `dir`: rounds.csv, <chart>.svg, <chart>.csv. Returns the files.
 */
export async function writeRoundsCharts(result: RoundsResult, dir: string, charts: readonly RoundsChart[] = roundsCharts(result)): Promise<string[]> {
  const { renderSvg } = await import("../tools/report/render.js");
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, "rounds.csv")];
  writeFileSync(files[0]!, csvOf(roundRows(result) as unknown as Record<string, unknown>[]));
  for (const chart of charts) {
    if (chart.spec === null) continue;
    writeFileSync(join(dir, `${chart.id}.svg`), await renderSvg(chart.spec));
    writeFileSync(join(dir, `${chart.id}.csv`), csvOf(chart.rows));
    files.push(join(dir, `${chart.id}.svg`), join(dir, `${chart.id}.csv`));
  }
  return files;
}

/** Runs the scenario's policies and prints per-policy results; returns the exit code. */
export async function runScenarioCommand(file: string, options: { json: boolean; lambda?: number; charts?: string; out: (text: string) => void }): Promise<number> {
  const scenario = loadRoundsScenario(file);
  const sequence = await scenario.load();
  const weights = options.lambda !== undefined ? { ...scenario.weights, fair: options.lambda } : scenario.weights;
  const result = await runRounds(sequence, scenario.policies, { weights, seed: scenario.seed });
  options.out(options.json ? JSON.stringify(result) + "\n" : renderRoundsResult(result));
  if (options.charts !== undefined) {
    const files = await writeRoundsCharts(result, options.charts);
    if (!options.json) options.out(`charts and rows: ${files.join(", ")}\n`);
  }
  return ExitCode.ok;
}

/** The share-of-bound chart of a scored round table, as SVG and CSV in `dir`. */
export async function writeTableChart(score: TableScore, table: string, dir: string): Promise<string[]> {
  const { renderSvg } = await import("../tools/report/render.js");
  const chart = shareOfBoundChart(tableShares(score, table));
  mkdirSync(dir, { recursive: true });
  if (chart.spec === null) return [];
  const files = [join(dir, `${chart.id}.svg`), join(dir, `${chart.id}.csv`)];
  writeFileSync(files[0]!, await renderSvg(chart.spec));
  writeFileSync(files[1]!, csvOf(chart.rows));
  return files;
}
