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
  type ChartPlan,
} from "./charts.js";
import { renderHtml, renderMarkdown, type ReportContent, type Section } from "./document.js";
import { toCsv } from "./format.js";
import { readRunFolder, type RunFolder } from "./read.js";
import { inlineSvg, renderPng, renderSvg } from "./render.js";
import { brokenPromises, byText, frontierDistances, mechanismMeans, mechanismsOf, sortedJobs, trilemma, verification } from "./tables.js";

/** Charts and tables in reading order, before rendering. Pure: rows in, plans out. */
export function planReport(run: RunFolder): { charts: ChartPlan[]; sections: ({ kind: "chart"; chart: ChartPlan } | { kind: "table"; table: ReturnType<typeof mechanismMeans> })[] } {
  const jobs = sortedJobs(run.jobs);
  const frontier = [...run.frontier].sort((a, b) => byText(a.frontier, b.frontier) || byText(a.wave, b.wave));
  const exposure = [...run.exposure].sort((a, b) => byText(a.wave, b.wave) || byText(a.account, b.account) || byText(a.mechanism, b.mechanism));
  const simulations = [...run.simulations].sort((a, b) => byText(a.scenario, b.scenario) || byText(a.mechanism, b.mechanism) || a.seed - b.seed);
  const context = {
    mechanisms: mechanismsOf([...jobs.map((j) => j.mechanism), ...frontier.flatMap((f) => f.placements.map((p) => p.mechanism)), ...exposure.map((e) => e.mechanism), ...simulations.map((s) => s.mechanism)]),
  };
  const trilemmaTable = trilemma(jobs);
  const frontierPlans = frontierCharts(frontier, context);
  const charts = [
    ...frontierPlans,
    lorenzChart(jobs, context),
    fractionByCapacityChart(jobs, context),
    exposureChart(exposure, context),
    overshootByLotChart(jobs, context),
    overshootByHorizonChart(simulations, context),
    solveTimeChart(jobs),
    trilemmaChart(trilemmaTable.rows, context),
  ];
  const chart = (plan: ChartPlan) => ({ kind: "chart" as const, chart: plan });
  const table = (t: ReturnType<typeof mechanismMeans>) => ({ kind: "table" as const, table: t });
  const sections = [
    ...frontierPlans.map(chart),
    table(frontierDistances(frontier)),
    ...charts.slice(frontierPlans.length, -1).map(chart),
    chart(charts[charts.length - 1]!),
    table(trilemmaTable),
    table(brokenPromises(jobs)),
    table(verification(jobs)),
    table(mechanismMeans(jobs)),
  ];
  return { charts, sections };
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
  const run = readRunFolder(dir);
  const { charts, sections } = planReport(run);
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
  const rendered: Section[] = sections.map((s) => (s.kind === "chart" ? { kind: "chart", chart: s.chart, svg: svgs.has(s.chart.id) ? inlineSvg(svgs.get(s.chart.id)!) : null } : s));
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
    counts: {
      jobs: run.jobs.length,
      waves: new Set(run.jobs.map((j) => j.wave)).size,
      mechanisms: new Set(run.jobs.map((j) => j.mechanism)).size,
      frontier: run.frontier.length,
      exposure: run.exposure.length,
      simulations: run.simulations.length,
    },
  };
  write("index.html", renderHtml(content));
  write("summary.md", renderMarkdown(content));
  return { folder, files, charts: charts.map((c) => ({ id: c.id, drawn: c.spec !== null, ...(c.note ? { note: c.note } : {}) })), notes: run.notes };
}
