/**
 * The fault-tolerant solve the pipeline calls.
 *
 * A backend's answer is a claim: before anything is called optimal here, its vector is checked
 * against the problem (length, finiteness, column bounds, integrality, rows, claimed objective).
 * Crashes, aborts, hangs and garbage are caught and recorded; the chosen backend gets one fresh
 * instance, then the fallbacks are tried in order. "infeasible", "unbounded" and "a limit was hit
 * without an incumbent" are answers, not faults: they are returned (and noted in the attempts).
 */
import { SolverError } from "../../errors.js";
import { isMixedInteger, type LinearProblem } from "../lower/standard-form.js";
import type { BackendCapabilities, BackendName, Proof, SolverBackend, SolverSolution } from "./backend.js";
import { backendEntry, backendInstalled, backendRegistry, chooseBackend, type BackendChoice } from "./registry.js";
import { BackendAbortedError, BackendTimeoutError, getBackend, timerMilliseconds, watchdogSeconds } from "./worker-host.js";

export { closeBackends, getBackend } from "./worker-host.js";

/** Absolute part of every feasibility and objective tolerance. */
export const ABSOLUTE_TOLERANCE = 1e-6;
/**
 * Relative part: times the magnitude involved: a column's bound; a row's max(|lower|, |upper|,
 * sum_k |a_k x_k|) over its finite bounds; the objective's sum |c_j x_j| + sum |q_j| x_j^2 + |constant|.
 */
export const RELATIVE_TOLERANCE = 1e-9;
/** |x - round(x)| allowed for an integer column (plus RELATIVE_TOLERANCE × |x|). */
export const INTEGRALITY_TOLERANCE = 1e-6;
/**
 * Share of the caller's time limit the attempts together may use: the caller still has to map the
 * answer back and verify it (about 2 s at 10^5 accounts), and the limit is to hold within 10%.
 */
export const SOLVER_LIMIT_SHARE = 0.9;
/** The least time an attempt is given when the shared limit is (nearly) used up, seconds. */
const MIN_ATTEMPT_SECONDS = 0.05;
/** Relative objective difference within which two backends' optima agree (and a bound closes a gap). */
export const AGREEMENT_TOLERANCE = 1e-7;
/** Extra seconds the in-process guard waits beyond a worker's own watchdog, so the worker's fires first. */
const GUARD_EXTRA_SECONDS = 5;

export interface Attempt {
  readonly backend: BackendName;
  readonly outcome: "ok" | "threw" | "aborted" | "timeout" | "garbage" | "unsupported";
  readonly message?: string;
  /** Wall-clock seconds of this attempt (including starting a fresh instance). */
  readonly seconds: number;
  /** True for the retry on a fresh instance of the chosen backend. */
  readonly fresh?: boolean;
  /**
   * What this attempt's answer proved, in words: e.g. "optimal (dual bound)", "nothing: optimal is
   * jslp's claim (no dual bound)", "confirms jslp's optimum", "refutes jslp's optimum".
   */
  readonly proved?: string;
}

export interface RobustOptions {
  /** The backend to try first; `auto` picks one for the problem (registry.ts, chooseBackend). */
  readonly backend: BackendChoice;
  /** Tried in order after the chosen backend. Default: the other backends that support the problem. */
  readonly fallbacks?: readonly BackendName[];
  readonly timeLimitSeconds?: number;
  readonly mipRelativeGap?: number;
  /** Absolute MIP gap the caller proves optimality from (see SolveOptions.mipAbsoluteGap). */
  readonly mipAbsoluteGap?: number;
  /** MIP start passed to the backend (see SolveOptions.start). */
  readonly start?: Float64Array;
  /** Backends to use instead of the process-wide ones (fault-injection tests). */
  readonly backends?: Partial<Record<string, SolverBackend>>;
  /**
   * The caller has an answer to keep (an earlier lexicographic stage's): once the time limit is
   * spent, answer limitNoSolution instead of starting the next backend, whose start-up and model
   * copy alone would overrun the limit (seen: 1.6 s for a 0.05 s attempt at 2x10^4 columns).
   */
  readonly keepWithinLimit?: boolean;
}

/** What a registered backend supports, known without starting it (to choose default fallbacks). */
function knownCapabilities(name: BackendName): BackendCapabilities {
  const entry = backendEntry(name)!;
  const { mip, quadratic, timeLimit, dualBound } = entry.capabilities;
  return { integer: mip, quadratic, timeLimit, dualBound };
}

function hasQuadratic(problem: LinearProblem): boolean {
  return problem.quadratic !== undefined && problem.quadratic.some((q) => q !== 0);
}

function unsupported(capabilities: BackendCapabilities, problem: LinearProblem): string | undefined {
  if (hasQuadratic(problem) && !capabilities.quadratic) return "no quadratic objectives";
  if (isMixedInteger(problem) && !capabilities.integer) return "no integer columns";
  return undefined;
}

/** Objective value of `values`: cost·x + sum q_j x_j^2 + constant, and the magnitude of its terms. */
export function evaluateObjective(problem: LinearProblem, values: ArrayLike<number>): { value: number; magnitude: number } {
  let value = problem.objectiveConstant;
  let magnitude = Math.abs(problem.objectiveConstant);
  for (let j = 0; j < problem.cost.length; j++) {
    const term = problem.cost[j]! * values[j]!;
    value += term;
    magnitude += Math.abs(term);
  }
  if (problem.quadratic) {
    for (let j = 0; j < problem.quadratic.length; j++) {
      const term = problem.quadratic[j]! * values[j]! * values[j]!;
      value += term;
      magnitude += Math.abs(term);
    }
  }
  return { value, magnitude };
}

/**
 * Why a backend's answer cannot be trusted, or undefined if it can. Checks the status is one of the
 * five; for optimal/feasible: one finite value per column, column bounds, integrality and every row
 * within ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE × magnitude, and a claimed objective (if any) that
 * matches cost·x (+ quadratic + constant) within the same tolerance. O(columns + nonzeros).
 */
export function checkSolution(problem: LinearProblem, solution: SolverSolution): string | undefined {
  const statuses = ["optimal", "feasible", "infeasible", "unbounded", "limitNoSolution"];
  if (solution === null || typeof solution !== "object") return "the backend returned no solution object";
  if (!statuses.includes(solution.status)) return `unknown status ${JSON.stringify(solution.status)}`;
  if (solution.status !== "optimal" && solution.status !== "feasible") return undefined;

  const n = problem.columnLower.length;
  const values = solution.values as unknown;
  if (!(values instanceof Float64Array) && !Array.isArray(values)) return `status ${solution.status} without a value vector`;
  const x = values as ArrayLike<number>;
  if (x.length !== n) return `${x.length} values for ${n} columns`;
  for (let j = 0; j < n; j++) {
    const value = x[j]!;
    if (typeof value !== "number" || !Number.isFinite(value)) return `value of column ${problem.columnNames[j] ?? j} is ${String(value)}`;
    const lower = problem.columnLower[j]!;
    const upper = problem.columnUpper[j]!;
    if (value < lower - (ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(lower))) {
      return `column ${problem.columnNames[j] ?? j} = ${value} is below its lower bound ${lower}`;
    }
    if (value > upper + (ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(upper))) {
      return `column ${problem.columnNames[j] ?? j} = ${value} is above its upper bound ${upper}`;
    }
    if (problem.integer[j] === 1 && Math.abs(value - Math.round(value)) > INTEGRALITY_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(value)) {
      return `integer column ${problem.columnNames[j] ?? j} = ${value} is fractional`;
    }
  }
  const m = problem.rowLower.length;
  for (let i = 0; i < m; i++) {
    let activity = 0;
    let magnitude = 0;
    for (let k = problem.rowStart[i]!; k < problem.rowStart[i + 1]!; k++) {
      const term = problem.rowValue[k]! * x[problem.rowIndex[k]!]!;
      activity += term;
      magnitude += Math.abs(term);
    }
    const lower = problem.rowLower[i]!;
    const upper = problem.rowUpper[i]!;
    if (Number.isFinite(lower)) magnitude = Math.max(magnitude, Math.abs(lower));
    if (Number.isFinite(upper)) magnitude = Math.max(magnitude, Math.abs(upper));
    const tolerance = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * magnitude;
    if (activity < lower - tolerance || activity > upper + tolerance) {
      return `row ${problem.rowNames[i] ?? i} = ${activity} violates [${lower}, ${upper}] by ${activity < lower ? lower - activity : activity - upper}`;
    }
  }
  if (solution.objective !== undefined) {
    if (typeof solution.objective !== "number" || !Number.isFinite(solution.objective)) return `claimed objective ${String(solution.objective)}`;
    const { value, magnitude } = evaluateObjective(problem, x);
    if (Math.abs(solution.objective - value) > ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * magnitude) {
      return `claimed objective ${solution.objective} but the values give ${value}`;
    }
  }
  return undefined;
}

/**
 * The fallbacks used when none are given: every other registered backend that supports the
 * problem's features and is installed (a missing binary is skipped), in the registry's order.
 */
export function defaultFallbacks(chosen: BackendChoice, problem: LinearProblem, injected?: Partial<Record<string, SolverBackend>>): BackendName[] {
  const first = chooseBackend(chosen, problem);
  return backendRegistry
    .map((entry) => entry.name)
    .filter((name) => name !== first && (injected?.[name] !== undefined || backendInstalled(name)))
    .filter((name) => unsupported(injected?.[name]?.capabilities ?? knownCapabilities(name), problem) === undefined);
}

/** True if `backend`'s optimal/infeasible verdicts are proofs: its own say, else its registry row's. */
export function provesItsAnswers(backend: SolverBackend): boolean {
  return backend.capabilities.dualBound ?? backendEntry(backend.name)?.capabilities.dualBound ?? false;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeAttempt(attempt: Attempt): string {
  return `${attempt.backend}${attempt.fresh ? " (fresh instance)" : ""}: ${attempt.outcome}${attempt.message ? ` (${attempt.message})` : ""}`;
}

interface Tried {
  attempt: Attempt;
  solution?: SolverSolution;
}

async function tryOnce(name: BackendName, backend: SolverBackend, problem: LinearProblem, options: RobustOptions, fresh: boolean, started: number): Promise<Tried> {
  // Every attempt shares the caller's one limit: a fallback gets what is left (at least a little).
  const limit = options.timeLimitSeconds !== undefined && Number.isFinite(options.timeLimitSeconds) ? Math.max(MIN_ATTEMPT_SECONDS, options.timeLimitSeconds) : undefined;
  options = limit !== undefined ? { ...options, timeLimitSeconds: limit } : options;
  const seconds = (): number => (performance.now() - started) / 1000;
  const base = { backend: name, ...(fresh ? { fresh: true } : {}) };
  const reason = unsupported(backend.capabilities, problem);
  if (reason !== undefined) return { attempt: { ...base, outcome: "unsupported", message: reason, seconds: seconds() } };

  const solveOptions = {
    ...(options.timeLimitSeconds !== undefined ? { timeLimitSeconds: options.timeLimitSeconds } : {}),
    mipRelativeGap: options.mipRelativeGap ?? 0,
    ...(options.mipAbsoluteGap !== undefined ? { mipAbsoluteGap: options.mipAbsoluteGap } : {}),
    ...(options.start ? { start: options.start } : {}),
  };
  // A guard for backends that are not worker-hosted: an async hang still ends here (a synchronous one cannot).
  const guardSeconds = watchdogSeconds(options.timeLimitSeconds) + GUARD_EXTRA_SECONDS;
  let timer: NodeJS.Timeout | undefined;
  let solution: SolverSolution;
  try {
    const solving = Promise.resolve().then(() => backend.solve(problem, solveOptions));
    solution = await Promise.race([
      solving,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BackendTimeoutError(`${name}: no answer within ${guardSeconds} s`)), timerMilliseconds(guardSeconds));
      }),
    ]);
  } catch (error) {
    const outcome = error instanceof BackendTimeoutError ? "timeout" : error instanceof BackendAbortedError ? "aborted" : "threw";
    return { attempt: { ...base, outcome, message: describeError(error), seconds: seconds() } };
  } finally {
    if (timer) clearTimeout(timer);
  }

  const garbage = checkSolution(problem, solution);
  if (garbage !== undefined) return { attempt: { ...base, outcome: "garbage", message: garbage, seconds: seconds() } };
  const answered = solution.status === "optimal" || solution.status === "feasible" ? undefined : `answered ${solution.status}`;
  const complete: SolverSolution =
    solution.objective === undefined && solution.values !== undefined ? { ...solution, objective: evaluateObjective(problem, solution.values).value } : solution;
  return { attempt: { ...base, outcome: "ok", ...(answered ? { message: answered } : {}), seconds: seconds() }, solution: complete };
}

/** Closeness of two objective values at AGREEMENT_TOLERANCE (relative to max(1, |a|, |b|)). */
function agree(a: number, b: number): boolean {
  return Math.abs(a - b) <= AGREEMENT_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b)) + ABSOLUTE_TOLERANCE;
}

/** An answer lowered to what its values alone show: feasible, with no gap or bound it did not prove. */
function unproven(solution: SolverSolution, detail: string): SolverSolution {
  const { gap: _gap, bound: _bound, ...rest } = solution;
  void _gap;
  void _bound;
  if (solution.status === "optimal" || solution.status === "feasible") return { ...rest, status: "feasible", proof: { by: "none", detail } };
  // An unproven "infeasible" or "unbounded" says nothing: no point and no proof.
  return { ...rest, status: "limitNoSolution", proof: { by: "none", detail } };
}

/**
 * What a trustworthy answer from a proving backend proves, or undefined if its own bound leaves a gap
 * above the requested one (then it is feasible only).
 */
function ownProof(solution: SolverSolution, requestedGap: number, absoluteGap?: number): Proof | undefined {
  if (solution.status === "optimal") {
    // Stopped within the caller's absolute gap: the caller proves the rest (objective-step.ts), or lowers it.
    const withinAbsolute = absoluteGap !== undefined && solution.bound !== undefined && solution.objective !== undefined && solution.objective - solution.bound <= absoluteGap;
    if (solution.gap !== undefined && solution.gap > requestedGap + 1e-5 && !withinAbsolute) return undefined;
    return { by: "bound", detail: `${solution.backend}'s ${solution.bound !== undefined ? "dual bound closes the gap" : "search is complete"}` };
  }
  if (solution.status === "infeasible" || solution.status === "unbounded") return { by: "bound", detail: `${solution.backend}'s ${solution.status} verdict (a complete method)` };
  return { by: "bound", detail: solution.bound !== undefined ? `${solution.backend}'s incumbent and dual bound` : `${solution.backend}'s incumbent (no bound)` };
}

/** A claim from a backend without a bound, waiting for a second opinion. */
interface Claim {
  readonly solution: SolverSolution;
  readonly attempt: number;
}

/**
 * Solves `problem` with `options.backend` (`auto`: see chooseBackend), recovering from faults, and
 * says what the answer proves.
 *
 * Faults: on a throw, abort or garbage answer the chosen backend is retried once on a fresh instance
 * (a new worker); then each fallback is tried once (a timeout goes straight to the fallbacks: a retry
 * would hang as long again). Backends that do not support the problem (a QP on glpk/jslp) are
 * recorded as "unsupported" and skipped.
 *
 * Proof: an answer from a backend with a dual bound (registry: `dualBound`) is returned with
 * `proof.by = "bound"` (an "optimal" whose own bound leaves a gap above the requested one is lowered
 * to feasible). An optimal, infeasible or unbounded answer from a backend without one (jslp) is a
 * claim: the next proving backend in the order is asked, and the claim stands ("agreement") only if
 * that backend's proven optimum (or dual bound) meets it; a disagreeing proven answer replaces it.
 * With no proving backend left, an optimal claim is returned as feasible and an infeasible one as
 * limitNoSolution (no point, no proof), with `proof.by = "none"`. Every attempt records what it proved.
 *
 * All attempts share SOLVER_LIMIT_SHARE of `timeLimitSeconds`: each gets what is left. Resolves with the answer and
 * the attempts; rejects with SolverError (whose `attempts` name each one) if no backend answered.
 */
export async function solveRobustly(problem: LinearProblem, options: RobustOptions): Promise<{ solution: SolverSolution; attempts: Attempt[] }> {
  const begun = performance.now();
  const attempts: Attempt[] = [];
  const chosen = chooseBackend(options.backend, problem);
  const fallbacks = options.fallbacks ?? defaultFallbacks(chosen, problem, options.backends);
  const order = [chosen, ...fallbacks.filter((name, index) => name !== chosen && fallbacks.indexOf(name) === index)];
  const requestedGap = options.mipRelativeGap ?? 0;
  let claim: Claim | undefined;
  const remaining = (): RobustOptions => {
    if (options.timeLimitSeconds === undefined || !Number.isFinite(options.timeLimitSeconds)) return options;
    return { ...options, timeLimitSeconds: Math.max(MIN_ATTEMPT_SECONDS, SOLVER_LIMIT_SHARE * options.timeLimitSeconds - (performance.now() - begun) / 1000) };
  };
  const note = (index: number, proved: string): void => {
    attempts[index] = { ...attempts[index]!, proved };
  };

  /** Settles an ok answer: undefined means "keep going" (a claim was recorded or a proof is still sought). */
  const settle = (backend: SolverBackend, solution: SolverSolution): SolverSolution | undefined => {
    const index = attempts.length - 1;
    const proving = provesItsAnswers(backend);
    if (solution.status === "limitNoSolution") {
      note(index, "nothing (a limit was hit without an incumbent)");
      if (claim) return unproven(claim.solution, `${claim.solution.backend}'s ${claim.solution.status} is a claim (no dual bound); ${solution.backend} found nothing within the limit`);
      return solution;
    }
    if (!proving) {
      const { gap: _gap, bound: _bound, ...bare } = solution;
      void _gap;
      void _bound;
      if (solution.status === "feasible") {
        note(index, `nothing beyond feasibility (${solution.backend} has no dual bound)`);
        return claim ? undefined : { ...bare, proof: { by: "none", detail: `${solution.backend}'s incumbent (no dual bound)` } };
      }
      note(index, `nothing: ${solution.status} is ${solution.backend}'s claim (no dual bound)`);
      if (!claim) claim = { solution: bare, attempt: index };
      return undefined;
    }
    const proof = ownProof(solution, requestedGap, options.mipAbsoluteGap);
    const proven: SolverSolution = proof
      ? { ...solution, proof }
      : { ...solution, status: "feasible", proof: { by: "none", detail: `${solution.backend} claims optimal but its own bound leaves a relative gap of ${solution.gap}` } };
    note(index, proof ? `${proven.status} (${proof.detail})` : `feasible only: ${proven.proof!.detail}`);
    if (!claim) return proven;

    // A second opinion on a claim.
    const claimed = claim.solution;
    const who = claimed.backend;
    if (claimed.status === "optimal") {
      if (proven.status === "optimal" && agree(claimed.objective!, proven.objective!)) {
        note(index, `${attempts[index]!.proved}; confirms ${who}'s optimum`);
        return { ...claimed, status: "optimal", ...(proven.bound !== undefined ? { bound: proven.bound, gap: Math.abs(claimed.objective! - proven.bound) / Math.max(1, Math.abs(claimed.objective!)) } : {}), proof: { by: "agreement", detail: `${who}'s optimum, confirmed by ${proven.backend}'s proven optimum` } };
      }
      if (proven.status === "feasible" && proven.bound !== undefined && claimed.objective! <= proven.bound + AGREEMENT_TOLERANCE * Math.max(1, Math.abs(proven.bound)) + ABSOLUTE_TOLERANCE) {
        note(index, `${attempts[index]!.proved}; its dual bound confirms ${who}'s optimum`);
        return { ...claimed, status: "optimal", bound: proven.bound, gap: 0, proof: { by: "agreement", detail: `${who}'s optimum meets ${proven.backend}'s dual bound` } };
      }
      if (proven.status === "optimal" || proven.status === "feasible") {
        const better = proven.objective! <= claimed.objective! ? proven : { ...claimed, status: "feasible" as const, proof: { by: "none" as const, detail: `${who}'s point beats ${proven.backend}'s incumbent, but nothing proves it optimal` } };
        note(index, `${attempts[index]!.proved}; refutes ${who}'s optimum (${proven.objective} vs ${claimed.objective})`);
        return better;
      }
      // A proving backend calls infeasible what the claim's checked point satisfies: the point stands, unproven.
      note(index, `${attempts[index]!.proved}; contradicted by ${who}'s checked point`);
      return unproven(claimed, `${who}'s point satisfies every row, but ${proven.backend} answered ${proven.status}`);
    }
    // The claim was infeasible or unbounded.
    if (proven.status === claimed.status) {
      note(index, `${attempts[index]!.proved}; confirms ${who}'s ${claimed.status}`);
      return { ...claimed, proof: { by: "agreement", detail: `${who}'s ${claimed.status}, confirmed by ${proven.backend}` } };
    }
    note(index, `${attempts[index]!.proved}; refutes ${who}'s ${claimed.status}`);
    return proven;
  };

  let last: SolverBackend | undefined;
  /** Set when the caller asked to keep within the limit and it is spent: what to answer instead of another attempt. */
  const spent = (): SolverSolution | undefined => {
    if (!options.keepWithinLimit || attempts.length === 0 || options.timeLimitSeconds === undefined || !Number.isFinite(options.timeLimitSeconds)) return undefined;
    if (SOLVER_LIMIT_SHARE * options.timeLimitSeconds - (performance.now() - begun) / 1000 > MIN_ATTEMPT_SECONDS) return undefined;
    if (claim) return unproven(claim.solution, `${claim.solution.backend}'s ${claim.solution.status} is a claim (no dual bound), and the time limit was spent before a second opinion`);
    const backend = last?.name ?? attempts[attempts.length - 1]!.backend;
    return { status: "limitNoSolution", backend, version: last?.version ?? "", seconds: (performance.now() - begun) / 1000, proof: { by: "none", detail: "the time limit was spent; no further backend was started" } };
  };
  for (const [position, name] of order.entries()) {
    const out = spent();
    if (out) return { solution: out, attempts };
    let started = performance.now();
    let backend: SolverBackend;
    try {
      backend = options.backends?.[name] ?? (await getBackend(name));
    } catch (error) {
      attempts.push({ backend: name, outcome: "threw", message: `could not start: ${describeError(error)}`, seconds: (performance.now() - started) / 1000 });
      continue;
    }
    // Looking for a second opinion: only a backend that proves its answers can give one.
    if (claim && !provesItsAnswers(backend)) continue;
    last = backend;
    const first = await tryOnce(name, backend, problem, remaining(), false, started);
    attempts.push(first.attempt);
    if (first.solution) {
      const settled = settle(backend, first.solution);
      if (settled) return { solution: settled, attempts };
      continue;
    }

    const retry = position === 0 && (first.attempt.outcome === "threw" || first.attempt.outcome === "aborted" || first.attempt.outcome === "garbage");
    if (!retry) continue;
    const none = spent();
    if (none) return { solution: none, attempts };
    started = performance.now();
    let renewed: SolverBackend;
    try {
      const renewable = backend as SolverBackend & { fresh?: () => Promise<SolverBackend> };
      renewed = typeof renewable.fresh === "function" ? await renewable.fresh() : backend;
    } catch (error) {
      attempts.push({ backend: name, fresh: true, outcome: "threw", message: `could not start a fresh instance: ${describeError(error)}`, seconds: (performance.now() - started) / 1000 });
      continue;
    }
    const second = await tryOnce(name, renewed, problem, remaining(), true, started);
    attempts.push(second.attempt);
    if (second.solution) {
      const settled = settle(renewed, second.solution);
      if (settled) return { solution: settled, attempts };
    }
  }
  if (claim) {
    const claimed = claim.solution;
    return { solution: unproven(claimed, `${claimed.backend}'s ${claimed.status} is a claim (no dual bound), and no backend that proves its answers was available to confirm it`), attempts };
  }
  const described = attempts.map(describeAttempt);
  throw new SolverError(`every solver backend failed: ${described.join("; ")}`, described);
}
