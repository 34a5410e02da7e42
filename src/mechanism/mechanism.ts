/**
 * The one Mechanism: a model solved exactly or a heuristic rule, run on a wave, its allocation
 * checked by the independent verifier once and classified by the one rule (verdict.ts). The runner,
 * compare, validate, the simulator, exposure, the frontier and the moral-hazard metrics all run
 * mechanisms through this interface; what each keeps of an Outcome is its own business.
 */
import type { Allocation, Model, Wave } from "../domain.js";
import { certify, type Certificate } from "../pipeline/certificate/certificate.js";
import type { Heuristic } from "../heuristics/heuristic.js";
import { solveWave, type SolveRequest, type SolveResult, type SolveStatus } from "../pipeline/solve/solve.js";
import { verifyAllocation, type Verdict, type Violation } from "../pipeline/verify/verify.js";
import { heuristicPlan, modelPlan, type ClosedFormPlan } from "./closed-form.js";
import { classifyVerdict } from "./verdict.js";

/** exact: a model's proven lexicographic optimum (solveWave); heuristic: a production rule's allocation. */
export type MechanismKind = "exact" | "heuristic";

/** An exact solve's status, or "heuristic" for a rule's allocation (it proves nothing about optimality). */
export type OutcomeStatus = SolveStatus | "heuristic";

/** What a run may be told. */
export interface RunContext {
  /** Seed for rules with a random element (the dYdX walk); default 1. */
  readonly seed?: number;
  /** Backend, time limit, gap and path of an exact solve. */
  readonly solve?: SolveRequest;
  /** The wave's certificate when the caller already has it (so it is computed once). */
  readonly certificate?: Certificate;
}

/** One run of a mechanism on a wave. */
export interface Outcome {
  /** Absent when the solve found none (infeasible wave, solver failure). */
  readonly allocation?: Allocation;
  readonly status: OutcomeStatus;
  /** "heuristic", "dedicated:<algorithm>", "mip:<backend>" ("mip:exact": every stage closed by an exact proof) or "certificate". */
  readonly path: string;
  /** The independent verifier's verdict on the allocation (null without one). */
  readonly verdict: Verdict | null;
  /** Violations the mechanism declares or the certificate excuses (verdict.ts). */
  readonly declared: readonly Violation[];
  /** Every other violation: a bug or a broken promise. */
  readonly unexpected: readonly Violation[];
  /** The mechanism's own time: the solve, or `allocate` alone (not the verifier). */
  readonly seconds: number;
  /** The wave's certificate when the run computed one (an exact solve always does; a heuristic only to judge a shortfall). */
  readonly certificate?: Certificate;
  /** The solver's whole answer (stages, gap, nodes, partial allocation), for an exact mechanism. */
  readonly solve?: SolveResult;
  readonly message?: string;
}

/** An exact mechanism's outcome: the solver's answer and the certificate are always there. */
export interface ExactOutcome extends Outcome {
  readonly certificate: Certificate;
  readonly solve: SolveResult;
}

/** The exact mechanism of a model: its runs always carry the solver's answer. */
export interface ExactMechanism extends Mechanism {
  run(wave: Wave, context?: RunContext): Promise<ExactOutcome>;
}

export interface Mechanism {
  /** Display name: the heuristic's registry name, or the model's name. */
  readonly name: string;
  readonly kind: MechanismKind;
  /** The model solved (exact), or the one whose constraints judge the rule; absent: the wave's own. */
  readonly model?: Model;
  /** The rule (heuristic mechanisms). */
  readonly rule?: Heuristic;
  /** Runs the mechanism on the wave; throws what the rule throws (a ModelError for a missing column). */
  run(wave: Wave, context?: RunContext): Promise<Outcome>;
  /** The map budget → haircuts on this wave in closed form, or why there is none; absent: never one. */
  closedForm?(wave: Wave, context?: RunContext): ClosedFormPlan | string;
}

/**
 * The exact mechanism of a model (absent: of whatever model the wave is bound to): solveWave, whose
 * certificate and verdict travel in the Outcome as they are (no second certificate, no second
 * verification). O(the solve).
 */
export function exactMechanism(model?: Model, name = model?.name ?? "model"): ExactMechanism {
  return {
    name,
    kind: "exact",
    ...(model !== undefined ? { model } : {}),
    async run(wave: Wave, context: RunContext = {}): Promise<ExactOutcome> {
      const result = await solveWave(wave, context.solve ?? {});
      const verdict = result.verified;
      const { declared, unexpected } = verdict ? classifyVerdict(verdict, [], result.certificate) : { declared: [], unexpected: [] };
      return {
        ...(result.allocation ? { allocation: result.allocation } : {}),
        status: result.status,
        path: result.path,
        verdict,
        declared,
        unexpected,
        seconds: result.solver.seconds,
        certificate: result.certificate,
        solve: result,
        ...(result.message !== undefined ? { message: result.message } : {}),
      };
    },
    closedForm: (wave) => modelPlan(wave),
  };
}

/**
 * The mechanism of a heuristic rule, judged by `model` (absent: the wave's own): allocate, then the
 * verifier, then the classification. Time is measured around `allocate` only. O(the rule + verify).
 */
export function heuristicMechanism(rule: Heuristic, model?: Model): Mechanism {
  return {
    name: rule.name,
    kind: "heuristic",
    rule,
    ...(model !== undefined ? { model } : {}),
    async run(wave, context = {}) {
      const started = performance.now();
      const allocation = rule.allocate(wave, { seed: context.seed ?? 1 });
      const seconds = (performance.now() - started) / 1000;
      const verdict = verifyAllocation(wave, allocation);
      let certificate = context.certificate;
      const { declared, unexpected } = classifyVerdict(verdict, rule.ignores, () => (certificate ??= certify(wave)));
      return { allocation, status: "heuristic", path: "heuristic", verdict, declared, unexpected, seconds, ...(certificate ? { certificate } : {}) };
    },
    closedForm: (wave, context = {}) => heuristicPlan(wave, rule, context.seed ?? 1),
  };
}
