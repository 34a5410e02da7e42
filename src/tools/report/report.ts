/**
 * `adl report DIR`: reads a run folder and writes DIR/report/ — index.html, summary.md,
 * charts/<id>.{vl.json,svg,png} and data/<id>.{csv,json}. Same run folder, same bytes (the PNGs
 * depend on the rasterizer's version and the installed fonts; the rest does not).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  exposureChart,
  fractionByCapacityChart,
  frontierCharts,
  lorenzChart,
  overshootByHorizonChart,
  overshootByLotChart,
  solveTimeChart,
  trilemmaChart,
  type ChartContext,
  type ChartPlan,
} from "./charts.js";
import type { ScorecardAxis } from "../../floor/records/row.js";
import { mechanismStatistics, trilemmaTable } from "./compare.js";
import { renderHtml, renderMarkdown, type ReportContent, type Section } from "./document.js";
import { toCsv } from "./format.js";
import { readRunFolder, type RunFolder } from "./read.js";
import { compileVega, inlineSvg, renderPng, renderSvg } from "./render.js";
import { scorecard, type Scorecard } from "./scorecard.js";
import { roundsSections } from "./rounds.js";
import { brokenPromises, byText, frontierDistances, mechanismsOf, sortedJobs, verification, type Table } from "./tables.js";

/** A planned section: a chart, or a table (collapsed on the page and left to its CSV in summary.md when `long`). */
export type PlannedSection =
  | { readonly kind: "chart"; readonly chart: ChartPlan }
  | {
      readonly kind: "table";
      readonly table: Table;
      readonly long?: boolean;
      /** What summary.md keeps of the table: these columns only, or "link" (a line under "Long tables"; index.html shows it whole). */
      readonly brief?: readonly string[] | "link";
    };

/**
 * Extra sections after the built-in ones (e.g. the rounds of repeated ADL): each builder reads the
 * run folder and returns its charts and tables, or nothing. Charts are rendered and their data
 * written like every other.
 */
export const EXTRA_SECTIONS: ((run: RunFolder, context: ChartContext) => PlannedSection[])[] = [roundsSections];

/** Charts show about this many mechanisms by default; the rest are in the tables and CSVs. */
export const FOCUS_LIMIT = 8;

/** What the experiment asked of the report (the run manifest's settings; absent in older runs). */
export function reportSettings(run: RunFolder): { baseline: string | null; focus: readonly string[] | null; axes: readonly ScorecardAxis[] } {
  const settings = (run.manifest.settings ?? {}) as { baseline?: unknown; report?: { focus?: unknown; axes?: unknown } };
  const baseline = typeof settings.baseline === "string" ? settings.baseline : null;
  const focus = Array.isArray(settings.report?.focus) ? settings.report.focus.filter((f): f is string => typeof f === "string") : null;
  const axes = Array.isArray(settings.report?.axes) && settings.report.axes.length >= 2 ? (settings.report.axes as ScorecardAxis[]) : (["shortfall", "maxFraction", "ltvRetained"] as const);
  return { baseline, focus, axes };
}

/**
 * The mechanisms the charts draw: the experiment's report.focus (names or display names, each
 * resolved to every display name it covers), else the baseline and the Pareto-efficient ones, up to
 * FOCUS_LIMIT; the baseline is always in.
 */
export function focusOf(names: readonly string[], requested: readonly string[] | null, card: Scorecard): string[] {
  const picked: string[] = [];
  const add = (m: string | undefined): void => {
    if (m !== undefined && names.includes(m) && !picked.includes(m)) picked.push(m);
  };
  add(card.baseline ?? undefined);
  if (requested) {
    for (const written of requested) {
      if (names.includes(written)) add(written);
      else for (const m of names.filter((n) => n.startsWith(`${written}[`))) add(m);
    }
    return picked;
  }
  for (const m of card.pareto) if (picked.length < FOCUS_LIMIT) add(m);
  // Too few efficient ones to compare: the next best on solvency, then by name.
  const rest = card.table.rows.filter((r) => !picked.includes(r.mechanism as string)).sort((a, b) => (b.solvent as number) - (a.solvent as number) || byText(a.mechanism as string, b.mechanism as string));
  for (const r of rest) if (picked.length < Math.min(5, FOCUS_LIMIT)) add(r.mechanism as string);
  return picked;
}

/** Charts and tables in reading order, before rendering. Pure: rows in, plans out. */
export function planReport(run: RunFolder): { charts: ChartPlan[]; sections: PlannedSection[]; scorecard: Scorecard; focus: readonly string[] } {
  const jobs = sortedJobs(run.jobs);
  const frontier = [...run.frontier].sort((a, b) => byText(a.frontier, b.frontier) || byText(a.region ?? "", b.region ?? "") || byText(a.wave, b.wave));
  const exposure = [...run.exposure].sort((a, b) => byText(a.wave, b.wave) || byText(a.account, b.account) || byText(a.mechanism, b.mechanism));
  const simulations = [...run.simulations].sort((a, b) => byText(a.scenario, b.scenario) || byText(a.mechanism, b.mechanism) || a.seed - b.seed);
  const settings = reportSettings(run);
  const scored = scorecard(jobs, { baseline: settings.baseline, axes: settings.axes });
  const names = mechanismsOf(jobs.map((j) => j.mechanism));
  const focus = focusOf(names, settings.focus, scored);
  // The scorecard reads baseline first, then the charts' mechanisms, then the rest as scored.
  const rank = (k: number): number => {
    const m = scored.table.rows[k]!.mechanism as string;
    return m === scored.baseline ? -1 : focus.includes(m) ? focus.indexOf(m) : focus.length + k;
  };
  const order = scored.table.rows.map((_, k) => k).sort((a, b) => rank(a) - rank(b));
  const card: Scorecard = {
    ...scored,
    table: { ...scored.table, rows: order.map((k) => scored.table.rows[k]!) },
    display: { ...scored.display, rows: order.map((k) => scored.display.rows[k]!) },
    readings: order.map((k) => scored.readings[k]!),
  };
  const all = mechanismsOf([...names, ...frontier.flatMap((f) => f.placements.map((p) => p.mechanism)), ...exposure.map((e) => e.mechanism), ...simulations.map((s) => s.mechanism)]);
  const context: ChartContext = { mechanisms: all, focus: focus.length > 0 ? focus : all.slice(0, FOCUS_LIMIT), baseline: card.baseline };
  const trilemmaFocus = trilemmaTable(jobs, context.focus);
  const frontierPlans = frontierCharts(frontier, context);
  const chart = (plan: ChartPlan): PlannedSection => ({ kind: "chart", chart: plan });
  // An experiment of multi-round scenarios only: no wave sections that would each say "no rows".
  const hasWaveSections = run.jobs.length > 0 || run.frontier.length > 0 || run.exposure.length > 0 || run.simulations.length > 0 || run.rounds.length === 0;
  const waveSections: PlannedSection[] = [
    chart(trilemmaChart(trilemmaFocus, context)),
    { kind: "table", table: { ...trilemmaTable(jobs), id: "trilemma-all", title: "Trilemma of every mechanism on the same waves" }, long: names.length > 12 },
    ...frontierPlans.map(chart),
    { kind: "table", table: frontierDistances(frontier), long: true },
    chart(lorenzChart(jobs, context)),
    chart(fractionByCapacityChart(jobs, context)),
    chart(exposureChart(exposure, context)),
    chart(overshootByLotChart(jobs, context)),
    chart(overshootByHorizonChart(simulations, context)),
    chart(solveTimeChart(jobs)),
    { kind: "table", table: verification(jobs) },
    { kind: "table", table: mechanismStatistics(jobs), long: true },
    { kind: "table", table: brokenPromises(jobs), long: true },
  ];
  const sections: PlannedSection[] = [...(hasWaveSections ? waveSections : []), ...EXTRA_SECTIONS.flatMap((build) => build(run, context))];
  const charts = sections.flatMap((s) => (s.kind === "chart" ? [s.chart] : []));
  return { charts, sections, scorecard: card, focus: context.focus };
}

/** Writes through a temporary name and a rename, so a reader never sees half a file. */
function writeAtomically(file: string, data: string | Buffer): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

export interface ReportFiles {
  /** The report folder, DIR/report. */
  readonly folder: string;
  /** Paths relative to the report folder, in the order written. */
  readonly files: readonly string[];
  readonly charts: readonly { readonly id: string; readonly drawn: boolean; readonly note?: string }[];
  readonly notes: readonly string[];
}

/**
 * Reads the run folder `dir` and writes its report into `dir/report/`. Throws UsageError /
 * InstanceError for a missing folder, a missing manifest or a corrupt line (file and line named).
 */
export async function writeReport(dir: string): Promise<ReportFiles> {
  const read = readRunFolder(dir);
  // An experiment of multi-round scenarios only has no wave files to miss: say nothing about them.
  const roundsOnly = read.jobs.length === 0 && read.simulations.length === 0 && read.rounds.length > 0;
  const run = roundsOnly ? { ...read, notes: read.notes.filter((note) => !/^(results|frontier|exposure|simulations)\.jsonl: (not present|no rows)$/.test(note)) } : read;
  const { charts, sections, scorecard: card, focus } = planReport(run);
  const folder = join(dir, "report");
  for (const sub of ["", "charts", "data"]) mkdirSync(join(folder, sub), { recursive: true });
  const files: string[] = [];
  const write = (relative: string, data: string | Buffer): void => {
    writeAtomically(join(folder, relative), data);
    files.push(relative);
  };

  const svgs = new Map<string, string>();
  for (const chart of charts) {
    write(`data/${chart.id}.csv`, toCsv(chart.columns, chart.rows));
    write(`data/${chart.id}.json`, `${JSON.stringify({ title: chart.title, what: chart.what, note: chart.note ?? null, rows: chart.rows }, null, 1)}\n`);
    if (chart.spec === null) continue;
    const svg = await renderSvg(chart.spec);
    svgs.set(chart.id, svg);
    write(`charts/${chart.id}.vl.json`, `${JSON.stringify(chart.spec, null, 1)}\n`);
    write(`charts/${chart.id}.svg`, svg);
    write(`charts/${chart.id}.png`, renderPng(svg));
  }
  const rendered: Section[] = sections.map((s) =>
    s.kind === "chart"
      ? { kind: "chart", chart: s.chart, svg: svgs.has(s.chart.id) ? inlineSvg(svgs.get(s.chart.id)!) : null, ...(s.chart.interactive && s.chart.spec ? { live: compileVega(s.chart.spec) } : {}) }
      : s,
  );
  write("data/scorecard.csv", toCsv(card.table.columns, card.table.rows));
  write("data/scorecard.json", `${JSON.stringify({ title: card.table.title, what: card.table.what, baseline: card.baseline, pareto: card.pareto, waves: card.waves, readings: card.readings, rows: card.table.rows }, null, 1)}\n`);
  for (const s of sections) {
    if (s.kind !== "table") continue;
    write(`data/${s.table.id}.csv`, toCsv(s.table.columns, s.table.rows));
    write(`data/${s.table.id}.json`, `${JSON.stringify({ title: s.table.title, what: s.table.what, rows: s.table.rows }, null, 1)}\n`);
  }
  const content: ReportContent = {
    manifest: run.manifest,
    dir,
    notes: run.notes,
    sections: rendered,
    scorecard: card,
    focus,
    counts: {
      jobs: run.jobs.length,
      waves: new Set(run.jobs.map((j) => j.wave)).size,
      mechanisms: new Set(run.jobs.map((j) => j.mechanism)).size,
      frontier: run.frontier.length,
      exposure: run.exposure.length,
      simulations: run.simulations.length,
      rounds: run.rounds.length,
    },
  };
  write("index.html", renderHtml(content));
  write("summary.md", renderMarkdown(content));
  return { folder, files, charts: charts.map((c) => ({ id: c.id, drawn: c.spec !== null, ...(c.note ? { note: c.note } : {}) })), notes: run.notes };
}
