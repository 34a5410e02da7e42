/**
 * Rounds jobs: one policy over one multi-round scenario of the experiment (DESIGN.md §9). A rounds
 * scenario runs the policy over its round sequence with src/tools/rounds/run.ts (every allocation goes
 * through the independent verifier there; a rejected one is a bug and fails the job); a per-round
 * table scores the recorded policy as the paper's Table 2. Either way the job writes one RoundsRow
 * with the per-policy numbers and the per-round series the report draws.
 *
 * A policy's numbers do not depend on the other policies of its scenario (each has its own state),
 * so a job per policy gives the rows one run of every policy would, in any order, on any worker.
 */
import type { Experiment, RoundsSpec } from "../experiments/experiment.js";
import type { RoundPoint, RoundsRow } from "../../floor/records/row.js";
import { runRounds, type PolicyResult, type RoundsResult } from "../rounds/run.js";
import type { RoundSequence } from "../rounds/round.js";
import { allocationLabel, loadRoundsScenario, severityLabel } from "../rounds/scenario.js";
import { readRoundTable, scoreRoundTable, tableSeries } from "../rounds/table.js";
import type { Job } from "./jobs.js";

/** A finite number, or null (JSON has no NaN; a 0 bound gives a NaN share). */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

// The sequence of a rounds scenario is loaded (or simulated) once per experiment and worker, not
// once per policy; keyed by the experiment object, so two experiments in one process never share one.
const sequences = new WeakMap<Experiment, Map<number, Promise<RoundSequence>>>();

function sequenceOf(experiment: Experiment, k: number, spec: Extract<RoundsSpec, { kind: "scenario" }>): Promise<RoundSequence> {
  let cache = sequences.get(experiment);
  if (cache === undefined) sequences.set(experiment, (cache = new Map()));
  let sequence = cache.get(k);
  if (sequence === undefined) {
    sequence = loadRoundsScenario(spec.file).load();
    // A failed load is not cached: the next job tries again (and fails with its own message).
    sequence.catch(() => cache.delete(k));
    cache.set(k, sequence);
  }
  return sequence;
}

/** A policy's RoundsRow from its run (one policy in `result`). */
function scenarioRow(spec: RoundsSpec, result: RoundsResult, policy: PolicyResult, seconds: number): RoundsRow {
  const series: RoundPoint[] = result.rows.map((r) => ({
    round: r.round,
    label: r.label,
    theta: r.theta,
    thetaNeeded: r.thetaNeeded,
    deficit: r.deficit,
    budget: r.budget,
    haircut: r.haircut,
    needed: r.needed,
    maxFraction: r.maxFraction,
    loss: r.loss,
    cumulativeLoss: r.cumulativeLoss,
    cumulativeRegret: r.cumulativeDynamicRegret,
    cumulativeBound: r.cumulativeBound,
    monotonicityViolations: r.monotonicityViolations,
    rankStability: r.rankStability,
    verified: r.verified,
  }));
  const w = result.weights;
  return {
    scenario: spec.name,
    source: "scenario",
    sequence: result.name,
    policy: policy.name,
    severity: severityLabel(policy.severity),
    allocation: allocationLabel(policy.allocation),
    rounds: result.rounds,
    weights: { under: w.under, over: w.over, fair: w.fair, eps: w.eps, fractionBase: w.fractionBase },
    loss: policy.loss,
    tracking: policy.tracking,
    fairness: policy.fairness,
    undershoot: policy.undershoot,
    overshoot: policy.overshoot,
    regret: { static: policy.regret.static, dynamic: policy.regret.dynamic, allocation: policy.regret.allocation },
    severityRegret: policy.severityRegret,
    severityVariation: result.severityVariation,
    bound: result.bound,
    shareOfBound: finite(policy.shareOfBound),
    withinBound: policy.withinBound,
    step: policy.step ?? null,
    stability: { ...policy.stability },
    verified: { ...policy.verified, declared: [...policy.verified.declared] },
    seconds,
    series,
  };
}

/** A recorded policy of a per-round table as a RoundsRow (Table 2's numbers and their per-round terms). */
function tableRow(spec: Extract<RoundsSpec, { kind: "table" }>, policy: string, seconds: number): RoundsRow {
  const table = readRoundTable(spec.file);
  const options = { lambda: spec.lambda, reference: spec.reference };
  const score = scoreRoundTable(table, options);
  const scored = score.policies.find((p) => p.name === policy);
  if (scored === undefined) throw new Error(`rounds ${spec.name}: the table no longer has the policy ${JSON.stringify(policy)} (it changed after the experiment was read)`);
  const rounds = tableSeries(table, policy, options);
  let undershoot = 0;
  let overshoot = 0;
  for (const r of rounds) {
    undershoot += Math.max(0, r.needed - r.haircut);
    overshoot += Math.max(0, r.haircut - r.needed);
  }
  return {
    scenario: spec.name,
    source: "table",
    sequence: spec.file,
    policy,
    severity: "recorded",
    allocation: "recorded",
    rounds: score.rounds,
    weights: { lambda: spec.lambda, reference: spec.reference },
    loss: scored.total,
    tracking: scored.tracking,
    fairness: scored.fairness,
    undershoot,
    overshoot,
    regret: { static: null, dynamic: null, allocation: null },
    severityRegret: null,
    severityVariation: score.severityVariation,
    bound: score.bound,
    shareOfBound: finite(scored.shareOfBound),
    withinBound: null,
    step: null,
    stability: { monotonicityViolations: null, rankStability: null, rankPairs: 0 },
    verified: null,
    seconds,
    series: rounds.map((r, t) => ({
      round: t + 1,
      label: String(t + 1),
      theta: r.theta,
      thetaNeeded: r.thetaNeeded,
      deficit: r.deficit,
      budget: null,
      haircut: r.haircut,
      needed: r.needed,
      maxFraction: r.maxFraction,
      loss: r.loss,
      cumulativeLoss: r.cumulativeLoss,
      cumulativeRegret: null,
      cumulativeBound: r.cumulativeBound,
      monotonicityViolations: null,
      rankStability: null,
      verified: null,
    })),
  };
}

/**
 * Runs one rounds job and returns its row. Throws (the runner then records a failure and the job
 * runs again on resume) for rounds that lack what a policy needs, a file that changed or vanished
 * since the experiment was read, or an allocation the verifier rejects for a promise its rule makes.
 */
export async function roundsJob(experiment: Experiment, job: Extract<Job, { kind: "rounds" }>): Promise<RoundsRow> {
  const started = performance.now();
  const spec = experiment.rounds[job.rounds]!;
  if (spec.kind === "table") return { ...tableRow(spec, spec.policies[job.policy]!, 0), seconds: (performance.now() - started) / 1000 };
  const policy = spec.policies[job.policy]!;
  const sequence = await sequenceOf(experiment, job.rounds, spec);
  // The exact min-max rules solve with the experiment's solver settings, as the wave jobs do.
  const solve = { backend: experiment.solver.backend, timeLimitSeconds: experiment.solver.timeLimitSeconds, mipRelativeGap: experiment.solver.mipGap };
  const result = await runRounds(sequence, [policy], { weights: spec.weights, seed: spec.seed, solve });
  return scenarioRow(spec, result, result.policies[0]!, (performance.now() - started) / 1000);
}
