/**
 * The coverage→touched frontier: for each share x of the budget, the least number of accounts any
 * allocation must touch to raise x * B under the wave's own constraints (caps, alpha, lots,
 * eligibility, seniority, the model's maxAccounts if any).
 *
 * Why this one: it is the wave's concentration curve, the question a risk engineer asks before a
 * queue runs ("to cover half the deficit, how few accounts can we hit, at best?"); the max-fraction
 * leg is already on the maxAccounts→maxFraction frontier, and coverage→maxFraction is the trivial
 * line x B / (sum of eligible capacities) without K.
 *
 * Each point is the epsilon-constraint problem min #{h_i > 0} s.t. sum h >= x B, solved by solveWave:
 * (solveWave works in scaled money units, src/pipeline/solve/units.ts) the dedicated exact algorithm where it applies (greedy by per-account maximum, exact for L0 with
 * or without single-position lots, inside the seniority ladder), else the MIP. Every allocation is
 * verified.
 */
import type { Wave } from "../../domain.js";
import type { BackendChoice } from "../../pipeline/backends/backend.js";
import { UsageError } from "../../errors.js";
import { solveFrontierPoint, type FrontierResult, type SolvedFrontierPoint } from "./max-accounts.js";

export interface CoverageFrontierOptions {
  /** Shares x of the budget, each > 0 (above 1: more than B). */
  readonly shares: readonly number[];
  readonly timeLimitSeconds?: number;
  readonly backend?: BackendChoice;
}

/** x = 0.1, 0.2, …, 1. */
export const DEFAULT_COVERAGE_SHARES: readonly number[] = Array.from({ length: 10 }, (_, k) => (k + 1) / 10);

/**
 * The wave raising x * B with the objective [sparsity] (seniority stages, if any, stay first). The
 * model's maxAccounts is dropped: it is not part of the region (src/tools/frontier/region.ts), and the
 * least number of accounts touched is this frontier's own objective.
 */
export function coverageWave(wave: Wave, share: number): Wave {
  const { maxAccounts: _maxAccounts, ...model } = wave.model;
  return {
    ...wave,
    budget: wave.budget * share,
    model: { ...model, objective: [{ kind: "sparsity" }], coverage: "atLeast" },
    objectives: [{ kind: "sparsity" }],
  };
}

/**
 * The coverage→touched frontier at each share (in the given order): x = share, y = least accounts
 * touched (null when x B cannot be raised). Throws UsageError for a share that is not a finite number > 0.
 */
export async function coverageFrontier(wave: Wave, options: CoverageFrontierOptions): Promise<FrontierResult> {
  const started = performance.now();
  for (const [index, share] of options.shares.entries()) {
    if (!(Number.isFinite(share) && share > 0)) throw new UsageError({ path: `frontier.shares[${index}]` }, "a share of the budget > 0", String(share));
  }
  const points: SolvedFrontierPoint[] = [];
  for (const share of options.shares) {
    const solved = await solveFrontierPoint(coverageWave(wave, share), {
      ...(options.backend ? { backend: options.backend } : {}),
      ...(options.timeLimitSeconds !== undefined ? { timeLimitSeconds: options.timeLimitSeconds } : {}),
    });
    points.push({ x: share, ...solved });
  }
  return { points, seconds: (performance.now() - started) / 1000 };
}
