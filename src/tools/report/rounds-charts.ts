/**
 * What a report needs from a rounds run, as plain data: one row per policy and round, and Vega-Lite
 * specs (data inline) for "cumulative loss and regret vs round" and "share of the bound". The chart
 * objects have the report's ChartPlan shape (id, title, what, spec, note?, columns, rows), so a report
 * can list them beside its own; rendering (SVG/PNG) is the report's business. It reads plain inputs
 * only (src/tools/rounds/charts.ts turns a rounds run or a scored table into them), so the report depends on
 * the results contract alone.
 */
import type { TopLevelSpec } from "vega-lite";

/** The plain row of one policy in one round (dollars; theta dimensionless). */
export interface RoundReportRow {
  readonly policy: string;
  readonly round: number;
  readonly label: string;
  readonly theta: number;
  /** H_t. */
  readonly haircut: number;
  /** B_t^need. */
  readonly needed: number;
  readonly budget: number;
  readonly loss: number;
  readonly cumulativeLoss: number;
  /** Cumulative dynamic regret (against the best per-round action). */
  readonly regret: number;
  readonly cumulativeBound: number;
}


/** The report's chart shape (src/tools/report/charts.ts ChartPlan). */
export interface RoundsChart {
  readonly id: string;
  readonly title: string;
  readonly what: string;
  readonly spec: TopLevelSpec | null;
  readonly note?: string;
  readonly columns: readonly { readonly key: string; readonly label: string }[];
  readonly rows: readonly Record<string, string | number | null>[];
}

export interface ChartOptions {
  /** Total drawing width in pixels (default 1100; the panels share it). */
  readonly width?: number;
  /** Appended to the chart ids ("rounds-cumulative-<suffix>"), so that a report with several multi-round scenarios keeps them apart. */
  readonly idSuffix?: string;
}

/**
 * What the cumulative chart reads: a run's result (src/tools/rounds RoundsResult), or the rows a run folder holds
 * for one multi-round scenario. A null regret (a recorded table has no comparator) drops the regret panel.
 */
export interface SeriesInput {
  readonly name: string;
  readonly rounds: number;
  readonly severityVariation: number;
  readonly policies: readonly { readonly name: string }[];
  readonly rows: readonly { readonly policy: string; readonly round: number; readonly cumulativeLoss: number; readonly cumulativeDynamicRegret: number | null; readonly cumulativeBound: number }[];
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const DASHES = [[1, 0], [7, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 5], [12, 6]];
const BOUND = "instance bound sqrt((1 + 2 P_t) Σ D²)";
const LOSS_PANEL = "cumulative loss ($)";
const REGRET_PANEL = "cumulative regret ($)";
const CONFIG = {
  font: "DejaVu Sans",
  background: "white",
  view: { stroke: "#cccccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee", labelOverlap: true },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360, symbolSize: 90, symbolOpacity: 1 },
  header: { labelFontSize: 12, labelLimit: 420, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" as const, subtitleFontSize: 11, subtitleColor: "#555555" },
};
const DOLLAR_AXIS = { labelExpr: "format(datum.value, '~s')" };

function top(spec: Record<string, unknown>): TopLevelSpec {
  return { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: CONFIG, ...spec } as TopLevelSpec;
}

/** Ticks 1, 2, 5 per decade over the values' range (the log axis's own ticks thin out unevenly: 900k, 500k, 100k, 60k). */
function logTicks(values: readonly number[]): number[] {
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  const ticks: number[] = [];
  for (let k = low; k <= high; k++) for (const m of high - low > 4 ? [1] : [1, 2, 5]) ticks.push(m * 10 ** k);
  return ticks;
}

function withSuffix(id: string, options: ChartOptions): string {
  return options.idSuffix ? `${id}-${options.idSuffix}` : id;
}

/** Colour and dash per policy, in run order, the bound in black. */
function encodings(policies: readonly string[], withBound: boolean) {
  const domain = withBound ? [...policies, BOUND] : [...policies];
  const colours = domain.map((p, k) => (p === BOUND ? "#000000" : PALETTE[k % PALETTE.length]!));
  const dashes = domain.map((p, k) => (p === BOUND ? [3, 3] : DASHES[k % DASHES.length]!));
  // Below the chart: a long legend beside it would squeeze the panels at report widths.
  const legend = { title: null, orient: "bottom" as const, columns: Math.min(3, domain.length), symbolType: "stroke", symbolStrokeWidth: 2.5, symbolSize: 400, labelLimit: 420 };
  return {
    color: { field: "series", type: "nominal" as const, scale: { domain, range: colours }, legend },
    strokeDash: { field: "series", type: "nominal" as const, scale: { domain, range: dashes }, legend },
  };
}

/**
 * Cumulative loss (with the instance bound over the rounds so far) and cumulative dynamic regret
 * against the round number, one line per policy, two panels with their own y scales (one panel
 * when no row has a regret). O(rows).
 */
export function cumulativeChart(result: SeriesInput, options: ChartOptions = {}): RoundsChart {
  const id = withSuffix("rounds-cumulative", options);
  const withRegret = result.rows.some((row) => row.cumulativeDynamicRegret !== null);
  const title = withRegret ? "Cumulative loss and regret vs round" : "Cumulative loss vs round";
  const what = withRegret
    ? "Cumulative loss: each policy's l_1 + … + l_t, with the Proposition 1 bound over the rounds so far (dashed black). Cumulative regret: against the best per-round action (any budget, min-max split). Flat segments are rounds the policy got right; a queue's regret grows linearly."
    : "Each recorded policy's cumulative loss (tracking |H_t − B_t^need| plus λ times the fairness gap to the reference), with the Proposition 1 bound over the rounds so far (dashed black). A recorded table has no accounts, hence no regret panel.";
  const policies = result.policies.map((p) => p.name);
  const data: Record<string, string | number | null>[] = [];
  // Drawn to the cent: rounding dust of -1e-10 would otherwise stretch an axis below 0.
  const cents = (x: number): number => Math.round(x * 100) / 100 || 0;
  for (const row of result.rows) {
    data.push({ panel: LOSS_PANEL, series: row.policy, round: row.round, value: cents(row.cumulativeLoss) });
    if (withRegret && row.cumulativeDynamicRegret !== null) data.push({ panel: REGRET_PANEL, series: row.policy, round: row.round, value: cents(row.cumulativeDynamicRegret) });
  }
  const firstPolicy = result.policies[0]?.name;
  for (const row of result.rows) if (row.policy === firstPolicy) data.push({ panel: LOSS_PANEL, series: BOUND, round: row.round, value: cents(row.cumulativeBound) });
  const columns = ["panel", "series", "round", "value"].map((key) => ({ key, label: key }));
  if (result.rows.length === 0) return { id, title, what, spec: null, note: "No rounds.", columns, rows: [] };
  const width = options.width ?? 1100;
  const panelNames = withRegret ? [LOSS_PANEL, REGRET_PANEL] : [LOSS_PANEL];
  // Side by side when each panel gets 380 px or more, else one above the other (a report page's width).
  const stacked = panelNames.length > 1 && (width - 90 * panelNames.length) / panelNames.length < 380;
  const panelWidth = stacked ? Math.max(220, width - 90) : Math.max(220, Math.floor((width - 90 * panelNames.length) / panelNames.length));
  const { color, strokeDash } = encodings(policies, true);
  const notes: string[] = [];
  // A panel whose positive values span two decades or more is drawn on a log axis, so that the
  // best policies are not flattened onto zero by the worst; its zeros (and any negative regret)
  // cannot be drawn there and are said so in the note.
  const panels = panelNames.map((panel) => {
    const values = data.filter((d) => d.panel === panel).map((d) => d.value as number);
    const positive = values.filter((v) => v > 0);
    const log = positive.length > 0 && Math.max(...positive) / Math.min(...positive) >= 100;
    const hidden = log ? values.length - positive.length : 0;
    if (hidden > 0) notes.push(`${panel}: log axis; ${hidden} point${hidden === 1 ? "" : "s"} at or below $0 not drawn (see the data)`);
    return {
      transform: [{ filter: { field: "panel", equal: panel } }, ...(log ? [{ filter: "datum.value > 0" }] : [])],
      width: panelWidth,
      height: Math.max(200, Math.round(Math.min(panelWidth, 520) * 0.5)),
      title: { text: log ? `${panel}, log scale` : panel, fontSize: 12, fontWeight: "normal" as const, anchor: "middle" as const },
      mark: { type: "line", strokeWidth: 2, point: result.rounds <= 40 ? { size: 20 } : false },
      encoding: {
        x: { field: "round", type: "quantitative", title: "round", axis: { tickMinStep: 1, format: "d" }, scale: { domain: [1, Math.max(2, result.rounds)], nice: false } },
        y: { field: "value", type: "quantitative", title: null, axis: log ? { ...DOLLAR_AXIS, values: logTicks(positive) } : DOLLAR_AXIS, scale: log ? { type: "log" } : { zero: true } },
        color,
        strokeDash,
      },
    };
  });
  const spec = top({
    title: { text: title, subtitle: `${result.name}: ${result.rounds} rounds, P_T = ${result.severityVariation.toFixed(3)}` },
    data: { values: data },
    ...(stacked ? { vconcat: panels } : { hconcat: panels }),
    resolve: { scale: { y: "independent" } },
  });
  return { id, title, what, spec, ...(notes.length > 0 ? { note: `${notes.join("; ")}.` } : {}), columns, rows: data };
}

/** What the share-of-bound chart reads: a run's result, or a scored round table through tableShares. */
export interface ShareInput {
  readonly name: string;
  readonly bound: number;
  readonly policies: readonly { readonly name: string; readonly loss: number; readonly shareOfBound: number }[];
}


/** Each policy's total loss as a share of the instance bound, one bar per policy, the bound at 100 %. O(policies). */
export function shareOfBoundChart(result: ShareInput, options: ChartOptions = {}): RoundsChart {
  const id = withSuffix("rounds-share-of-bound", options);
  const title = "Share of the instance bound";
  const what = "Each policy's cumulative loss divided by the instance-calibrated bound sqrt((1 + 2 P_T) Σ D_t²) of Proposition 1 (the paper's Figure 10 at the last round; on 10 October 2025 the production queue is near 50 %, the best deployable policies a few per cent). The dashed line is the bound itself (100 %).";
  const rows = result.policies.map((p) => ({ series: p.name, share: p.shareOfBound, loss: p.loss, bound: result.bound }));
  const columns = ["series", "share", "loss", "bound"].map((key) => ({ key, label: key }));
  if (!(result.bound > 0)) return { id, title, what, spec: null, note: "The bound is 0 (every deficit is 0).", columns, rows };
  const width = options.width ?? 1100;
  const policies = result.policies.map((p) => p.name);
  const { color } = encodings(policies, false);
  const labelWidth = Math.min(400, 16 + 9 * Math.max(...policies.map((p) => p.length)));
  const reach = Math.max(1.08, 1.08 * Math.max(...rows.map((r) => (Number.isFinite(r.share) ? r.share : 0))));
  const spec = top({
    config: { ...CONFIG, axisY: { labelLimit: labelWidth } },
    title: { text: title, subtitle: `${result.name}: bound = ${result.bound.toLocaleString("en-US", { maximumFractionDigits: 0 })} $` },
    data: { values: rows },
    width: Math.max(200, width - labelWidth - 60),
    height: 26 * rows.length,
    layer: [
      {
        mark: { type: "bar", height: 16 },
        encoding: {
          y: { field: "series", type: "nominal", title: null, sort: policies, axis: { labelLimit: labelWidth } },
          x: { field: "share", type: "quantitative", title: "cumulative loss / bound", axis: { format: "%", tickCount: 10 }, scale: { domain: [0, reach], nice: false } },
          color: { ...color, legend: null },
        },
      },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11, color: "#333333" },
        encoding: { y: { field: "series", type: "nominal", sort: policies, axis: { labelLimit: labelWidth } }, x: { field: "share", type: "quantitative" }, text: { field: "share", type: "quantitative", format: ".1%" } },
      },
      { data: { values: [{ share: 1 }] }, mark: { type: "rule", strokeDash: [3, 3], color: "#000000" }, encoding: { x: { field: "share", type: "quantitative" } } },
    ],
  });
  return { id, title, what, spec, columns, rows };
}

/** Both charts, in the order a report shows them; a RoundsResult is both inputs. */
export function roundsCharts(result: SeriesInput & ShareInput, options: ChartOptions = {}): RoundsChart[] {
  return [cumulativeChart(result, options), shareOfBoundChart(result, options)];
}
