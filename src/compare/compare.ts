import type { Allocation, Wave } from "../domain.js";
import { unexpectedViolations, type Heuristic } from "../heuristics/index.js";
import { allocationMetrics, type AllocationMetrics } from "../metrics/allocation.js";
import { solveWave, type SolveRequest, type SolveResult } from "../solve/solve.js";
import type { Verdict, Violation } from "../verify/verify.js";
import { verifyAllocation } from "../verify/verify.js";

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
  /** Violations outside what the heuristic declares it ignores (a bug or a broken promise). */
  readonly unexpected: readonly Violation[];
  /** Violations of constraints the heuristic ignores by design (e.g. a queue and alpha). */
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
 * Solves the wave exactly, runs every heuristic on the same wave, verifies each allocation and
 * places it against the optimum stage by stage. Heuristic time is measured around `allocate` only.
 */
export async function compareWave(wave: Wave, heuristics: readonly Heuristic[], request: SolveRequest = {}, seed = 1): Promise<Comparison> {
  const optimum = await solveWave(wave, request);
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
      seconds: optimum.solver.seconds,
      verified: optimum.verified?.ok ?? false,
      unexpected: optimum.verified?.violations ?? [],
      declared: [],
      ...(optimum.allocation ? { allocation: optimum.allocation } : {}),
      ...(optimum.message ? { note: optimum.message } : {}),
    },
  ];
  for (const heuristic of heuristics) {
    const started = performance.now();
    let allocation: Allocation;
    try {
      allocation = heuristic.allocate(wave, { seed });
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
    const seconds = (performance.now() - started) / 1000;
    const verdict: Verdict = verifyAllocation(wave, allocation);
    const unexpected = unexpectedViolations(heuristic, verdict);
    const declared = verdict.violations.filter((violation) => !unexpected.includes(violation));
    rows.push({
      mechanism: heuristic.name,
      kind: "heuristic",
      status: verdict.ok ? "feasible" : unexpected.length ? "invalid" : "breaks-declared",
      metrics: allocationMetrics(wave, allocation),
      objective: verdict.objectives,
      absoluteGap: verdict.objectives.map((value, s) => (optimal && optimal[s] !== undefined ? value - optimal[s]! : null)),
      relativeGap: verdict.objectives.map((value, s) => (optimal && optimal[s] !== undefined ? relativeGap(value, optimal[s]!) : null)),
      seconds,
      verified: verdict.ok,
      unexpected,
      declared,
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
