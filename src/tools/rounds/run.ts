/**
 * Online policies over a round sequence (DESIGN.md §9; arXiv 2602.15182 §3-§5): a policy picks the
 * severity theta_t from start-of-round information only (the round's deficit and winners, and what
 * earlier rounds revealed) and an allocation rule, and is scored by its cumulative loss, its static,
 * dynamic and policy-class regret, the Proposition 1 bound on its severity loss, its undershoot
 * V_T = sum [B^need - H]_+ and the stability diagnostics. Every allocation goes through the
 * independent verifier against the round's wave with the chosen budget.
 */
import type { Allocation, Wave } from "../../domain.js";
import { UsageError } from "../../errors.js";
import { getHeuristic, type Heuristic } from "../../heuristics/index.js";
import { classifyVerdict } from "../../mechanism/verdict.js";
import { relaxedWave } from "../../heuristics/rule.js";
import { solveWave, type SolveRequest } from "../../pipeline/solve/solve.js";
import { certify } from "../../pipeline/certificate/certificate.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { absTol, relTol } from "../../floor/numeric/tolerance.js";
import { verifyAllocation } from "../../pipeline/verify/verify.js";
import { deficitNorm, instanceBound, neededSeverity, ogdSeverityStep, propositionStep, severityVariation, squaredDeficits } from "./bound.js";
import { comparatorLoss, dynamicComparator, roundGeometry, staticComparator, type StaticComparator } from "./comparators.js";
import { DEFAULT_WEIGHTS, fractionBaseOf, maxFraction, roundLoss, type LossWeights } from "./loss.js";
import { VectorMirrorDescent } from "./mirror.js";
import type { Round, RoundSequence } from "./round.js";
import { burdenById, monotonicityViolations, rankStability } from "./stability.js";

/** How a policy picks theta_t. Only "needed" looks at the round's own outcome: it is the ex post reference, not a deployable policy. */
export type SeverityRule =
  | { readonly kind: "fixed"; readonly theta: number }
  | { readonly kind: "cover-all" }
  /** Projected OGD on theta (Proposition 1); eta defaults to the proposition's step, tuned in hindsight like the bound; start defaults to 1. */
  | { readonly kind: "ogd"; readonly eta?: number; readonly start?: number }
  /** The reference production mechanism's severity H_t^prod / D_t (rounds must carry `production`). */
  | { readonly kind: "production" }
  /** The ex ante estimate B̂_t^need / D_t (rounds must carry `estimate`). */
  | { readonly kind: "estimate" }
  | { readonly kind: "needed" };

/** How a policy splits B_t. */
export type AllocationRule =
  /** Any registry name (queue:bitmex, pro-rata:wealth, risk-weighted, pro-rata:contracts, …). */
  | { readonly kind: "heuristic"; readonly name: string }
  /** The exact min-max of h_i / c_i through the solve API on the round without lots (capped water-filling: the continuous ex post reference). */
  | { readonly kind: "minmax" }
  /** The same in whole lots when the round has them (lots min-max by breakpoints, or the MIP); it must be proven optimal. */
  | { readonly kind: "minmax-lots" }
  /** Vector mirror descent learning across rounds, eta_t = eta0 / sqrt(t) (default eta0 0.15, the reference's). */
  | { readonly kind: "vector-md"; readonly eta0?: number }
  /** The production mechanism's recorded haircuts (rounds must carry `production.haircut`). */
  | { readonly kind: "production" };

export interface PolicySpec {
  readonly name: string;
  readonly severity: SeverityRule;
  readonly allocation: AllocationRule;
}

export interface RunOptions {
  readonly weights?: Partial<LossWeights>;
  /** Seed for heuristics with a random element. */
  readonly seed?: number;
  /** How the exact min-max rule solves (default: the solve API's defaults). */
  readonly solve?: SolveRequest;
}

/** One policy in one round: the plain row reports and charts read (dollars; theta and fractions dimensionless). */
export interface RoundRow {
  readonly policy: string;
  /** 1-based round number. */
  readonly round: number;
  readonly label: string;
  readonly theta: number;
  readonly thetaNeeded: number;
  readonly deficit: number;
  /** B_t = theta_t D_t, capped at what the round's accounts can cover. */
  readonly budget: number;
  /** H_t = sum of the haircuts. */
  readonly haircut: number;
  readonly needed: number;
  readonly maxFraction: number;
  readonly tracking: number;
  readonly fairness: number;
  readonly loss: number;
  readonly cumulativeLoss: number;
  /** The best per-round comparator's loss this round (dynamic regret's benchmark). */
  readonly comparatorLoss: number;
  readonly cumulativeDynamicRegret: number;
  /** D_t |theta_t - theta_t^need|. */
  readonly severityLoss: number;
  readonly cumulativeSeverityLoss: number;
  /** sqrt((1 + 2 P_t) sum_{s<=t} D_s^2): the instance bound over the rounds so far. */
  readonly cumulativeBound: number;
  /** Adjacent-pair share of residual-order flips in this round. */
  readonly monotonicityViolations: number;
  /** Spearman of x/u with the previous round over shared accounts; null when undefined or for the first round. */
  readonly rankStability: number | null;
  /** The verifier's verdict on the allocation (declared = violations of promises the rule does not make). */
  readonly verified: boolean;
}

export interface PolicyResult {
  readonly name: string;
  readonly severity: SeverityRule;
  readonly allocation: AllocationRule;
  /** sum_t l_t and its parts, dollars. */
  readonly loss: number;
  readonly tracking: number;
  readonly fairness: number;
  /** V_T = sum_t [B^need - H]_+ and sum_t [H - B^need]_+. */
  readonly undershoot: number;
  readonly overshoot: number;
  readonly regret: {
    /** Against the best fixed severity with the min-max allocation. */
    readonly static: number;
    /** Against the best per-round action. */
    readonly dynamic: number;
    /** Against the best policy of this run (eq. 14); 0 for the best. */
    readonly policyClass: number;
    /** Against the min-max allocation of the policy's own budgets: what the allocation rule costs given its severity (the paper's §4.1 comparator when B_t is fixed). */
    readonly allocation: number;
  };
  /** sum_t D_t |theta_t - theta_t^need|: dynamic severity regret against theta*_t = theta_t^need (comparator loss 0). */
  readonly severityRegret: number;
  /** severityRegret <= the Proposition 1 bound (guaranteed for "ogd" with its default step). */
  readonly withinBound: boolean;
  /** loss / bound. */
  readonly shareOfBound: number;
  readonly stability: {
    /** Mean over rounds of the share of flipped adjacent pairs. */
    readonly monotonicityViolations: number;
    /** Mean Spearman over consecutive round pairs where defined; null when none is. */
    readonly rankStability: number | null;
    readonly rankPairs: number;
  };
  /** Rounds whose allocation the verifier accepted outright, and the promises the rule broke by declaration (e.g. coverage for pro-rata:contracts). */
  readonly verified: { readonly rounds: number; readonly accepted: number; readonly declared: readonly string[] };
  /** The OGD step used, when the severity rule is "ogd". */
  readonly step?: number;
  /** Wall time of this policy's rounds, seconds (informative; benchmarks read it, tests never). */
  readonly seconds: number;
  /** CPU time of the process over this policy's rounds (user + system), seconds. */
  readonly cpuSeconds: number;
}

export interface RoundsResult {
  readonly name: string;
  readonly source: string;
  readonly rounds: number;
  readonly weights: LossWeights;
  /** P_T over the capped needed severities. */
  readonly severityVariation: number;
  readonly sumSquaredDeficits: number;
  /** sqrt((1 + 2 P_T) sum D^2), dollars. */
  readonly bound: number;
  /** Proposition 1's step sqrt((1 + 2 P_T) / sum D^2). */
  readonly step: number;
  readonly comparators: { readonly static: StaticComparator; readonly dynamicLoss: number };
  readonly policies: readonly PolicyResult[];
  readonly rows: readonly RoundRow[];
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Checks a policy spec's numbers; UsageError naming the policy. O(1). */
function checkPolicy(policy: PolicySpec): void {
  const where = { path: `policies ${policy.name}` };
  const s = policy.severity;
  if (s.kind === "fixed" && !(s.theta >= 0 && s.theta <= 1)) throw new UsageError(where, "a fixed severity theta in [0, 1]", String(s.theta));
  if (s.kind === "ogd" && s.eta !== undefined && !(Number.isFinite(s.eta) && s.eta > 0)) throw new UsageError(where, "an OGD step eta > 0", String(s.eta));
  if (s.kind === "ogd" && s.start !== undefined && !(s.start >= 0 && s.start <= 1)) throw new UsageError(where, "an OGD start theta in [0, 1]", String(s.start));
  const a = policy.allocation;
  if (a.kind === "vector-md" && a.eta0 !== undefined && !(Number.isFinite(a.eta0) && a.eta0 > 0)) throw new UsageError(where, "a mirror-descent eta0 > 0", String(a.eta0));
}

/** A policy's running state: the learners and the diagnostics carried from round to round. */
interface PolicyState {
  theta: number;
  readonly heuristic?: Heuristic;
  readonly learner?: VectorMirrorDescent;
  previousBurden?: Map<string, number>;
}

function severityOf(policy: PolicySpec, state: PolicyState, round: Round, t: number): number {
  const s = policy.severity;
  const D = round.deficit;
  switch (s.kind) {
    case "fixed":
      return s.theta;
    case "cover-all":
      return 1;
    case "ogd":
      return state.theta;
    case "needed":
      return neededSeverity(round.needed, D);
    case "production":
    case "estimate": {
      const amount = s.kind === "production" ? round.production?.total : round.estimate;
      if (amount === undefined) throw new UsageError({ path: `policies ${policy.name}` }, `rounds with ${s.kind === "production" ? "a production haircut" : "an ex ante estimate"} (severity: ${s.kind})`, `none in round ${t + 1} (${round.label})`);
      return neededSeverity(amount, D);
    }
  }
}

async function allocate(policy: PolicySpec, state: PolicyState, round: Round, wave: Wave, request: SolveRequest | undefined, seed: number): Promise<{ allocation: Allocation; checkedOn: Wave; heuristic?: Heuristic }> {
  const a = policy.allocation;
  switch (a.kind) {
    case "heuristic":
      return { allocation: state.heuristic!.allocate(wave, { seed }), checkedOn: wave, heuristic: state.heuristic! };
    case "minmax":
    case "minmax-lots": {
      const target = a.kind === "minmax" ? relaxedWave(wave, []) : wave;
      const result = await solveWave(target, request ?? {});
      if (result.allocation === undefined || result.status !== "optimal") throw new Error(`policy ${policy.name}: the exact min-max did not solve round ${round.label} (${result.status}: ${result.message ?? result.path})`);
      return { allocation: result.allocation, checkedOn: target };
    }
    case "vector-md": {
      // A continuous rule: judged on the round without lots (the verifier then checks caps and coverage).
      const continuous = relaxedWave(wave, []);
      return { allocation: { haircut: state.learner!.allocate(wave.ids, continuous.upper, wave.budget) }, checkedOn: continuous };
    }
    case "production": {
      const production = round.production;
      if (production?.haircut === undefined) throw new UsageError({ path: `policies ${policy.name}` }, "rounds with per-account production haircuts (allocation: production)", `none in round ${round.label}`);
      const withLots = production.lots !== undefined && wave.positions !== undefined;
      return { allocation: { haircut: production.haircut, ...(withLots ? { lots: production.lots! } : {}) }, checkedOn: withLots ? wave : relaxedWave(wave, []) };
    }
  }
}

/**
 * Runs every policy over the sequence (see the module comment) and returns the per-policy results,
 * the comparators and one row per policy and round. Throws UsageError for a policy that needs data
 * the rounds lack; an allocation the verifier rejects for a promise the rule makes is a bug and
 * throws. O(policies * rounds * allocation cost) plus the comparators, O(T^2) for the static one.
 */
export async function runRounds(sequence: RoundSequence, policies: readonly PolicySpec[], options: RunOptions = {}): Promise<RoundsResult> {
  const weights: LossWeights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const rounds = sequence.rounds;
  const T = rounds.length;
  if (T === 0) throw new UsageError({ path: sequence.source }, "at least one round", "none");
  if (policies.length === 0) throw new UsageError({ path: "policies" }, "at least one policy", "none");
  const names = new Set<string>();
  for (const policy of policies) {
    checkPolicy(policy);
    if (names.has(policy.name)) throw new UsageError({ path: "policies" }, "distinct policy names", `${JSON.stringify(policy.name)} twice`);
    names.add(policy.name);
  }

  const deficits = rounds.map((r) => r.deficit);
  const thetaNeeded = rounds.map((r) => neededSeverity(r.needed, r.deficit));
  const variation = severityVariation(thetaNeeded);
  const sumSquares = squaredDeficits(deficits);
  const norm = deficitNorm(deficits);
  const bound = instanceBound(variation, norm);
  const step = propositionStep(variation, norm);
  const cumulativeBound = rounds.map((_, t) => instanceBound(severityVariation(thetaNeeded.slice(0, t + 1)), deficitNorm(deficits.slice(0, t + 1))));

  const geometry = rounds.map((round) => roundGeometry(round, weights));
  const dynamic = rounds.map((round, t) => dynamicComparator(round, geometry[t]!, weights));
  const dynamicLoss = dynamic.reduce((s, d) => s + d.loss, 0);
  const best = staticComparator(rounds, geometry, weights);
  // With lots, coverage is decided exactly on sum v q, and the certificate's coverable amount is a
  // float sum of many lot amounts that may round a few ulps above the exact one: a budget capped at
  // it keeps 1e-12 of it back (immaterial to every loss; a cover-all round still takes every lot).
  const coverable = rounds.map((round) => {
    const most = certify(round.wave).coverable;
    return round.wave.positions !== undefined ? most * (1 - 1e-12) : most;
  });
  const absolute = rounds.map(() => absTol);
  const bases = rounds.map((round) => fractionBaseOf(round.wave, weights.fractionBase, `round ${round.label}`));

  const rows: RoundRow[] = [];
  const results: (Omit<PolicyResult, "regret"> & { allocationRegret: number })[] = [];
  for (const policy of policies) {
    const state: PolicyState = {
      theta: policy.severity.kind === "ogd" ? (policy.severity.start ?? 1) : 0,
      ...(policy.allocation.kind === "heuristic" ? { heuristic: getHeuristic(policy.allocation.name) } : {}),
      ...(policy.allocation.kind === "vector-md" ? { learner: new VectorMirrorDescent(policy.allocation.eta0 ?? 0.15) } : {}),
    };
    const eta = policy.severity.kind === "ogd" ? (policy.severity.eta ?? step) : undefined;
    const sums = { loss: new CompensatedSum(), tracking: new CompensatedSum(), fairness: new CompensatedSum(), under: new CompensatedSum(), over: new CompensatedSum(), severity: new CompensatedSum(), regret: new CompensatedSum(), allocationRegret: new CompensatedSum() };
    let monotonicity = 0;
    let rankSum = 0;
    let rankPairs = 0;
    let accepted = 0;
    const declared = new Set<string>();
    const started = performance.now();
    const cpu = process.cpuUsage();

    for (let t = 0; t < T; t++) {
      const round = rounds[t]!;
      const theta = severityOf(policy, state, round, t);
      const budget = Math.min(theta * round.deficit, coverable[t]!);
      const wave: Wave = { ...round.wave, budget };
      const { allocation, checkedOn, heuristic } = await allocate(policy, state, round, wave, options.solve, options.seed ?? 1);
      const verdict = verifyAllocation(checkedOn, allocation);
      if (verdict.ok) accepted++;
      if (heuristic !== undefined) {
        // The mechanism home's one classification; a round's budget is at most what its wave can
        // cover, so the coverage excuse for infeasible waves never applies here.
        const { unexpected } = classifyVerdict(verdict, heuristic.ignores, { feasible: true });
        if (unexpected.length > 0) throw new Error(`policy ${policy.name}: ${heuristic.name} broke a promise it makes in round ${round.label}: ${unexpected[0]!.message}`);
      } else if (!verdict.ok && policy.allocation.kind !== "production") {
        throw new Error(`policy ${policy.name}: the verifier rejected round ${round.label}: ${verdict.violations[0]?.message ?? verdict.notes[0]}`);
      }
      for (const v of verdict.violations) declared.add(v.constraint);

      const haircut = allocation.haircut;
      const total = new CompensatedSum();
      for (let i = 0; i < haircut.length; i++) total.add(haircut[i]!);
      const H = total.value;
      const fraction = maxFraction(haircut, bases[t]!, weights);
      const loss = roundLoss(H, round.needed, fraction.value, weights);
      const severityLoss = round.deficit * Math.abs(theta - thetaNeeded[t]!);
      sums.loss.add(loss.loss);
      sums.tracking.add(loss.tracking);
      sums.fairness.add(loss.fairness);
      sums.under.add(Math.max(0, round.needed - H));
      sums.over.add(Math.max(0, H - round.needed));
      sums.severity.add(severityLoss);
      sums.regret.add(loss.loss - dynamic[t]!.loss);
      sums.allocationRegret.add(loss.loss - comparatorLoss(round, geometry[t]!, budget, weights));

      const capacity = round.wave.capacity;
      // A flip smaller than the coverage allowance (1e-12 B) is where a rule's rounding repair put
      // the last dust of the budget, not an order the rule chose.
      const mono = monotonicityViolations(capacity, haircut, absolute[t]! + relTol * budget);
      monotonicity += mono.share;
      const burden = burdenById(round.wave.ids, capacity, haircut);
      const stability = state.previousBurden === undefined ? null : rankStability(state.previousBurden, burden);
      if (stability !== null) {
        rankSum += stability;
        rankPairs++;
      }
      state.previousBurden = burden;

      if (eta !== undefined) state.theta = ogdSeverityStep(state.theta, thetaNeeded[t]!, round.deficit, eta);
      if (state.learner !== undefined) {
        const j = fraction.account;
        const base = j >= 0 ? bases[t]![j]! + weights.eps : 0;
        state.learner.observe(round.wave.ids, j, j >= 0 && base > 0 ? (weights.fair * capacity[j]!) / base : 0);
      }

      rows.push({
        policy: policy.name,
        round: t + 1,
        label: round.label,
        theta,
        thetaNeeded: thetaNeeded[t]!,
        deficit: round.deficit,
        budget,
        haircut: H,
        needed: round.needed,
        maxFraction: fraction.value,
        tracking: loss.tracking,
        fairness: loss.fairness,
        loss: loss.loss,
        cumulativeLoss: sums.loss.value,
        comparatorLoss: dynamic[t]!.loss,
        cumulativeDynamicRegret: sums.regret.value,
        severityLoss,
        cumulativeSeverityLoss: sums.severity.value,
        cumulativeBound: cumulativeBound[t]!,
        monotonicityViolations: mono.share,
        rankStability: stability,
        verified: verdict.ok,
      });
    }
    results.push({
      name: policy.name,
      severity: policy.severity,
      allocation: policy.allocation,
      loss: sums.loss.value,
      tracking: sums.tracking.value,
      fairness: sums.fairness.value,
      undershoot: sums.under.value,
      overshoot: sums.over.value,
      severityRegret: sums.severity.value,
      allocationRegret: sums.allocationRegret.value,
      // The bound holds to rounding: a relative 1e-12 slack keeps a tight instance from failing on the last bit.
      withinBound: sums.severity.value <= bound * (1 + 1e-12),
      shareOfBound: bound > 0 ? sums.loss.value / bound : NaN,
      stability: { monotonicityViolations: monotonicity / T, rankStability: rankPairs > 0 ? rankSum / rankPairs : null, rankPairs },
      verified: { rounds: T, accepted, declared: [...declared].sort() },
      ...(eta !== undefined ? { step: eta } : {}),
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: cpuSince(cpu),
    });
  }
  const bestLoss = Math.min(...results.map((r) => r.loss));
  const policiesOut: PolicyResult[] = results.map(({ allocationRegret, ...r }) => ({
    ...r,
    regret: { static: r.loss - best.loss, dynamic: r.loss - dynamicLoss, policyClass: r.loss - bestLoss, allocation: allocationRegret },
  }));
  return {
    name: sequence.name,
    source: sequence.source,
    rounds: T,
    weights,
    severityVariation: variation,
    sumSquaredDeficits: sumSquares,
    bound,
    step,
    comparators: { static: best, dynamicLoss },
    policies: policiesOut,
    rows,
  };
}
