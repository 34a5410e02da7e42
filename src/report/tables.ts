/**
 * The report's tables: plain rows computed from the run's rows, each number kept at full precision
 * (the CSV/JSON files carry them as they are; only the HTML/Markdown round them for reading).
 */
import type { FrontierRow, JobMetrics, JobRow } from "../results/row.js";

export type Cell = string | number | boolean | null;
export type Record_ = Readonly<Record<string, Cell>>;

export interface Column {
  readonly key: string;
  readonly label: string;
  /** How the HTML/Markdown show a number: significant digits (default 4), or "int", or "percent". */
  readonly format?: "int" | "percent" | "text";
}

/** A table as the report shows it and as data/<id>.csv stores it. */
export interface Table {
  readonly id: string;
  readonly title: string;
  /** One sentence: what the table shows and how to read it. */
  readonly what: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Record_[];
}

/** Every JobMetrics key, in the contract's order: solvency, fairness, revenue. */
export const METRIC_KEYS: readonly (keyof JobMetrics)[] = [
  "total",
  "coverage",
  "shortfall",
  "overshoot",
  "overshootShare",
  "residualInsolvency",
  "touched",
  "touchedShare",
  "maxFraction",
  "giniOfFractions",
  "hhi",
  "top1Share",
  "ptsr",
  "pmr",
  "brittleness",
  "rankFlips",
  "gameability",
  "ltvRetained",
  "ltvLoss",
];

/** Code-unit order, independent of the machine's locale, so that reports are byte-stable. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Jobs in a stable order (job id), whatever order parallel workers finished them in. */
export function sortedJobs(jobs: readonly JobRow[]): JobRow[] {
  return [...jobs].sort((a, b) => byText(a.job, b.job));
}

/** Every mechanism named by any row, sorted (the colour of a mechanism is its place in this list). */
export function mechanismsOf(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(byText);
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return new Map([...groups].sort(([a], [b]) => byText(a, b)));
}

/** Per mechanism: the mean of every metric over the jobs that produced an allocation (nulls skipped), and mean solve time over all jobs. */
export function mechanismMeans(jobs: readonly JobRow[]): Table {
  const rows: Record_[] = [];
  for (const [mechanism, group] of groupBy(jobs, (job) => job.mechanism)) {
    const measured = group.filter((job) => job.metrics !== null);
    const row: Record<string, Cell> = {
      mechanism,
      kind: group[0]!.kind,
      jobs: group.length,
      withAllocation: measured.length,
      seconds: mean(group.map((job) => job.seconds)),
    };
    for (const key of METRIC_KEYS) {
      row[key] = mean(measured.map((job) => job.metrics![key]).filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
    }
    rows.push(row);
  }
  return {
    id: "mechanism-means",
    title: "Per-mechanism means of every metric",
    what: "Each metric averaged over the waves where the mechanism produced an allocation (infeasible and failed jobs are counted in jobs but not in the means; blank = never measured).",
    columns: [
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "kind", label: "kind", format: "text" },
      { key: "jobs", label: "jobs", format: "int" },
      { key: "withAllocation", label: "with allocation", format: "int" },
      ...METRIC_KEYS.map((key): Column => ({ key, label: key })),
      { key: "seconds", label: "seconds" },
    ],
    rows,
  };
}

/** Per frontier kind and mechanism: over all waves, the mean and worst distance to the exact curve and the share of waves where the curve dominates the mechanism. */
export function frontierDistances(frontier: readonly FrontierRow[]): Table {
  const placed: { frontier: string; mechanism: string; distance: number | null; dominated: boolean }[] = [];
  for (const row of frontier) for (const p of row.placements) placed.push({ frontier: row.frontier, mechanism: p.mechanism, distance: p.distance, dominated: p.dominated });
  const rows: Record_[] = [];
  for (const [, group] of groupBy(placed, (p) => `${p.frontier}\u0000${p.mechanism}`)) {
    const distances = group.map((p) => p.distance).filter((d): d is number => d !== null);
    rows.push({
      frontier: group[0]!.frontier,
      mechanism: group[0]!.mechanism,
      waves: group.length,
      meanDistance: mean(distances),
      maxDistance: distances.length ? Math.max(...distances) : null,
      dominatedShare: group.filter((p) => p.dominated).length / group.length,
    });
  }
  return {
    id: "frontier-distance",
    title: "Distance to the exact frontier",
    what: "Distance = the mechanism's objective minus the least achievable at the same constrained value (0 = on the Pareto curve); dominated share = share of waves where a frontier point is at least as good on both axes.",
    columns: [
      { key: "frontier", label: "frontier", format: "text" },
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "waves", label: "waves", format: "int" },
      { key: "meanDistance", label: "mean distance" },
      { key: "maxDistance", label: "max distance" },
      { key: "dominatedShare", label: "dominated", format: "percent" },
    ],
    rows,
  };
}

/**
 * Which promise broke on which wave: one row per (wave, model, sweep parameters, promise) with the
 * mechanisms judged against it, need and have in dollars and the shortfall need - have.
 */
export function brokenPromises(jobs: readonly JobRow[]): Table {
  const found = new Map<string, { wave: string; budgetShare: number; model: string; params: string; promise: string; need: number; have: number; mechanisms: Set<string> }>();
  for (const job of jobs) {
    const params = paramsText(job.params);
    for (const broken of job.certificate.broken) {
      const key = [job.wave, job.model, params, broken.promise].join("\u0000");
      const entry = found.get(key);
      if (entry) entry.mechanisms.add(job.mechanism);
      else found.set(key, { wave: job.wave, budgetShare: job.budgetShare, model: job.model, params, promise: broken.promise, need: broken.need, have: broken.have, mechanisms: new Set([job.mechanism]) });
    }
  }
  const rows = [...found.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([, e]): Record_ => ({
      wave: e.wave,
      budgetShare: e.budgetShare,
      model: e.model,
      params: e.params,
      mechanisms: [...e.mechanisms].sort(byText).join(", "),
      promise: e.promise,
      need: e.need,
      have: e.have,
      shortfall: e.need - e.have,
    }));
  return {
    id: "broken-promises",
    title: "Which promise broke on which wave",
    what: "From each job's certificate, computed before solving: the promise (capacity, alpha, profits-only, lots, maxAccounts, caps) that cannot be kept, what it needs (the budget B), what the wave has, and the shortfall in dollars.",
    columns: [
      { key: "wave", label: "wave", format: "text" },
      { key: "budgetShare", label: "B / Σc" },
      { key: "model", label: "model", format: "text" },
      { key: "params", label: "params", format: "text" },
      { key: "mechanisms", label: "mechanisms", format: "text" },
      { key: "promise", label: "promise", format: "text" },
      { key: "need", label: "need $" },
      { key: "have", label: "have $" },
      { key: "shortfall", label: "shortfall $" },
    ],
    rows,
  };
}

/** "alpha=0.5, maxAccounts=10" (keys sorted), or "" without parameters. */
export function paramsText(params: Readonly<Record<string, number>>): string {
  return Object.keys(params)
    .sort(byText)
    .map((key) => `${key}=${params[key]}`)
    .join(", ");
}

/**
 * Per mechanism: job statuses, the independent verifier's verdicts, and the violations a heuristic
 * does not declare it ignores (which must be none: each is a bug or a broken promise).
 */
export function verification(jobs: readonly JobRow[]): Table {
  const rows: Record_[] = [];
  for (const [mechanism, group] of groupBy(jobs, (job) => job.mechanism)) {
    const count = (status: JobRow["status"]): number => group.filter((job) => job.status === status).length;
    const verified = group.filter((job) => job.verified !== null);
    const unexpectedJobs = group.filter((job) => job.unexpected.length > 0);
    const unexpected = new Set(group.flatMap((job) => job.unexpected));
    const declared = new Set(group.flatMap((job) => (job.verified?.broken ?? []).filter((name) => !job.unexpected.includes(name))));
    const worst = verified.length ? Math.max(...verified.map((job) => job.verified!.worstViolation)) : null;
    rows.push({
      mechanism,
      kind: group[0]!.kind,
      jobs: group.length,
      optimal: count("optimal"),
      feasible: count("feasible"),
      heuristic: count("heuristic"),
      infeasible: count("infeasible"),
      error: count("error"),
      verifierOk: verified.filter((job) => job.verified!.ok).length,
      verifierFailed: verified.filter((job) => !job.verified!.ok).length,
      worstViolation: worst,
      unexpectedJobs: unexpectedJobs.length,
      unexpected: [...unexpected].sort(byText).join(", "),
      declaredBroken: [...declared].sort(byText).join(", "),
    });
  }
  return {
    id: "verification",
    title: "Statuses, verifier failures and unexpected violations",
    what: "Every allocation is re-checked by the independent verifier; 'declared' are constraints a heuristic says it ignores by design, 'unexpected' are broken promises it does not declare (must be empty).",
    columns: [
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "kind", label: "kind", format: "text" },
      { key: "jobs", label: "jobs", format: "int" },
      { key: "optimal", label: "optimal", format: "int" },
      { key: "feasible", label: "feasible", format: "int" },
      { key: "heuristic", label: "heuristic", format: "int" },
      { key: "infeasible", label: "infeasible", format: "int" },
      { key: "error", label: "error", format: "int" },
      { key: "verifierOk", label: "verifier ok", format: "int" },
      { key: "verifierFailed", label: "verifier failed", format: "int" },
      { key: "worstViolation", label: "worst violation" },
      { key: "unexpectedJobs", label: "jobs with unexpected", format: "int" },
      { key: "unexpected", label: "unexpected violations", format: "text" },
      { key: "declaredBroken", label: "declared (ignored by design)", format: "text" },
    ],
    rows,
  };
}

/**
 * Coverage a job achieved: its allocation's Σh / B, or for a wave its model's promises make
 * infeasible, the most any allocation under those promises covers, (B - shortfall) / B from the
 * certificate. Null for a failed job (no answer at all).
 */
export function achievedCoverage(job: JobRow): number | null {
  if (job.metrics !== null) return job.metrics.coverage;
  if (job.status === "infeasible" && job.budget > 0) return Math.max(0, job.budget - job.certificate.shortfall) / job.budget;
  return null;
}

/**
 * Per mechanism: the three legs of the trilemma. Solvency (coverage) is averaged over every wave the
 * mechanism was run on, an infeasible promise counting with what it could at best cover, so that a
 * promise that breaks is not hidden by leaving its waves out; fairness and revenue over the waves
 * it answered with an allocation.
 */
export function trilemma(jobs: readonly JobRow[]): Table {
  const rows: Record_[] = [];
  for (const [mechanism, group] of groupBy(jobs, (job) => job.mechanism)) {
    const measured = group.filter((job) => job.metrics !== null).map((job) => job.metrics!);
    const coverage = group.map(achievedCoverage).filter((c): c is number => c !== null);
    if (measured.length === 0) continue;
    rows.push({
      mechanism,
      waves: coverage.length,
      answered: measured.length,
      maxFraction: mean(measured.map((m) => m.maxFraction)),
      giniOfFractions: mean(measured.map((m) => m.giniOfFractions)),
      coverage: mean(coverage),
      shortfall: mean(measured.map((m) => m.shortfall)),
      ltvRetained: mean(measured.map((m) => m.ltvRetained)),
    });
  }
  return {
    id: "trilemma",
    title: "Trilemma: fairness, solvency, revenue",
    what: "Per mechanism: max haircut fraction and Gini (fairness, lower is fairer) and LTV retained (revenue) averaged over the waves it answered; coverage (solvency) over all its waves, a broken promise counting with the most it could cover; shortfall $ of its own allocations.",
    columns: [
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "waves", label: "waves", format: "int" },
      { key: "answered", label: "answered", format: "int" },
      { key: "maxFraction", label: "max fraction" },
      { key: "giniOfFractions", label: "Gini" },
      { key: "coverage", label: "coverage", format: "percent" },
      { key: "shortfall", label: "shortfall $" },
      { key: "ltvRetained", label: "LTV retained", format: "percent" },
    ],
    rows,
  };
}
