/**
 * The report's tables: plain rows computed from the run's rows, each number kept at full precision
 * (the CSV/JSON files carry them as they are; only the HTML/Markdown round them for reading).
 */
import type { FrontierRow, JobMetrics, JobRow } from "../../floor/records/row.js";

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

/**
 * Per frontier kind, region and mechanism: over the waves it was placed on, the mean, p50 and worst
 * distance to the exact curve of a region its allocation lies in (from proven points only, so never
 * negative), the share of waves where the curve dominates it, and any contradiction (a value below a
 * proven point: a bug, listed so it is never hidden).
 */
export function frontierDistances(frontier: readonly FrontierRow[]): Table {
  const placed: { frontier: string; region: string; mechanism: string; distance: number | null; dominated: boolean; below: boolean }[] = [];
  for (const row of frontier) {
    for (const p of row.placements) placed.push({ frontier: row.frontier, region: row.region ?? "", mechanism: p.mechanism, distance: p.distance, dominated: p.dominated, below: p.belowBy !== undefined });
  }
  const rows: Record_[] = [];
  for (const [, group] of groupBy(placed, (p) => `${p.frontier}\u0000${p.region}\u0000${p.mechanism}`)) {
    const distances = group.map((p) => p.distance).filter((d): d is number => d !== null).sort((a, b) => a - b);
    rows.push({
      frontier: group[0]!.frontier,
      region: group[0]!.region,
      mechanism: group[0]!.mechanism,
      waves: group.length,
      measured: distances.length,
      meanDistance: mean(distances),
      medianDistance: distances.length ? distances[Math.floor((distances.length - 1) / 2)]! : null,
      maxDistance: distances.length ? distances[distances.length - 1]! : null,
      dominatedShare: group.filter((p) => p.dominated).length / group.length,
      contradictions: group.filter((p) => p.below).length,
    });
  }
  return {
    id: "frontier-distance",
    title: "Distance to the exact frontier of each mechanism's own constraints",
    what: "Each mechanism is placed only against the curve of a feasible region its allocation lies in (its own eligibility, alpha, lots and ladder), so the distance (its value minus the least achievable at its own x, from proven points; 0 = on the curve) is never negative. 'measured' counts the waves with a proven point at its x; dominated = share of waves where a curve point is at least as good on both axes.",
    columns: [
      { key: "frontier", label: "frontier", format: "text" },
      { key: "region", label: "constraints", format: "text" },
      { key: "mechanism", label: "mechanism", format: "text" },
      { key: "waves", label: "waves", format: "int" },
      { key: "measured", label: "measured", format: "int" },
      { key: "meanDistance", label: "mean distance" },
      { key: "medianDistance", label: "p50 distance" },
      { key: "maxDistance", label: "worst distance" },
      { key: "dominatedShare", label: "dominated", format: "percent" },
      { key: "contradictions", label: "below the curve (bugs)", format: "int" },
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
 * How the verifier's verdict on one job reads (docs: src/heuristics/README.md):
 * - "ok": every constraint of the model kept;
 * - "over capacity": the wave's certificate says no allocation under the model's promises covers B,
 *   and the allocation falls short of B (it covers what it can) breaking nothing it does not declare;
 * - "declared": it breaks only constraints the rule declares it ignores by design (e.g. a queue and alpha);
 * - "failed": a constraint broken that the mechanism does not declare (a bug or a broken promise);
 * - null: no allocation to verify.
 */
export function verdictOf(job: JobRow): "ok" | "over capacity" | "declared" | "failed" | null {
  if (job.verified === null) return null;
  if (job.unexpected.length > 0) return "failed";
  if (job.verified.ok) return "ok";
  if (job.kind === "model") return "failed";
  if (!job.certificate.feasible && job.verified.broken.includes("coverage")) return "over capacity";
  return "declared";
}

/**
 * Per mechanism: job statuses and the independent verifier's verdicts, with a rule's declared
 * omissions read as what they are: "over capacity (by the certificate)" is a wave no allocation can
 * cover, where the rule covers what it can; "declared omissions" are constraints it ignores by
 * design; "verifier failed" is only a violation it does not declare (which must be none).
 */
export function verification(jobs: readonly JobRow[]): Table {
  const rows: Record_[] = [];
  for (const [mechanism, group] of groupBy(jobs, (job) => job.mechanism)) {
    const count = (status: JobRow["status"]): number => group.filter((job) => job.status === status).length;
    const verified = group.filter((job) => job.verified !== null);
    const verdicts = group.map(verdictOf);
    const unexpectedJobs = group.filter((job) => job.unexpected.length > 0);
    const unexpected = new Set(group.flatMap((job) => job.unexpected));
    // Coverage on a wave over capacity is the certificate's finding, not an omission of the rule.
    const declared = new Set(
      group.flatMap((job) => (job.verified?.broken ?? []).filter((name) => !job.unexpected.includes(name) && !(name === "coverage" && verdictOf(job) === "over capacity"))),
    );
    const over = verdicts.filter((v) => v === "over capacity").length;
    const omissions = verdicts.filter((v) => v === "declared").length;
    const failed = verdicts.filter((v) => v === "failed").length;
    const worst = verified.length ? Math.max(...verified.map((job) => job.verified!.worstViolation)) : null;
    const reading = [
      failed > 0 ? `verifier failed on ${failed}` : "",
      over > 0 ? `covers what it can; wave over capacity (${over})` : "",
      omissions > 0 ? `keeps only what it declares (${[...declared].sort(byText).join(", ")}) on ${omissions}` : "",
    ].filter((s) => s !== "");
    rows.push({
      mechanism,
      kind: group[0]!.kind,
      jobs: group.length,
      optimal: count("optimal"),
      feasible: count("feasible"),
      heuristic: count("heuristic"),
      infeasible: count("infeasible"),
      error: count("error"),
      verifierOk: verdicts.filter((v) => v === "ok").length,
      overCapacity: over,
      declaredOmissions: omissions,
      verifierFailed: failed,
      worstViolation: worst,
      unexpectedJobs: unexpectedJobs.length,
      unexpected: [...unexpected].sort(byText).join(", "),
      declaredBroken: [...declared].sort(byText).join(", "),
      reading: reading.length > 0 ? reading.join("; ") : verified.length > 0 ? "every allocation keeps every constraint" : "no allocation",
    });
  }
  return {
    id: "verification",
    title: "Statuses and the verifier's verdicts",
    what: "Every allocation is re-checked by the independent verifier. 'over capacity (by the certificate)': the wave's certificate proves no allocation under the model's promises covers B, and the rule covers what it can; 'declared omissions': it breaks only constraints the rule ignores by design (src/heuristics/README.md); 'verifier failed': a violation it does not declare (must be 0).",
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
      { key: "overCapacity", label: "over capacity (by the certificate)", format: "int" },
      { key: "declaredOmissions", label: "declared omissions", format: "int" },
      { key: "verifierFailed", label: "verifier failed", format: "int" },
      { key: "worstViolation", label: "worst violation" },
      { key: "unexpectedJobs", label: "jobs with unexpected", format: "int" },
      { key: "unexpected", label: "unexpected violations", format: "text" },
      { key: "declaredBroken", label: "declared (ignored by design)", format: "text" },
      { key: "reading", label: "reading", format: "text" },
    ],
    rows,
  };
}
