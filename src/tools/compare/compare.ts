import type { Allocation, Wave } from "../../domain.js";
import type { Heuristic } from "../../heuristics/index.js";
import { exactMechanism, heuristicMechanism, type Outcome } from "../../mechanism/mechanism.js";
import { allocationMetrics, type AllocationMetrics } from "../../pipeline/metrics/allocation.js";
import type { SolveRequest, SolveResult } from "../../pipeline/solve/solve.js";
import type { Violation } from "../../pipeline/verify/verify.js";

/** One mechanism's line in a comparison: the exact optimum or a heuristic, on the same wave. */
export interface ComparisonRow {
  readonly mechanism: string;
  readonly kind: "exact" | "heuristic";
  readonly status: string;
  readonly metrics: AllocationMetrics | null;
  /** One per lexicographic stage (seniority first), recomputed by the verifier. */
  readonly objective: readonly number[];
  /** value - optimum per stage, in the stage's unit; null where the optimum is unknown. */
  readonly absoluteGap: readonly (number | null)[];
  /** (value - optimum) / |optimum| per stage; null where unknown or where the optimum is 0 and the value is not. */
  readonly relativeGap: readonly (number | null)[];
  readonly seconds: number;
  readonly verified: boolean;
  /** Violations outside what the heuristic declares it ignores (a bug or a broken promise); src/mechanism/verdict.ts. */
  readonly unexpected: readonly Violation[];
  /** Violations of constraints the heuristic ignores by design (e.g. a queue and alpha), or coverage on a wave the certificate proves infeasible. */
  readonly declared: readonly Violation[];
  readonly allocation?: Allocation;
  readonly note?: string;
}

export interface Comparison {
  readonly stageNames: readonly string[];
  readonly optimum: SolveResult;
  readonly rows: readonly ComparisonRow[];
}

/**
 * Solves the wave exactly, runs every heuristic on the same wave (each through src/mechanism: the
 * verifier once, the one classification and coverage rule), and places each allocation against the
 * optimum stage by stage. Heuristic time is measured around `allocate` only.
 */
export async function compareWave(wave: Wave, heuristics: readonly Heuristic[], request: SolveRequest = {}, seed = 1): Promise<Comparison> {
  const exact = await exactMechanism().run(wave, { solve: request });
  const optimum = exact.solve;
  const optimal = optimum.status === "optimal" || optimum.status === "feasible" ? optimum.objective : undefined;
  const rows: ComparisonRow[] = [
    {
      mechanism: `optimum (${optimum.path})`,
      kind: "exact",
      status: optimum.status,
      metrics: optimum.allocation ? allocationMetrics(wave, optimum.allocation) : null,
      objective: optimum.objective,
      absoluteGap: optimum.objective.map(() => (optimum.status === "optimal" ? 0 : null)),
      relativeGap: optimum.objective.map(() => (optimum.status === "optimal" ? 0 : null)),
      seconds: exact.seconds,
      verified: exact.verdict?.ok ?? false,
      unexpected: exact.unexpected,
      declared: exact.declared,
      ...(optimum.allocation ? { allocation: optimum.allocation } : {}),
      ...(optimum.message ? { note: optimum.message } : {}),
    },
  ];
  for (const heuristic of heuristics) {
    const started = performance.now();
    let outcome: Outcome;
    try {
      // The optimum's certificate decides the coverage rule: the wave is certified once.
      outcome = await heuristicMechanism(heuristic).run(wave, { seed, certificate: optimum.certificate });
    } catch (error) {
      rows.push({
        mechanism: heuristic.name,
        kind: "heuristic",
        status: "error",
        metrics: null,
        objective: [],
        absoluteGap: [],
        relativeGap: [],
        seconds: (performance.now() - started) / 1000,
        verified: false,
        unexpected: [],
        declared: [],
        note: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const verdict = outcome.verdict!;
    const allocation = outcome.allocation!;
    rows.push({
      mechanism: heuristic.name,
      kind: "heuristic",
      status: verdict.ok ? "feasible" : outcome.unexpected.length ? "invalid" : "breaks-declared",
      metrics: allocationMetrics(wave, allocation),
      objective: verdict.objectives,
      absoluteGap: verdict.objectives.map((value, s) => (optimal && optimal[s] !== undefined ? value - optimal[s]! : null)),
      relativeGap: verdict.objectives.map((value, s) => (optimal && optimal[s] !== undefined ? relativeGap(value, optimal[s]!) : null)),
      seconds: outcome.seconds,
      verified: verdict.ok,
      unexpected: outcome.unexpected,
      declared: outcome.declared,
      allocation,
    });
  }
  return { stageNames: optimum.stageNames, optimum, rows };
}

/**
 * (value - optimum) / |optimum|: how far above the optimum, relative to it. When the optimum is 0
 * (e.g. no principal needed) a relative gap has no meaning: 0 if the value is 0 too (within 1e-12),
 * else null; the absolute gap says how much.
 */
export function relativeGap(value: number, optimum: number): number | null {
  if (Math.abs(optimum) <= 1e-12) return Math.abs(value - optimum) <= 1e-12 ? 0 : null;
  return (value - optimum) / Math.abs(optimum);
}
