/**
 * Exposure: one account's haircut as a function of the wave's budget B, so that a trader can read,
 * before entering a position, the worst the mechanism can do to them as the deficit grows.
 *
 * Where the mechanism's structure gives a closed form (forms.ts) the curve is exact: its points are
 * the budgets where h_j(B) bends, and straight lines between them are the curve itself. That holds
 * for minmax without lots (capped water-filling: pro-rata, risk-weighted), a power cost without lots
 * (the KKT point is a water level), sparsity without lots (the L0 greedy is a queue by capacity), and
 * the heuristics with a fixed order (queues, the dYdX walk) or a water level (pro-rata presets,
 * risk-weighted). Every exact form is spot-checked against the mechanism itself before it is used
 * (a disagreement falls back to sampling and says so in `notes`), and test/exposure checks it
 * against solveWave / allocate at every breakpoint and between them.
 *
 * Everything else (lots, seniority ladders, lexicographic lists, user heuristics, hybrid buckets …)
 * is sampled: the wave is solved (or allocated) again at each budget of a grid. A budget the
 * mechanism cannot answer (infeasible, or a rule that cannot cover it) ends the curve, and `ended`
 * says where and why. Sampled curves need not be monotone: with lots an account's haircut can drop
 * as B grows (test/exposure documents a two-account example).
 *
 * Units: budgets and haircuts in dollars, fractions h_j / c_j (c_j the account's capacity as given),
 * slopes in dollars of haircut per dollar of budget.
 */
import type { Wave } from "../../domain.js";
import { UsageError, didYouMean } from "../../errors.js";
import { ruleBound } from "../../heuristics/bounds.js";
import { certify } from "../../pipeline/certificate/certificate.js";
import type { ClosedFormPlan } from "../../mechanism/closed-form.js";
import { formFirstTouched, formHaircut, formKinks, formSlope, type ExactForm } from "../../mechanism/forms.js";
import type { Mechanism, RunContext } from "../../mechanism/mechanism.js";
import type { SolveRequest } from "../../pipeline/solve/solve.js";
import { sumOf } from "../../floor/numeric/sum.js";
import { allowance, tolerance, touchTolerance } from "../../floor/numeric/tolerance.js";
import { DEFAULT_STEPS, checkBudgetRange, sampleBudgets, type BudgetRange } from "./range.js";

/** How the curve is computed: the budget axis, exact or sampled, and the solver settings for samples. */
export interface ExposureOptions {
  /**
   * The budget axis. Default: from 0 to everything the mechanism can take, in 100 steps: for the
   * model the certificate's `coverable` (the sum of the per-account bounds `upper`, tightened by
   * layers, lots and a limit on accounts), for a heuristic the sum of its own per-account bounds
   * (a queue ignores alpha, so it can take more). Exact curves use `from` and `to` and ignore
   * `steps`; sampled curves solve at every one of the steps + 1 budgets.
   */
  readonly budgets?: BudgetRange;
  /** "auto" (default): exact breakpoints where the structure allows, else sampled. "sampled": always sample (cross-checks, or a grid for a chart). */
  readonly method?: "auto" | "sampled";
  /** Passed to solveWave for each sampled budget of a model curve (backend, time limit, path). */
  readonly solve?: SolveRequest;
  /** A heuristic's seed (the dYdX walk's start); default 1. Ignored for an exact mechanism. */
  readonly seed?: number;
}

/** "exact-breakpoints": a closed form, points at its kinks (lines between them are exact). "sampled": the mechanism re-run at each budget of a grid. */
export type ExposureMethod = "exact-breakpoints" | "sampled";

/** One point of a curve: at budget B (dollars) the account pays `haircut` dollars, `fraction` = haircut / capacity. */
export interface ExposurePoint {
  readonly budget: number;
  readonly haircut: number;
  readonly fraction: number;
}

/** The largest value of something along the curve and where it happens; size 0 and atBudget null when it never happens. */
export interface CurveExtreme {
  readonly size: number;
  readonly atBudget: number | null;
}

/** What a trader reads off one account's curve. */
export interface ExposureSummary {
  readonly account: string;
  /** Row of the account in the wave. */
  readonly index: number;
  /** c_j, dollars (the denominator of every fraction; fraction 0 when c_j = 0). */
  readonly capacity: number;
  /** The largest haircut on the curve and the least budget where it is reached; null for an empty curve. */
  readonly worstCase: { readonly haircut: number; readonly fraction: number; readonly budget: number } | null;
  /**
   * The least budget above which the haircut exceeds the touch tolerance (dollars): exact curves give
   * the infimum (solved for on the curve), sampled curves the first sampled budget where it does.
   * null when the account is not touched anywhere on the curve.
   */
  readonly firstTouched: number | null;
  /**
   * SLOPE: the steepest dh/dB (dollars of haircut per dollar of budget, 1 = "every further dollar of
   * deficit is mine"), atBudget = where that steepest stretch starts. Exact curves: the true slope
   * of the steepest linear piece. Sampled curves: the largest difference quotient between consecutive
   * samples, which at a discontinuity is the jump divided by the step (it grows as the step shrinks).
   */
  readonly maxSlope: CurveExtreme;
  /**
   * JUMP: the largest rise of the haircut in dollars between consecutive points, atBudget = the
   * earlier of the two. Exact curves are continuous, so 0 / null. Sampled curves: an upper bound on
   * any discontinuity between those two budgets (for step functions such as lots, with fine enough
   * steps, the discontinuity itself).
   */
  readonly maxJump: CurveExtreme;
  /**
   * The largest fall of the haircut in dollars between consecutive points (beyond the touch
   * tolerance), atBudget = the earlier of the two: where the curve is not monotone. Exact curves are
   * monotone (0 / null); with lots a larger budget can take less from an account.
   */
  readonly maxDrop: CurveExtreme;
}

/** Where a curve stops short of the requested range, and why. */
export interface CurveEnd {
  /**
   * Sampled: the first budget that could not be answered (the curve's points stop before it).
   * Exact: the largest budget the mechanism can answer; every budget above it cannot be.
   */
  readonly budget: number;
  readonly reason: string;
}

/** One account's haircut as a function of the budget, with its summary. */
export interface ExposureCurve extends ExposureSummary {
  /** "model:<model name>" or "heuristic:<heuristic name>". */
  readonly mechanism: string;
  /** The heuristic's seed; null for the model. */
  readonly seed: number | null;
  readonly method: ExposureMethod;
  /** Exact: the closed form used ("water-filling", "greedy-l0", "queue" …). Sampled: what answered each budget (solveWave paths, or "allocate"). */
  readonly algorithm: string;
  /** The budget range asked for (dollars; steps matter only for sampled curves). */
  readonly range: BudgetRange;
  /** Dollars: the haircut above which an account counts as touched (the verifier's, at the range's top budget). */
  readonly touchTolerance: number;
  /** Ascending budgets. Exact: `from`, every kink, and the last budget answered; straight lines between them are exact. */
  readonly points: readonly ExposurePoint[];
  readonly ended: CurveEnd | null;
  /** Why the curve is sampled rather than exact, time limits hit, fallbacks taken. */
  readonly notes: readonly string[];
}

/** Every account's haircut at each sampled budget (one Float64Array over the accounts per budget). */
export interface SampledForm {
  readonly kind: "sampled";
  /** The budgets answered, ascending (dollars). */
  readonly budgets: Float64Array;
  /** haircut[k][j]: account j's haircut at budgets[k], dollars. */
  readonly haircut: readonly Float64Array[];
}

/**
 * Every account's curve at once, in a compact form: an exact form (O(n) numbers: every account's
 * curve shares the breakpoints) or the sampled haircuts (n numbers per budget). Read one account with
 * curveOf, a summary of all with exposureSummaries, values with exposureHaircut.
 */
export interface ExposureFamily {
  readonly mechanism: string;
  readonly seed: number | null;
  readonly method: ExposureMethod;
  readonly algorithm: string;
  readonly ids: readonly string[];
  /** c_j per account, dollars. */
  readonly capacity: Float64Array;
  readonly range: BudgetRange;
  /** The budgets actually answered: [range.from, answeredTo] (answeredTo < range.from: nothing answered). */
  readonly answeredTo: number;
  readonly touchTolerance: number;
  readonly ended: CurveEnd | null;
  readonly notes: readonly string[];
  readonly form: ExactForm | SampledForm;
}

/**
 * Account `accountIndex`'s exposure curve under `mechanism` (see the module comment).
 * Exact curves: O(n log n) for the shared breakpoints (one radix ranking) plus three spot-check
 * solves of the wave, O(n) each; points O(kinks of the account). Sampled curves: one solveWave (or
 * allocate) per budget, steps + 1 in all, keeping only this account's haircut.
 * Throws RangeError for an index outside the wave, UsageError for a bad range, and whatever the
 * mechanism throws (a heuristic's ModelError for a missing column).
 */
export async function exposureCurve(wave: Wave, accountIndex: number, mechanism: Mechanism, options: ExposureOptions = {}): Promise<ExposureCurve> {
  if (!(Number.isSafeInteger(accountIndex) && accountIndex >= 0 && accountIndex < wave.ids.length)) {
    throw new RangeError(`account index ${accountIndex} is outside the wave's ${wave.ids.length} accounts`);
  }
  const setup = await prepare(wave, mechanism, options);
  if (setup.exact) return curveOf(setup.exact, accountIndex);
  const values: number[] = [];
  const sampled = await sample(wave, mechanism, setup.range, options, (haircut) => values.push(haircut[accountIndex]!));
  const family = sampledFamily(wave, setup, sampled, []);
  const points = sampled.budgets.map((budget, k) => point(budget, values[k]!, wave.capacity[accountIndex]!));
  return { ...curveMeta(family), ...summarizePoints(family, accountIndex, points), points };
}

/**
 * Every account's exposure under `mechanism`, compactly (see ExposureFamily): the CLI's `--all`.
 * Exact: O(n log n) in all (one ranking; the curves share breakpoints) plus three O(n) spot checks.
 * Sampled: steps + 1 solves, keeping n haircuts per budget (memory 8 n (steps + 1) bytes).
 */
export async function exposureFamily(wave: Wave, mechanism: Mechanism, options: ExposureOptions = {}): Promise<ExposureFamily> {
  const setup = await prepare(wave, mechanism, options);
  if (setup.exact) return setup.exact;
  const kept: Float64Array[] = [];
  const sampled = await sample(wave, mechanism, setup.range, options, (haircut) => kept.push(Float64Array.from(haircut)));
  return sampledFamily(wave, setup, sampled, kept);
}

/**
 * One account's curve out of a family. Exact families: the account's kinks within the answered
 * range, O(log n + kinks). Sampled: its haircut at each budget, O(budgets).
 */
export function curveOf(family: ExposureFamily, accountIndex: number): ExposureCurve {
  if (!(Number.isSafeInteger(accountIndex) && accountIndex >= 0 && accountIndex < family.ids.length)) {
    throw new RangeError(`account index ${accountIndex} is outside the family's ${family.ids.length} accounts`);
  }
  const capacity = family.capacity[accountIndex]!;
  const form = family.form;
  let points: ExposurePoint[];
  if (form.kind === "sampled") points = sampledPoints(family, form, accountIndex);
  else {
    const from = family.range.from;
    const top = family.answeredTo;
    const budgets = top < from ? [] : top === from ? [from] : [from, ...formKinks(form, accountIndex, from, top), top];
    points = budgets.map((budget) => point(budget, formHaircut(form, accountIndex, budget), capacity));
  }
  return { ...curveMeta(family), ...summaryOf(family, accountIndex, points), points };
}

/**
 * Account j's haircut in dollars at budget B. Exact families: any B from 0 to answeredTo (the form
 * holds below `range.from` too), O(log n). Sampled families: B must be one of the sampled budgets,
 * O(budgets). Anything else is a RangeError: between samples, or above what the mechanism answers,
 * the haircut is not known.
 */
export function exposureHaircut(family: ExposureFamily, accountIndex: number, budget: number): number {
  const form = family.form;
  if (form.kind !== "sampled") {
    if (!(budget >= 0 && budget <= family.answeredTo)) throw new RangeError(`budget ${budget} is outside the answered range [0, ${family.answeredTo}]`);
    return formHaircut(form, accountIndex, budget);
  }
  const k = form.budgets.indexOf(budget);
  if (k < 0) throw new RangeError(`budget ${budget} was not sampled; sampled budgets run from ${form.budgets[0]} to ${form.budgets[form.budgets.length - 1]}`);
  return form.haircut[k]![accountIndex]!;
}

/**
 * Every account's summary (worst case, first touched, steepest slope, largest jump and drop), in
 * account order. Exact families: O(log n) per account, O(n log n) in all, without listing any
 * account's points. Sampled: O(budgets) per account.
 */
export function exposureSummaries(family: ExposureFamily): ExposureSummary[] {
  const summaries: ExposureSummary[] = [];
  for (let j = 0; j < family.ids.length; j++) {
    summaries.push(summaryOf(family, j, family.form.kind === "sampled" ? sampledPoints(family, family.form, j) : undefined));
  }
  return summaries;
}

/**
 * The row of account `id` in the wave, or a UsageError naming it with a did-you-mean: what the CLI's
 * `--account ID` needs. O(n).
 */
export function accountIndexOf(wave: Wave, id: string): number {
  const index = wave.ids.indexOf(id);
  if (index >= 0) return index;
  const near = wave.ids.length <= 100_000 ? didYouMean(id, wave.ids) : undefined;
  throw new UsageError(
    { path: "--account" },
    `the id of one of the wave's ${wave.ids.length.toLocaleString("en-US")} accounts`,
    JSON.stringify(id),
    near === undefined ? undefined : `did you mean ${JSON.stringify(near)}?`,
  );
}

/** The label of a mechanism in curves and files: "model:<name>" or "heuristic:<name>". O(1). */
export function mechanismLabel(wave: Wave, mechanism: Mechanism): string {
  return mechanism.kind === "exact" ? `model:${wave.model.name}` : `heuristic:${mechanism.name}`;
}

// ---------------------------------------------------------------------------------------------
// Planning: exact form or sampling
// ---------------------------------------------------------------------------------------------

interface Setup {
  readonly range: BudgetRange;
  readonly mechanism: string;
  readonly seed: number | null;
  readonly tolerance: number;
  readonly notes: string[];
  readonly exact?: ExposureFamily;
}

async function prepare(wave: Wave, mechanism: Mechanism, options: ExposureOptions): Promise<Setup> {
  const label = mechanismLabel(wave, mechanism);
  const seed = mechanism.kind === "heuristic" ? (options.seed ?? 1) : null;
  const range = checkBudgetRange(options.budgets ?? { from: 0, to: defaultTop(wave, mechanism), steps: DEFAULT_STEPS });
  // One tolerance for the whole curve, the verifier's at the largest budget (it grows with B).
  const tol = touchTolerance({ ...wave, budget: range.to });
  const notes: string[] = [];
  const base = { range, mechanism: label, seed, tolerance: tol, notes };
  if (options.method === "sampled") {
    notes.push("sampled on request");
    return base;
  }
  const plan = mechanism.closedForm?.(wave, { seed: seed ?? 1 }) ?? `${mechanism.name} (it declares no closed form)`;
  if (typeof plan === "string") {
    notes.push(`sampled: no closed form for ${plan}`);
    return base;
  }
  const slack = allowance(tolerance({ ...wave, budget: range.to }), range.to);
  if (plan.leavesForm !== undefined && range.to > plan.domainEnd + slack) {
    notes.push(`sampled: ${plan.leavesForm}`);
    return base;
  }
  const disagreement = await spotCheck(wave, mechanism, plan, seed ?? 1);
  if (disagreement !== undefined) {
    notes.push(`sampled: the closed form (${plan.algorithm}) disagreed with the mechanism itself: ${disagreement}`);
    return base;
  }
  const beyond = range.to > plan.domainEnd + slack;
  const exact: ExposureFamily = {
    mechanism: label,
    seed,
    method: "exact-breakpoints",
    algorithm: plan.algorithm,
    ids: wave.ids,
    capacity: wave.capacity,
    range,
    answeredTo: Math.min(range.to, plan.domainEnd),
    touchTolerance: tol,
    ended: beyond ? { budget: plan.domainEnd, reason: `every budget above ${plan.domainEnd} is out of reach: ${plan.beyond}` } : null,
    notes,
    form: plan.form,
  };
  return { ...base, exact };
}

/** Everything the mechanism can take: the certificate's coverable amount for the model, the sum of the rule's bounds for a heuristic. O(n). */
function defaultTop(wave: Wave, mechanism: Mechanism): number {
  if (mechanism.rule === undefined) return certify({ ...wave, budget: 0 }).coverable;
  return sumOf(ruleBound(wave, mechanism.rule.ignores));
}

/** Budgets (as shares of the form's domain) where the form is checked against the mechanism: two inside, the end. */
const CHECK_SHARES = [0.381966, 0.618034, 1];

/**
 * Runs the mechanism itself at a few budgets and compares every account's haircut with the form
 * (to the verifier's tolerance): a closed form that a future change of an algorithm made wrong is
 * caught here instead of being reported as exact. For the model, the answer must also come from
 * the dedicated path the form describes. Returns a description of the first disagreement. O(n) per
 * budget plus the mechanism's own cost.
 */
async function spotCheck(wave: Wave, mechanism: Mechanism, plan: ClosedFormPlan, seed: number): Promise<string | undefined> {
  if (!(plan.domainEnd > 0)) return undefined;
  for (const share of CHECK_SHARES) {
    const budget = plan.domainEnd * share;
    const at: Wave = { ...wave, budget };
    const outcome = await mechanism.run(at, { seed, solve: { path: "auto" } });
    if (mechanism.kind === "exact" && (outcome.status !== "optimal" || outcome.allocation === undefined || !outcome.path.startsWith("dedicated:"))) {
      return `at B = ${budget} solveWave answered ${outcome.status} by ${outcome.path}, not by a dedicated algorithm`;
    }
    if (outcome.allocation === undefined) return `at B = ${budget} ${mechanism.name} gave no allocation (${outcome.status})`;
    const haircut = outcome.allocation.haircut;
    const slack = allowance(tolerance(at), budget);
    for (let j = 0; j < haircut.length; j++) {
      const expected = formHaircut(plan.form, j, budget);
      if (!(Math.abs(expected - haircut[j]!) <= slack)) {
        return `at B = ${budget} account ${JSON.stringify(wave.ids[j])} pays ${haircut[j]}, the form says ${expected}`;
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Sampling
// ---------------------------------------------------------------------------------------------

interface Sampled {
  readonly budgets: number[];
  readonly ended: CurveEnd | null;
  readonly algorithm: string;
  readonly notes: string[];
}

/**
 * Answers the mechanism at each budget of the range in turn, handing each haircut vector to `keep`,
 * until a budget cannot be answered: the model's solve is infeasible or fails, or a heuristic cannot
 * cover the budget (its sum falls short by more than the verifier's tolerance).
 */
async function sample(wave: Wave, mechanism: Mechanism, range: BudgetRange, options: ExposureOptions, keep: (haircut: Float64Array) => void): Promise<Sampled> {
  const budgets: number[] = [];
  const paths = new Set<string>();
  const notes: string[] = [];
  let limited = 0;
  let ended: CurveEnd | null = null;
  const context: RunContext = { seed: options.seed ?? 1, solve: options.solve ?? {} };
  for (const budget of sampleBudgets(range)) {
    const at: Wave = { ...wave, budget };
    const outcome = await mechanism.run(at, context);
    const haircut = outcome.allocation?.haircut;
    if (mechanism.kind === "exact") {
      if (outcome.status === "infeasible" || outcome.status === "error" || haircut === undefined) {
        const why = outcome.message ?? outcome.status;
        ended = { budget, reason: outcome.status === "infeasible" ? `infeasible at this budget: ${why}` : `the solve failed at this budget: ${why}` };
        break;
      }
      if (outcome.status === "feasible") limited++;
      paths.add(outcome.path);
    } else {
      const covered = haircut === undefined ? 0 : sumOf(haircut);
      if (haircut === undefined || budget - covered > allowance(tolerance(at), budget)) {
        ended = { budget, reason: `${mechanism.name} covers only ${covered} of this budget` };
        break;
      }
      paths.add("allocate");
    }
    budgets.push(budget);
    keep(haircut);
  }
  if (limited > 0) notes.push(`${limited} budget(s) stopped at a solver limit: the incumbent is shown, optimality not proven there`);
  return { budgets, ended, algorithm: [...paths].join(", ") || "none", notes };
}

function sampledFamily(wave: Wave, setup: Setup, sampled: Sampled, kept: Float64Array[]): ExposureFamily {
  const budgets = Float64Array.from(sampled.budgets);
  return {
    mechanism: setup.mechanism,
    seed: setup.seed,
    method: "sampled",
    algorithm: sampled.algorithm,
    ids: wave.ids,
    capacity: wave.capacity,
    range: setup.range,
    answeredTo: budgets.length > 0 ? budgets[budgets.length - 1]! : -Infinity,
    touchTolerance: setup.tolerance,
    ended: sampled.ended,
    notes: [...setup.notes, ...sampled.notes],
    form: { kind: "sampled", budgets, haircut: kept },
  };
}

// ---------------------------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------------------------

type CurveMeta = Pick<ExposureCurve, "mechanism" | "seed" | "method" | "algorithm" | "range" | "touchTolerance" | "ended" | "notes">;

function curveMeta(family: ExposureFamily): CurveMeta {
  return {
    mechanism: family.mechanism,
    seed: family.seed,
    method: family.method,
    algorithm: family.algorithm,
    range: family.range,
    touchTolerance: family.touchTolerance,
    ended: family.ended,
    notes: family.notes,
  };
}

function sampledPoints(family: ExposureFamily, form: SampledForm, j: number): ExposurePoint[] {
  return Array.from(form.budgets, (budget, k) => point(budget, form.haircut[k]![j]!, family.capacity[j]!));
}

function point(budget: number, haircut: number, capacity: number): ExposurePoint {
  return { budget, haircut, fraction: capacity > 0 ? haircut / capacity : 0 };
}

/** Exact families read the summary off the form (O(log n)); sampled ones off the points. */
function summaryOf(family: ExposureFamily, j: number, points: readonly ExposurePoint[] | undefined): ExposureSummary {
  const form = family.form;
  if (form.kind === "sampled") return summarizePoints(family, j, points ?? []);
  const capacity = family.capacity[j]!;
  const from = family.range.from;
  const top = family.answeredTo;
  const account = family.ids[j]!;
  if (top < from) return { account, index: j, capacity, worstCase: null, firstTouched: null, maxSlope: NONE, maxJump: NONE, maxDrop: NONE };
  // Monotone: the worst case is at the top; reported at the least budget that reaches it.
  const worst = formHaircut(form, j, top);
  let at = top;
  if (!(worst > formHaircut(form, j, from))) at = from;
  else if (worst >= form.bound[j]!) at = Math.max(from, form.kind === "ramp" ? (form.offset[j]! + form.bound[j]!) / form.rate[j]! : form.saturation[j]!);
  return {
    account,
    index: j,
    capacity,
    worstCase: point(at, worst, capacity),
    firstTouched: formFirstTouched(form, j, from, top, family.touchTolerance),
    maxSlope: formSlope(form, j, from, top),
    // Exact forms are continuous and monotone.
    maxJump: NONE,
    maxDrop: NONE,
  };
}

const NONE: CurveExtreme = Object.freeze({ size: 0, atBudget: null });

/** The summary of sampled points: every quantity read off consecutive samples (see ExposureSummary). O(points). */
function summarizePoints(family: ExposureFamily, j: number, points: readonly ExposurePoint[]): ExposureSummary {
  const tol = family.touchTolerance;
  let worst: ExposurePoint | null = null;
  let firstTouched: number | null = null;
  let slope = { size: 0, atBudget: null as number | null };
  let jump = { size: 0, atBudget: null as number | null };
  let drop = { size: 0, atBudget: null as number | null };
  for (let k = 0; k < points.length; k++) {
    const p = points[k]!;
    if (worst === null || p.haircut > worst.haircut) worst = p;
    if (firstTouched === null && p.haircut > tol) firstTouched = p.budget;
    if (k === 0) continue;
    const q = points[k - 1]!;
    const rise = p.haircut - q.haircut;
    const run = p.budget - q.budget;
    if (rise > jump.size) jump = { size: rise, atBudget: q.budget };
    if (run > 0 && rise > 0 && rise / run > slope.size) slope = { size: rise / run, atBudget: q.budget };
    if (-rise > tol && -rise > drop.size) drop = { size: -rise, atBudget: q.budget };
  }
  return {
    account: family.ids[j]!,
    index: j,
    capacity: family.capacity[j]!,
    worstCase: worst === null ? null : { haircut: worst.haircut, fraction: worst.fraction, budget: worst.budget },
    firstTouched,
    maxSlope: slope,
    maxJump: jump,
    maxDrop: drop,
  };
}
