/**
 * The report's charts as Vega-Lite specs with their data inline, built from the run's rows by pure
 * functions. A chart without data is a note, never an empty frame. Every chart's rows are also
 * written as data/<id>.csv and .json, so every number drawn can be read back.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ExposureRow, FrontierRow, JobRow, SimulationRow } from "../../floor/records/row.js";
import { CHART_FONT } from "./render.js";
import { byText, type Cell, type Column, type Record_ } from "./tables.js";

export interface ChartPlan {
  /** File stem: charts/<id>.svg, data/<id>.csv. */
  readonly id: string;
  readonly title: string;
  /** One sentence above the chart: what it shows and how to read it. */
  readonly what: string;
  /** Null when there is nothing to draw; `note` then says why. */
  readonly spec: TopLevelSpec | null;
  /** Why the chart is absent, or what was left out of it (e.g. zeros on a log axis). */
  readonly note?: string;
  /** Drawn live in the page (Vega's embedded runtime) for tooltips on hover; the static SVG stays as the fallback. */
  readonly interactive?: boolean;
  readonly columns: readonly Column[];
  readonly rows: readonly Record_[];
}

/**
 * Eight colours that stay apart on white and for the common colour-vision deficiencies (Tableau 10
 * without its grey and olive), each paired with its own shape and dash, so that two mechanisms
 * never look alike even in grey print. A chart draws the focus mechanisms (at most about eight);
 * the k-th focus mechanism has colour, shape and dash k everywhere in the report.
 */
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2"];
const SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "triangle-left"];
/** Dash patterns: where two mechanisms give the same curve (pro-rata:wealth is exactly pro-rata), both still show. */
const DASHES = [[1, 0], [7, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 5], [12, 6], [6, 2, 2, 2]];
/** Legend and header text is never cut: wider than any label the report writes. */
const LABEL_LIMIT = 1000;

const CONFIG = {
  font: CHART_FONT,
  background: "white",
  view: { stroke: "#cccccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee", labelOverlap: true, labelLimit: 200 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: LABEL_LIMIT, titleLimit: LABEL_LIMIT, symbolSize: 90, symbolOpacity: 1 },
  header: { labelFontSize: 12, labelLimit: LABEL_LIMIT, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" as const, subtitleFontSize: 11, subtitleColor: "#555555", limit: LABEL_LIMIT },
};

/** SI-prefixed dollars, each label on its own (vega would otherwise share one prefix: "0.2k", "0k"). */
const DOLLAR_AXIS = { labelExpr: "format(datum.value, '~s')" };

/** Shared by every chart so that a mechanism looks the same everywhere in the report. */
export interface ChartContext {
  /** Every mechanism of the run, sorted. */
  readonly mechanisms: readonly string[];
  /** The mechanisms the charts draw, in style order (the baseline first when there is one). */
  readonly focus: readonly string[];
  readonly baseline: string | null;
}

/** The focus mechanisms present in a chart's data, in style order. */
function drawn(context: ChartContext, present: Iterable<string>): string[] {
  const here = new Set(present);
  return context.focus.filter((m) => here.has(m));
}

function styleIndex(context: ChartContext, mechanism: string): number {
  return Math.max(0, context.focus.indexOf(mechanism));
}

/** Legend placement: one column beside the chart for a few entries, two columns below for more. */
function legendFor(count: number, title: string) {
  return count > 6 ? { title, orient: "bottom" as const, columns: 2, labelLimit: LABEL_LIMIT } : { title, labelLimit: LABEL_LIMIT };
}

function colour(context: ChartContext, present: readonly string[], title = "mechanism") {
  const domain = drawn(context, present);
  return { field: "mechanism", type: "nominal" as const, scale: { domain, range: domain.map((m) => PALETTE[styleIndex(context, m) % PALETTE.length]!) }, legend: legendFor(domain.length, title) };
}

function shape(context: ChartContext, present: readonly string[], title = "mechanism") {
  const domain = drawn(context, present);
  return { field: "mechanism", type: "nominal" as const, scale: { domain, range: domain.map((m) => SHAPES[styleIndex(context, m) % SHAPES.length]!) }, legend: legendFor(domain.length, title) };
}

function dashByMechanism(present: readonly string[], context: ChartContext) {
  const domain = drawn(context, present);
  return { field: "mechanism", type: "nominal" as const, scale: { domain, range: domain.map((m) => DASHES[styleIndex(context, m) % DASHES.length]!) }, legend: { ...legendFor(domain.length, "mechanism"), symbolStrokeWidth: 2.5, symbolSize: 300 } };
}

/** The mechanisms a chart leaves out (not in focus), for its note. */
function leftOut(context: ChartContext, present: Iterable<string>): string | undefined {
  const here = new Set(present);
  const out = [...here].filter((m) => !context.focus.includes(m)).sort(byText);
  return out.length > 0 ? `${out.length} other mechanism(s) are left out of the chart (report.focus picks the drawn ones); every one is in the tables and in the chart's CSV.` : undefined;
}

function top(spec: Record<string, unknown>): TopLevelSpec {
  return { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: CONFIG, ...spec } as TopLevelSpec;
}

function skipped(id: string, title: string, what: string, note: string, columns: readonly Column[] = []): ChartPlan {
  return { id, title, what, spec: null, note, columns, rows: [] };
}

function waveLabel(wave: string, budgetShare: number): string {
  return `${wave}  (B/Σc = ${budgetShare.toPrecision(2)})`;
}

/** Up to `count` waves spread over the range of budget shares: the lowest, the highest and evenly between. */
export function spreadWaves<T extends { wave: string; budgetShare: number }>(rows: readonly T[], count: number): string[] {
  const byWave = new Map<string, number>();
  for (const row of rows) byWave.set(row.wave, row.budgetShare);
  const waves = [...byWave.entries()].sort(([a, sa], [b, sb]) => sa - sb || byText(a, b)).map(([wave]) => wave);
  if (waves.length <= count) return waves;
  const picked = new Set<string>();
  for (let k = 0; k < count; k++) picked.add(waves[Math.round((k * (waves.length - 1)) / (count - 1))]!);
  return [...picked];
}

/**
 * The wave where the most mechanisms produced an allocation; ties go to the wave with the budget
 * share nearest the median, then to the first id. Undefined without any such job.
 */
export function representativeWave(jobs: readonly JobRow[], has: (job: JobRow) => boolean): string | undefined {
  const counts = new Map<string, { share: number; mechanisms: Set<string> }>();
  for (const job of jobs) {
    if (!has(job)) continue;
    const entry = counts.get(job.wave) ?? { share: job.budgetShare, mechanisms: new Set<string>() };
    entry.mechanisms.add(job.mechanism);
    counts.set(job.wave, entry);
  }
  if (counts.size === 0) return undefined;
  const shares = [...counts.values()].map((e) => e.share).sort((a, b) => a - b);
  const median = shares[Math.floor((shares.length - 1) / 2)]!;
  return [...counts.entries()].sort(
    ([a, ea], [b, eb]) => eb.mechanisms.size - ea.mechanisms.size || Math.abs(ea.share - median) - Math.abs(eb.share - median) || byText(a, b),
  )[0]![0];
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/→/g, "-vs-")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * Tick values for a log axis over [low, high]: 1-2-5 per decade when the range is short, powers of
 * ten otherwise, so that a log axis never shows a crowd of unlabelled minor ticks.
 */
export function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  const first = Math.floor(Math.log10(low));
  const last = Math.ceil(Math.log10(high));
  const steps = Math.log10(high / low) <= 3.2 ? [1, 2, 5] : [1];
  for (let e = first; e <= last; e++) for (const m of steps) {
    const value = Number((m * 10 ** e).toPrecision(12));
    if (value >= low / 1.0001 && value <= high * 1.0001) ticks.push(value);
  }
  return ticks.length >= 2 ? ticks : [Number(low.toPrecision(3)), Number(high.toPrecision(3))];
}

/**
 * A log-scale x or y encoding fitted to the data (no padding decade), with 1-2-5 ticks. `perPanel`:
 * leave the domain to each facet panel (independent scales) and only fix the tick values.
 */
function logScale(values: readonly number[], perPanel = false) {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const axis = { values: logTicks(low / 1.15, high * 1.15), format: "~g" };
  return perPanel ? { scale: { type: "log", nice: false, padding: 8 }, axis } : { scale: { type: "log", domain: [low / 1.15, high * 1.15], nice: false }, axis };
}

/**
 * One job per (wave, mechanism): where a sweep parameter that is not in the name (lotScale) gives
 * several, the one with the smallest parameter values, so a curve is one allocation, not several joined.
 */
export function onePerMechanism(jobs: readonly JobRow[]): JobRow[] {
  const chosen = new Map<string, JobRow>();
  const rank = (job: JobRow): string => Object.keys(job.params).sort(byText).map((k) => `${k}=${job.params[k]!.toExponential(12).padStart(24, "0")}`).join(",");
  for (const job of jobs) {
    const key = `${job.wave}\u0000${job.mechanism}`;
    const seen = chosen.get(key);
    if (!seen || byText(rank(job), rank(seen)) < 0) chosen.set(key, job);
  }
  return jobs.filter((job) => chosen.get(`${job.wave}\u0000${job.mechanism}`) === job);
}

/** Grey shades and dashes for the curves of different feasible regions in one panel. */
const REGION_STROKES = [["#111111", [1, 0]], ["#666666", [6, 3]], ["#999999", [2, 2]], ["#444444", [10, 3, 2, 3]]] as const;

/**
 * (1) One chart per frontier kind: on up to three waves, the exact curve of each feasible region a
 * focus mechanism lies in, and each focus mechanism placed against its own region's curve. x is
 * clipped to the curves' range: a mechanism beyond it (e.g. a lot rule overshooting B three times)
 * sits on the edge, marked with its true x.
 */
export function frontierCharts(frontier: readonly FrontierRow[], context: ChartContext): ChartPlan[] {
  const what =
    "Grey lines and dots: the exact Pareto frontier of each feasible region (the least achievable y at each x under that region's eligibility, alpha, lots and ladder, proven by the solver or a dedicated exact algorithm). Coloured marks: each mechanism on the same wave, placed on the curve of the constraints it keeps, so it can never lie below it. A mark beyond the x range sits on the edge with its true x written beside it.";
  const kinds = [...new Set(frontier.map((row) => row.frontier))].sort(byText);
  if (kinds.length === 0) return [skipped("frontier", "Exact frontier", what, "No frontier rows in this run (frontier.jsonl absent or empty).")];
  return kinds.map((kind) => {
    const rows = frontier.filter((row) => row.frontier === kind);
    const withFocus = rows.filter((row) => row.placements.some((p) => context.focus.includes(p.mechanism)));
    const waves = spreadWaves(withFocus.length > 0 ? withFocus : rows, 3);
    const data: Record_[] = [];
    const hidden: Record_[] = [];
    const regionsDrawn: string[] = [];
    for (const wave of waves) {
      for (const row of rows.filter((r) => r.wave === wave)) {
        const placements = row.placements.filter((p) => context.focus.includes(p.mechanism));
        const panelAll = waveLabel(row.wave, row.budgetShare);
        // The CSV keeps every placement; the chart draws the focus mechanisms.
        for (const p of row.placements.filter((q) => !context.focus.includes(q.mechanism))) {
          hidden.push({ panel: panelAll, wave: row.wave, region: row.region ?? "caps", series: "mechanism", mechanism: p.mechanism, x: p.x, y: p.y, status: null, distance: p.distance, placement: p.dominated ? "dominated" : "on the frontier" });
        }
        const region = row.region ?? "caps";
        // A region's curve is drawn where a focus mechanism is placed on it (and the caps curve always).
        if (placements.length === 0 && region !== "caps" && row.constraints !== undefined) continue;
        if (!row.points.some((p) => p.y !== null) && placements.length === 0) continue;
        if (!regionsDrawn.includes(region) && row.points.some((p) => p.y !== null)) regionsDrawn.push(region);
        const panel = waveLabel(row.wave, row.budgetShare);
        for (const point of row.points) data.push({ panel, wave: row.wave, region, series: "frontier", mechanism: null, x: point.x, y: point.y, status: point.status, distance: null, placement: null });
        for (const p of placements) data.push({ panel, wave: row.wave, region, series: "mechanism", mechanism: p.mechanism, x: p.x, y: p.y, status: null, distance: p.distance, placement: p.dominated ? "dominated" : "on the frontier" });
      }
    }
    const xLabel = rows[0]!.xLabel;
    const yLabel = rows[0]!.yLabel;
    const curveX = data.filter((r) => r.series === "frontier" && r.y !== null).map((r) => r.x as number);
    const xHigh = curveX.length ? Math.max(...curveX) * 1.04 : undefined;
    const shown = data.map((r): Record_ => {
      const x = r.x as number;
      const clipped = r.series === "mechanism" && xHigh !== undefined && x > xHigh;
      return { ...r, xShown: clipped ? xHigh : x, clipped, clippedLabel: clipped ? `x = ${x.toPrecision(3)} ›` : null };
    });
    const plotted = shown.filter((r) => r.y !== null);
    const logX = plotted.length > 0 && plotted.every((r) => (r.xShown as number) > 0) && Math.max(...plotted.map((r) => r.xShown as number)) / Math.min(...plotted.map((r) => r.xShown as number)) > 50;
    const x = { field: "xShown", type: "quantitative", title: xLabel, ...(logX ? logScale(plotted.map((r) => r.xShown as number), true) : { scale: { zero: false, padding: 8 }, axis: { tickCount: 5 } }) };
    const y = { field: "y", type: "quantitative", title: yLabel, axis: { tickCount: 6 } };
    const present = [...new Set(shown.map((r) => r.mechanism).filter((m): m is string => m !== null))];
    // The caps curve (every mechanism's loosest region) first, in black.
    regionsDrawn.sort((a, b) => Number(b === "caps") - Number(a === "caps") || byText(a, b));
    const strokes = regionsDrawn.map((_, k) => REGION_STROKES[k % REGION_STROKES.length]!);
    const dense = data.filter((r) => r.series === "frontier").length > 40 * Math.max(1, waves.length * regionsDrawn.length);
    const region = { field: "region", type: "nominal", title: "frontier of the constraints", scale: { domain: regionsDrawn, range: strokes.map((s) => s[0]) }, legend: { labelLimit: LABEL_LIMIT, symbolType: "stroke", symbolStrokeWidth: 2 } };
    const dash = { ...region, scale: { domain: regionsDrawn, range: strokes.map((s) => [...s[1]]) } };
    const spec = top({
      title: { text: `Frontier ${kind}`, subtitle: waves.length > 1 ? `${waves.length} of ${new Set(rows.map((r) => r.wave)).size} waves, from the lowest to the highest budget share` : undefined },
      data: { values: shown },
      facet: { field: "panel", type: "nominal", title: null, sort: waves.map((w) => waveLabel(w, rows.find((r) => r.wave === w)!.budgetShare)) },
      columns: 3,
      // Waves differ in size and budget: each panel gets its own axes, fitted to its own points.
      resolve: { scale: { x: "independent", y: "independent" } },
      spec: {
        width: 250,
        height: 210,
        layer: [
          { transform: [{ filter: "datum.series === 'frontier' && isValid(datum.y)" }], mark: { type: "line", strokeWidth: 1.8, ...(dense ? {} : { point: { size: 14, color: "#555555" } }) }, encoding: { x, y, color: region, strokeDash: dash, detail: { field: "region" } } },
          {
            transform: [{ filter: "datum.series === 'mechanism'" }],
            mark: { type: "point", filled: true, size: 90, opacity: 0.9 },
            encoding: {
              x,
              y,
              fill: { ...colour(context, present), title: "mechanism" },
              shape: shape(context, present),
              stroke: { value: "#ffffff" },
              tooltip: [{ field: "mechanism" }, { field: "region", title: "constraints" }, { field: "x", type: "quantitative", format: ".4~g" }, { field: "y", type: "quantitative", format: ".4~g" }, { field: "distance", type: "quantitative", format: ".4~g" }, { field: "placement" }],
            },
          },
          {
            transform: [{ filter: "datum.clipped === true" }],
            mark: { type: "text", align: "right", dx: -8, dy: -10, fontSize: 9, color: "#444444" },
            encoding: { x, y, text: { field: "clippedLabel" } },
          },
        ],
      },
    });
    const note = leftOut(context, rows.flatMap((r) => r.placements.map((p) => p.mechanism)));
    const empty = rows.filter((r) => r.note !== undefined).map((r) => r.region ?? "");
    const notes = [note, empty.length ? `No curve for ${[...new Set(empty)].join(", ")}: ${rows.find((r) => r.note)!.note}.` : undefined].filter((n): n is string => n !== undefined);
    return {
      id: `frontier-${slug(kind)}`,
      title: `Exact frontier: ${kind}`,
      what,
      interactive: true,
      spec: plotted.length ? spec : null,
      ...(notes.length ? { note: notes.join(" ") } : plotted.length ? {} : { note: `No points for frontier ${kind}.` }),
      columns: ["panel", "wave", "region", "series", "mechanism", "x", "y", "status", "distance", "placement"].map((key) => ({ key, label: key })),
      rows: [...data, ...hidden],
    };
  });
}

/** (2) Lorenz curves of haircuts per mechanism on one representative wave, with the equality diagonal. */
export function lorenzChart(jobs: readonly JobRow[], context: ChartContext): ChartPlan {
  const title = "Lorenz curves of haircuts";
  const what = "Share of the total haircut paid by the poorest-hit share p of eligible accounts; the dashed diagonal is equal dollar haircuts, a curve hugging the bottom-right corner means a few accounts pay almost everything.";
  const focused = jobs.filter((job) => context.focus.includes(job.mechanism));
  const wave = representativeWave(focused, (job) => job.lorenz.length > 0) ?? representativeWave(jobs, (job) => job.lorenz.length > 0);
  if (wave === undefined) return skipped("lorenz", title, what, "No job recorded a Lorenz curve (nothing was taken in any wave).");
  const data: Record_[] = [];
  for (const job of onePerMechanism(jobs)) if (job.wave === wave) for (const [p, l] of job.lorenz) data.push({ wave, mechanism: job.mechanism, p, share: l });
  const plotted = data.filter((r) => context.focus.includes(r.mechanism as string));
  const present = [...new Set(plotted.map((r) => r.mechanism as string))];
  const note = leftOut(context, data.map((r) => r.mechanism as string));
  const spec = top({
    title: { text: title, subtitle: `wave ${wave}` },
    width: 420,
    height: 420,
    layer: [
      { data: { values: [{ p: 0, share: 0 }, { p: 1, share: 1 }] }, mark: { type: "line", color: "#888888", strokeDash: [5, 4] }, encoding: { x: { field: "p", type: "quantitative" }, y: { field: "share", type: "quantitative" } } },
      {
        data: { values: plotted },
        mark: { type: "line", opacity: 0.9, strokeWidth: 2.5 },
        encoding: {
          strokeDash: dashByMechanism(present, context),
          x: { field: "p", type: "quantitative", title: "share of eligible accounts (by haircut, ascending)", axis: { format: "%" } },
          y: { field: "share", type: "quantitative", title: "share of total haircut", axis: { format: "%" } },
          color: colour(context, present),
          detail: { field: "mechanism" },
        },
      },
    ],
  });
  return { id: "lorenz", title, what, spec, ...(note ? { note } : {}), columns: ["wave", "mechanism", "p", "share"].map((key) => ({ key, label: key })), rows: data };
}

/** (3) Haircut fraction h/c against capacity (log x), one small panel per mechanism, on one representative wave. */
export function fractionByCapacityChart(jobs: readonly JobRow[], context: ChartContext): ChartPlan {
  const title = "Haircut fraction vs capacity";
  const what = "Each dot is an account: its capacity (log scale) and the fraction of it taken. Pro-rata is a flat line, a queue takes 100% from a few accounts, a risk weighting spreads the dots by leverage.";
  const wave = representativeWave(jobs.filter((job) => context.focus.includes(job.mechanism)), (job) => job.fractionByCapacity.length > 0) ?? representativeWave(jobs, (job) => job.fractionByCapacity.length > 0);
  if (wave === undefined) return skipped("fraction-by-capacity", title, what, "No job recorded haircut fractions by capacity.");
  const data: Record_[] = [];
  let zeros = 0;
  for (const job of onePerMechanism(jobs)) {
    if (job.wave !== wave) continue;
    for (const [capacity, fraction] of job.fractionByCapacity) {
      if (capacity > 0) data.push({ wave, mechanism: job.mechanism, capacity, fraction });
      else zeros++;
    }
  }
  const present = drawn(context, data.map((r) => r.mechanism as string));
  const plotted = data.filter((r) => present.includes(r.mechanism as string));
  const left = leftOut(context, data.map((r) => r.mechanism as string));
  const spec = top({
    title: { text: title, subtitle: `wave ${wave}, up to 200 sampled accounts per mechanism` },
    data: { values: plotted },
    facet: { field: "mechanism", type: "nominal", title: null, sort: present, header: { labelLimit: LABEL_LIMIT, labelFontSize: 11 } },
    columns: 3,
    spacing: { column: 20, row: 22 },
    spec: {
      width: 260,
      height: 130,
      mark: { type: "point", filled: true, size: 22, opacity: 0.7 },
      encoding: {
        x: { field: "capacity", type: "quantitative", title: "capacity $ (log)", ...withFormat(logScale(data.map((r) => r.capacity as number)), "~s") },
        y: { field: "fraction", type: "quantitative", scale: { domain: [0, 1] }, title: "h / c", axis: { format: "%" } },
        color: { ...colour(context, present), legend: null },
      },
    },
  });
  return {
    id: "fraction-by-capacity",
    title,
    what,
    spec,
    ...(zeros || left ? { note: [zeros ? `${zeros} sampled accounts with zero capacity are left out of the log axis.` : "", left ?? ""].filter((s) => s).join(" ") } : {}),
    columns: ["wave", "mechanism", "capacity", "fraction"].map((key) => ({ key, label: key })),
    rows: data,
  };
}

/** (4) Exposure curves: a representative account's haircut as the budget grows, per mechanism. */
export function exposureChart(exposure: readonly ExposureRow[], context: ChartContext): ChartPlan {
  const title = "Exposure: haircut vs budget";
  const what = "For a few representative accounts, the haircut each mechanism takes as the wave's budget grows: a queue is a cliff (nothing, then everything), pro-rata a straight ramp, capped rules bend where a cap binds.";
  if (exposure.length === 0) return skipped("exposure", title, what, "No exposure rows in this run (exposure.jsonl absent or empty).");
  const perWave = new Map<string, number>();
  for (const row of exposure) perWave.set(row.wave, (perWave.get(row.wave) ?? 0) + 1);
  const wave = [...perWave.entries()].sort(([a, ca], [b, cb]) => cb - ca || byText(a, b))[0]![0];
  const rows = exposure.filter((row) => row.wave === wave);
  const accounts = [...new Map(rows.map((row) => [row.account, row.capacity])).entries()].sort(([a, ca], [b, cb]) => cb - ca || byText(a, b)).slice(0, 4);
  const data: Record_[] = [];
  for (const [account, capacity] of accounts) {
    const panel = `${account}  (capacity $${formatDollars(capacity)})`;
    for (const row of rows.filter((r) => r.account === account)) for (const [budget, haircut] of row.points) data.push({ panel, wave, account, capacity, mechanism: row.mechanism, budget, haircut });
  }
  const present = drawn(context, data.map((r) => r.mechanism as string));
  const plotted = data.filter((r) => present.includes(r.mechanism as string));
  const note = leftOut(context, data.map((r) => r.mechanism as string));
  const spec = top({
    title: { text: title, subtitle: `wave ${wave}` },
    data: { values: plotted },
    facet: { field: "panel", type: "nominal", title: null, sort: accounts.map(([a, c]) => `${a}  (capacity $${formatDollars(c)})`) },
    columns: Math.min(3, accounts.length),
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 300,
      height: 220,
      mark: { type: "line", interpolate: "linear", strokeWidth: 2.5 },
      encoding: {
        strokeDash: dashByMechanism(present, context),
        x: { field: "budget", type: "quantitative", title: "budget B $", axis: DOLLAR_AXIS },
        y: { field: "haircut", type: "quantitative", title: "haircut $", axis: DOLLAR_AXIS },
        color: colour(context, present),
      },
    },
  });
  return { id: "exposure", title, what, spec, ...(note ? { note } : {}), columns: ["panel", "wave", "account", "capacity", "mechanism", "budget", "haircut"].map((key) => ({ key, label: key })), rows: data };
}

function withFormat(encoding: ReturnType<typeof logScale>, format: string) {
  return { ...encoding, axis: { ...encoding.axis, format } };
}

function formatDollars(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** A display name without one sweep parameter: "rule[lotScale=4,alpha=0.2]" → "rule[alpha=0.2]". */
export function withoutParameter(label: string, parameter: string): string {
  const match = /^(.*)\[([^\]]*)\]$/.exec(label);
  if (!match) return label;
  const kept = match[2]!.split(",").filter((part) => !part.startsWith(`${parameter}=`));
  return kept.length > 0 ? `${match[1]}[${kept.join(",")}]` : match[1]!;
}

/**
 * (5) Overshoot share against a lot-granularity parameter (any sweep parameter whose name contains
 * "lot"): one line per rule across every lot scale it was run at, a dot per wave and the mean per
 * scale labelled. Waves over capacity (where nothing overshoots) are left out; the y axis is
 * clipped to the bulk of the data and a point above it sits on the top edge, marked.
 */
export function overshootByLotChart(jobs: readonly JobRow[], _context: ChartContext): ChartPlan {
  const title = "Overshoot vs lot granularity";
  const what = "Whole contract lots force a mechanism to take more than the budget: the overshoot (sum h - B) / B on each wave (dots) and its mean at each lot scale (line, value written), as lots get coarser. Waves over capacity are left out (nothing can overshoot there).";
  const data: Record_[] = [];
  let parameter: string | undefined;
  let short = 0;
  for (const job of jobs) {
    const key = Object.keys(job.params)
      .filter((name) => name.toLowerCase().includes("lot"))
      .sort(byText)[0];
    if (key === undefined || job.metrics === null) continue;
    if (job.metrics.shortfall > 0 && job.metrics.overshoot < 0) {
      short++;
      continue;
    }
    parameter ??= key;
    data.push({ wave: job.wave, mechanism: job.mechanism, rule: withoutParameter(job.mechanism, key), parameter: key, value: job.params[key]!, overshootShare: job.metrics.overshootShare, overshoot: job.metrics.overshoot });
  }
  const columns = ["wave", "mechanism", "rule", "parameter", "value", "overshootShare", "overshoot"].map((key) => ({ key, label: key }));
  if (data.length === 0) return skipped("overshoot-by-lot", title, what, "No job swept a lot parameter (no params key containing \"lot\"), so overshoot cannot be set against lot granularity.", columns);
  const rules = [...new Set(data.map((r) => r.rule as string))].sort(byText);
  const scales = [...new Set(data.map((r) => r.value as number))].sort((a, b) => a - b);
  const means: Record<string, Cell>[] = [];
  for (const rule of rules) {
    for (const scale of scales) {
      const values = data.filter((r) => r.rule === rule && r.value === scale).map((r) => r.overshootShare as number);
      if (values.length) {
        const mean = values.reduce((s, v) => s + v, 0) / values.length;
        means.push({ rule, value: scale, mean, label: `${(mean * 100).toFixed(1)}%`, waves: values.length });
      }
    }
  }
  // Each rule a little to one side of its scale's position, so that dots and means do not cover each
  // other, on a quantitative axis so that the line of means joins them.
  const offset = (rule: string): number => (rules.indexOf(rule) - (rules.length - 1) / 2) * Math.min(0.22, 0.7 / rules.length);
  const position = (rule: string, scale: number): number => scales.indexOf(scale) + offset(rule);
  for (const m of means) m.position = position(m.rule as string, m.value as number);
  const sorted = data.map((r) => r.overshootShare as number).sort((a, b) => a - b);
  const bulk = sorted[Math.min(sorted.length - 1, Math.floor(0.98 * (sorted.length - 1)))]!;
  const yHigh = Math.max(bulk, ...means.map((m) => m.mean as number)) * 1.12 || 0.01;
  const outliers = data.filter((r) => (r.overshootShare as number) > yHigh).length;
  const dots = data.map((r) => ({ ...r, position: position(r.rule as string, r.value as number), shown: Math.min(r.overshootShare as number, yHigh), outlier: (r.overshootShare as number) > yHigh }));
  const ruleColour = { field: "rule", type: "nominal", title: "rule", scale: { domain: rules, range: rules.map((_, k) => PALETTE[k % PALETTE.length]!) }, legend: { labelLimit: LABEL_LIMIT, orient: "bottom", columns: 1 } };
  const ruleShape = { field: "rule", type: "nominal", title: "rule", scale: { domain: rules, range: rules.map((_, k) => SHAPES[k % SHAPES.length]!) }, legend: { labelLimit: LABEL_LIMIT, orient: "bottom", columns: 1 } };
  const x = {
    field: "position",
    type: "quantitative",
    title: `${parameter} (lot value × s, lots ÷ s)`,
    scale: { domain: [-0.5, scales.length - 0.5], nice: false, zero: false },
    axis: { values: scales.map((_, k) => k), labelExpr: `[${scales.map((s) => JSON.stringify(String(s))).join(",")}][datum.value]`, grid: false },
  };
  const y = { type: "quantitative", title: "overshoot / B", scale: { domain: [0, yHigh], nice: false, clamp: true }, axis: { format: "%" } };
  const spec = top({
    title: { text: title, subtitle: `every lot scale the experiment ran; ${outliers ? `${outliers} wave(s) above ${(yHigh * 100).toFixed(0)}% sit on the top edge (▲)` : "no point clipped"}` },
    width: 520,
    height: 300,
    layer: [
      { data: { values: dots }, transform: [{ filter: "!datum.outlier" }], mark: { type: "point", filled: true, size: 24, opacity: 0.3 }, encoding: { x, y: { ...y, field: "shown" }, color: ruleColour, shape: ruleShape } },
      { data: { values: dots }, transform: [{ filter: "datum.outlier" }], mark: { type: "point", shape: "triangle-up", filled: true, size: 50, opacity: 0.8 }, encoding: { x, y: { ...y, field: "shown" }, color: ruleColour } },
      { data: { values: means }, mark: { type: "line", strokeWidth: 2.5, point: { size: 70, filled: true } }, encoding: { x, y: { ...y, field: "mean" }, color: ruleColour, shape: ruleShape } },
      { data: { values: means }, mark: { type: "text", dy: -12, fontSize: 10, fontWeight: "bold" }, encoding: { x, y: { ...y, field: "mean" }, text: { field: "label" }, color: ruleColour } },
    ],
  });
  const notes = [short ? `${short} job(s) on waves over capacity are left out (they fall short; nothing overshoots).` : ""].filter((s) => s !== "");
  return { id: "overshoot-by-lot", title, what, spec, ...(notes.length ? { note: notes.join(" ") } : {}), columns, rows: data };
}

/** (6) Overshoot against the evaluation horizon, from the simulator's two-pass runs. */
export function overshootByHorizonChart(simulations: readonly SimulationRow[], context: ChartContext): ChartPlan {
  const title = "Overshoot vs evaluation horizon";
  const what = "What ADL took (in contract space) minus what the venue needed, measured a number of steps after the wave: the mean over simulated scenarios and seeds (lines) and each run (dots).";
  const data: Record_[] = [];
  for (const row of simulations) for (const point of row.overshootByHorizon) data.push({ scenario: row.scenario, seed: row.seed, mechanism: row.mechanism, horizon: point.horizon, overshoot: point.overshoot, overshootShare: point.overshootShare });
  const columns = ["scenario", "seed", "mechanism", "horizon", "overshoot", "overshootShare"].map((key) => ({ key, label: key }));
  if (data.length === 0) return skipped("overshoot-by-horizon", title, what, "No simulator runs in this run (simulations.jsonl absent or empty).", columns);
  const present = [...new Set(data.map((r) => r.mechanism as string))];
  const x = { field: "horizon", type: "quantitative", title: "evaluation horizon (steps after the wave)" };
  const layer = [
    { mark: { type: "point", filled: true, size: 25, opacity: 0.3 }, encoding: { x, y: { field: "overshootShare", type: "quantitative" }, color: colour(context, present) } },
    { mark: { type: "line", strokeWidth: 2, point: true }, encoding: { x, y: { aggregate: "mean", field: "overshootShare", type: "quantitative", title: "overshoot / budget needed", axis: { format: "%" } }, color: colour(context, present) } },
  ];
  // Scenarios differ in scale (a calm book vs a crash): one panel each, never one mean across them.
  const scenarios = [...new Set(data.map((r) => r.scenario as string))].sort(byText);
  const spec =
    scenarios.length > 1
      ? top({
          title: { text: title },
          data: { values: data },
          facet: { field: "scenario", type: "nominal", title: null, sort: scenarios, header: { labelFontSize: 12 } },
          spec: { width: 360, height: 260, layer },
          resolve: { scale: { y: "independent" } },
        })
      : top({ title: { text: title }, data: { values: data }, width: 520, height: 300, layer });
  return { id: "overshoot-by-horizon", title, what, spec, columns, rows: data };
}

/** Seconds as µs, ms or s. */
const TIME_LABEL = "datum.value >= 1 ? format(datum.value, '~g') + ' s' : datum.value >= 0.001 ? format(datum.value * 1000, '~g') + ' ms' : format(datum.value * 1e6, '~g') + ' µs'";

/** (7) Solve time against wave size, per solve path, log-log. */
export function solveTimeChart(jobs: readonly JobRow[]): ChartPlan {
  const title = "Solve time vs accounts per path";
  const what = "Wall time of each job (dots) and the mean per wave size (lines) by how it was answered: a dedicated exact algorithm, the MIP, a heuristic, or the certificate alone. Both axes are logarithmic.";
  const data: Record_[] = [];
  let dropped = 0;
  for (const job of jobs) {
    if (job.seconds > 0 && job.n > 0) data.push({ job: job.job, mechanism: job.mechanism, path: job.path, n: job.n, seconds: job.seconds });
    else dropped++;
  }
  const columns = ["job", "mechanism", "path", "n", "seconds"].map((key) => ({ key, label: key }));
  if (data.length === 0) return skipped("solve-time", title, what, "No job recorded a positive solve time.", columns);
  const paths = [...new Set(data.map((r) => r.path as string))].sort(byText);
  const color = { field: "path", type: "nominal", title: "path", scale: { domain: paths, range: paths.map((_, k) => PALETTE[k % 10]!) } };
  const x = { field: "n", type: "quantitative", title: "accounts n (log)", ...logScale(data.map((r) => r.n as number)) };
  const seconds = logScale(data.map((r) => r.seconds as number));
  const y = { field: "seconds", type: "quantitative", title: "wall time (log)", scale: seconds.scale, axis: { values: seconds.axis.values, labelExpr: TIME_LABEL } };
  const spec = top({
    title: { text: title },
    data: { values: data },
    width: 520,
    height: 320,
    layer: [
      { mark: { type: "point", filled: true, size: 28, opacity: 0.4 }, encoding: { x, y, color } },
      { mark: { type: "line", strokeWidth: 2, point: true }, encoding: { x, y: { ...y, aggregate: "mean" }, color } },
    ],
  });
  return { id: "solve-time", title, what, spec, ...(dropped ? { note: `${dropped} job(s) with a zero time are left out of the log axis.` } : {}), columns, rows: data };
}

/** Label offsets (pixels, + = down) and sides that keep labels of nearby points from overlapping: a greedy pass left to right. */
export function placeLabels(points: readonly { px: number; py: number; label: string }[], width: number): { dy: number; side: "right" | "left" }[] {
  // DejaVu Sans at 10 px averages under 7 px a character; the marks themselves are obstacles too (radius <= 11 px).
  const charWidth = 7;
  const boxes: { left: number; right: number; top: number; bottom: number }[] = points.map((p) => ({ left: p.px - 11, right: p.px + 11, top: p.py - 11, bottom: p.py + 11 }));
  const order = points.map((_, k) => k).sort((a, b) => points[a]!.px - points[b]!.px || points[a]!.py - points[b]!.py);
  const placed = new Array<{ dy: number; side: "right" | "left" }>(points.length);
  for (const k of order) {
    const { px, py, label } = points[k]!;
    const w = charWidth * label.length;
    const preferred = px + 10 + w > width ? "left" : "right";
    let chosen: { dy: number; side: "right" | "left"; left: number } | undefined;
    search: for (const dy of [0, -14, 14, -28, 28, -42, 42, -56, 56, -70, 70]) {
      for (const side of [preferred, preferred === "right" ? "left" : "right"] as const) {
        const left = side === "right" ? px + 10 : px - 10 - w;
        if (left < 0 || left + w > width) continue;
        const box = { left, right: left + w, top: py + dy - 7, bottom: py + dy + 7 };
        // The own mark is an obstacle only for the label's own row.
        if (!boxes.some((b, j) => j !== k && b.left < box.right && box.left < b.right && b.top < box.bottom && box.top < b.bottom)) {
          chosen = { dy, side, left };
          break search;
        }
      }
    }
    chosen ??= { dy: 0, side: preferred, left: preferred === "right" ? px + 10 : px - 10 - w };
    boxes.push({ left: chosen.left, right: chosen.left + w, top: py + chosen.dy - 7, bottom: py + chosen.dy + 7 });
    placed[k] = { dy: chosen.dy, side: chosen.side };
  }
  return placed;
}

/**
 * (8) The trilemma of the focus mechanisms on the same waves (src/tools/report/compare.ts trilemmaTable):
 * fairness (mean max fraction) against solvency (mean coverage capped at 100%), revenue (LTV
 * retained) as the size, each mark labelled without overlap. Both axes are fitted to the data.
 */
export function trilemmaChart(table: { readonly rows: readonly Record_[]; readonly basis: string }, context: ChartContext): ChartPlan {
  const title = "The trilemma";
  const what = "Each mark is a mechanism, on the same waves: left is fairer (smaller worst haircut fraction), up covers more of the budget (coverage capped at 100%; a wave it cannot answer counts with its shortfall), a larger mark keeps more customer lifetime value.";
  const columns = ["mechanism", "waves", "answered", "solventShare", "coverage", "shortfall", "overshootShare", "fairnessWaves", "maxFraction", "giniOfFractions", "ltvRetained"].map((key) => ({ key, label: key }));
  const rows = table.rows.filter((r) => typeof r.maxFraction === "number" && typeof r.coverage === "number");
  if (rows.length === 0) return skipped("trilemma", title, what, "No job produced an allocation, so there are no metrics to place.", columns);
  const width = 560;
  const height = 360;
  const xs = rows.map((r) => r.maxFraction as number);
  const ys = rows.map((r) => r.coverage as number);
  const xPad = Math.max(0.01, (Math.max(...xs) - Math.min(...xs)) * 0.08);
  const xDomain = [Math.max(0, Math.min(...xs) - xPad), Math.min(1, Math.max(...xs) + xPad)];
  if (xDomain[1]! - xDomain[0]! < 0.02) xDomain[1] = xDomain[0]! + 0.02;
  const yPad = Math.max(0.005, (Math.max(...ys) - Math.min(...ys)) * 0.12);
  const yDomain = [Math.max(0, Math.min(...ys) - yPad), Math.max(...ys) + yPad];
  // Explicit domains, so that label positions can be worked out in pixels here.
  const px = (v: number): number => ((v - xDomain[0]!) / (xDomain[1]! - xDomain[0]!)) * width;
  const py = (v: number): number => height - ((v - yDomain[0]!) / (yDomain[1]! - yDomain[0]!)) * height;
  const labels = placeLabels(
    rows.map((r) => ({ px: px(r.maxFraction as number), py: py(r.coverage as number), label: r.mechanism as string })),
    width,
  );
  const data = rows.map((r, k) => ({ ...r, labelY: (r.coverage as number) - (labels[k]!.dy / height) * (yDomain[1]! - yDomain[0]!), labelSide: labels[k]!.side }));
  const present = rows.map((r) => r.mechanism as string);
  const x = { field: "maxFraction", type: "quantitative", title: "mean max haircut fraction (fairness: lower is fairer)", scale: { domain: xDomain, nice: false }, axis: { format: "%" } };
  const yScale = { domain: yDomain, nice: false };
  const text = (side: "left" | "right") => ({
    transform: [{ filter: `datum.labelSide === '${side}'` }],
    mark: { type: "text", align: side === "right" ? "left" : "right", baseline: "middle", dx: side === "right" ? 9 : -9, fontSize: 10, color: "#333333" },
    encoding: { x, y: { field: "labelY", type: "quantitative", scale: yScale }, text: { field: "mechanism" } },
  });
  const spec = top({
    title: { text: title, subtitle: `x: fairness · y: solvency · size: revenue (LTV retained) · ${table.basis}` },
    data: { values: data },
    width,
    height,
    layer: [
      // A leader from a mark to its label when the label had to move up or down.
      { transform: [{ filter: "datum.labelY !== datum.coverage" }], mark: { type: "rule", color: "#aaaaaa", strokeWidth: 0.8 }, encoding: { x, y: { field: "coverage", type: "quantitative", scale: yScale }, y2: { field: "labelY" } } },
      {
        mark: { type: "point", filled: true, opacity: 0.9, stroke: "#333333", strokeWidth: 0.5 },
        encoding: {
          x,
          y: { field: "coverage", type: "quantitative", title: "mean coverage, capped at 100% (solvency)", scale: yScale, axis: { format: "%" } },
          size: { field: "ltvRetained", type: "quantitative", title: "LTV retained", scale: { zero: false, range: [60, 420] }, legend: { format: ".1%", symbolFillColor: "#bbbbbb", symbolStrokeColor: "#555555" } },
          color: { ...colour(context, present), legend: null },
          shape: { ...shape(context, present), legend: null },
          tooltip: [{ field: "mechanism" }, { field: "maxFraction", type: "quantitative", format: ".1%" }, { field: "coverage", type: "quantitative", format: ".2%" }, { field: "solventShare", type: "quantitative", format: ".0%", title: "solvent waves" }, { field: "ltvRetained", type: "quantitative", format: ".1%" }],
        },
      },
      text("right"),
      text("left"),
    ],
  });
  return { id: "trilemma", title, what, spec, interactive: true, columns, rows: table.rows };
}
