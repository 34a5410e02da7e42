import type { Allocation, Wave } from "../../domain.js";
import { solveDedicated } from "../exact/index.js";
import { withExtraRows } from "../lower/builder.js";
import { lowerWave, type LexStage, type LoweredWave, type LowerOptions } from "../lower/compile.js";
import type { LinearProblem } from "../lower/standard-form.js";
import { backendNames, type BackendChoice, type BackendName, type SolverBackend, type SolverSolution } from "../backends/backend.js";
import type { Attempt } from "../backends/robust.js";
import { SolverError, UsageError } from "../../errors.js";
import { certify, type Certificate } from "../certificate/certificate.js";
import { phiEvaluator, stageNames } from "../verify/objectives.js";
import { verifyAllocation, type Verdict } from "../verify/verify.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { allowance, feasibilityTolerance, tolerance } from "../../floor/numeric/tolerance.js";
import { moduleOf } from "../objectives/index.js";
import { roundToMoneyUnit } from "./money-unit.js";
import { overshootStep, provedOnGrid, roundedBound, stepGap, type ObjectiveStep } from "./objective-step.js";
import { overshootSearch, type OvershootSearch } from "./exact-stage.js";
import { repairAllocation } from "./repair.js";
import { JSLP_TARGET_EXPONENT, scaleUnits, stageUnitFactors, unitFactor, unscaleAllocation } from "./units.js";
import { workbenchVersion } from "./version.js";

export type SolvePath = "auto" | "dedicated" | "mip";

export interface SolveRequest {
  readonly backend?: BackendChoice;
  readonly fallbacks?: readonly BackendName[];
  readonly timeLimitSeconds?: number;
  /** Relative MIP gap; default 0 so that "optimal" means proven. */
  readonly mipRelativeGap?: number;
  /** auto: a dedicated exact algorithm where the structure allows, else the MIP. */
  readonly path?: SolvePath;
  readonly lower?: LowerOptions;
  /** Injected backends (fault-injection tests). */
  readonly backends?: Partial<Record<string, SolverBackend>>;
  /** Round the haircuts to whole units of this many dollars (e.g. 0.01), keeping coverage and the caps exactly (money-unit.ts). */
  readonly moneyUnit?: number;
  /** Infeasible waves: skip the best partial allocation (internal: the partial solve itself). */
  readonly partial?: false;
}

/** What an infeasible wave can still do: the most the model's promises let it cover, allocated by the model's objective. */
export interface PartialAllocation {
  readonly allocation: Allocation;
  /** The relaxed budget it covers: the largest coverable amount under every promise (certificate.coverable). */
  readonly budget: number;
  /** B minus what the allocation takes: what the insurance fund or backstop must supply (dollars). */
  readonly residual: number;
  /** The verifier's verdict on the relaxed wave (budget = `budget`): every promise but full coverage. */
  readonly verified: Verdict;
  readonly objective: readonly number[];
  readonly path: string;
}

export type SolveStatus = "optimal" | "feasible" | "infeasible" | "error";

export interface StageReport {
  readonly name: string;
  /** Stage optimum as the solver path found it (for approximated stages: the approximation's value). */
  readonly value: number;
  readonly status: SolverSolution["status"] | "dedicated";
  readonly gap?: number;
  /** For a smooth phi lowered to tangents: the approximation's optimum is a lower bound and `errorBound` = true value - lower bound. */
  readonly lowerBound?: number;
  readonly errorBound?: number;
  /** What proved the stage when it was not the solver's own bound alone (a greedy floor, the overshoot grid). */
  readonly proof?: string;
}

export interface SolveResult {
  readonly status: SolveStatus;
  /** "dedicated:<algorithm>" or "mip:<backend>" ("mip:exact" when exact proofs closed every stage, no backend run) (or "certificate"). */
  readonly path: string;
  /** The dedicated exact algorithm that answered (e.g. "lots-minmax-breakpoints"), when one did. */
  readonly algorithm?: string;
  /** Infeasible waves: the best partial allocation and the residual the backstop must supply. */
  readonly partial?: PartialAllocation;
  /** What the final repair step changed (repair.ts), when it changed anything. */
  readonly repairs?: readonly string[];
  /** Set when the haircuts were rounded to a money unit (the objective before rounding kept for comparison). */
  readonly rounding?: { readonly unit: number; readonly note: string; readonly objectiveBefore: readonly number[] };
  readonly allocation?: Allocation;
  /** Recomputed by the verifier, one per reported stage (seniority first). */
  readonly objective: readonly number[];
  readonly stageNames: readonly string[];
  readonly stages: readonly StageReport[];
  readonly certificate: Certificate;
  readonly verified: Verdict | null;
  readonly solver: {
    readonly name: string;
    readonly version: string;
    readonly seconds: number;
    readonly gap: number | null;
    readonly nodes: number | null;
    readonly attempts: readonly Attempt[];
    /** The heuristic whose allocation was the MIP start of the first stage. */
    readonly warmStart?: string;
  };
  readonly message?: string;
}

/**
 * Solves a wave: certificate first (an infeasible wave is answered, not solved: with the best
 * partial allocation and its residual), then a dedicated exact algorithm or the lexicographic
 * LP/MIP, then the final repair step (repair.ts) and the independent verifier on whatever came out,
 * then, if asked, the rounding to a money unit (verified again). Nothing is reported "optimal"
 * unless every stage was proven optimal and the verifier accepted it.
 */
export async function solveWave(wave: Wave, request: SolveRequest = {}): Promise<SolveResult> {
  let result = await solveOnce(wave, request);
  if (result.status === "infeasible" && request.partial !== false) result = await withPartial(wave, result, request);
  if (request.moneyUnit !== undefined) result = withMoneyUnit(wave, result, request.moneyUnit);
  return result;
}

/**
 * The best partial allocation of an infeasible wave: the same model on the same accounts with the
 * budget lowered to the largest amount its promises let it cover (certificate.coverable, stepped
 * down a few ulps if rounding put it a hair above what lots can reach exactly), solved as usual.
 */
async function withPartial(wave: Wave, result: SolveResult, request: SolveRequest): Promise<SolveResult> {
  const reach = result.certificate.coverable;
  // A reach of 0 (maxAccounts 0, nothing eligible) still answers: the all-zero allocation, verified.
  if (!(reach >= 0) || !Number.isFinite(reach)) return result;
  for (const budget of reach > 0 ? [reach, reach * (1 - 4e-16), reach * (1 - 1e-13)] : [0]) {
    const relaxed: Wave = { ...wave, budget };
    const inner = await solveOnce(relaxed, { ...request, partial: false, ...(request.path === "dedicated" ? { path: "auto" as const } : {}) });
    if (inner.status === "infeasible") continue;
    if (!inner.allocation || !inner.verified?.ok) {
      return { ...result, message: `${result.message ?? ""}; no verified partial allocation (${inner.message ?? inner.status})` };
    }
    const taken = new CompensatedSum();
    for (const h of inner.allocation.haircut) taken.add(h);
    const partial: PartialAllocation = {
      allocation: inner.allocation,
      budget,
      residual: Math.max(0, wave.budget - taken.value),
      verified: inner.verified,
      objective: inner.objective,
      path: inner.path,
    };
    return { ...result, partial, ...(inner.repairs ? { repairs: inner.repairs } : {}) };
  }
  return { ...result, message: `${result.message ?? ""}; no partial allocation: the solve called the wave infeasible at the certificate's reach ${reach} too` };
}

/** Rounds the answer's allocation (or partial allocation) to the money unit and verifies it again; says why when no rounding keeps every promise. */
function withMoneyUnit(wave: Wave, result: SolveResult, unit: number): SolveResult {
  const target = result.allocation ? { allocation: result.allocation, wave } : result.partial ? { allocation: result.partial.allocation, wave: { ...wave, budget: result.partial.budget } } : undefined;
  if (!target) return result;
  const rounded = roundToMoneyUnit(target.wave, target.allocation, unit);
  const say = (text: string): SolveResult => ({ ...result, message: result.message ? `${result.message}; ${text}` : text });
  if (!rounded.allocation) return say(`money unit ${unit}: ${rounded.reason}; the haircuts are not rounded`);
  const verdict = decideSeniority(target.wave, verifyAllocation(target.wave, rounded.allocation), result.stages, result.solver.name);
  if (!verdict.ok) return say(`money unit ${unit}: the rounded allocation fails the verifier (${verdict.violations[0]?.message ?? ""}); the haircuts are not rounded`);
  const objectiveBefore = result.allocation ? result.objective : result.partial!.objective;
  const rounding = { unit, note: rounded.note, objectiveBefore };
  if (result.allocation) return { ...result, allocation: rounded.allocation, objective: verdict.objectives, verified: verdict, rounding };
  const taken = new CompensatedSum();
  for (const h of rounded.allocation.haircut) taken.add(h);
  return { ...result, partial: { ...result.partial!, allocation: rounded.allocation, verified: verdict, objective: verdict.objectives, residual: Math.max(0, wave.budget - taken.value) }, rounding };
}

async function solveOnce(wave: Wave, request: SolveRequest): Promise<SolveResult> {
  const started = performance.now();
  const certificate = certify(wave);
  const names = stageNames(wave);
  const path = request.path ?? "auto";
  if (!certificate.feasible) {
    return {
      status: "infeasible",
      path: "certificate",
      objective: [],
      stageNames: names,
      stages: [],
      certificate,
      verified: null,
      solver: { name: "certificate", version: workbenchVersion(), seconds: (performance.now() - started) / 1000, gap: null, nodes: null, attempts: [] },
      message: certificate.broken.map((b) => `${b.promise}: need ${b.need}, have ${b.have}`).join("; "),
    };
  }

  if (path !== "mip") {
    const dedicated = solveDedicated(wave);
    if (dedicated) {
      const repair = repairAllocation(wave, dedicated.allocation);
      const verified = verifyAllocation(wave, repair.allocation);
      return {
        status: verified.ok ? "optimal" : "error",
        path: `dedicated:${dedicated.algorithm}`,
        algorithm: dedicated.algorithm,
        allocation: repair.allocation,
        ...(repair.notes.length ? { repairs: repair.notes } : {}),
        objective: verified.objectives,
        stageNames: names,
        stages: names.map((name, s) => ({ name, value: verified.objectives[s]!, status: "dedicated" as const })),
        certificate,
        verified,
        solver: { name: "dedicated", version: workbenchVersion(), seconds: (performance.now() - started) / 1000, gap: 0, nodes: null, attempts: [] },
        ...(verified.ok ? {} : { message: "the verifier rejected the dedicated algorithm's allocation (a bug): " + verified.violations[0]?.message }),
      };
    }
    if (path === "dedicated") {
      throw new UsageError({ path: "--path" }, "auto or mip for this model (no dedicated exact algorithm covers its structure)", "dedicated");
    }
  }

  // A budget above what the wave can cover, by less than the verifier's tolerance, is feasible for
  // the certificate and the verifier but not within the solver's own (tighter, or after scaling,
  // larger-in-units) row tolerance: ask the solver for what can be covered. Seen: capacities summing
  // to 16 and B = 16.000000001 answered "infeasible" by HiGHS on a wave the certificate calls feasible.
  // Likewise a budget within the tolerance of zero: no haircut at all is what the verifier accepts
  // and every objective prefers (seen: B = 1.8e-12 on a lots wave answered "infeasible" by HiGHS).
  const tol = tolerance(wave);
  // With lots coverage is decided exactly: even a budget of 1e-160 needs a lot, so it is never zeroed.
  const solverBudget = !wave.positions && wave.budget <= allowance(tol, wave.budget) ? 0 : Math.min(wave.budget, certificate.coverable);
  const reachable = solverBudget !== wave.budget ? { ...wave, budget: solverBudget } : wave;
  // The solver works in money units where the wave's largest amount is about 2^20 (see units.ts);
  // the allocation is mapped back and verified on the original wave.
  const factor = unitFactor(reachable, request.backend === "jslp" ? JSLP_TARGET_EXPONENT : undefined);
  const scaled = scaleUnits(reachable, factor);
  return solveLexicographic(wave, { wave: scaled, factor }, lowerWave(scaled, request.lower), certificate, names, request, started);
}

interface StageRun {
  status: SolveStatus;
  values?: Float64Array;
  reports: StageReport[];
  fixings: FixingRow[];
  attempts: Attempt[];
  last?: SolverSolution;
  /**
   * The largest relative gap a solver proved over the stages run, or null once a stage ended
   * without a proven bound (a limit with no gap reported, an unsolved later stage): never 0 without a bound.
   */
  worstGap: number | null;
  nodes: number;
  message?: string;
}

/**
 * Solves the lexicographic stages in order, fixing each optimum before the next, and stops early
 * at `stopBefore` (for export), at a limit (incumbent kept, status feasible) or at infeasibility.
 */
async function runStages(
  wave: Wave,
  lowered: LoweredWave,
  request: SolveRequest,
  started: number,
  stopBefore = Infinity,
  start?: Float64Array,
  grid?: ObjectiveStep,
  exactOvershoot?: OvershootSearch,
): Promise<StageRun> {
  // The solvers (and their worker host) load only on the MIP path: a dedicated solve never needs them.
  const { checkSolution, solveRobustly } = await import("../backends/robust.js");
  const run: StageRun = { status: "optimal", reports: [], fixings: [], attempts: [], worstGap: 0, nodes: 0 };
  const setupSeconds = (performance.now() - started) / 1000;
  const stageCount = Math.min(lowered.stages.length, stopBefore);
  for (const [k, stage] of lowered.stages.entries()) {
    if (k >= stopBefore) break;
    const problem = stageProblem(lowered.base, run.fixings, stage);
    const held = run.values ?? start;
    if (stage.floor !== undefined && held && meetsFloor(problem, stage, held, checkSolution)) {
      // The start is feasible and on the stage's proven lower bound: optimal without a solve.
      run.values = held;
      run.reports.push({ name: stage.name, value: stageValue(stage, held) / (stage.normalizer ?? 1), status: "optimal", gap: 0, proof: "the MIP start meets the greedy's lower bound (structure.ts)" });
      run.fixings.push(fixingRow(stage, stageValue(stage, held), wave.model.stageTolerance));
      continue;
    }
    const remaining = request.timeLimitSeconds !== undefined ? stageSeconds(request.timeLimitSeconds, (performance.now() - started) / 1000, setupSeconds, stageCount - k) : undefined;
    const onGrid = grid && stage.name === "overshoot" ? grid : undefined;
    let incumbent: Float64Array | undefined;
    const previous = lowered.stages[k - 1];
    if (exactOvershoot && stage.name === "overshoot" && previous?.name === "sparsity" && run.values && run.reports[k - 1]?.status === "optimal") {
      // The count is fixed: the exact lot search (exact-stage.ts) may close the stage with no MIP, within half its time.
      const deadline = remaining !== undefined ? performance.now() + 500 * remaining : undefined;
      const found = exactOvershoot(Math.round(stageValue(previous, run.values)), deadline);
      if ("values" in found && checkSolution(problem, { status: "feasible", values: found.values, backend: "highs", version: "", seconds: 0 }) === undefined) {
        if (found.proven) {
          run.values = found.values;
          run.reports.push({ name: stage.name, value: stageValue(stage, found.values) / (stage.normalizer ?? 1), status: "optimal", gap: 0, proof: found.proof });
          run.fixings.push(fixingRow(stage, stageValue(stage, found.values), wave.model.stageTolerance));
          continue;
        }
        if (stageValue(stage, found.values) < stageValue(stage, run.values)) incumbent = found.values;
      }
    }
    const robust = await solveRobustly(problem, {
      // With an earlier stage's answer in hand, or a start to keep (a verified heuristic, the dedicated
      // answer), a spent limit ends the solve rather than a late fallback (seen: CBC killed at its
      // limit on a 2x10^4 lots-minmax MIP, then three more backends, then exit 4 with the start unused).
      ...(run.values || start ? { keepWithinLimit: true } : {}),
      ...(onGrid ? { mipAbsoluteGap: stepGap(onGrid, wave) } : {}),
      backend: request.backend ?? "highs",
      ...(request.fallbacks ? { fallbacks: [...request.fallbacks] } : {}),
      ...(remaining !== undefined ? { timeLimitSeconds: remaining } : {}),
      mipRelativeGap: request.mipRelativeGap ?? 0,
      // Each stage starts from the previous stage's optimum, which is feasible for it (the fixing
      // row holds with its tolerance); the first from the best heuristic, when one was lifted.
      ...(incumbent ? { start: incumbent } : run.values ? { start: run.values } : start ? { start } : {}),
      ...(request.backends ? { backends: request.backends } : {}),
    });
    const { attempts } = robust;
    let solution = robust.solution;
    let proof: string | undefined;
    if (onGrid && (solution.status === "optimal" || solution.status === "feasible") && solution.bound !== undefined) {
      const value = stageValue(stage, solution.values!);
      if (provedOnGrid(value, solution.bound, onGrid, wave)) {
        solution = { ...solution, status: "optimal", bound: roundedBound(solution.bound, onGrid, wave), gap: 0 };
        proof = `${solution.backend}'s bound, rounded up to the next whole ${onGrid.unit} of overshoot (lot values and budget are whole multiples of it), meets the incumbent`;
      } else if (solution.status === "optimal" && solution.gap !== undefined && solution.gap > (request.mipRelativeGap ?? 0) + 1e-5) {
        // Stopped within the absolute gap, but the grid does not close it: not proven.
        solution = { ...solution, status: "feasible" };
      }
    }
    run.attempts.push(...attempts);
    run.last = solution;
    run.nodes += solution.nodes ?? 0;
    if (solution.status === "limitNoSolution" && run.values === undefined && start && checkSolution(problem, { ...solution, status: "feasible", values: start }) === undefined) {
      // Nothing found within the limit on the first stage: the MIP start (a verified heuristic) is the answer, unproven.
      run.values = start;
      run.status = "feasible";
      run.worstGap = null;
      run.message = `stage ${stage.name}: no solution within the time limit; the MIP start is kept (gap unknown)`;
      break;
    }
    if (solution.status === "infeasible" || solution.status === "unbounded" || solution.status === "limitNoSolution") {
      if (run.values === undefined) {
        run.status = solution.status === "infeasible" ? "infeasible" : "error";
        run.message = `stage ${stage.name}: the solver reports ${solution.status}`;
      } else {
        // A later stage cannot be infeasible when the earlier one was solved: keep the incumbent, say so.
        run.status = "feasible";
        run.worstGap = null;
        run.message = `stage ${stage.name}: the solver reports ${solution.status}; the previous stage's solution is kept`;
      }
      break;
    }
    run.values = solution.values!;
    const scaled = stageValue(stage, run.values);
    const value = scaled / (stage.normalizer ?? 1);
    run.worstGap = worseGap(run.worstGap, solution);
    run.reports.push({ name: stage.name, value, status: solution.status, ...(solution.gap !== undefined ? { gap: solution.gap } : {}), ...(proof ? { proof } : {}) });
    if (solution.status !== "optimal") {
      run.status = "feasible";
      run.message = `stage ${stage.name} stopped at a limit (gap ${solution.gap ?? "unknown"}); later stages not run`;
      break;
    }
    const allowedGap = (request.mipRelativeGap ?? 0) + 1e-5;
    if (solution.gap !== undefined && solution.gap > allowedGap) {
      // The solver's word is not proof; its own dual bound is, and here it says the optimum is not proven.
      run.status = "feasible";
      run.message = `stage ${stage.name}: ${solution.backend} claims optimal but its own bound leaves a relative gap of ${solution.gap}; reported as feasible, later stages not run`;
      break;
    }
    run.fixings.push(fixingRow(stage, scaled, wave.model.stageTolerance));
  }
  return run;
}

/** Share of the time left that a stage gets while later stages follow (they share the one limit). */
export const STAGE_SHARE_WITH_LATER = 0.8;
/** Most of the limit kept back for mapping the answer back, repairing and verifying it. */
const MOST_RESERVED_SHARE = 0.25;

/**
 * Seconds for the next stage's solve within a limit of `limitSeconds` for the whole solve: what is
 * left after `elapsedSeconds`, less a reserve for the work after the last stage (repair, verify,
 * refutation: estimated at 1.5 × the set-up's `setupSeconds`, the same kind of passes over the
 * wave, at most a quarter of the limit), and, while `stagesLeft` > 1, only STAGE_SHARE_WITH_LATER of
 * it (a stage that ends early leaves its time to the next). At least 0.05 s.
 */
export function stageSeconds(limitSeconds: number, elapsedSeconds: number, setupSeconds: number, stagesLeft: number): number {
  const reserve = Math.min(MOST_RESERVED_SHARE * limitSeconds, 1.5 * setupSeconds + 0.05);
  const left = limitSeconds - elapsedSeconds - reserve;
  return Math.max(0.05, stagesLeft > 1 ? left * STAGE_SHARE_WITH_LATER : left);
}

/**
 * The worse of the gap proved so far and this stage's: a proven optimum without a reported gap
 * closes it (0); a stage that stopped short without a bound leaves the answer's gap unknown (null).
 */
export function worseGap(sofar: number | null, solution: Pick<SolverSolution, "status" | "gap">): number | null {
  if (sofar === null) return null;
  if (solution.gap !== undefined && Number.isFinite(solution.gap)) return Math.max(sofar, solution.gap);
  return solution.status === "optimal" ? sofar : null;
}

/**
 * The problem of lexicographic stage `stage` (0-based) with every earlier stage solved and fixed:
 * what `adl export --stage` writes. Throws SolverError if an earlier stage cannot be solved to optimality.
 */
export async function solveLexicographicStages(wave: Wave, lowered: LoweredWave, stage: number, backend: BackendChoice): Promise<LinearProblem> {
  const run = await runStages(wave, lowered, { backend }, performance.now(), stage);
  if (run.status !== "optimal") throw new SolverError(`cannot export stage ${stage + 1}: ${run.message ?? run.status}`, run.attempts.map(describeAttempt));
  return stageProblem(lowered.base, run.fixings, lowered.stages[stage]!);
}

function describeAttempt(attempt: Attempt): string {
  return `${attempt.backend}: ${attempt.outcome}${attempt.message ? ` (${attempt.message})` : ""}`;
}

async function solveLexicographic(
  wave: Wave,
  units: { readonly wave: Wave; readonly factor: number },
  lowered: LoweredWave,
  certificate: Certificate,
  names: readonly string[],
  request: SolveRequest,
  started: number,
): Promise<SolveResult> {
  const warm = lowered.base.integer.some((flag) => flag === 1) ? await warmStart(units.wave, lowered) : undefined;
  // The structure's own cover is built for the pruned columns (structure.ts); else the dedicated answer, else the heuristic.
  const dedicated = warm?.heuristic === "sparsity-greedy-cover" ? undefined : dedicatedStart(units.wave, lowered);
  const run = await runStages(units.wave, lowered, request, started, Infinity, dedicated?.values ?? warm?.values, overshootStep(units.wave, units.factor), exactStages(wave, units.factor, lowered, request));
  const stageUnits = stageUnitFactors(wave, units.factor);
  const inOriginalUnits = (report: StageReport): StageReport => {
    const unit = stageUnits[names.indexOf(report.name)] ?? 1;
    return unit === 1 ? report : { ...report, value: report.value / unit };
  };
  let status = run.status;
  let message = run.message;
  // No backend ran when an exact proof closed every stage (the answer's `proofs` name each): the
  // answer then says "exact", not the backend asked for ("auto" read as if a solver called auto had run).
  const noBackend = run.last === undefined && run.attempts.length === 0 && run.reports.length > 0;
  const solverInfo = {
    name: run.last?.backend ?? (noBackend ? "exact" : (request.backend ?? "highs")),
    version: run.last?.version ?? (noBackend ? workbenchVersion() : ""),
    seconds: (performance.now() - started) / 1000,
    gap: run.last || run.reports.length > 0 ? run.worstGap : null,
    nodes: run.last?.nodes !== undefined ? run.nodes : null,
    attempts: run.attempts,
    ...(dedicated ? { warmStart: dedicated.name } : warm ? { warmStart: warm.heuristic } : {}),
  };
  const path = `mip:${solverInfo.name}`;
  // The next backend in the order solves the wave again (below: a refuted "optimal", a rejected
  // allocation, an "infeasible" the certificate disproves). Under `auto` the backend that answered
  // stands first (it is what auto chose for this problem).
  const retryOthers = async (answer: SolveResult): Promise<SolveResult> => {
    const requested = request.backend ?? "highs";
    const primary: BackendName = requested === "auto" ? (solverInfo.name as BackendName) : requested;
    const order: BackendName[] = [primary, ...(request.fallbacks ?? backendNames.filter((name) => name !== primary))];
    const rest = order.slice(order.indexOf(solverInfo.name as BackendName) + 1);
    if (rest.length === 0) return answer;
    const retry = await solveLexicographic(wave, units, lowered, certificate, names, { ...request, backend: rest[0]!, fallbacks: rest.slice(1) }, started);
    const attempts = [...run.attempts, ...retry.solver.attempts];
    if (retry.status === "optimal") {
      return { ...retry, solver: { ...retry.solver, attempts }, message: `${solverInfo.name}'s answer was not kept (${answer.message ?? answer.status}); solved again by ${retry.solver.name}` };
    }
    return { ...answer, solver: { ...solverInfo, attempts } };
  };
  if (!run.values) {
    // A backend's "infeasible" against a decided certificate of feasibility (B = 1e15 + 14 = the
    // capacities' exact sum, which HiGHS's tolerances cannot hold) is no answer: an error, and the next backend.
    const disproved = status === "infeasible" && certificate.feasible && certificate.decided;
    if (disproved) {
      status = "error";
      message = `${message ?? "the solver reports infeasible"}, but the certificate proves the wave feasible (the promises allow ${certificate.coverable} >= B = ${wave.budget}): not an answer`;
    }
    const answered = status === "infeasible" ? { ...certificate, feasible: false } : certificate;
    const answer: SolveResult = { status, path, objective: [], stageNames: names, stages: run.reports.map(inOriginalUnits), certificate: answered, verified: null, solver: solverInfo, ...(message ? { message } : {}) };
    return disproved ? retryOthers(answer) : answer;
  }

  // The solver's rows hold to its own tolerance (1e-7 in its units, indicators to 1e-6, i.e. up to
  // 1e-6 solver units of dust): repair, then verify.
  const repair = repairAllocation(wave, unscaleAllocation(lowered.recover(run.values), units.factor), { absolute: 1e-6 / units.factor, relative: 0 });
  const allocation = repair.allocation;
  const verified = decideSeniority(wave, verifyAllocation(wave, allocation), run.reports.map(inOriginalUnits), `${run.last?.backend ?? "the backend"}`);
  // Stages lowered with a tangent approximation: their optimum is a lower bound on the true one.
  let stages: StageReport[] = run.reports.map(inOriginalUnits).map((report) => {
    const stage = lowered.stages.find((s) => s.name === report.name);
    const index = names.indexOf(report.name);
    if (stage?.approximation && index >= 0) {
      const trueValue = verified.objectives[index]!;
      // The approximation's value is a lower bound only where the stage was proven (seen: a stage
      // stopped with gap 1 on B = 1e-11 with lots, its incumbent reported as a "lower bound" above the
      // true optimum). An unproven stage reports no bound rather than a guessed one.
      if (report.status !== "optimal" || (report.gap ?? 0) > 1e-5) return report;
      return { ...report, lowerBound: report.value, errorBound: Math.max(0, trueValue - report.value) };
    }
    return report;
  });
  if (!verified.ok) {
    status = "error";
    message = `the verifier rejected the solver's allocation: ${verified.violations[0]?.message ?? ""}`;
  } else if (status === "optimal" && wave.positions && repair.notes.length > 0) {
    // Lots added after the solve (its coverage row let whole lots fall short of a B near 0): the
    // stages' proofs were about the allocation before them (seen: B = 3.5e-288, a lot added that is not the cheapest by the objective).
    status = "feasible";
    message = `the solver's lots fell short of the budget and the repair step added lots (${repair.notes.join("; ")}): optimality is not proven`;
  } else if (status === "optimal") {
    const approximated = new Set(lowered.stages.filter((stage) => stage.approximation).map((stage) => stage.name));
    const witness = warm ? { heuristic: warm.heuristic, allocation: unscaleAllocation(warm.allocation, units.factor) } : undefined;
    const bounds = names.map((name) => stages.find((report) => report.name === name)?.lowerBound);
    const disproof = disprove(wave, verified.objectives, witness, approximated, bounds) ?? unresolved(wave, units.factor, verified.objectives, names);
    if (disproof) {
      status = "feasible";
      message = disproof;
      // A refuted stage's "lower bound" is no bound: not reported as one.
      stages = stages.map(({ lowerBound: _lowerBound, errorBound: _errorBound, ...report }) => report);
    }
  }
  const answer: SolveResult = {
    status,
    path,
    allocation,
    ...(repair.notes.length ? { repairs: repair.notes } : {}),
    objective: verified.objectives,
    stageNames: names,
    stages,
    certificate,
    verified,
    solver: solverInfo,
    ...(message ? { message } : {}),
  };
  if (status !== "error" && !(status === "feasible" && run.status === "optimal")) return answer;
  // The backend's "optimal" was refuted, or its allocation rejected: the robust layer could not see
  // that (its vector satisfied the rows).
  return retryOthers(answer);
}

/**
 * The first stage's start from the dedicated exact algorithm's answer (solver units), lifted to the
 * columns, when the wave's structure has one: for an LP HiGHS starts simplex from the basis it
 * defines (highs.ts), for a MIP it is the incumbent from the first node (lots-minmax at 2x10^4: the
 * breakpoint search's optimum, where the production heuristic's start had max fraction 1.0). Either
 * way the proof stays the solver's; when no solver answers within the limit, the start is kept as
 * a feasible answer with its gap unknown. O(n) plus the algorithm.
 */
function dedicatedStart(scaled: Wave, lowered: LoweredWave): { name: string; values: Float64Array } | undefined {
  const dedicated = solveDedicated(scaled);
  if (!dedicated || !verifyAllocation(scaled, dedicated.allocation).ok) return undefined;
  return { name: `dedicated:${dedicated.algorithm}`, values: lowered.lift(dedicated.allocation) };
}

/** The exact overshoot search (exact-stage.ts) is part of "structure first": off when the plain MIP is asked for (`lower.structure: false`). */
function exactStages(wave: Wave, factor: number, lowered: LoweredWave, request: SolveRequest): OvershootSearch | undefined {
  return request.lower?.structure === false ? undefined : overshootSearch(wave, factor, lowered);
}

/**
 * The verifier cannot decide lexicographic seniority with lots or a binding maxAccounts (no closed
 * form; verify.ts); this solve can, the way `adl validate` does: its seniority stages ran first, and
 * when each was proven optimal (a dual bound or a proving backend's agreement: status "optimal")
 * their values are the least possible senior totals. An allocation within the verifier's seniority
 * allowance of them is decided (kept); otherwise the verdict stays undecided. The verifier itself
 * imports no solver (test/verify/independence.test.ts): the decision is made here and noted. O(stages).
 */
function decideSeniority(wave: Wave, verdict: Verdict, reports: readonly StageReport[], backend: string): Verdict {
  if (!verdict.ok || !verdict.undecided.includes("seniority")) return verdict;
  const names = stageNames(wave);
  const senior = names.filter((name) => name.startsWith("layer:"));
  const tol = tolerance(wave);
  for (const [s, name] of senior.entries()) {
    const report = reports.find((r) => r.name === name);
    if (!report || report.status !== "optimal") return verdict;
    const taken = verdict.objectives[s]!;
    const least = report.value;
    // The verifier's seniority allowance (verify.ts): against the least senior total itself, never B.
    const allowed = tol.absolute + Math.max(tol.relative, wave.model.stageTolerance) * Math.abs(least);
    // A gap the backend accepted leaves the true minimum up to gap * |value| lower: proven only within the allowance.
    if ((report.gap ?? 0) * Math.max(1, Math.abs(least)) > allowed) return verdict;
    if (taken - least > allowed) return verdict;
  }
  return {
    ...verdict,
    undecided: verdict.undecided.filter((c) => c !== "seniority"),
    notes: [...verdict.notes, `seniority: decided by this solve's seniority stages (${senior.join(", ")}), each proven optimal by ${backend}; the allocation's senior totals are at those minima`],
  };
}

interface FixingRow {
  readonly name: string;
  readonly index: Int32Array;
  readonly value: Float64Array;
  readonly lower: number;
  readonly upper: number;
}

/** The problem of one stage: the base constraints, every earlier stage fixed at its optimum, this stage's objective. */
export function stageProblem(base: LinearProblem, fixings: readonly FixingRow[], stage: LexStage): LinearProblem {
  return withExtraRows(base, fixings, stage.cost, stage.constant);
}

/** True if `values` satisfy the stage problem (robust.ts's check) and sit on the stage's proven floor. */
function meetsFloor(problem: LinearProblem, stage: LexStage, values: Float64Array, checkSolution: (problem: LinearProblem, solution: SolverSolution) => string | undefined): boolean {
  if (checkSolution(problem, { status: "feasible", values, backend: "highs", version: "", seconds: 0 }) !== undefined) return false;
  const value = stageValue(stage, values);
  return stage.integral ? Math.round(value) <= stage.floor! : value <= stage.floor! + 1e-9 * Math.max(1, Math.abs(stage.floor!));
}

function stageValue(stage: LexStage, values: Float64Array): number {
  let value = stage.constant;
  for (let j = 0; j < stage.cost.length; j++) if (stage.cost[j] !== 0) value += stage.cost[j]! * values[j]!;
  return value;
}

/**
 * cost · x <= z* - constant + tolerance, the tolerance being the model's relative stage tolerance
 * (times max(1, |z*|)): tight enough that the verifier's seniority and objective checks (1e-9
 * relative) hold, loose enough that the next stage is not made infeasible by rounding. Integral
 * stages (counts) fix exactly.
 */
function fixingRow(stage: LexStage, optimum: number, relativeTolerance: number): FixingRow {
  const index: number[] = [];
  const value: number[] = [];
  for (let j = 0; j < stage.cost.length; j++) {
    if (stage.cost[j] !== 0) {
      index.push(j);
      value.push(stage.cost[j]!);
    }
  }
  const rhs = optimum - stage.constant;
  const slack = stage.integral ? 0.5 : relativeTolerance * Math.max(1, Math.abs(rhs));
  const upper = stage.integral ? Math.round(rhs) + slack : rhs + slack;
  return { name: `fix_${stage.name.replace(/[^A-Za-z0-9_]/g, "_")}`, index: Int32Array.from(index), value: Float64Array.from(value), lower: -Infinity, upper };
}

/**
 * The MIP start for the first stage: a production heuristic matched to the model (a queue for
 * sparsity and overshoot, pro-rata for minmax and convex; inside a ladder when there are layers,
 * executed in lots when there are lots), kept only if the verifier accepts it.
 */
async function warmStart(wave: Wave, lowered: LoweredWave): Promise<{ heuristic: string; values: Float64Array; allocation: Allocation } | undefined> {
  const cover = lowered.structure?.cover;
  // The sparsity greedy's cover touches the fewest accounts there are (when its count meets the
  // floor), where a queue by capacity may touch more, or touch accounts the structure pruned.
  if (cover && verifyAllocation(wave, cover).ok) return { heuristic: "sparsity-greedy-cover", values: lowered.lift(cover), allocation: cover };
  const first = wave.objectives[0];
  let name = first ? moduleOf(first).warmStart : "queue:capacity";
  if (wave.positions) name = `lots-floor-topup(${name})`;
  if (wave.layers) name = `ladder(${name})`;
  try {
    // Heuristics load only here, on the MIP path.
    const { getHeuristic } = await import("../../heuristics/index.js");
    const allocation = getHeuristic(name).allocate(wave, { seed: 1 });
    if (!verifyAllocation(wave, allocation).ok) return undefined;
    return { heuristic: name, values: lowered.lift(allocation), allocation };
  } catch {
    // A heuristic that cannot run on this wave (a missing column) just means no start.
    return undefined;
  }
}

/**
 * A solver's "optimal" is a claim; a verified allocation that is lexicographically better (on the
 * stages solved exactly, not on a tangent approximation) refutes it. The witnesses are the dedicated exact algorithm (where the structure has one) and the MIP
 * start's heuristic. Seen with HiGHS 1.15 (WASM): an LP vertex 15x worse than the optimum reported
 * "Optimal" on a 10^5-account pro-rata wave. Returns the refutation, or undefined.
 */
function disprove(
  wave: Wave,
  objective: readonly number[],
  warm: { heuristic: string; allocation: Allocation } | undefined,
  approximated: ReadonlySet<string>,
  bounds: readonly (number | undefined)[] = [],
): string | undefined {
  const witnesses: { name: string; allocation: Allocation }[] = [];
  const dedicated = solveDedicated(wave);
  if (dedicated) witnesses.push({ name: `the dedicated algorithm ${dedicated.algorithm}`, allocation: dedicated.allocation });
  if (warm) witnesses.push({ name: `the heuristic ${warm.heuristic}`, allocation: warm.allocation });
  const names = stageNames(wave);
  for (const witness of witnesses) {
    const verdict = verifyAllocation(wave, witness.allocation);
    if (!verdict.ok) continue;
    for (let s = 0; s < objective.length; s++) {
      const theirs = verdict.objectives[s]!;
      const ours = objective[s]!;
      if (approximated.has(names[s]!)) {
        // A tangent-approximated stage's true value may well be beaten (by up to its error bound), but
        // its solved value is a lower bound on every allocation's: a verified one below it refutes the
        // solve (seen: HiGHS's "bound" 0.178 beside a 1e15 account, the exact optimum 0.0075).
        const bound = bounds[s];
        const slack = 1e-7 * Math.max(1, Math.abs(bound ?? 0)) + wave.model.stageTolerance * Math.max(1, Math.abs(bound ?? 0));
        if (bound !== undefined && theirs < bound - slack) {
          return `the solver's claim of optimality is refuted: ${witness.name} gives a verified allocation with ${names[s]} = ${theirs}, below the solved lower bound ${bound}; reported as feasible`;
        }
        break;
      }
      // Stages in dollars (a layer's total, overshoot) are also judged at the verifier's absolute
      // tolerance: on a wave of 1e12 dollars, sum h - B carries rounding of ~1e-4 (seen: an overshoot
      // of 1e-6 "refuted" by a heuristic's 0 at B = the capacity sum).
      const money = names[s]!.startsWith("layer:") || names[s] === "overshoot" ? allowance(feasibilityTolerance, wave.budget) : 0;
      const tolerance = 1e-7 * Math.max(1, Math.abs(ours)) + wave.model.stageTolerance * Math.max(1, Math.abs(ours)) + money;
      if (theirs < ours - tolerance) {
        return `the solver's claim of optimality is refuted: ${witness.name} gives a verified allocation with ${names[s]} = ${theirs} < ${ours}; reported as feasible`;
      }
      if (theirs > ours + tolerance) break;
    }
  }
  return undefined;
}

/** Below this many solver units an amount is within 10 times HiGHS's and GLPK's feasibility tolerance (1e-7): the solver cannot see it. */
const SOLVER_RESOLUTION = 1e-6;

/**
 * A convex stage's proof covers only the accounts the solver can resolve: an account whose most
 * takeable amount is below SOLVER_RESOLUTION in solver units (units.ts; beside a 1e15 account, one of
 * a few dollars) may be charged its full haircut at no visible cost in the solver's rows, while its
 * cost in the objective, w_i phi(h_i / c_i), is anything but small. When those accounts could add more
 * than the stage's tolerance, the solver's "optimal" proves nothing about them: the reason, else undefined. O(n).
 */
function unresolved(wave: Wave, factor: number, objective: readonly number[], names: readonly string[]): string | undefined {
  const index = names.indexOf("convex");
  const convex = wave.objectives.find((o) => o.kind === "convex");
  if (index < 0 || !convex || convex.kind !== "convex") return undefined;
  const phi = phiEvaluator(convex.phi);
  let hidden = 0;
  let accounts = 0;
  for (let i = 0; i < wave.ids.length; i++) {
    const upper = wave.upper[i]!;
    const c = wave.capacity[i]!;
    if (!(upper > 0) || !(c > 0) || upper * factor >= SOLVER_RESOLUTION) continue;
    hidden += convex.weight[i]! * phi(Math.min(1, upper / c));
    accounts++;
  }
  const value = objective[index]!;
  const tolerance = 1e-7 * Math.max(1, Math.abs(value)) + wave.model.stageTolerance * Math.max(1, Math.abs(value));
  if (hidden <= tolerance) return undefined;
  return `${accounts} account${accounts === 1 ? "" : "s"} below the solver's resolution in its money units (the largest amount is ~2^20 units; these are under ${SOLVER_RESOLUTION}) could change the convex stage by up to ${hidden}: its optimality is not proven; reported as feasible`;
}
