/**
 * Comparisons on the same waves: every per-mechanism statistic of the report is taken over one
 * common set of waves, so that a mechanism that refuses hard waves does not look fairer for it.
 *
 * - The common waves are those every compared mechanism was run on.
 * - Solvency is measured on all of them. A wave a mechanism cannot answer (its promises are
 *   infeasible there, or the job failed) is a solvency failure with its shortfall: the certificate's
 *   (B minus the most any allocation under those promises can cover), or all of B for a failed job.
 *   Coverage is capped at 100% ("solvent" means coverage >= 1 within the verifier's tolerance), and
 *   overshoot (taking more than B) is its own column, never "more solvent".
 * - Fairness and revenue exist only where there is an allocation: they are taken over the waves
 *   the mechanism answered, and every comparison of two mechanisms (the scorecard against the
 *   baseline, Pareto efficiency) over the waves both (all) of them answered; each count is shown.
 * - Means stand beside p50, p95 and the worst value.
 */
import type { JobRow } from "../../floor/records/row.js";
import { byText, type Cell, type Column, type Record_, type Table } from "./tables.js";

/** Relative tolerance for "covers B": the verifier's coverage tolerance is 1e-9 relative. */
const SOLVENT = 1 - 1e-9;

/** What one mechanism did on one wave. */
export interface Outcome {
  readonly wave: string;
  readonly mechanism: string;
  readonly budget: number;
  readonly answered: boolean;
  /** min(1, sum h / B); for an unanswered wave (B - shortfall) / B. */
  readonly coverage: number;
  readonly solvent: boolean;
  /** Dollars left uncovered (see module comment). */
  readonly shortfall: number;
  /** max(0, sum h - B), dollars (0 when unanswered). */
  readonly overshoot: number;
  readonly overshootShare: number;
  readonly job: JobRow;
}

/** Numbers for the statistics, by name: each has a direction (is a larger value worse?). */
export const METRICS = {
  coverage: { label: "coverage (capped at 100%)", largerIsWorse: false, of: (o: Outcome) => o.coverage, all: true },
  shortfall: { label: "shortfall $", largerIsWorse: true, of: (o: Outcome) => o.shortfall, all: true },
  overshoot: { label: "overshoot $", largerIsWorse: true, of: (o: Outcome) => o.overshoot, all: true },
  overshootShare: { label: "overshoot / B", largerIsWorse: true, of: (o: Outcome) => o.overshootShare, all: true },
  principalTaken: { label: "principal taken $", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.principalTaken ?? null, all: false },
  touched: { label: "accounts touched", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.touched ?? null, all: false },
  maxFraction: { label: "max haircut fraction", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.maxFraction ?? null, all: false },
  gini: { label: "Gini of fractions", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.giniOfFractions ?? null, all: false },
  hhi: { label: "HHI", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.hhi ?? null, all: false },
  ltvRetained: { label: "LTV retained", largerIsWorse: false, of: (o: Outcome) => o.job.metrics?.ltvRetained ?? null, all: false },
  ltvLoss: { label: "LTV lost $", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.ltvLoss ?? null, all: false },
  brittleness: { label: "brittleness", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.brittleness ?? null, all: false },
  gameability: { label: "gameability", largerIsWorse: true, of: (o: Outcome) => o.job.metrics?.gameability ?? null, all: false },
} as const;
export type MetricName = keyof typeof METRICS;

/**
 * One job per (wave, mechanism): where a sweep parameter not in the name gives several, the one
 * with the smallest parameter values (the same rule as the charts).
 */
function oneJobEach(jobs: readonly JobRow[]): JobRow[] {
  const chosen = new Map<string, JobRow>();
  const rank = (job: JobRow): string => Object.keys(job.params).sort(byText).map((k) => `${k}=${job.params[k]!.toExponential(12).padStart(24, "0")}`).join(",");
  for (const job of jobs) {
    const key = `${job.wave}\u0000${job.mechanism}`;
    const seen = chosen.get(key);
    if (!seen || byText(rank(job), rank(seen)) < 0) chosen.set(key, job);
  }
  return [...chosen.values()];
}

/** Every (mechanism, wave) outcome, by mechanism then wave. O(jobs). */
export function outcomes(jobs: readonly JobRow[]): Map<string, Map<string, Outcome>> {
  const budgets = new Map<string, number>();
  // A failed job's row has no budget: take the wave's from any other job.
  for (const job of jobs) if (job.budget > 0) budgets.set(job.wave, job.budget);
  const result = new Map<string, Map<string, Outcome>>();
  for (const job of oneJobEach(jobs)) {
    const budget = job.budget > 0 ? job.budget : (budgets.get(job.wave) ?? 0);
    let outcome: Outcome;
    if (job.metrics) {
      const m = job.metrics;
      const coverage = budget > 0 ? Math.min(1, m.total / budget) : 1;
      outcome = { wave: job.wave, mechanism: job.mechanism, budget, answered: true, coverage, solvent: m.coverage >= SOLVENT, shortfall: m.shortfall, overshoot: Math.max(0, m.overshoot), overshootShare: Math.max(0, m.overshootShare), job };
    } else {
      const shortfall = job.status === "infeasible" ? Math.min(budget, Math.max(job.certificate.shortfall, 0)) : budget;
      outcome = { wave: job.wave, mechanism: job.mechanism, budget, answered: false, coverage: budget > 0 ? (budget - shortfall) / budget : 0, solvent: false, shortfall, overshoot: 0, overshootShare: 0, job };
    }
    const list = result.get(job.mechanism) ?? new Map<string, Outcome>();
    list.set(job.wave, outcome);
    result.set(job.mechanism, list);
  }
  return new Map([...result].sort(([a], [b]) => byText(a, b)));
}

/**
 * Waves every one of `mechanisms` was run on, sorted. A mechanism run on fewer waves than the most
 * (one added to a single scenario, or an unfinished run) does not shrink the set: the intersection
 * is over those run on the most waves, and the others are measured on their part of it (their
 * "waves" count says so).
 */
export function commonWaves(all: ReadonlyMap<string, ReadonlyMap<string, Outcome>>, mechanisms: readonly string[] = [...all.keys()]): string[] {
  if (mechanisms.length === 0) return [];
  const most = Math.max(...mechanisms.map((m) => all.get(m)?.size ?? 0));
  let common: Set<string> | undefined;
  for (const m of mechanisms.filter((name) => (all.get(name)?.size ?? 0) === most)) {
    const waves = new Set((all.get(m) ?? new Map()).keys());
    common = common ? new Set([...common].filter((w) => waves.has(w))) : waves;
  }
  return [...(common ?? [])].sort(byText);
}

/** Waves of `waves` that every one of `mechanisms` answered with an allocation. */
export function answeredByAll(all: ReadonlyMap<string, ReadonlyMap<string, Outcome>>, mechanisms: readonly string[], waves: readonly string[]): string[] {
  return waves.filter((w) => mechanisms.every((m) => all.get(m)?.get(w)?.answered === true));
}

/** Linear-interpolation quantile (type 7) of sorted values; NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Mean, p50, p95 and worst (in the metric's direction) of the values; nulls skipped; count = values used. */
export function summarize(values: readonly (number | null)[], largerIsWorse: boolean): { mean: number | null; p50: number | null; p95: number | null; worst: number | null; count: number; sum: number | null } {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return { mean: null, p50: null, p95: null, worst: null, count: 0, sum: null };
  let sum = 0;
  for (const v of finite) sum += v;
  // p95 is the bad tail: the 95th percentile of a "larger is worse" metric, the 5th of the others.
  return {
    mean: sum / finite.length,
    p50: quantile(finite, 0.5),
    p95: quantile(finite, largerIsWorse ? 0.95 : 0.05),
    worst: largerIsWorse ? finite[finite.length - 1]! : finite[0]!,
    count: finite.length,
    sum,
  };
}

/** The metrics of the statistics table, solvency first. */
const TABLE_METRICS: readonly MetricName[] = ["coverage", "shortfall", "overshoot", "overshootShare", "principalTaken", "touched", "maxFraction", "gini", "hhi", "ltvRetained", "ltvLoss", "brittleness", "gameability"];

/**
 * Per mechanism over the common waves: how many it answered and covered, and for every metric the
 * mean, p50, p95 (the bad tail) and worst. Solvency metrics over every common wave (failures
 * counted), the others over the waves it answered. Keys: `<metric>` (the mean), `<metric>P50`, `<metric>P95`, `<metric>Worst`.
 */
export function mechanismStatistics(jobs: readonly JobRow[]): Table {
  const all = outcomes(jobs);
  const waves = commonWaves(all);
  const rows: Record_[] = [];
  for (const [mechanism, byWave] of all) {
    const here = waves.filter((w) => byWave.has(w)).map((w) => byWave.get(w)!);
    const row: Record<string, Cell> = {
      mechanism,
      kind: here[0]?.job.kind ?? null,
      waves: here.length,
      answered: here.filter((o) => o.answered).length,
      solvent: here.filter((o) => o.solvent).length,
      failures: here.filter((o) => !o.solvent).length,
      seconds: summarize(here.map((o) => o.job.seconds), true).mean,
    };
    for (const name of TABLE_METRICS) {
      const metric = METRICS[name];
      const used = metric.all ? here : here.filter((o) => o.answered);
      const s = summarize(used.map(metric.of), metric.largerIsWorse);
      row[name] = s.mean;
      row[`${name}P50`] = s.p50;
      row[`${name}P95`] = s.p95;
      row[`${name}Worst`] = s.worst;
    }
    rows.push(row);
  }
  const format = (name: MetricName): Column["format"] => (name === "coverage" || name === "ltvRetained" || name === "overshootShare" ? "percent" : undefined);
  return {
    id: "mechanism-means",
    title: "Per-mechanism statistics on the same waves",
    what: `Over the ${waves.length} waves every mechanism was run on. Solvency (coverage capped at 100%, shortfall, overshoot) counts every one of them: a wave a mechanism cannot answer is a solvency failure with the certificate's shortfall (a failed job: all of B). Fairness and revenue are over the waves it answered (column "answered"). p95 is the bad tail (5th percentile for coverage and LTV retained); worst is the single worst wave.`,
    columns: [
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "kind", label: "kind", format: "text" },
      { key: "waves", label: "waves", format: "int" },
      { key: "answered", label: "answered", format: "int" },
      { key: "solvent", label: "solvent", format: "int" },
      { key: "failures", label: "solvency failures", format: "int" },
      ...TABLE_METRICS.flatMap((name): Column[] => [
        { key: name, label: `${METRICS[name].label} mean`, format: format(name) },
        { key: `${name}P50`, label: `p50`, format: format(name) },
        { key: `${name}P95`, label: `p95`, format: format(name) },
        { key: `${name}Worst`, label: `worst`, format: format(name) },
      ]),
      { key: "seconds", label: "seconds (mean)" },
    ],
    rows,
  };
}

/**
 * The three legs per mechanism, for the trilemma chart and table: solvency (coverage capped at 100%,
 * solvent share, shortfall, overshoot) over the common waves of `mechanisms`, failures counted;
 * fairness (max fraction, Gini) and revenue (LTV retained) over the waves all of them answered.
 * When they answered no wave in common, each over its own answered waves, and `basis` says so.
 */
export function trilemmaTable(jobs: readonly JobRow[], mechanisms?: readonly string[]): Table & { readonly basis: string } {
  const all = outcomes(jobs);
  const chosen = (mechanisms ?? [...all.keys()]).filter((m) => all.has(m) && [...all.get(m)!.values()].some((o) => o.answered));
  const waves = commonWaves(all, chosen);
  const shared = answeredByAll(all, chosen, waves);
  const basis = shared.length > 0 ? `fairness and revenue over the ${shared.length} waves all ${chosen.length} answered` : `no wave answered by all ${chosen.length}: fairness and revenue over each one's own answered waves`;
  const rows: Record_[] = chosen.map((mechanism) => {
    const byWave = all.get(mechanism)!;
    const here = waves.filter((w) => byWave.has(w)).map((w) => byWave.get(w)!);
    const fairness = shared.length > 0 ? shared.map((w) => byWave.get(w)!) : here.filter((o) => o.answered);
    const mean = (values: readonly Outcome[], name: MetricName): number | null => summarize(values.map(METRICS[name].of), METRICS[name].largerIsWorse).mean;
    return {
      mechanism,
      waves: here.length,
      answered: here.filter((o) => o.answered).length,
      solventShare: here.length ? here.filter((o) => o.solvent).length / here.length : null,
      coverage: mean(here, "coverage"),
      shortfall: mean(here, "shortfall"),
      overshootShare: mean(here, "overshootShare"),
      fairnessWaves: fairness.length,
      maxFraction: mean(fairness, "maxFraction"),
      giniOfFractions: mean(fairness, "gini"),
      ltvRetained: mean(fairness, "ltvRetained"),
    };
  });
  return {
    id: "trilemma",
    title: "Trilemma: fairness, solvency, revenue on the same waves",
    what: `Solvency over the ${waves.length} common waves (coverage capped at 100%, a wave a mechanism cannot answer counted with its shortfall; overshoot apart); ${basis}.`,
    basis,
    columns: [
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "waves", label: "waves", format: "int" },
      { key: "answered", label: "answered", format: "int" },
      { key: "solventShare", label: "solvent", format: "percent" },
      { key: "coverage", label: "coverage (capped)", format: "percent" },
      { key: "shortfall", label: "shortfall $ (mean)" },
      { key: "overshootShare", label: "overshoot / B", format: "percent" },
      { key: "fairnessWaves", label: "fairness waves", format: "int" },
      { key: "maxFraction", label: "max fraction" },
      { key: "giniOfFractions", label: "Gini" },
      { key: "ltvRetained", label: "LTV retained", format: "percent" },
    ],
    rows,
  };
}
