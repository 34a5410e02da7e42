/**
 * The workbench against the brute-force oracle on one tiny wave: shared by the differential tests
 * (test/oracle/*.test.ts), the fuzz family (test/hardening/families.ts) and scripts/fuzz.ts.
 *
 * For one route (the dedicated path, or the MIP path on one backend with no fallback), a
 * disagreement is any of:
 *  - status: feasible per the oracle but answered infeasible/error, or the reverse;
 *  - allocation: the solver's allocation breaks a promise by the oracle's exact judgement;
 *  - answer: the executable answer (the `--json` allocation list) breaks a promise, or its total is not
 *    the sum of the list;
 *  - optimality: a stage's value (the oracle's own evaluation of the allocation; exact with lots) differs
 *    from the exact optimum by more than the stage's tolerance (`stageTolerance`), for an "optimal" answer;
 *    better than the optimum for any answer;
 *  - reported: the answer's objective vector disagrees with the oracle's evaluation of its own allocation;
 *  - leximin: the dedicated min-max answer is not the unique leximin allocation;
 *  - partial: an infeasible wave's answer is not the best partial allocation (all that the promises
 *    allow, DESIGN/issue 10);
 *  - backend: the backend failed every attempt (no fallback on these routes), a failure, not a wrong answer;
 *  - verdict: the verifier's verdict on an allocation differs from the oracle's (test/oracle/hostile.ts).
 */
import type { Allocation, Wave } from "../../src/domain.js";
import { SolverError, WorkbenchError } from "../../src/errors.js";
import { toAnswer } from "../../src/pipeline/solve/answer.js";
import { solveWave, type SolveResult } from "../../src/pipeline/solve/solve.js";
import type { BackendName } from "../../src/pipeline/backends/backend.js";
import { judgeAllocation, oracleObjectives, oracleOptimum, LOOSE, LOOSE_ABS, TIGHT, type Optimum, type StageValue } from "./oracle.js";
import { q } from "./rational.js";

export interface Route {
  readonly name: string;
  readonly path: "dedicated" | "mip" | "auto";
  readonly backend?: BackendName;
}

export const ROUTES: Readonly<Record<string, Route>> = {
  dedicated: { name: "dedicated", path: "dedicated" },
  highs: { name: "highs", path: "mip", backend: "highs" },
  glpk: { name: "glpk", path: "mip", backend: "glpk" },
  jslp: { name: "jslp", path: "mip", backend: "jslp" },
  auto: { name: "auto", path: "auto" },
};

/** Per solve: a tiny wave that takes longer has hit a solver limit (status feasible, judged as such). */
const TIME_LIMIT_SECONDS = 20;

export type DisagreementKind = "status" | "allocation" | "answer" | "optimality" | "reported" | "leximin" | "partial" | "backend" | "verdict";

export interface Disagreement {
  readonly kind: DisagreementKind;
  readonly detail: string;
  /** How far a promise is broken, in dollars, when the disagreement is about one (for knownBug). */
  readonly amount?: number;
}

export interface Comparison {
  readonly route: string;
  /** false: the route does not cover this wave (no dedicated algorithm for it). */
  readonly covered: boolean;
  readonly optimum: Optimum;
  readonly result?: SolveResult;
  readonly disagreements: readonly Disagreement[];
}

/**
 * The tolerance of one stage: relative 1e-7 of the quantity, with a floor in the stage's own unit
 * (money stages: 1e-7 of the budget; ratios and convex sums: 1e-12). Counts compare exactly; a lots
 * wave's stages (evaluated from the lots in rationals) to 1e-12, the rounding of one double.
 */
export function stageTolerance(name: string, optimum: number, wave: Wave): number {
  if (name === "sparsity") return 0;
  const money = name.startsWith("layer:") || name === "overshoot";
  // Lots: exact up to the rounding of one double ratio or sum (v q / s, sum v q - B).
  const relative = wave.positions ? TIGHT : 1e-7;
  return relative * Math.abs(optimum) + (money ? relative * Math.abs(wave.budget) + (wave.positions ? 0 : 1e-9) : 1e-12);
}

function differs(got: StageValue, want: StageValue, tolerance: number): number {
  if (tolerance === 0 && got.exact && want.exact) return got.exact.cmp(want.exact);
  const d = got.approx - want.approx;
  return d > tolerance ? 1 : d < -tolerance ? -1 : 0;
}

/** got above want at all: exactly when both are rationals, else beyond the rounding of one double. */
function exceeds(got: StageValue, want: StageValue): boolean {
  if (got.exact && want.exact) return got.exact.cmp(want.exact) > 0;
  return got.approx > want.approx + 4 * Number.EPSILON * Math.abs(want.approx);
}

const fmt = (v: StageValue): string => (v.exact && v.exact.d < 10n ** 12n ? `${v.approx} (${v.exact.toString()})` : String(v.approx));

/** The haircut vector that the answer's allocation list says (what a venue executes). */
export function listedAllocation(wave: Wave, result: SolveResult): { allocation: Allocation; total: number; listed: number } | undefined {
  if (!result.allocation) return undefined;
  const answer = toAnswer(wave, result);
  const index = new Map(wave.ids.map((id, i) => [id, i]));
  const haircut = new Float64Array(wave.ids.length);
  let listed = 0;
  for (const row of answer.allocation) {
    haircut[index.get(row.id)!] = row.haircut;
    listed += row.haircut;
  }
  const layers = wave.layers && result.allocation.layers ? result.allocation.layers.map((layer) => layer.map((x, i) => (haircut[i] === 0 ? 0 : x))) : undefined;
  const lots = wave.positions && result.allocation.lots ? result.allocation.lots.map((k, p) => (haircut[wave.positions!.account[p]!] === 0 ? 0 : k)) : undefined;
  return { allocation: { haircut, ...(layers ? { layers } : {}), ...(lots ? { lots: Int32Array.from(lots) } : {}) }, total: answer.total, listed };
}

/** Solves `wave` by `route` and lists every disagreement with the oracle (see the module comment). */
export async function compareWithOracle(wave: Wave, route: Route, optimum: Optimum = oracleOptimum(wave)): Promise<Comparison> {
  let result: SolveResult;
  try {
    result = await solveWave(wave, { path: route.path, timeLimitSeconds: TIME_LIMIT_SECONDS, ...(route.backend ? { backend: route.backend, fallbacks: [] } : {}) });
  } catch (error) {
    if (route.path === "dedicated" && error instanceof WorkbenchError && /--path/.test(error.message)) return { route: route.name, covered: false, optimum, disagreements: [] };
    if (error instanceof SolverError) {
      // Every attempt of a backend (no fallback here) was caught returning garbage or failing: not a wrong answer.
      return { route: route.name, covered: true, optimum, disagreements: [{ kind: "backend", detail: error.message.slice(0, 500) }] };
    }
    return { route: route.name, covered: true, optimum, disagreements: [{ kind: "status", detail: `threw ${error instanceof Error ? error.message : String(error)}` }] };
  }
  return { route: route.name, covered: true, optimum, result, disagreements: judgeResult(wave, result, optimum) };
}

/** Every disagreement between a solve result on `wave` and the oracle's optimum (see the module comment). */
export function judgeResult(wave: Wave, result: SolveResult, optimum: Optimum = oracleOptimum(wave)): Disagreement[] {
  const found: Disagreement[] = [];
  const say = (kind: DisagreementKind, detail: string, amount?: number): void => void found.push({ kind, detail, ...(amount !== undefined ? { amount } : {}) });
  const solved = result.status === "optimal" || result.status === "feasible";
  const names = optimum.stages;

  // Infeasible in exact arithmetic by a rounding (B = the capacities summed in doubles; ten lots of 0.1
  // against a cap of 1; alpha = 0.9999999999999983 with B = 16.000000001 against lots worth 16): either answer is right.
  const relaxed = !optimum.feasible ? oracleOptimum(wave, { relaxed: true }) : undefined;
  if (relaxed && (marginal(wave, optimum) || relaxed.feasible || marginal(wave, relaxed))) {
    if (solved) {
      // Coverage against what the promises allow; the ladder is not judged (its least senior totals are for a B that cannot be met exactly).
      const judged = judgeAllocation({ ...wave, budget: Math.min(wave.budget, (relaxed.feasible ? relaxed.maxCoverage : optimum.maxCoverage).toNumber()) }, result.allocation!, optimum);
      if (judged.verdict === "infeasible") say("allocation", `the ${result.path} allocation breaks ${describeFindings(judged.findings)}`, worstBroken(judged.findings));
    }
    return found;
  }
  if (!optimum.feasible) {
    if (solved) say("status", `answered ${result.status} on a wave the oracle proves infeasible (the most the promises allow: ${optimum.maxCoverage.toNumber()} < B = ${wave.budget})`, wave.budget - optimum.maxCoverage.toNumber());
    checkPartial(wave, result, optimum, say);
    return found;
  }
  if (!solved && result.status === "error") {
    // "error" claims nothing (no backend, fallbacks off here, could give an answer the checks accept): a caught failure.
    say("backend", `answered error on a feasible wave (${result.message ?? ""})`.slice(0, 500));
    return found;
  }
  if (!solved) {
    say("status", `answered ${result.status} (${result.message ?? ""}) on a feasible wave; optimum ${names.map((n, s) => `${n} = ${fmt(optimum.values[s]!)}`).join(", ")}`);
    return found;
  }
  const allocation = result.allocation!;
  const judged = judgeAllocation(wave, allocation, optimum);
  if (judged.verdict === "infeasible") say("allocation", `the ${result.path} allocation breaks ${describeFindings(judged.findings)}`, worstBroken(judged.findings));

  const listed = listedAllocation(wave, result)!;
  const listedJudgement = judgeAllocation(wave, listed.allocation, optimum);
  if (listedJudgement.verdict === "infeasible" && judged.verdict !== "infeasible") say("answer", `the answer's allocation list breaks ${describeFindings(listedJudgement.findings)}`, worstBroken(listedJudgement.findings));
  if (Math.abs(listed.listed - listed.total) > LOOSE * Math.abs(listed.total) + LOOSE_ABS) say("answer", `the answer's total ${listed.total} is not the sum of its allocation list ${listed.listed}`);

  const got = oracleObjectives(wave, allocation);
  // A later stage may beat the exact optimum by as much as an earlier stage's fixing slack gives it
  // (the model's stageTolerance): only below-optimum values after exact earlier stages disagree.
  let slackUsed = false;
  for (let s = 0; s < names.length; s++) {
    const want = optimum.values[s]!;
    const report = result.stages.find((stage) => stage.name === names[s]);
    const tolerance = stageTolerance(names[s]!, want.approx, wave);
    const c = differs(got[s]!, want, tolerance);
    if (report?.errorBound !== undefined) {
      // A tangent-approximated smooth phi: the true value may exceed the optimum by the reported error bound.
      if (c < 0 || got[s]!.approx > want.approx + report.errorBound + tolerance) say("optimality", `${names[s]} = ${got[s]!.approx} outside [optimum ${want.approx}, + error bound ${report.errorBound}]`);
      break;
    }
    if (c < 0 && !slackUsed) {
      // Below the exact optimum: right if the optimum with every row kept only within rounding (caps
      // and B moved by 1e-12 of themselves) allows it: ten lots of 0.1 against a cap of 1; B = 1e15 + 14
      // covered but for 10 dollars, so that the two small accounts with the highest ratio give nothing.
      const relaxedOptimum = oracleOptimum(wave, { relaxed: true });
      if (relaxedOptimum.feasible && differs(got[s]!, relaxedOptimum.values[s]!, tolerance) >= 0) break;
    }
    // Below the optimum on an allocation that keeps its rows only within rounding (a B of 1e-31 left
    // uncovered, a cap exceeded by one ulp) is not a definite disagreement.
    if (c < 0 && !slackUsed && judged.verdict === "feasible") {
      say("optimality", `${names[s]} = ${fmt(got[s]!)} is below the exact optimum ${fmt(want)} (${result.status}, ${result.path}; allocation ${judged.verdict})`);
      break;
    }
    if (c < 0) break;
    // Any excess over the exact optimum, within the stage's tolerance (else c > 0 below), is slack
    // the model's lexicographic rule (stages fixed at z* within stageTolerance) lets a later stage
    // trade: seen at B = 2e14, $30 of principal above its least (1.4e-13 of it) let min-max drop
    // from 1.5 to 0.07. Only a later stage below its optimum after exact earlier stages disagrees.
    if (exceeds(got[s]!, want)) slackUsed = true;
    if (c > 0) {
      if (result.status === "optimal") say("optimality", `${names[s]} = ${fmt(got[s]!)} but the exact optimum is ${fmt(want)} (answered optimal by ${result.path})`);
      break;
    }
  }
  for (let s = 0; s < names.length; s++) {
    const reported = result.objective[s];
    if (reported === undefined) continue;
    const mine = got[s]!;
    // Reported values are doubles computed from the doubles of the allocation: a float tolerance, lots or not.
    const tolerance = names[s] === "sparsity" ? 0 : stageTolerance(names[s]!, mine.approx, { ...wave, positions: undefined });
    if (Math.abs(reported - mine.approx) > tolerance) say("reported", `${names[s]}: the answer reports ${reported}, its own allocation gives ${fmt(mine)}`);
  }
  const only = wave.objectives.length === 1 ? wave.objectives[0]! : undefined;
  if (result.path.startsWith("dedicated:") && only?.kind === "minmax" && !wave.positions && optimum.unique && optimum.haircut) {
    optimum.haircut.forEach((want, i) => {
      const h = allocation.haircut[i]!;
      const c = wave.capacity[i]!;
      if (Math.abs(h - want.toNumber()) > LOOSE * c + LOOSE_ABS) say("leximin", `account ${wave.ids[i]}: haircut ${h}, the leximin allocation has ${want.toNumber()}`);
    });
  }
  return found;
}

/** B above the most the promises allow by no more than rounding (the ambiguous band of the coverage row). */
export function marginal(wave: Wave, optimum: Optimum): boolean {
  const short = q(wave.budget).sub(optimum.maxCoverage).toNumber();
  return short <= LOOSE * Math.abs(wave.budget) + LOOSE_ABS;
}

/**
 * An infeasible wave still gets an allocation: the most its promises allow (maxCoverage, to the
 * money tolerance), keeping every promise but coverage.
 */
function checkPartial(wave: Wave, result: SolveResult, optimum: Optimum, say: (kind: DisagreementKind, detail: string) => void): void {
  // solveWave returns an infeasible wave's best partial allocation beside the certificate.
  const allocation = result.allocation ?? result.partial?.allocation;
  if (!allocation || allocation.haircut.every((h) => h === 0) !== optimum.maxCoverage.isZero()) {
    say("partial", `an infeasible wave answered with ${allocation ? "an empty" : "no"} allocation; the promises allow taking ${optimum.maxCoverage.toNumber()} of B = ${wave.budget}`);
    return;
  }
  const relaxed: Wave = { ...wave, budget: optimum.maxCoverage.toNumber(), model: { ...wave.model, coverage: "atLeast" } };
  const judged = judgeAllocation(relaxed, allocation);
  if (judged.verdict === "infeasible") say("partial", `the partial allocation breaks ${describeFindings(judged.findings)} (coverage judged against the most the promises allow, ${optimum.maxCoverage.toNumber()})`);
}

/** The largest amount in dollars by which a finding breaks its promise (lot counts and shapes left out). */
export function worstBroken(findings: readonly { promise: string; band: string; amount: number }[]): number {
  return Math.max(0, ...findings.filter((f) => f.band === "broken" && !["lot-integrality", "lot-bounds", "shape", "finite"].includes(f.promise)).map((f) => f.amount));
}

function describeFindings(findings: readonly { promise: string; account?: string; band: string; amount: number }[]): string {
  const broken = findings.filter((f) => f.band === "broken");
  return broken
    .slice(0, 4)
    .map((f) => `${f.promise}${f.account !== undefined ? ` (${f.account})` : ""} by ${f.amount}`)
    .join(", ") + (broken.length > 4 ? ` and ${broken.length - 4} more` : "");
}

/** A wave as plain data, for a reproducer in a report. */
export function describeWave(wave: Wave): Record<string, unknown> {
  const objectives = wave.objectives.map((o) =>
    o.kind === "minmax" ? { kind: o.kind, scale: Array.from(o.scale) } : o.kind === "convex" ? { kind: o.kind, phi: o.phi, weight: Array.from(o.weight) } : { kind: o.kind },
  );
  return {
    budget: wave.budget,
    capacity: Array.from(wave.capacity),
    ...(wave.eligible.some((e) => e === 0) ? { eligible: Array.from(wave.eligible) } : {}),
    objectives,
    ...(wave.model.coverage === "exact" ? { coverage: "exact" } : {}),
    ...(wave.model.alpha !== undefined ? { alpha: wave.model.alpha } : {}),
    ...(wave.model.maxAccounts !== undefined ? { maxAccounts: wave.model.maxAccounts } : {}),
    ...(wave.layers ? { layers: { names: wave.layers.names, capacity: wave.layers.capacity.map((l) => Array.from(l)) } } : {}),
    ...(wave.positions ? { positions: { account: Array.from(wave.positions.account), lotValue: Array.from(wave.positions.lotValue), maxLots: Array.from(wave.positions.maxLots) } } : {}),
  };
}

/**
 * The bug of issue 10 a disagreement is known to come from, or undefined (then it is new):
 *  - "tolerance-largest-account": the broken amount is within today's allowance 1e-9 * max(1, B, max c_i)
 *    (twice it, for a row's relative part), or, for a disagreement without an amount, that allowance
 *    exceeds 1e-6 of the smallest quantity checked (a house account, 1e-6 next to 1e15, B tiny);
 *  - "answer-drops-dust": the answer's allocation list or touched count leaves out haircuts below the touch tolerance;
 *  - "lots-minmax-breakpoints": the dedicated lots + min-max level below the integer optimum;
 *  - "jslp-optimal": javascript-lp-solver's word taken as proof;
 *  - "infeasible-empty": an infeasible wave answered without the best partial allocation;
 *  - "seniority-undecided": with lots or maxAccounts the verifier does not decide lexicographic seniority.
 */
export function knownBug(wave: Wave, route: string, disagreement: Disagreement, path?: string): string | undefined {
  if (disagreement.kind === "partial") return "infeasible-empty";
  if (disagreement.kind === "verdict" && / the oracle finds seniority by [^,]*$/.test(disagreement.detail) && (wave.positions || wave.model.maxAccounts !== undefined)) return "seniority-undecided";
  if (route === "jslp" && disagreement.kind !== "verdict") return "jslp-optimal";
  if (path === "dedicated:lots-minmax-breakpoints" && (disagreement.kind === "optimality" || disagreement.kind === "allocation")) return "lots-minmax-breakpoints";
  if (disagreement.kind === "answer" || (disagreement.kind === "reported" && disagreement.detail.startsWith("sparsity"))) return "answer-drops-dust";
  if (disagreement.amount !== undefined ? disagreement.amount <= 2 * currentAllowance(wave) : dominated(wave)) return "tolerance-largest-account";
  return undefined;
}

/** The allowance of today's verifier, 1e-9 * max(1, B, max_i c_i): a diagnostic for knownBug, not a rule. */
export function currentAllowance(wave: Wave): number {
  let largest = Math.max(1, Math.abs(wave.budget));
  for (const c of wave.capacity) largest = Math.max(largest, c);
  return 1e-9 * largest;
}

/**
 * Today's verifier allowance is large against the smallest quantity it checks (see knownBug): above
 * 1e-6 of B or of the least eligible cap, or above 1e-6 dollars (largest amount > 1000), which lets
 * micro-dollar dust through on rows whose right-hand side is 0.
 */
export function dominated(wave: Wave): boolean {
  let largest = Math.max(1, Math.abs(wave.budget));
  let smallest = wave.budget > 0 ? wave.budget : Infinity;
  for (let i = 0; i < wave.capacity.length; i++) {
    const c = wave.capacity[i]!;
    largest = Math.max(largest, c);
    if (wave.eligible[i] === 1 && c > 0) smallest = Math.min(smallest, c * (wave.model.alpha ?? 1));
  }
  // Rows with a zero right-hand side (an ineligible account, a zero capacity) have the absolute part alone.
  return 1e-9 * largest > 1e-6 * Math.min(smallest, 1);
}
