/**
 * The fault-tolerant solve the pipeline calls.
 *
 * A backend's answer is a claim: before anything is called optimal here, its vector is checked
 * against the problem (length, finiteness, column bounds, integrality, rows, claimed objective).
 * Crashes, aborts, hangs and garbage are caught and recorded; the chosen backend gets one fresh
 * instance, then the fallbacks are tried in order. "infeasible", "unbounded" and "a limit was hit
 * without an incumbent" are answers, not faults: they are returned (and noted in the attempts).
 */
import { SolverError } from "../errors.js";
import { isMixedInteger, type LinearProblem } from "../lower/standard-form.js";
import { backendNames, type BackendCapabilities, type BackendName, type SolverBackend, type SolverSolution } from "./backend.js";
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
}

export interface RobustOptions {
  readonly backend: BackendName;
  /** Tried in order after the chosen backend. Default: the other backends that support the problem. */
  readonly fallbacks?: readonly BackendName[];
  readonly timeLimitSeconds?: number;
  readonly mipRelativeGap?: number;
  /** MIP start passed to the backend (see SolveOptions.start). */
  readonly start?: Float64Array;
  /** Backends to use instead of the process-wide ones (fault-injection tests). */
  readonly backends?: Partial<Record<string, SolverBackend>>;
}

/** What the real backends support, known without starting them (to choose default fallbacks). */
const KNOWN_CAPABILITIES: Record<BackendName, BackendCapabilities> = {
  highs: { integer: true, quadratic: true, timeLimit: true },
  glpk: { integer: true, quadratic: false, timeLimit: true },
  jslp: { integer: true, quadratic: false, timeLimit: false },
};

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

/** The fallbacks used when none are given: every other backend that supports the problem's features. */
export function defaultFallbacks(chosen: BackendName, problem: LinearProblem, injected?: Partial<Record<string, SolverBackend>>): BackendName[] {
  return backendNames.filter((name) => name !== chosen && unsupported(injected?.[name]?.capabilities ?? KNOWN_CAPABILITIES[name], problem) === undefined);
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
  const seconds = (): number => (performance.now() - started) / 1000;
  const base = { backend: name, ...(fresh ? { fresh: true } : {}) };
  const reason = unsupported(backend.capabilities, problem);
  if (reason !== undefined) return { attempt: { ...base, outcome: "unsupported", message: reason, seconds: seconds() } };

  const solveOptions = {
    ...(options.timeLimitSeconds !== undefined ? { timeLimitSeconds: options.timeLimitSeconds } : {}),
    mipRelativeGap: options.mipRelativeGap ?? 0,
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

/**
 * Solves `problem` with `options.backend`, recovering from faults: on a throw, abort or garbage answer
 * the chosen backend is retried once on a fresh instance (a new worker); then each fallback is tried
 * once (a timeout goes straight to the fallbacks: a retry would hang as long again). Backends that do
 * not support the problem (a QP on glpk/jslp) are recorded as "unsupported" and skipped. Resolves
 * with the first trustworthy answer and every attempt made; rejects with SolverError (whose
 * `attempts` name each one) if none is. Worst-case time: about (attempts) × watchdog.
 */
export async function solveRobustly(problem: LinearProblem, options: RobustOptions): Promise<{ solution: SolverSolution; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  const fallbacks = options.fallbacks ?? defaultFallbacks(options.backend, problem, options.backends);
  const order = [options.backend, ...fallbacks.filter((name, index) => name !== options.backend && fallbacks.indexOf(name) === index)];

  for (const [position, name] of order.entries()) {
    let started = performance.now();
    let backend: SolverBackend;
    try {
      backend = options.backends?.[name] ?? (await getBackend(name));
    } catch (error) {
      attempts.push({ backend: name, outcome: "threw", message: `could not start: ${describeError(error)}`, seconds: (performance.now() - started) / 1000 });
      continue;
    }
    const first = await tryOnce(name, backend, problem, options, false, started);
    attempts.push(first.attempt);
    if (first.solution) return { solution: first.solution, attempts };

    const retry = position === 0 && (first.attempt.outcome === "threw" || first.attempt.outcome === "aborted" || first.attempt.outcome === "garbage");
    if (!retry) continue;
    started = performance.now();
    let renewed: SolverBackend;
    try {
      const renewable = backend as SolverBackend & { fresh?: () => Promise<SolverBackend> };
      renewed = typeof renewable.fresh === "function" ? await renewable.fresh() : backend;
    } catch (error) {
      attempts.push({ backend: name, fresh: true, outcome: "threw", message: `could not start a fresh instance: ${describeError(error)}`, seconds: (performance.now() - started) / 1000 });
      continue;
    }
    const second = await tryOnce(name, renewed, problem, options, true, started);
    attempts.push(second.attempt);
    if (second.solution) return { solution: second.solution, attempts };
  }
  const described = attempts.map(describeAttempt);
  throw new SolverError(`every solver backend failed: ${described.join("; ")}`, described);
}
