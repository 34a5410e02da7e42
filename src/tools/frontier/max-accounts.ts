/**
 * The exact maxAccounts→maxFraction frontier, by the epsilon-constraint method: for each K, the
 * least achievable max_i h_i / c_i subject to the wave's own constraints (caps, coverage, alpha,
 * lots, seniority, eligibility) and at most K accounts touched.
 *
 * Two exact paths:
 * - mip: the wave's model with objective [minmax, scale capacity] and maxAccounts = K, solved by
 *   solveWave on the MIP path (indicator rows with each account's tightest big-M). Always applicable;
 *   "optimal" only when every stage is proven and the verifier accepts the allocation. Solved in
 *   scaled money units (src/pipeline/solve/units.ts, inside solveWave: the solver's absolute tolerance would otherwise exceed the
 *   verifier's on waves of a few dollars).
 * - closed form (no lots, at most one seniority layer): with S_K the sum of the K largest capacities
 *   among eligible accounts,
 *       y*(K) = B / S_K      (infeasible when B / S_K > alpha, beyond the verifier's tolerance).
 *   Proof. Without lots the per-account bound is u_i = a c_i for eligible i (a = alpha, or 1), 0
 *   otherwise. For any support S with |S| <= K and any level t <= a, the most S can raise under
 *   h_i <= t c_i is sum_{i in S} min(u_i, t c_i) = t sum_{i in S} c_i <= t S_K, so covering B needs
 *   t >= B / S_K; and h_i = (B / S_K) c_i on the K largest eligible capacities attains it (feasible
 *   iff B / S_K <= a). Any t > a does not help: min(u_i, t c_i) = a c_i. The closed form also gives
 *   the allocation, which goes through the verifier like any other. O(n log n) for all K at once.
 *   With lots the K largest capacities are not optimal (a small account whose lots fit exactly can
 *   beat a large one whose lot is coarse), and with a ladder seniority comes first; those waves use the MIP.
 */
import type { Allocation, Wave } from "../../domain.js";
import type { FrontierPoint } from "../../floor/records/row.js";
import type { BackendChoice } from "../../pipeline/backends/backend.js";
import type { SolveRequest } from "../../pipeline/solve/solve.js";
import { closedFormShape } from "../../mechanism/closed-form.js";
import { exactMechanism } from "../../mechanism/mechanism.js";
import { certify } from "../../pipeline/certificate/certificate.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { verifyAllocation } from "../../pipeline/verify/verify.js";
import { UsageError } from "../../errors.js";

export type FrontierMethod = "auto" | "mip" | "closed-form";

export interface MaxAccountsFrontierOptions {
  /** The K values; each a whole number >= 1. */
  readonly ks: readonly number[];
  /** Per point. */
  readonly timeLimitSeconds?: number;
  readonly backend?: BackendChoice;
  /** auto: the closed form where it applies (see module comment), else the MIP. */
  readonly method?: FrontierMethod;
}

/** One frontier point with the allocation that attains it (for placements, charts and tests). */
export interface SolvedFrontierPoint extends FrontierPoint {
  readonly allocation?: Allocation;
  /** "closed-form" or the solver path, e.g. "mip:highs". */
  readonly path: string;
}

export interface FrontierResult {
  readonly points: SolvedFrontierPoint[];
  /** Wall time for all points, seconds. */
  readonly seconds: number;
}

/** The wave's model with objective [minmax, scale capacity] and at most K accounts touched. */
export function maxAccountsWave(wave: Wave, K: number): Wave {
  return {
    ...wave,
    model: { ...wave.model, objective: [{ kind: "minmax", scale: "capacity" }], maxAccounts: K },
    objectives: [{ kind: "minmax", scale: wave.capacity }],
  };
}

/** Whether the closed form of the module comment is exact for this wave: no lots, no ladder (src/mechanism's closedFormShape). O(1). */
export function closedFormApplies(wave: Wave): boolean {
  return closedFormShape(wave) === undefined;
}

function checkKs(ks: readonly number[]): void {
  for (const [index, K] of ks.entries()) {
    if (!(Number.isInteger(K) && K >= 1)) throw new UsageError({ path: `frontier.ks[${index}]` }, "a whole number of accounts >= 1", String(K));
  }
}

/**
 * The maxAccounts→maxFraction frontier of `wave` at each K of `options.ks` (in the given order):
 * x = K, y = the least max haircut fraction (null when infeasible), status and gap as solved.
 * Throws UsageError for a K that is not a whole number >= 1, or for method closed-form on a wave
 * where it is not exact.
 */
export async function maxAccountsFrontier(wave: Wave, options: MaxAccountsFrontierOptions): Promise<FrontierResult> {
  const started = performance.now();
  checkKs(options.ks);
  const method = options.method ?? "auto";
  if (method === "closed-form" && !closedFormApplies(wave)) {
    throw new UsageError({ path: "frontier.method" }, "a wave without lots and without a seniority ladder for the closed form", "lots or layers (use method mip or auto)");
  }
  const closed = method !== "mip" && closedFormApplies(wave);
  const points: SolvedFrontierPoint[] = [];
  const largest = closed ? largestEligibleCapacities(wave) : undefined;
  for (const K of options.ks) {
    points.push(largest ? closedFormPoint(wave, K, largest) : await mipPoint(wave, K, options));
  }
  return { points, seconds: (performance.now() - started) / 1000 };
}

/** Eligible accounts with capacity > 0, largest capacity first (ties by index). O(n log n). */
function largestEligibleCapacities(wave: Wave): number[] {
  const order: number[] = [];
  for (let i = 0; i < wave.ids.length; i++) if (wave.eligible[i] === 1 && wave.upper[i]! > 0) order.push(i);
  return order.sort((a, b) => wave.capacity[b]! - wave.capacity[a]! || a - b);
}

function closedFormPoint(wave: Wave, K: number, largest: readonly number[]): SolvedFrontierPoint {
  const kWave = maxAccountsWave(wave, K);
  if (!certify(kWave).feasible) return { x: K, y: null, status: "infeasible", gap: null, path: "certificate" };
  const chosen = largest.slice(0, K);
  const top = new CompensatedSum();
  for (const i of chosen) top.add(wave.capacity[i]!);
  const level = wave.budget > 0 ? wave.budget / top.value : 0;
  const haircut = new Float64Array(wave.ids.length);
  // min with the bound: the certificate passed, so any excess of B / S_K over alpha is within tolerance.
  for (const i of chosen) haircut[i] = Math.min(wave.upper[i]!, level * wave.capacity[i]!);
  const allocation: Allocation = wave.layers ? { haircut, layers: [haircut] } : { haircut };
  const verdict = verifyAllocation(kWave, allocation);
  if (!verdict.ok) return { x: K, y: null, status: "error", gap: null, path: "closed-form", allocation };
  return { x: K, y: verdict.objectives[verdict.objectives.length - 1]!, status: "optimal", gap: 0, path: "closed-form", allocation };
}

async function mipPoint(wave: Wave, K: number, options: MaxAccountsFrontierOptions): Promise<SolvedFrontierPoint> {
  const solved = await solveFrontierPoint(maxAccountsWave(wave, K), {
    path: "mip",
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.timeLimitSeconds !== undefined ? { timeLimitSeconds: options.timeLimitSeconds } : {}),
  });
  return { x: K, ...solved };
}

/**
 * Solves `wave` by its exact mechanism (solveWave works in scaled money units itself and verifies on the wave as given):
 * y is the last objective stage as the verifier recomputes it; a rejected allocation is an error
 * point, an unproven one keeps the solver's gap.
 */
export async function solveFrontierPoint(wave: Wave, request: SolveRequest): Promise<Omit<SolvedFrontierPoint, "x">> {
  const { solve: result, verdict } = await exactMechanism().run(wave, { solve: request });
  if (result.status === "infeasible") return { y: null, status: "infeasible", gap: null, path: result.path };
  if (!result.allocation || !verdict) return { y: null, status: "error", gap: null, path: result.path };
  const allocation = result.allocation;
  // The solve's verdict is the verifier's, on this wave as given: not run a second time.
  if (!verdict.ok || result.status === "error") return { y: null, status: "error", gap: null, path: result.path, allocation };
  const proven = result.status === "optimal";
  return {
    y: verdict.objectives[verdict.objectives.length - 1]!,
    status: proven ? "optimal" : "feasible",
    gap: proven ? 0 : (result.solver.gap ?? null),
    path: result.path,
    allocation,
  };
}
