/**
 * The report's "Repeated ADL" section (DESIGN.md §9), built from rounds.jsonl: per multi-round
 * scenario, cumulative loss and regret vs round per policy and each policy's share of the
 * Proposition 1 bound (src/tools/report/rounds-charts.ts), then two tables over every scenario: loss, regret and
 * bound per policy, and the stability diagnostics. Nothing when the run has no rounds rows.
 */
import type { RoundsRow } from "../../floor/records/row.js";
import { roundsCharts } from "./rounds-charts.js";
import type { ChartPlan } from "./charts.js";
import type { RunFolder } from "./read.js";
import type { PlannedSection } from "./report.js";
import { byText, type Column, type Record_, type Table } from "./tables.js";

/** Scenarios in name order; within each, policies in the experiment's order (the job order of the rows is lost to workers, the series order is not). */
function byScenario(rows: readonly RoundsRow[], order: readonly string[]): Map<string, RoundsRow[]> {
  const groups = new Map<string, RoundsRow[]>();
  for (const row of [...rows].sort((a, b) => byText(a.scenario, b.scenario))) {
    const group = groups.get(row.scenario) ?? [];
    group.push(row);
    groups.set(row.scenario, group);
  }
  const rank = (row: RoundsRow): number => {
    const k = order.indexOf(`${row.scenario}|rounds|${row.policy}`);
    return k >= 0 ? k : Number.MAX_SAFE_INTEGER;
  };
  for (const group of groups.values()) group.sort((a, b) => rank(a) - rank(b) || byText(a.policy, b.policy));
  return groups;
}

/** The experiment's job order as the manifest does not keep it: policies in the rows' own job ids, sorted by the rounds block order when known. */
function jobOrder(run: RunFolder): string[] {
  const settings = (run.manifest.settings ?? {}) as { rounds?: unknown };
  const written = Array.isArray(settings.rounds) ? (settings.rounds as { name?: unknown; policies?: unknown }[]) : [];
  return written.flatMap((r) => (Array.isArray(r.policies) ? r.policies.map((p) => `${String(r.name)}|rounds|${String(p)}`) : []));
}

/** The charts of one scenario, from its rows (one per policy). */
function scenarioCharts(scenario: string, rows: readonly RoundsRow[]): ChartPlan[] {
  const first = rows[0]!;
  const input = {
    name: `${scenario} (${first.source === "table" ? `recorded table, λ = ${String(first.weights["lambda"])}` : first.sequence})`,
    rounds: first.rounds,
    severityVariation: first.severityVariation,
    bound: first.bound,
    policies: rows.map((r) => ({ name: r.policy, loss: r.loss, shareOfBound: r.shareOfBound ?? NaN })),
    rows: rows.flatMap((r) => r.series.map((p) => ({ policy: r.policy, round: p.round, cumulativeLoss: p.cumulativeLoss, cumulativeDynamicRegret: p.cumulativeRegret, cumulativeBound: p.cumulativeBound }))),
  };
  // The width of the report's own charts (about 560 px plus legend), so that the page reads at 800 px too.
  return roundsCharts(input, { idSuffix: scenario, width: 760 }).map((chart) => ({ ...chart, title: `Repeated ADL, ${scenario}: ${chart.title.charAt(0).toLowerCase()}${chart.title.slice(1)}` }));
}

const POLICY_COLUMNS: readonly Column[] = [
  { key: "scenario", label: "scenario", format: "text" },
  { key: "policy", label: "policy", format: "text" },
  { key: "loss", label: "cumulative loss ($)" },
  { key: "undershoot", label: "undershoot V_T ($)" },
  { key: "staticRegret", label: "static regret ($)" },
  { key: "dynamicRegret", label: "dynamic regret ($)" },
  { key: "severityRegret", label: "severity regret ($)" },
  { key: "withinBound", label: "within bound", format: "text" },
  { key: "shareOfBound", label: "share of bound", format: "percent" },
];

const STABILITY_COLUMNS: readonly Column[] = [
  { key: "scenario", label: "scenario", format: "text" },
  { key: "policy", label: "policy", format: "text" },
  { key: "monotonicityViolations", label: "monotonicity violations", format: "percent" },
  { key: "rankStability", label: "rank stability (Spearman)" },
  { key: "rankPairs", label: "round pairs", format: "int" },
  { key: "verified", label: "verifier accepted", format: "text" },
  { key: "declared", label: "declared omissions", format: "text" },
];

function policyRecord(row: RoundsRow): Record_ {
  return {
    scenario: row.scenario,
    policy: row.policy,
    loss: row.loss,
    undershoot: row.undershoot,
    staticRegret: row.regret.static,
    dynamicRegret: row.regret.dynamic,
    severityRegret: row.severityRegret,
    withinBound: row.withinBound === null ? null : row.withinBound ? "yes" : "NO",
    shareOfBound: row.shareOfBound,
  };
}

function stabilityRecord(row: RoundsRow): Record_ {
  return {
    scenario: row.scenario,
    policy: row.policy,
    monotonicityViolations: row.stability.monotonicityViolations,
    rankStability: row.stability.rankStability,
    rankPairs: row.stability.rankPairs,
    verified: row.verified === null ? null : `${row.verified.accepted}/${row.verified.rounds}`,
    declared: row.verified === null ? null : row.verified.declared.join(", ") || "none",
  };
}

/**
 * The Repeated ADL sections of a run (see the module comment): per scenario its two charts, then
 * the policy table and the stability table. Empty when the run has no rounds rows. Pure.
 */
export function roundsSections(run: RunFolder): PlannedSection[] {
  if (run.rounds.length === 0) return [];
  const groups = byScenario(run.rounds, jobOrder(run));
  const sections: PlannedSection[] = [];
  for (const [scenario, rows] of groups) for (const chart of scenarioCharts(scenario, rows)) sections.push({ kind: "chart", chart });
  const ordered = [...groups.values()].flat();
  const policies: Table = {
    id: "rounds-policies",
    title: "Repeated ADL: loss, regret and the Proposition 1 bound per policy",
    what: "Per multi-round scenario and policy: the cumulative loss, the undershoot V_T = Σ [B^need − H]+, regret against the best fixed severity (static) and the best per-round action (dynamic), the severity loss Σ D_t |θ_t − θ_t^need| that Proposition 1 bounds, whether that stays within the bound sqrt((1 + 2 P_T) Σ D_t²) (P_T and the bound are in each scenario's charts), and the loss as a share of the bound. A recorded table has no regret (—).",
    columns: POLICY_COLUMNS,
    rows: ordered.map(policyRecord),
  };
  const stability: Table = {
    id: "rounds-stability",
    title: "Repeated ADL: stability diagnostics per policy",
    what: "Monotonicity violations: the mean share of adjacent winner pairs (sorted by capacity) whose residual-capacity order flips after the haircut (continuous pro-rata has none; rounding it to whole lots, as on rounds with positions, can flip pairs). Rank stability: the mean Spearman correlation of x_i/u_i between consecutive rounds over the accounts in both. Verifier: rounds whose allocation kept every promise, and the promises the rule breaks by declaration (e.g. coverage for integer pro-rata).",
    columns: STABILITY_COLUMNS,
    rows: ordered.filter((row) => row.source === "scenario").map(stabilityRecord),
  };
  // summary.md stays short: the headline columns of the first table, a link to the second.
  sections.push({ kind: "table", table: policies, brief: ["scenario", "policy", "loss", "undershoot", "dynamicRegret", "withinBound", "shareOfBound"] });
  if (stability.rows.length > 0) sections.push({ kind: "table", table: stability, brief: "link" });
  return sections;
}
