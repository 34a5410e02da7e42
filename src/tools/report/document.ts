/**
 * The two documents of a report: index.html (self-contained: inline CSS and SVG, nothing loaded
 * from a network; the scorecard first; Vega's runtime embedded so that the trilemma and frontier
 * charts show tooltips, the static SVG showing without script) and summary.md (the scorecard, PNG
 * charts by relative path, links to the long tables' CSVs).
 */
import type { RunManifest } from "../../floor/records/row.js";
import type { ChartPlan } from "./charts.js";
import { escapeHtml, htmlTable, markdownTable } from "./format.js";
import { vegaRuntime } from "./render.js";
import { inlineDeltas, type Scorecard } from "./scorecard.js";
import type { Table } from "./tables.js";

/** A section of the report, in reading order: a chart (with its inline SVG) or a table (collapsed when long). */
export type Section =
  | { readonly kind: "chart"; readonly chart: ChartPlan; readonly svg: string | null; /** The compiled Vega spec, to draw live with tooltips. */ readonly live?: unknown }
  | {
      readonly kind: "table";
      readonly table: Table;
      readonly long?: boolean;
      /** What summary.md keeps of the table: these columns only, or "link" (a line under "Long tables"; index.html shows it whole). */
      readonly brief?: readonly string[] | "link";
    };

export interface ReportContent {
  readonly manifest: RunManifest;
  readonly dir: string;
  readonly notes: readonly string[];
  readonly sections: readonly Section[];
  readonly scorecard: Scorecard;
  /** The mechanisms the charts draw. */
  readonly focus: readonly string[];
  /** Counts of rows read, for the facts table. */
  readonly counts: { readonly jobs: number; readonly waves: number; readonly mechanisms: number; readonly frontier: number; readonly exposure: number; readonly simulations: number; readonly rounds?: number };
}

function duration(manifest: RunManifest): string {
  if (manifest.finishedAt === null) return "not finished (the run was interrupted or is still going)";
  const seconds = (Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt)) / 1000;
  if (!Number.isFinite(seconds)) return "unknown";
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${Math.round(seconds - 60 * minutes)} s` : `${seconds.toFixed(1)} s`;
}

/** The run's facts as label/value pairs, shared by the HTML and the Markdown. */
export function manifestFacts(content: ReportContent): [string, string][] {
  const m = content.manifest;
  const solvers = Object.entries(m.solvers ?? {})
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  return [
    ["experiment", `${m.experiment.name} (${m.experiment.file})`],
    ["experiment sha256", m.experiment.sha256],
    ["tool", `${m.tool ?? "adl-workbench"} ${m.version} on Node ${m.node ?? "?"}`],
    ["solvers", solvers || "—"],
    ["shard", m.shard ? `${m.shard.index + 1} of ${m.shard.count}` : "whole run"],
    ["started", m.startedAt],
    ["finished", m.finishedAt ?? "—"],
    ["duration", duration(m)],
    ["jobs", `${m.jobs.done} done, ${m.jobs.failed} failed, of ${m.jobs.total}`],
    ["rows read", `${content.counts.jobs} jobs over ${content.counts.waves} waves and ${content.counts.mechanisms} mechanisms; ${content.counts.frontier} frontier, ${content.counts.exposure} exposure, ${content.counts.simulations} simulation rows`],
  ];
}

const CSS = `
body{font-family:"DejaVu Sans",Verdana,sans-serif;color:#1d1d1d;margin:24px auto;max-width:1240px;padding:0 20px;line-height:1.45;font-size:14px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:34px 0 6px;border-bottom:1px solid #ddd;padding-bottom:4px}
p.what{margin:4px 0 10px;color:#333;max-width:1000px}p.note{color:#7a4b00;background:#fff7e6;border-left:3px solid #f0a020;padding:6px 10px;max-width:1000px}
.sub{color:#555;margin:0 0 16px}.facts td{padding:2px 14px 2px 0;vertical-align:top}.facts td:first-child{color:#555;white-space:nowrap}
.mono{font-family:"DejaVu Sans Mono",monospace;font-size:12px;word-break:break-all}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{padding:3px 8px;border-bottom:1px solid #e6e6e6;text-align:left;white-space:nowrap}th{background:#f4f4f4;position:sticky;top:0}
td:first-child,th:first-child{position:sticky;left:0;background:#fff;z-index:1}th:first-child{background:#f4f4f4;z-index:2}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tbody tr:nth-child(even){background:#fafafa}
.chart{overflow-x:auto}.chart svg{max-width:100%;height:auto}
#scorecard{border:1px solid #cfd8e3;background:#f8fbff;padding:4px 14px 10px;margin:18px 0}#scorecard h2{margin-top:10px}
#scorecard table{font-size:11px}#scorecard td{white-space:nowrap;padding:2px 6px;line-height:1.25}#scorecard th{white-space:normal;max-width:96px;vertical-align:bottom}
#scorecard .delta{color:#555;font-size:10.5px}ul.readings{margin:6px 0 0;padding-left:18px}ul.readings li{margin:2px 0}
details{margin:8px 0}summary{cursor:pointer;color:#1f5fa8}.pareto{font-weight:bold}
nav ol{columns:2;margin:6px 0 0}a{color:#1f5fa8}small{color:#666}
`;

function anchor(section: Section): string {
  return section.kind === "chart" ? `chart-${section.chart.id}` : `table-${section.table.id}`;
}

function titleOf(section: Section): string {
  return section.kind === "chart" ? section.chart.title : section.table.title;
}

/** JSON inside a <script> element: "</" would end it early. */
function scriptSafe(json: string): string {
  return json.replace(/<\//g, "<\\/");
}

/**
 * Vega's runtime, embedded (no network), and the few lines that redraw each live chart from its
 * spec with tooltips on hover (the runtime's default handler shows them as the browser's own).
 */
function liveCharts(): string {
  // Only "</script" would end the element early (the runtime has none; a regex like /</g must stay as it is).
  return `<script>${vegaRuntime().replace(/<\/script/gi, "<\\/script")}</script>
<script>
for (const chart of document.querySelectorAll(".chart[data-live]")) {
  const spec = JSON.parse(chart.querySelector("script.vega-spec").textContent);
  const host = document.createElement("div");
  new vega.View(vega.parse(spec), { renderer: "svg", container: host, hover: true }).runAsync().then(() => {
    chart.querySelector("svg").replaceWith(host);
  });
}
</script>`;
}

/** What the rows cover: "40 waves, 30 mechanisms", plus the policies run over multi-round scenarios. */
function coverage(content: ReportContent): string {
  const rounds = content.counts.rounds ?? 0;
  const policies = `${rounds} multi-round scenario × policy pair${rounds === 1 ? "" : "s"}`;
  if (roundsOnly(content)) return policies;
  return `${content.counts.waves} waves and ${content.counts.mechanisms} mechanisms${rounds > 0 ? `, and ${policies}` : ""}`;
}

/** A run of multi-round scenarios only: no mechanism ran on a wave, so there is no scorecard to show. */
function roundsOnly(content: ReportContent): boolean {
  return content.counts.jobs === 0 && content.counts.simulations === 0 && (content.counts.rounds ?? 0) > 0;
}

/** index.html: a page a risk engineer can read offline, top to bottom. */
export function renderHtml(content: ReportContent): string {
  const m = content.manifest;
  const facts = manifestFacts(content)
    .map(([label, value]) => `<tr><td>${escapeHtml(label)}</td><td${label.includes("sha256") ? ' class="mono"' : ""}>${escapeHtml(value)}</td></tr>`)
    .join("\n");
  const inputs = (m.inputs ?? []).map((input) => `<tr><td>${escapeHtml(input.file)}</td><td class="mono">${escapeHtml(input.sha256)}</td></tr>`).join("\n");
  const failures = (m.failures ?? []).map((f) => `<li><b>${escapeHtml(f.job)}</b>: ${escapeHtml(f.message)}</li>`).join("\n");
  const notes = content.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("\n");
  const sections = content.sections
    .map((section) => {
      const id = anchor(section);
      if (section.kind === "table") {
        const t = section.table;
        const table = t.rows.length ? htmlTable(t) : `<p class="note">No rows.</p>`;
        const body = section.long && t.rows.length ? `<details><summary>Show the table (${t.rows.length} rows)</summary>\n${table}\n</details>` : table;
        return `<section id="${id}">\n<h2>${escapeHtml(t.title)}</h2>\n<p class="what">${escapeHtml(t.what)}</p>\n${body}\n<small>Data: <a href="data/${t.id}.csv">data/${t.id}.csv</a></small>\n</section>`;
      }
      const c = section.chart;
      // Live charts: the static SVG is what shows without script; the runtime redraws it with tooltips.
      const live = section.live !== undefined && section.svg ? `<script type="application/json" class="vega-spec">${scriptSafe(JSON.stringify(section.live))}</script>` : "";
      const figure = section.svg ? `<div class="chart"${live ? " data-live" : ""}>${section.svg}${live}</div>` : "";
      const note = c.note ? `<p class="note">${escapeHtml(c.note)}</p>` : "";
      const data = c.spec ? `<small>Data: <a href="data/${c.id}.csv">data/${c.id}.csv</a> · spec: <a href="charts/${c.id}.vl.json">charts/${c.id}.vl.json</a></small>` : "";
      return `<section id="${id}">\n<h2>${escapeHtml(c.title)}</h2>\n<p class="what">${escapeHtml(c.what)}</p>\n${note}${figure}\n${data}\n</section>`;
    })
    .join("\n");
  const contents = content.sections.map((s) => `<li><a href="#${anchor(s)}">${escapeHtml(titleOf(s))}</a></li>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ADL report: ${escapeHtml(m.experiment.name)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>ADL run report: ${escapeHtml(m.experiment.name)}</h1>
<p class="sub">Auto-deleveraging mechanisms compared on the same waves: exact optima, the exact trilemma frontier and production heuristics, every allocation re-checked by the independent verifier.</p>
${failures ? `<h2>Failed jobs</h2>\n<ul>\n${failures}\n</ul>` : ""}
${notes ? `<p class="note">Reading the run folder:</p><ul>\n${notes}\n</ul>` : ""}
${roundsOnly(content) ? "" : scorecardHtml(content.scorecard, content.focus)}
<details><summary>Run facts: ${escapeHtml(m.jobs.done.toLocaleString("en-US"))} jobs, ${escapeHtml(coverage(content))}</summary>
<table class="facts">
${facts}
</table>
${inputs ? `<details><summary>Inputs (${(m.inputs ?? []).length} files with SHA-256)</summary><table class="facts">\n${inputs}\n</table></details>` : ""}
</details>
<nav><b>Contents</b><ol>
${roundsOnly(content) ? "" : '<li><a href="#scorecard">Scorecard</a></li>'}
${contents}
</ol></nav>
${sections}
<p><small>Every number behind every chart and table is in data/ (CSV and JSON); charts are also in charts/ as SVG, PNG and Vega-Lite specs. Written by adl report.</small></p>
${content.sections.some((s) => s.kind === "chart" && s.live !== undefined) ? liveCharts() : ""}
</body>
</html>
`;
}

/** The scorecard section: id "scorecard", the table of value (Δ vs baseline) cells and a sentence per mechanism. */
function scorecardHtml(card: Scorecard, focus: readonly string[]): string {
  const t = card.display;
  const head = t.columns.map((c) => `<th${c.format === "text" && c.key !== "mechanism" && c.key !== "pareto" ? ' class="num"' : ""}>${escapeHtml(c.label)}</th>`).join("");
  const body = t.rows
    .map((row) => {
      const cells = t.columns.map((c) => {
        const value = row[c.key];
        const delta = row[`${c.key}Delta`];
        const text = value === null || value === undefined ? "—" : String(value);
        if (c.key === "mechanism" || c.key === "pareto") return `<td>${escapeHtml(text)}</td>`;
        return `<td class="num">${escapeHtml(text)}${typeof delta === "string" ? `<br><span class="delta">${escapeHtml(delta)}</span>` : ""}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  const rows = t.rows.length ? `<div class="scroll"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>` : `<p class="note">No mechanism produced a row.</p>`;
  const item = (r: { mechanism: string; text: string }): string => `<li><b>${escapeHtml(r.mechanism)}</b>: ${escapeHtml(r.text)}</li>`;
  const first = card.readings.filter((r) => r.mechanism === card.baseline || focus.includes(r.mechanism));
  const rest = card.readings.filter((r) => !first.includes(r));
  const pareto = card.pareto.length ? `<p><span class="pareto">Pareto-efficient:</span> ${card.pareto.map(escapeHtml).join(", ")}.</p>` : "";
  return `<section id="scorecard">
<h2>Scorecard${card.baseline ? `: against ${escapeHtml(card.baseline)}` : ""}</h2>
<p class="what">${escapeHtml(t.what)}</p>
${card.baselineNote ? `<p class="note">${escapeHtml(card.baselineNote)}</p>` : ""}
${pareto}
${rows}
<p><b>What each mechanism would change</b> (one sentence each, from the numbers):</p>
<ul class="readings">
${first.map(item).join("\n")}
</ul>
${rest.length ? `<details><summary>The other ${rest.length} mechanisms</summary>\n<ul class="readings">\n${rest.map(item).join("\n")}\n</ul>\n</details>` : ""}
<small>Data: <a href="data/scorecard.csv">data/scorecard.csv</a> (every number, with the differences to the baseline as their own columns)</small>
</section>`;
}

/** Columns the Markdown keeps from the statuses table (the CSV has all of them). */
const MARKDOWN_STATUS = ["mechanism", "jobs", "verifierOk", "overCapacity", "declaredOmissions", "verifierFailed", "reading"];

/**
 * summary.md: the scorecard first, then each chart as a PNG with its sentence, the statuses, and
 * links to the long tables' CSVs (kept short: under 200 lines for the bundled experiment).
 */
export function renderMarkdown(content: ReportContent): string {
  const card = content.scorecard;
  const m = content.manifest;
  const lines: string[] = [`# ADL run report: ${m.experiment.name}`, ""];
  lines.push(`${m.experiment.name} (${m.experiment.file}): ${m.jobs.done} jobs done, ${m.jobs.failed} failed, over ${coverage(content)}; ${duration(m)}. Every fact of the run is in index.html.`, "");
  if (content.notes.length) {
    lines.push("Reading the run folder:");
    for (const note of content.notes) lines.push(`- ${note}`);
    lines.push("");
  }
  if (!roundsOnly(content)) {
    lines.push(`## Scorecard${card.baseline ? `: against ${card.baseline}` : ""}`, "", card.display.what, "");
    if (card.baselineNote) lines.push(`> ${card.baselineNote}`, "");
    if (card.pareto.length) lines.push(`**Pareto-efficient:** ${card.pareto.join(", ")}.`, "");
    lines.push(card.display.rows.length ? markdownTable(inlineDeltas(card.display)) : "_No rows._", "");
    for (const r of card.readings) lines.push(`- **${r.mechanism}**: ${r.text}`);
    lines.push("", "Data: [data/scorecard.csv](data/scorecard.csv)");
  }
  const long: Section[] = [];
  for (const section of content.sections) {
    if (section.kind === "chart") {
      const c = section.chart;
      lines.push("", `## ${c.title}`, "", c.what);
      if (c.note) lines.push("", `> ${c.note}`);
      if (c.spec) lines.push("", `![${c.title}](charts/${c.id}.png) Data: [data/${c.id}.csv](data/${c.id}.csv)`);
    } else if (section.long || section.brief === "link") {
      long.push(section);
    } else if (section.table.id === "verification" && section.table.rows.length > 12) {
      // Many mechanisms: the verdicts in three lines, the table in index.html and the CSV.
      const rows = section.table.rows;
      const total = (key: string): number => rows.reduce((s, r) => s + (typeof r[key] === "number" ? (r[key] as number) : 0), 0);
      const failing = rows.filter((r) => (r.verifierFailed as number) > 0).map((r) => r.mechanism as string);
      lines.push("", `## ${section.table.title}`, "", section.table.what, "");
      lines.push(`- ${total("verifierOk")} allocations keep every constraint; ${total("overCapacity")} cover what they can on waves over capacity (by the certificate); ${total("declaredOmissions")} break only what their rule declares it ignores.`);
      lines.push(`- verifier failed: ${total("verifierFailed")}${failing.length ? ` (${failing.join(", ")})` : ""}; ${total("infeasible")} infeasible waves answered by a certificate; ${total("error")} jobs failed.`);
      lines.push("", `Data: [data/${section.table.id}.csv](data/${section.table.id}.csv) (one row per mechanism)`);
    } else {
      const t = section.table;
      lines.push("", `## ${t.title}`, "", t.what, "");
      const columns = Array.isArray(section.brief) ? section.brief : t.id === "verification" ? MARKDOWN_STATUS : undefined;
      lines.push(t.rows.length ? markdownTable(t, columns) : "_No rows._");
      lines.push("", `Data: [data/${t.id}.csv](data/${t.id}.csv)`);
    }
  }
  if (long.length) {
    lines.push("", "## Long tables", "");
    for (const s of long) if (s.kind === "table") lines.push(`- [${s.table.title}](data/${s.table.id}.csv) (${s.table.rows.length} rows; ${s.long ? "collapsible in" : "shown in"} index.html)`);
  }
  return `${lines.join("\n")}\n`;
}
