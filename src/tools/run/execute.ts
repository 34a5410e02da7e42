/**
 * Runs one job of an experiment: a mechanism on a wave (solve or allocate, verify, metrics), a
 * wave's exact frontier, or the exposure curves of a wave's representative accounts. Runs in a
 * worker thread of the pool, or in-process for one worker. Every allocation passes the independent
 * verifier; a job that fails is a row with status "error" and the message, never a lost run.
 */
import type { Wave } from "../../domain.js";
import { WorkbenchError } from "../../errors.js";
import type { Experiment, ExperimentMechanism, SweepPoint } from "../experiments/experiment.js";
import { heuristicAt } from "../experiments/experiment.js";
import { exposureCurve } from "../exposure/index.js";
import { closedFormApplies, coverageFrontier, maxAccountsFrontier } from "../frontier/index.js";
import { constraintSetOf, regionKey, regionLabel, type ConstraintSet } from "../frontier/region.js";
import { getHeuristic } from "../../heuristics/index.js";
import { exactMechanism, heuristicMechanism, type Mechanism, type Outcome, type RunContext } from "../../mechanism/mechanism.js";
import { constraintNames } from "../../mechanism/verdict.js";
import { fractionByCapacity, jobMetrics, lorenzPoints } from "../../pipeline/metrics/job.js";
import { NoAllocationError } from "../../pipeline/metrics/transform.js";
import type { ExposureRow, FrontierPoint, FrontierRow, JobRow, RoundsRow, SimulationRow } from "../../floor/records/row.js";
import { roundsJob } from "./rounds-jobs.js";
import { loadScenario, mechanismKind, simulate, simulationRow } from "../simulate/index.js";
import { basename } from "node:path";
import { certify } from "../../pipeline/certificate/certificate.js";
import { mechanismLabel, type Job } from "./jobs.js";
import { sweptModel, waveFor } from "./wave.js";
import type { WaveRef } from "./jobs.js";

export type JobOutput =
  | { readonly kind: "mechanism"; readonly row: JobRow }
  | { readonly kind: "frontier"; readonly rows: FrontierRow[] }
  | { readonly kind: "exposure"; readonly rows: ExposureRow[] }
  | { readonly kind: "simulation"; readonly rows: SimulationRow[] }
  | { readonly kind: "rounds"; readonly rows: RoundsRow[] };


/**
 * The feasible region of a mechanism at a grid point on a wave: its swept model's constraints, the
 * lot scale, and the margin where the wave's budget is a deficit (the only budget a margin changes).
 */
export function mechanismRegion(mechanism: ExperimentMechanism, point: SweepPoint, ref: Pick<WaveRef, "budget">): ConstraintSet {
  return constraintSetOf(sweptModel(mechanism.model, point), {
    ...(point.lotScale !== undefined ? { lotScale: point.lotScale } : {}),
    ...(point.margin !== undefined && ref.budget.kind === "deficit" ? { margin: point.margin } : {}),
  });
}

/**
 * The regions a wave's frontiers are computed for, each with the first (mechanism, grid point) that
 * has it (its model and sweep bind the region's wave): every distinct one, or only the named
 * mechanism's (experiment frontier.constraints). In the experiment's mechanism order.
 */
export function frontierRegions(experiment: Experiment, ref: Pick<WaveRef, "budget">): { set: ConstraintSet; mechanism: ExperimentMechanism; point: SweepPoint }[] {
  const chosen = experiment.frontier?.constraints ?? "each";
  const regions = new Map<string, { set: ConstraintSet; mechanism: ExperimentMechanism; point: SweepPoint }>();
  for (const mechanism of experiment.mechanisms) {
    if (chosen !== "each" && mechanism.name !== chosen) continue;
    for (const point of chosen === "each" ? mechanism.grid : mechanism.grid.slice(0, 1)) {
      const set = mechanismRegion(mechanism, point, ref);
      const key = regionKey(set);
      if (!regions.has(key)) regions.set(key, { set, mechanism, point });
    }
  }
  return [...regions.values()];
}

/** The job's seed for anything random (the dYdX walk, perturbations, gaming samples): experiment seed mixed with the wave's. */
function jobSeed(experiment: Experiment, seed: number): number {
  return (Math.imul(experiment.seed ^ 0x5bd1e995, 0x9e3779b1) ^ seed) >>> 0;
}

/**
 * The Mechanism an experiment entry runs at a grid point: its heuristic (name filled in from the
 * point) judged by the entry's model, or the model solved exactly. The wave is already bound to the
 * swept model (waveFor). O(1) plus the registry's parse of the name.
 */
export function mechanismAt(entry: ExperimentMechanism, point: SweepPoint): Mechanism {
  return entry.kind === "heuristic" ? heuristicMechanism(getHeuristic(heuristicAt(entry.heuristic!, point)), entry.model) : exactMechanism(entry.model, entry.name);
}

function runContext(experiment: Experiment, seed: number): RunContext {
  return { seed, solve: { backend: experiment.solver.backend, timeLimitSeconds: experiment.solver.timeLimitSeconds, mipRelativeGap: experiment.solver.mipGap } };
}

function describe(error: unknown): string {
  if (error instanceof WorkbenchError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function mechanismJob(experiment: Experiment, job: Extract<Job, { kind: "mechanism" }>): Promise<JobRow> {
  const mechanism = experiment.mechanisms[job.mechanism]!;
  const { wave, key } = waveFor(experiment, job, mechanism.model, job.point);
  const seed = jobSeed(experiment, job.seed);
  const context = runContext(experiment, seed);
  const runnable = mechanismAt(mechanism, job.point);
  const run: Outcome = await runnable.run(wave, context);
  // The solve's certificate when there was one; a heuristic's run certifies only to judge a shortfall.
  const certificate = run.certificate ?? certify(wave);
  const allocation = run.allocation;
  const { perturbations, epsilon, gamingAccounts } = experiment.metrics;
  const settings = {
    churn: { beta: experiment.metrics.beta, ltvColumn: experiment.metrics.ltvColumn },
    brittleness: perturbations > 0 ? { perturbations, epsilon, seed } : (false as const),
    gameability: gamingAccounts > 0 ? { accounts: gamingAccounts, seed } : (false as const),
  };
  let metrics = null;
  let note: string | undefined;
  if (allocation) {
    try {
      metrics = await jobMetrics(wave, allocation, settings, runnable, context);
    } catch (error) {
      if (!(error instanceof NoAllocationError)) throw error;
      // A tight wave perturbed by 1% can cross into infeasibility: then brittleness is undefined there.
      note = `brittleness not measured: ${error.message}`;
      metrics = await jobMetrics(wave, allocation, { ...settings, brittleness: false }, runnable, context);
    }
  }
  return {
    ...key,
    job: job.id,
    mechanism: mechanismLabel(mechanism, job.point),
    kind: mechanism.kind,
    model: mechanism.model.name,
    ...(mechanism.heuristic !== undefined ? { heuristic: heuristicAt(mechanism.heuristic, job.point) } : {}),
    params: { ...job.point } as Record<string, number>,
    status: run.status,
    path: run.path,
    seconds: run.seconds,
    gap: run.solve?.solver.gap ?? null,
    nodes: run.solve?.solver.nodes ?? null,
    metrics,
    verified: run.verdict ? { ok: run.verdict.ok, worstViolation: run.verdict.worstViolation, broken: constraintNames(run.verdict.violations) } : null,
    unexpected: constraintNames(run.unexpected),
    certificate: { feasible: certificate.feasible, shortfall: certificate.shortfall, broken: certificate.broken.map((b) => ({ ...b })) },
    lorenz: allocation ? lorenzPoints(wave, allocation) : [],
    fractionByCapacity: allocation ? fractionByCapacity(wave, allocation) : [],
    constraints: mechanismRegion(mechanism, job.point, job),
    ...(run.message !== undefined || note !== undefined ? { message: [run.message, note].filter((m) => m !== undefined).join("; ") } : {}),
  };
}

/** Accounts that can pay anything: K beyond this is the same constraint as K = this. */
function payingAccounts(wave: Wave): number {
  let count = 0;
  for (let i = 0; i < wave.ids.length; i++) if (wave.eligible[i] === 1 && wave.upper[i]! > 0) count++;
  return count;
}

/**
 * The K values to solve: the experiment's, clipped to the accounts that can pay (so that the last
 * point is the unconstrained optimum), and every K from 1 to that count where the closed form makes
 * each point cost O(n): then every mechanism's own touched count has a frontier point to be measured
 * against, not just the grid's.
 */
function frontierKs(wave: Wave, ks: readonly number[]): number[] {
  const paying = payingAccounts(wave);
  if (paying === 0) return [...new Set(ks.map((k) => Math.max(1, k)))];
  if (closedFormApplies(wave) && paying <= DENSE_FRONTIER_ACCOUNTS) return Array.from({ length: paying }, (_, k) => k + 1);
  return [...new Set([...ks.map((k) => Math.min(k, paying)), paying])].sort((a, b) => a - b);
}

/** Up to this many paying accounts, the closed-form frontier is solved at every K. */
const DENSE_FRONTIER_ACCOUNTS = 2000;

async function frontierJob(experiment: Experiment, job: Extract<Job, { kind: "frontier" }>): Promise<FrontierRow[]> {
  const frontier = experiment.frontier!;
  const settings = { timeLimitSeconds: experiment.solver.timeLimitSeconds, backend: experiment.solver.backend };
  const rows: FrontierRow[] = [];
  // Solver points carry their allocations (for tests and charts); rows keep the numbers only.
  const numbers = (points: readonly FrontierPoint[]): FrontierPoint[] => points.map(({ x, y, status, gap }) => ({ x, y, status, gap }));
  // coverage→touched solves sum h >= x B: an exact-coverage region shares the curve of its atLeast twin.
  const coverageDone = new Set<string>();
  // One curve per feasible region: a mechanism is placed only against a region its allocation lies in.
  for (const { set, mechanism, point } of frontierRegions(experiment, job)) {
    const { wave, key } = waveFor(experiment, job, mechanism.model, point);
    const region = regionLabel(set);
    if (frontier.maxAccounts.length > 0) {
      const head = { ...key, frontier: "maxAccounts→maxFraction", constraints: set, region, xLabel: "accounts touched (K)", yLabel: "least max haircut fraction" };
      if (!closedFormApplies(wave) && !frontier.mip) {
        rows.push({ ...head, points: [], placements: [], seconds: 0, note: `not computed: with ${set.lots !== null ? "lots" : "a seniority ladder"} each point is a MIP (seconds to minutes); set frontier.mip: true to solve it` });
      } else {
        const { points, seconds } = await maxAccountsFrontier(wave, { ks: frontierKs(wave, frontier.maxAccounts), ...settings });
        rows.push({ ...head, points: numbers(points), placements: [], seconds });
      }
    }
    const atLeast: ConstraintSet = { ...set, coverage: "atLeast" };
    if (frontier.coverage.length > 0 && !coverageDone.has(regionKey(atLeast))) {
      coverageDone.add(regionKey(atLeast));
      const { points, seconds } = await coverageFrontier(wave, { shares: frontier.coverage, ...settings });
      rows.push({ ...key, frontier: "coverage→touched", constraints: atLeast, region: regionLabel(atLeast), xLabel: "coverage (share of B)", yLabel: "least accounts touched", points: numbers(points), placements: [], seconds });
    }
  }
  return rows;
}

/** Largest, median and small (10th percentile) eligible accounts by capacity, then evenly between. */
function representatives(wave: Wave, count: number): number[] {
  const order = [...wave.ids.keys()].filter((i) => wave.eligible[i] === 1 && wave.capacity[i]! > 0).sort((a, b) => wave.capacity[b]! - wave.capacity[a]! || a - b);
  if (order.length === 0) return [];
  const quantiles = [0, 0.5, 0.9, 0.25, 0.75, 0.1, 0.99];
  const picked: number[] = [];
  for (let k = 0; picked.length < Math.min(count, order.length) && k < 64; k++) {
    const q = k < quantiles.length ? quantiles[k]! : (k - quantiles.length + 0.5) / (64 - quantiles.length);
    const i = order[Math.min(order.length - 1, Math.floor(q * order.length))]!;
    if (!picked.includes(i)) picked.push(i);
  }
  return picked;
}

async function exposureJob(experiment: Experiment, job: Extract<Job, { kind: "exposure" }>): Promise<ExposureRow[]> {
  const mechanism = experiment.mechanisms[job.mechanism]!;
  const point = mechanism.grid[0]!;
  const { wave } = waveFor(experiment, job, mechanism.model, point);
  const seed = jobSeed(experiment, job.seed);
  const label = mechanismLabel(mechanism, point);
  const runnable = mechanismAt(mechanism, point);
  let total = 0;
  for (let i = 0; i < wave.ids.length; i++) if (wave.eligible[i] === 1) total += wave.upper[i]!;
  const rows: ExposureRow[] = [];
  for (const i of representatives(wave, experiment.exposure.accounts)) {
    const curve = await exposureCurve(wave, i, runnable, {
      seed,
      budgets: { from: 0, to: total, steps: experiment.exposure.steps },
      solve: { backend: experiment.solver.backend, timeLimitSeconds: experiment.solver.timeLimitSeconds },
    });
    rows.push({ wave: job.wave, mechanism: label, account: wave.ids[i]!, capacity: wave.capacity[i]!, points: curve.points.map((p) => [p.budget, p.haircut] as const) });
  }
  return rows;
}

/** One simulator run of the scenario file under one mechanism: the two-pass counterfactual's summary. */
async function simulationJob(experiment: Experiment, job: Extract<Job, { kind: "simulation" }>): Promise<SimulationRow> {
  const source = experiment.scenarios[job.scenario]!.source;
  if (source.kind !== "simulate") throw new Error(`job ${job.id}: scenario is not a simulation`);
  const result = await simulate(loadScenario(source.file), job.mechanism, {
    accountDetail: false,
    solve: { backend: experiment.solver.backend, timeLimitSeconds: experiment.solver.timeLimitSeconds },
  });
  const row = simulationRow(result);
  // A model given by path is named by its file, as the other rows name models.
  return mechanismKind(job.mechanism) === "model" ? { ...row, mechanism: basename(job.mechanism).replace(/\.(ya?ml|json)$/i, "") } : row;
}

/** Runs one job; never throws for a job's own failure (that is an error row), only for a bug in the runner. */
export async function executeJob(experiment: Experiment, job: Job): Promise<JobOutput> {
  switch (job.kind) {
    case "mechanism":
      try {
        return { kind: "mechanism", row: await mechanismJob(experiment, job) };
      } catch (error) {
        return { kind: "mechanism", row: errorRow(experiment, job, describe(error)) };
      }
    case "frontier":
      return { kind: "frontier", rows: await frontierJob(experiment, job) };
    case "exposure":
      return { kind: "exposure", rows: await exposureJob(experiment, job) };
    case "simulation":
      return { kind: "simulation", rows: [await simulationJob(experiment, job)] };
    case "rounds":
      return { kind: "rounds", rows: [await roundsJob(experiment, job)] };
  }
}

function errorRow(experiment: Experiment, job: Extract<Job, { kind: "mechanism" }>, message: string): JobRow {
  const mechanism = experiment.mechanisms[job.mechanism]!;
  const scenario = experiment.scenarios[job.scenario]!;
  return {
    wave: job.wave,
    scenario: scenario.name,
    seed: job.seed,
    n: 0,
    budget: 0,
    totalCapacity: 0,
    budgetShare: 0,
    job: job.id,
    mechanism: mechanismLabel(mechanism, job.point),
    kind: mechanism.kind,
    model: mechanism.model.name,
    params: { ...job.point } as Record<string, number>,
    status: "error",
    path: "error",
    seconds: 0,
    gap: null,
    nodes: null,
    metrics: null,
    verified: null,
    unexpected: [],
    certificate: { feasible: false, shortfall: 0, broken: [] },
    lorenz: [],
    fractionByCapacity: [],
    message,
  };
}
