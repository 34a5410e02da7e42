/**
 * The one-page scorecard: every mechanism against the experiment's baseline (the venue's current
 * rule), in dollars and counts, on the same waves (src/tools/report/compare.ts); which mechanisms are
 * Pareto-efficient on the experiment's chosen axes; and one sentence per mechanism read off the numbers.
 *
 * Wave sets, stated beside every number:
 * - solvency (solvent waves, shortfall $, overshoot $) over the common waves W, failures counted;
 * - against the baseline (principal taken, touched, max fraction, Gini, LTV, brittleness,
 *   gameability) over the waves both the mechanism and the baseline answered;
 * - Pareto efficiency: solvency axes over W, the others over the waves every mechanism answered (so
 *   that every mechanism is judged on the same waves); if there are none, the report says so.
 */
import type { ScorecardAxis } from "../../floor/records/row.js";
import type { JobRow } from "../../floor/records/row.js";
import { answeredByAll, commonWaves, METRICS, outcomes, summarize, type MetricName, type Outcome } from "./compare.js";
import { formatNumber } from "./format.js";
import { byText, type Cell, type Column, type Record_, type Table } from "./tables.js";

export interface ScorecardOptions {
  /** A mechanism name or display name; null: no baseline (absolute numbers only). */
  readonly baseline: string | null;
  readonly axes: readonly ScorecardAxis[];
}

export interface Scorecard {
  /** Numbers, one row per mechanism (data/scorecard.csv). */
  readonly table: Table;
  /** The same as text cells "value (Δ)", for the page. */
  readonly display: Table;
  readonly baseline: string | null;
  /** Why the named baseline is not used, when it is not found among the rows. */
  readonly baselineNote?: string;
  readonly pareto: readonly string[];
  /** Waves behind each number. */
  readonly waves: { readonly common: number; readonly answeredByAll: number };
  readonly readings: readonly { readonly mechanism: string; readonly text: string }[];
}

/** The display table with each difference in brackets after its value: for Markdown. */
export function inlineDeltas(display: Table): Table {
  return {
    ...display,
    rows: display.rows.map((row) => {
      const out: Record<string, Cell> = { ...row };
      for (const c of display.columns) if (typeof row[`${c.key}Delta`] === "string") out[c.key] = `${row[c.key] as string} (${row[`${c.key}Delta`] as string})`;
      return out;
    }),
  };
}

/** The scorecard's per-pair metrics: what a risk lead asks about a switch. */
const PAIRED: readonly MetricName[] = ["principalTaken", "touched", "maxFraction", "gini", "ltvRetained", "ltvLoss", "brittleness", "gameability"];

const AXIS_METRIC: Readonly<Record<ScorecardAxis, MetricName>> = {
  shortfall: "shortfall",
  overshoot: "overshoot",
  maxFraction: "maxFraction",
  gini: "gini",
  touched: "touched",
  ltvRetained: "ltvRetained",
  principalTaken: "principalTaken",
  brittleness: "brittleness",
  gameability: "gameability",
};

/** The mechanism a written name means: itself, else the first display name "name[…]" (sorted). */
export function resolveMechanism(written: string | null, mechanisms: readonly string[]): string | undefined {
  if (written === null) return undefined;
  if (mechanisms.includes(written)) return written;
  return [...mechanisms].filter((m) => m.startsWith(`${written}[`)).sort(byText)[0];
}

function meanOver(byWave: ReadonlyMap<string, Outcome>, waves: readonly string[], name: MetricName): number | null {
  return summarize(waves.filter((w) => byWave.has(w)).map((w) => METRICS[name].of(byWave.get(w)!)), METRICS[name].largerIsWorse).mean;
}

function sumOver(byWave: ReadonlyMap<string, Outcome>, waves: readonly string[], name: MetricName): number | null {
  return summarize(waves.filter((w) => byWave.has(w)).map((w) => METRICS[name].of(byWave.get(w)!)), METRICS[name].largerIsWorse).sum;
}

/** Metrics reported as a sum over waves (dollars), the rest as a mean per wave. */
const SUMMED = new Set<MetricName>(["principalTaken", "ltvLoss", "shortfall", "overshoot"]);

/**
 * Which of `values` (per mechanism, one number per axis, null = not measured) no other mechanism
 * dominates: at least as good on every axis and better on one (beyond 1e-9 relative). Axes where
 * some mechanism has no value are left out. O(m^2 a).
 */
export function paretoEfficient(values: ReadonlyMap<string, readonly (number | null)[]>, largerIsWorse: readonly boolean[]): string[] {
  const names = [...values.keys()];
  const usable = largerIsWorse.map((_, a) => names.every((m) => values.get(m)![a] !== null));
  const better = (x: number, y: number, worse: boolean): number => {
    const tolerance = 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
    if (Math.abs(x - y) <= tolerance) return 0;
    return (worse ? x < y : x > y) ? 1 : -1;
  };
  return names.filter((m) => {
    const mine = values.get(m)!;
    return !names.some((other) => {
      if (other === m) return false;
      const theirs = values.get(other)!;
      let strictly = false;
      for (let a = 0; a < mine.length; a++) {
        if (!usable[a]) continue;
        const c = better(theirs[a]!, mine[a]!, largerIsWorse[a]!);
        if (c < 0) return false;
        if (c > 0) strictly = true;
      }
      return strictly;
    });
  });
}

function signed(value: number, format: (v: number) => string): string {
  // What reads as zero is ±0 (a shortfall difference of 3e-9 dollars is float noise, not "−$0").
  if (Math.abs(value) < 1e-9 || format(Math.abs(value)) === format(0)) return "±0";
  return value > 0 ? `+${format(value)}` : `−${format(-value)}`;
}

/** Dollars to the cent (a shortfall of 1e-9 is float noise, not money). */
const dollars = (v: number): string => `$${formatNumber(Math.abs(v) < 0.005 ? 0 : v)}`;
const percentPoints = (v: number): string => `${(v * 100).toFixed(1)} pp`;
const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;
const plain = (v: number): string => formatNumber(v);

/** How each scorecard number reads: the value and its difference. */
function formatterOf(name: MetricName): { value: (v: number) => string; delta: (v: number) => string } {
  if (SUMMED.has(name)) return { value: dollars, delta: dollars };
  if (name === "maxFraction" || name === "ltvRetained") return { value: percent, delta: percentPoints };
  return { value: plain, delta: plain };
}

/** The scorecard of the run's jobs (module comment). */
export function scorecard(jobs: readonly JobRow[], options: ScorecardOptions): Scorecard {
  const all = outcomes(jobs);
  const mechanisms = [...all.keys()];
  const waves = commonWaves(all);
  const baseline = resolveMechanism(options.baseline, mechanisms) ?? null;
  const baselineNote = options.baseline !== null && baseline === null ? `The experiment names the baseline ${JSON.stringify(options.baseline)}, which no row of this run has; numbers are shown without differences.` : undefined;
  const everyone = answeredByAll(all, mechanisms, waves);

  // Pareto: solvency axes over W, the others over the waves every mechanism answered.
  const axisValues = new Map<string, (number | null)[]>();
  for (const m of mechanisms) {
    axisValues.set(
      m,
      options.axes.map((axis) => {
        const name = AXIS_METRIC[axis];
        return METRICS[name].all ? meanOver(all.get(m)!, waves, name) : everyone.length > 0 ? meanOver(all.get(m)!, everyone, name) : null;
      }),
    );
  }
  const pareto = paretoEfficient(axisValues, options.axes.map((axis) => METRICS[AXIS_METRIC[axis]].largerIsWorse));

  const rows: Record_[] = [];
  const readings: { mechanism: string; text: string }[] = [];
  const base = baseline !== null ? all.get(baseline)! : undefined;
  const order = [...mechanisms].sort((a, b) => Number(b === baseline) - Number(a === baseline) || Number(pareto.includes(b)) - Number(pareto.includes(a)) || byText(a, b));
  for (const m of order) {
    const mine = all.get(m)!;
    const here = waves.filter((w) => mine.has(w)).map((w) => mine.get(w)!);
    const row: Record<string, Cell> = {
      mechanism: m,
      kind: here[0]?.job.kind ?? null,
      waves: here.length,
      answered: here.filter((o) => o.answered).length,
      solvent: here.filter((o) => o.solvent).length,
      shortfall: sumOver(mine, waves, "shortfall"),
      overshoot: sumOver(mine, waves, "overshoot"),
      pareto: pareto.includes(m),
    };
    if (base) {
      const baseHere = waves.filter((w) => base.has(w) && mine.has(w)).map((w) => base.get(w)!);
      row.solventVsBaseline = (row.solvent as number) - baseHere.filter((o) => o.solvent).length;
      const both = waves.filter((w) => mine.has(w));
      row.shortfallVsBaseline = (row.shortfall as number) - (sumOver(base, both, "shortfall") ?? 0);
      row.overshootVsBaseline = (row.overshoot as number) - (sumOver(base, both, "overshoot") ?? 0);
    }
    const pairs = base ? answeredByAll(all, [m, baseline!], waves) : here.filter((o) => o.answered).map((o) => o.wave);
    row.pairedWaves = pairs.length;
    for (const name of PAIRED) {
      const value = SUMMED.has(name) ? sumOver(mine, pairs, name) : meanOver(mine, pairs, name);
      row[name] = value;
      if (base) {
        const theirs = SUMMED.has(name) ? sumOver(base, pairs, name) : meanOver(base, pairs, name);
        row[`${name}VsBaseline`] = value !== null && theirs !== null ? value - theirs : null;
      }
    }
    rows.push(row);
    readings.push({ mechanism: m, text: reading(row, m === baseline, baseline, pareto.includes(m)) });
  }

  const deltaColumns = (key: string, label: string, format?: Column["format"]): Column[] => [{ key, label, ...(format ? { format } : {}) }, ...(baseline ? [{ key: `${key}VsBaseline`, label: `${label} vs baseline`, ...(format && format !== "percent" ? { format } : {}) }] : [])];
  const columns: Column[] = [
    { key: "mechanism", label: "mechanism", format: "text" },
    { key: "kind", label: "kind", format: "text" },
    { key: "pareto", label: "Pareto-efficient", format: "text" },
    { key: "waves", label: "common waves", format: "int" },
    { key: "answered", label: "answered", format: "int" },
    ...deltaColumns("solvent", "solvent waves", "int"),
    ...deltaColumns("shortfall", "shortfall $ (sum)"),
    ...deltaColumns("overshoot", "overshoot $ (sum)"),
    { key: "pairedWaves", label: "waves compared", format: "int" },
    ...deltaColumns("principalTaken", "principal taken $ (sum)"),
    ...deltaColumns("touched", "accounts touched (mean)"),
    ...deltaColumns("maxFraction", "max fraction (mean)", "percent"),
    ...deltaColumns("gini", "Gini (mean)"),
    ...deltaColumns("ltvRetained", "LTV retained (mean)", "percent"),
    ...deltaColumns("ltvLoss", "LTV lost $ (sum)"),
    ...deltaColumns("brittleness", "brittleness (mean)"),
    ...deltaColumns("gameability", "gameability (mean)"),
  ];
  const axesText = options.axes.join(", ");
  const table: Table = {
    id: "scorecard",
    title: "Scorecard",
    what: `${baseline ? `Every mechanism against the baseline ${baseline}` : "Every mechanism (no baseline named: set baseline in the experiment)"}, on the same waves. Solvency over all ${waves.length} common waves (a wave a mechanism cannot answer counts as a failure with its shortfall); the rest over the waves both it and the baseline answered ("waves compared"). Pareto-efficient on ${axesText} (solvency axes over the common waves, the others over the ${everyone.length} waves every mechanism answered).`,
    columns,
    rows,
  };
  return { table, display: displayOf(table, baseline), baseline, ...(baselineNote ? { baselineNote } : {}), pareto, waves: { common: waves.length, answeredByAll: everyone.length }, readings };
}

/**
 * Text cells for the page: one column per quantity, the value under its key and the difference to
 * the baseline under `<key>Delta` (the page puts it on a second line, summary.md in brackets).
 * LTV lost $ is left to the CSV (LTV retained says the same per wave).
 */
function displayOf(table: Table, baseline: string | null): Table {
  const quantities: [string, string, (v: number) => string, (v: number) => string][] = [
    ["solvent", "solvent waves", (v) => `${v}`, (v) => signed(v, (x) => `${x}`)],
    ["shortfall", "shortfall $", dollars, (v) => signed(v, dollars)],
    ["overshoot", "overshoot $", dollars, (v) => signed(v, dollars)],
    ...PAIRED.filter((name) => name !== "ltvLoss").map((name): [string, string, (v: number) => string, (v: number) => string] => {
      const f = formatterOf(name);
      return [name, METRICS[name].label.replace(" $", " $"), f.value, (v) => signed(v, f.delta)];
    }),
  ];
  const rows = table.rows.map((row) => {
    const out: Record<string, Cell> = {
      mechanism: `${row.mechanism as string}${row.mechanism === baseline ? " (baseline)" : ""}`,
      pareto: row.pareto ? "yes" : "",
      waves: `${row.answered as number} / ${row.waves as number}`,
      pairedWaves: row.pairedWaves as number,
    };
    for (const [key, , value, delta] of quantities) {
      const v = row[key];
      const d = row[`${key}VsBaseline`];
      out[key] = typeof v !== "number" ? null : value(v);
      out[`${key}Delta`] = typeof v === "number" && baseline && row.mechanism !== baseline && typeof d === "number" ? delta(d) : null;
    }
    return out;
  });
  return {
    id: "scorecard",
    title: table.title,
    what: table.what,
    columns: [
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "pareto", label: "Pareto", format: "text" },
      ...quantities.slice(0, 3).map(([key, label]): Column => ({ key, label, format: "text" })),
      { key: "pairedWaves", label: "waves compared", format: "int" },
      ...quantities.slice(3).map(([key, label]): Column => ({ key, label, format: "text" })),
    ],
    rows,
  };
}

/** One sentence from the numbers of a scorecard row. */
function reading(row: Readonly<Record<string, Cell>>, isBaseline: boolean, baseline: string | null, efficient: boolean): string {
  const num = (key: string): number | null => (typeof row[key] === "number" ? (row[key] as number) : null);
  const waves = num("waves")!;
  const solvent = num("solvent")!;
  const parts: string[] = [];
  const tail = efficient ? "; Pareto-efficient" : "; dominated on the scorecard's axes";
  if (isBaseline || baseline === null) {
    parts.push(`covers the budget on ${solvent} of ${waves} waves (shortfall ${dollars(num("shortfall") ?? 0)} in all)`);
    const mf = num("maxFraction");
    if (mf !== null) parts.push(`its worst haircut averages ${percent(mf)} of an account's capacity, ${formatNumber(num("touched") ?? 0)} accounts touched per wave`);
    const ltv = num("ltvRetained");
    if (ltv !== null) parts.push(`${percent(ltv)} of customer lifetime value kept`);
    return `${isBaseline ? "Baseline: " : ""}${parts.join(", ")}${tail}.`;
  }
  const dSolvent = num("solventVsBaseline") ?? 0;
  const dShort = num("shortfallVsBaseline") ?? 0;
  parts.push(
    dSolvent === 0 && Math.abs(dShort) < 0.005
      ? `as solvent as ${baseline} (${solvent} of ${waves} waves)`
      : `covers the budget on ${solvent} of ${waves} waves (${signed(dSolvent, (x) => `${x}`)} vs ${baseline}), shortfall ${signed(dShort, dollars)}`,
  );
  const paired = num("pairedWaves") ?? 0;
  if (paired === 0) return `${parts[0]}; never answered a wave ${baseline} answered${tail}.`;
  const clauses: string[] = [];
  const mf = num("maxFraction");
  const dmf = num("maxFractionVsBaseline");
  if (mf !== null && dmf !== null) clauses.push(Math.abs(dmf) < 0.0005 ? `the same worst haircut (${percent(mf)})` : `worst haircut ${percent(mf)} (${signed(dmf, percentPoints)})`);
  const touched = num("touched");
  const dTouched = num("touchedVsBaseline");
  if (touched !== null && dTouched !== null && Math.abs(dTouched) >= 0.05) clauses.push(`${formatNumber(touched)} accounts touched per wave (${signed(dTouched, plain)})`);
  const dPrincipal = num("principalTakenVsBaseline");
  if (dPrincipal !== null && Math.abs(dPrincipal) >= 0.005) clauses.push(`${signed(dPrincipal, dollars)} of principal`);
  const dLtv = num("ltvRetainedVsBaseline");
  if (dLtv !== null && Math.abs(dLtv) >= 0.0005) clauses.push(`${signed(dLtv, percentPoints)} of lifetime value kept`);
  return `${parts[0]}; on the ${paired} waves both answered: ${clauses.length > 0 ? clauses.join(", ") : "the same numbers"}${tail}.`;
}
