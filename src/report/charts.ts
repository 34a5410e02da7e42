/**
 * The report's charts as Vega-Lite specs with their data inline, built from the run's rows by pure
 * functions. A chart without data is a note, never an empty frame. Every chart's rows are also
 * written as data/<id>.csv and .json, so every number drawn can be read back.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ExposureRow, FrontierRow, JobRow, SimulationRow } from "../results/row.js";
import { CHART_FONT } from "./render.js";
import { byText, type Column, type Record_ } from "./tables.js";

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
  readonly columns: readonly Column[];
  readonly rows: readonly Record_[];
}

/** 20 colours that stay apart on white (Tableau 20, dark shades first); mechanism k gets colour k mod 20. */
const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
];

const CONFIG = {
  font: CHART_FONT,
  background: "white",
  view: { stroke: "#cccccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee", labelOverlap: true },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360, symbolSize: 90, symbolOpacity: 1 },
  header: { labelFontSize: 12, labelLimit: 420, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" as const, subtitleFontSize: 11, subtitleColor: "#555555" },
};

/** SI-prefixed dollars, each label on its own (vega would otherwise share one prefix: "0.2k", "0k"). */
const DOLLAR_AXIS = { labelExpr: "format(datum.value, '~s')" };

/** Dash patterns cycled over mechanisms: where two mechanisms give the same curve (pro-rata:wealth is exactly pro-rata), both colours show. */
const DASHES = [[1, 0], [7, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 5], [12, 6]];

function dashByMechanism(present: readonly string[], context: ChartContext) {
  const domain = context.mechanisms.filter((m) => present.includes(m));
  return { field: "mechanism", type: "nominal" as const, scale: { domain, range: domain.map((_, k) => DASHES[k % DASHES.length]!) }, legend: { title: "mechanism", symbolStrokeWidth: 2.5, symbolSize: 300, ...(domain.length > 10 ? { orient: "bottom" as const, columns: 2 } : {}) } };
}

/** Shared by every chart so that a mechanism has the same colour everywhere in the report. */
export interface ChartContext {
  readonly mechanisms: readonly string[];
}

function colour(context: ChartContext, present: readonly string[], title = "mechanism") {
  const domain = context.mechanisms.filter((m) => present.includes(m));
  const range = domain.map((m) => PALETTE[context.mechanisms.indexOf(m) % PALETTE.length]!);
  // One column of a long legend would be taller than the chart: wrap it below instead.
  const legend = domain.length > 10 ? { orient: "bottom" as const, columns: 2, title } : { title };
  return { field: "mechanism", type: "nominal" as const, scale: { domain, range }, legend };
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

/** (1) One chart per frontier kind: the exact curve and every mechanism's placement, faceted by up to three waves. */
export function frontierCharts(frontier: readonly FrontierRow[], context: ChartContext): ChartPlan[] {
  const what = "Black line and dots: the exact Pareto frontier (the least achievable value of the y metric at each x, proven by the solver or a dedicated exact algorithm). Coloured marks: each mechanism on the same wave; a triangle is dominated by the curve, a circle lies on it.";
  const kinds = [...new Set(frontier.map((row) => row.frontier))].sort(byText);
  if (kinds.length === 0) return [skipped("frontier", "Exact frontier", what, "No frontier rows in this run (frontier.jsonl absent or empty).")];
  return kinds.map((kind) => {
    const rows = frontier.filter((row) => row.frontier === kind);
    const waves = spreadWaves(rows, 3);
    const data: Record_[] = [];
    for (const wave of waves) {
      for (const row of rows.filter((r) => r.wave === wave)) {
        const panel = waveLabel(row.wave, row.budgetShare);
        for (const point of row.points) data.push({ panel, wave: row.wave, series: "frontier", mechanism: null, x: point.x, y: point.y, status: point.status, distance: null, placement: null });
        for (const p of row.placements) data.push({ panel, wave: row.wave, series: "mechanism", mechanism: p.mechanism, x: p.x, y: p.y, status: null, distance: p.distance, placement: p.dominated ? "dominated" : "on the frontier" });
      }
    }
    const xLabel = rows[0]!.xLabel;
    const yLabel = rows[0]!.yLabel;
    const drawn = data.filter((r) => r.y !== null);
    const logX = drawn.length > 0 && drawn.every((r) => (r.x as number) > 0) && Math.max(...drawn.map((r) => r.x as number)) / Math.min(...drawn.map((r) => r.x as number)) > 50;
    const x = { field: "x", type: "quantitative", title: xLabel, ...(logX ? logScale(drawn.map((r) => r.x as number), true) : { scale: { zero: false, padding: 8 } }) };
    const y = { field: "y", type: "quantitative", title: yLabel };
    const present = [...new Set(data.map((r) => r.mechanism).filter((m): m is string => m !== null))];
    const spec = top({
      title: { text: `Frontier ${kind}`, subtitle: waves.length > 1 ? `${waves.length} of ${new Set(rows.map((r) => r.wave)).size} waves, from the lowest to the highest budget share` : undefined },
      data: { values: data },
      facet: { field: "panel", type: "nominal", title: null, sort: waves.map((w) => waveLabel(w, rows.find((r) => r.wave === w)!.budgetShare)) },
      columns: 3,
      // Waves differ in size and budget: each panel gets its own axes, fitted to its own points.
      resolve: { scale: { x: "independent", y: "independent" } },
      spec: {
        width: 260,
        height: 220,
        layer: [
          { transform: [{ filter: "datum.series === 'frontier' && isValid(datum.y)" }], mark: { type: "line", color: "#222222", strokeWidth: 1.5, point: { color: "#222222", size: 16 } }, encoding: { x, y } },
          {
            transform: [{ filter: "datum.series === 'mechanism'" }],
            mark: { type: "point", filled: true, size: 80, opacity: 0.85, stroke: "white", strokeWidth: 0.5 },
            encoding: {
              x,
              y,
              color: colour(context, present),
              shape: { field: "placement", type: "nominal", title: "placement", scale: { domain: ["on the frontier", "dominated"], range: ["circle", "triangle-up"] } },
              tooltip: [{ field: "mechanism" }, { field: "x", type: "quantitative" }, { field: "y", type: "quantitative" }, { field: "distance", type: "quantitative" }],
            },
          },
        ],
      },
    });
    return {
      id: `frontier-${slug(kind)}`,
      title: `Exact frontier: ${kind}`,
      what,
      spec: data.length ? spec : null,
      ...(data.length ? {} : { note: `No points for frontier ${kind}.` }),
      columns: ["panel", "wave", "series", "mechanism", "x", "y", "status", "distance", "placement"].map((key) => ({ key, label: key })),
      rows: data,
    };
  });
}

/** (2) Lorenz curves of haircuts per mechanism on one representative wave, with the equality diagonal. */
export function lorenzChart(jobs: readonly JobRow[], context: ChartContext): ChartPlan {
  const title = "Lorenz curves of haircuts";
  const what = "Share of the total haircut paid by the poorest-hit share p of eligible accounts; the dashed diagonal is equal dollar haircuts, a curve hugging the bottom-right corner means a few accounts pay almost everything.";
  const wave = representativeWave(jobs, (job) => job.lorenz.length > 0);
  if (wave === undefined) return skipped("lorenz", title, what, "No job recorded a Lorenz curve (nothing was taken in any wave).");
  const data: Record_[] = [];
  for (const job of onePerMechanism(jobs)) if (job.wave === wave) for (const [p, l] of job.lorenz) data.push({ wave, mechanism: job.mechanism, p, share: l });
  const present = [...new Set(data.map((r) => r.mechanism as string))];
  const spec = top({
    title: { text: title, subtitle: `wave ${wave}` },
    width: 420,
    height: 420,
    layer: [
      { data: { values: [{ p: 0, share: 0 }, { p: 1, share: 1 }] }, mark: { type: "line", color: "#888888", strokeDash: [5, 4] }, encoding: { x: { field: "p", type: "quantitative" }, y: { field: "share", type: "quantitative" } } },
      {
        data: { values: data },
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
  return { id: "lorenz", title, what, spec, columns: ["wave", "mechanism", "p", "share"].map((key) => ({ key, label: key })), rows: data };
}

/** (3) Haircut fraction h/c against capacity (log x), one small panel per mechanism, on one representative wave. */
export function fractionByCapacityChart(jobs: readonly JobRow[], context: ChartContext): ChartPlan {
  const title = "Haircut fraction vs capacity";
  const what = "Each dot is an account: its capacity (log scale) and the fraction of it taken. Pro-rata is a flat line, a queue takes 100% from a few accounts, a risk weighting spreads the dots by leverage.";
  const wave = representativeWave(jobs, (job) => job.fractionByCapacity.length > 0);
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
  const present = context.mechanisms.filter((m) => data.some((r) => r.mechanism === m));
  const spec = top({
    title: { text: title, subtitle: `wave ${wave}, up to 200 sampled accounts per mechanism` },
    data: { values: data },
    facet: { field: "mechanism", type: "nominal", title: null, sort: present, header: { labelLimit: 280, labelFontSize: 11 } },
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
    ...(zeros ? { note: `${zeros} sampled accounts with zero capacity are left out of the log axis.` } : {}),
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
  const present = [...new Set(data.map((r) => r.mechanism as string))];
  const spec = top({
    title: { text: title, subtitle: `wave ${wave}` },
    data: { values: data },
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
  return { id: "exposure", title, what, spec, columns: ["panel", "wave", "account", "capacity", "mechanism", "budget", "haircut"].map((key) => ({ key, label: key })), rows: data };
}

function withFormat(encoding: ReturnType<typeof logScale>, format: string) {
  return { ...encoding, axis: { ...encoding.axis, format } };
}

function formatDollars(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** (5) Overshoot share against a lot-granularity parameter (any sweep parameter whose name contains "lot"). */
export function overshootByLotChart(jobs: readonly JobRow[], context: ChartContext): ChartPlan {
  const title = "Overshoot vs lot granularity";
  const what = "Whole contract lots force a mechanism to take more than the budget: the overshoot (sum h - B) / B per job (dots) and its mean per mechanism (lines), as lots get coarser.";
  const data: Record_[] = [];
  let parameter: string | undefined;
  for (const job of jobs) {
    const key = Object.keys(job.params)
      .filter((name) => name.toLowerCase().includes("lot"))
      .sort(byText)[0];
    if (key === undefined || job.metrics === null) continue;
    parameter ??= key;
    data.push({ wave: job.wave, mechanism: job.mechanism, parameter: key, value: job.params[key]!, overshootShare: job.metrics.overshootShare, overshoot: job.metrics.overshoot });
  }
  const columns = ["wave", "mechanism", "parameter", "value", "overshootShare", "overshoot"].map((key) => ({ key, label: key }));
  if (data.length === 0) return skipped("overshoot-by-lot", title, what, "No job swept a lot parameter (no params key containing \"lot\"), so overshoot cannot be set against lot granularity.", columns);
  const present = [...new Set(data.map((r) => r.mechanism as string))];
  const logX = data.every((r) => (r.value as number) > 0);
  const values = [...new Set(data.map((r) => r.value as number))].sort((a, b) => a - b);
  const x = {
    field: "value",
    type: "quantitative",
    title: `${parameter}${logX ? " (log)" : ""}`,
    ...(logX ? { scale: { type: "log", domain: [values[0]! / 1.15, values[values.length - 1]! * 1.15], nice: false } } : { scale: { zero: false } }),
    ...(values.length <= 12 ? { axis: { values, format: "~g" } } : {}),
  };
  const spec = top({
    title: { text: title },
    data: { values: data },
    width: 520,
    height: 300,
    layer: [
      { mark: { type: "point", filled: true, size: 30, opacity: 0.35 }, encoding: { x, y: { field: "overshootShare", type: "quantitative" }, color: colour(context, present) } },
      {
        mark: { type: "line", strokeWidth: 2, point: true },
        encoding: { x, y: { aggregate: "mean", field: "overshootShare", type: "quantitative", title: "overshoot / B", axis: { format: "%" } }, color: colour(context, present) },
      },
    ],
  });
  return { id: "overshoot-by-lot", title, what, spec, columns, rows: data };
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

/** (8) The trilemma: fairness (mean max fraction) against solvency (mean coverage), revenue (LTV retained) as the size, each mark labelled. */
export function trilemmaChart(rows: readonly Record_[], context: ChartContext): ChartPlan {
  const title = "The trilemma";
  const what = "Each mark is a mechanism: left is fairer (smaller worst haircut fraction, mean over the waves it answered), up covers more of the budget (mean over all its waves; a broken promise counts with the most it could cover), a larger mark keeps more customer lifetime value.";
  const columns = ["mechanism", "waves", "answered", "maxFraction", "giniOfFractions", "coverage", "shortfall", "ltvRetained"].map((key) => ({ key, label: key }));
  if (rows.length === 0) return skipped("trilemma", title, what, "No job produced an allocation, so there are no metrics to place.", columns);
  const width = 560;
  const height = 360;
  const xs = rows.map((r) => r.maxFraction as number);
  const ys = rows.map((r) => r.coverage as number);
  const xHigh = Math.max(1, ...xs) * 1.02;
  const yPad = Math.max(0.02, (Math.max(...ys) - Math.min(...ys)) * 0.12);
  const yDomain = [Math.min(...ys) - yPad, Math.max(...ys) + yPad];
  // Explicit domains, so that label positions can be worked out in pixels here.
  const labels = placeLabels(
    rows.map((r) => ({ px: ((r.maxFraction as number) / xHigh) * width, py: height - (((r.coverage as number) - yDomain[0]!) / (yDomain[1]! - yDomain[0]!)) * height, label: r.mechanism as string })),
    width,
  );
  const data = rows.map((r, k) => ({ ...r, labelY: (r.coverage as number) - (labels[k]!.dy / height) * (yDomain[1]! - yDomain[0]!), labelSide: labels[k]!.side }));
  const present = rows.map((r) => r.mechanism as string);
  const x = { field: "maxFraction", type: "quantitative", title: "mean max haircut fraction (fairness: lower is fairer)", scale: { domain: [0, xHigh], nice: false }, axis: { format: "%" } };
  const yScale = { domain: yDomain, nice: false };
  const text = (side: "left" | "right") => ({
    transform: [{ filter: `datum.labelSide === '${side}'` }],
    mark: { type: "text", align: side === "right" ? "left" : "right", baseline: "middle", dx: side === "right" ? 9 : -9, fontSize: 10, color: "#333333" },
    encoding: { x, y: { field: "labelY", type: "quantitative", scale: yScale }, text: { field: "mechanism" } },
  });
  const spec = top({
    title: { text: title, subtitle: "x: fairness · y: solvency · size: revenue (LTV retained)" },
    data: { values: data },
    width,
    height,
    layer: [
      // A leader from a mark to its label when the label had to move up or down.
      { transform: [{ filter: "datum.labelY !== datum.coverage" }], mark: { type: "rule", color: "#aaaaaa", strokeWidth: 0.8 }, encoding: { x, y: { field: "coverage", type: "quantitative", scale: yScale }, y2: { field: "labelY" } } },
      {
        mark: { type: "point", filled: true, opacity: 0.85, stroke: "#333333", strokeWidth: 0.5 },
        encoding: {
          x,
          y: { field: "coverage", type: "quantitative", title: "mean coverage Σh / B, all waves (solvency)", scale: yScale, axis: { format: "%" } },
          size: { field: "ltvRetained", type: "quantitative", title: "LTV retained", scale: { zero: false, range: [40, 420] }, legend: { format: ".0%", symbolFillColor: "#bbbbbb", symbolStrokeColor: "#555555" } },
          color: { ...colour(context, present), legend: null },
          tooltip: [{ field: "mechanism" }, { field: "maxFraction", type: "quantitative" }, { field: "coverage", type: "quantitative" }, { field: "ltvRetained", type: "quantitative" }],
        },
      },
      text("right"),
      text("left"),
    ],
  });
  return { id: "trilemma", title, what, spec, columns, rows };
}
