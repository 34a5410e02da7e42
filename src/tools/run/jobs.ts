/**
 * The grid of an experiment as a deterministic list of jobs. A job is plain data (it crosses into a
 * worker thread) and its id is stable across runs, machines and worker counts: it is the resume key,
 * the shard key and the sort key of every result file.
 */
import { heuristicAt, type BudgetLevel, type Experiment, type ExperimentMechanism, type SweepPoint } from "../experiments/experiment.js";



/** One wave of the experiment: scenario × seed × budget level. */
export interface WaveRef {
  readonly wave: string;
  readonly scenario: number;
  readonly seed: number;
  readonly budget: BudgetLevel;
}

export type Job =
  | (WaveRef & { readonly kind: "mechanism"; readonly id: string; readonly mechanism: number; readonly point: SweepPoint })
  | (WaveRef & { readonly kind: "frontier"; readonly id: string })
  | (WaveRef & { readonly kind: "exposure"; readonly id: string; readonly mechanism: number })
  | { readonly kind: "simulation"; readonly id: string; readonly scenario: number; readonly mechanism: string }
  /** One policy over one multi-round scenario (experiment.rounds[rounds].policies[policy]); src/tools/run/rounds-jobs.ts. */
  | { readonly kind: "rounds"; readonly id: string; readonly rounds: number; readonly policy: number };

/** A display name with the grid point: "pro-rata[alpha=0.5]". */
export function mechanismLabel(mechanism: ExperimentMechanism, point: SweepPoint): string {
  const parts = Object.entries(point).filter(([key]) => !(mechanism.heuristic?.includes(`{${key}}`) ?? false));
  const base = mechanism.heuristic !== undefined && mechanism.name === mechanism.heuristic ? heuristicAt(mechanism.heuristic, point) : mechanism.name;
  return parts.length > 0 ? `${base}[${parts.map(([k, v]) => `${k}=${String(v)}`).join(",")}]` : base;
}

/** "share0.1", "deficit2000": short, exact (shortest round-trip decimal). */
function budgetTag(level: BudgetLevel): string {
  return `${level.kind}${String(level.value)}`;
}


export function wavesOf(experiment: Experiment): WaveRef[] {
  const waves: WaveRef[] = [];
  experiment.scenarios.forEach((scenario, s) => {
    if (scenario.source.kind === "simulate") return;
    for (const budget of scenario.budgets) {
      for (const seed of scenario.seeds) {
        waves.push({ wave: `${scenario.name}/s${seed}/${budgetTag(budget)}`, scenario: s, seed, budget });
      }
    }
  });
  return waves;
}

/**
 * Every job of the experiment, in a fixed order: per wave, each mechanism at each grid point, then
 * the wave's frontier (for the first `frontier.waves` waves of each scenario), then exposure curves
 * (the first `exposure.waves` waves of the first scenario with waves, each mechanism at its first grid point);
 * then one simulator run per mechanism listed by each simulate scenario; then one job per policy of
 * each multi-round scenario.
 */
export function expandJobs(experiment: Experiment): Job[] {
  const jobs: Job[] = [];
  const perScenario = new Map<number, number>();
  const exposureScenario = experiment.scenarios.findIndex((scenario) => scenario.source.kind !== "simulate");
  for (const ref of wavesOf(experiment)) {
    const rank = perScenario.get(ref.scenario) ?? 0;
    perScenario.set(ref.scenario, rank + 1);
    experiment.mechanisms.forEach((mechanism, m) => {
      for (const point of mechanism.grid) {
        jobs.push({ ...ref, kind: "mechanism", id: `${ref.wave}|${mechanismLabel(mechanism, point)}`, mechanism: m, point });
      }
    });
    const frontier = experiment.frontier;
    if (frontier && (frontier.maxAccounts.length > 0 || frontier.coverage.length > 0) && (frontier.waves === null || rank < frontier.waves)) {
      jobs.push({ ...ref, kind: "frontier", id: `${ref.wave}|frontier` });
    }
    if (ref.scenario === exposureScenario && rank < experiment.exposure.waves) {
      experiment.mechanisms.forEach((mechanism, m) => jobs.push({ ...ref, kind: "exposure", id: `${ref.wave}|exposure|${mechanism.name}`, mechanism: m }));
    }
  }
  // Simulator runs: one per mechanism the scenario file lists, after every wave job.
  experiment.scenarios.forEach((scenario, s) => {
    if (scenario.source.kind !== "simulate") return;
    for (const mechanism of scenario.source.mechanisms) jobs.push({ kind: "simulation", id: `${scenario.name}|simulate|${mechanism}`, scenario: s, mechanism });
  });
  // Multi-round scenarios: one job per policy (a table's policies are its columns).
  experiment.rounds.forEach((spec, k) => {
    spec.policies.forEach((policy, j) => jobs.push({ kind: "rounds", id: `${spec.name}|rounds|${typeof policy === "string" ? policy : policy.name}`, rounds: k, policy: j }));
  });
  return jobs;
}

/** Shard i of n (1-based): every n-th job from the (i-1)-th; the union of all shards is every job, once. */
export function shardOf(jobs: readonly Job[], shard: { index: number; count: number } | null): Job[] {
  if (!shard) return [...jobs];
  return jobs.filter((_, k) => k % shard.count === shard.index - 1);
}
