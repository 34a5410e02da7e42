/**
 * Brittleness: how much a mechanism's allocation moves when the inputs move a little. A rule whose
 * answer jumps under a 1% change of account sizes invites disputes and gaming; pro-rata moves in
 * proportion, a queue may reorder.
 *
 * Perturbation k (k = 1..P): every account's size is multiplied by (1 + eps * u_ik), u_ik uniform in
 * [-1, 1] from the seeded generator (scaleAccounts: capacity, layers, extensive dollar columns, lot
 * values), the mechanism re-runs, and
 *   relative change  = ||h' - h||_1 / ||h||_1 / eps     (per unit of relative perturbation)
 *   rank flips       = share of account pairs {i, j}, among the accounts touched in h or h', with
 *                      (h_i - h_j) (h'_i - h'_j) < 0 (beyond the touch tolerance on each difference).
 * Both are averaged over the P perturbations.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { Allocation, Wave } from "../../domain.js";
import { UsageError } from "../../errors.js";
import { seededGenerator } from "../../random.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { touchTolerance } from "../../floor/numeric/tolerance.js";
import { runChecked, scaleAccounts } from "./transform.js";
import type { Mechanism, RunContext } from "../../mechanism/mechanism.js";

export interface BrittlenessSettings {
  /** P: number of perturbations. */
  readonly perturbations: number;
  /** eps: relative size of a perturbation, in (0, 1). */
  readonly epsilon: number;
  readonly seed: number;
  /** Above this many touched pairs, this many pairs are sampled (seeded) instead of all. */
  readonly maxPairs?: number;
}

export interface Brittleness {
  /** Mean ||h' - h||_1 / ||h||_1 / eps; 0 when h = 0 and h' = 0. */
  readonly brittleness: number;
  /** Mean share of flipped pairs (0 when fewer than two accounts are touched). */
  readonly rankFlips: number;
  /** Per perturbation, for charts and tests. */
  readonly samples: readonly { readonly relativeChange: number; readonly rankFlips: number; readonly pairs: number }[];
}

export const DEFAULT_MAX_PAIRS = 20_000;

function checkSettings(settings: BrittlenessSettings): void {
  if (!(Number.isInteger(settings.perturbations) && settings.perturbations >= 1)) {
    throw new UsageError({ path: "metrics.brittleness.perturbations" }, "a whole number >= 1", String(settings.perturbations));
  }
  if (!(settings.epsilon > 0 && settings.epsilon < 1)) throw new UsageError({ path: "metrics.brittleness.epsilon" }, "a number in (0, 1)", String(settings.epsilon));
}

/**
 * Brittleness and rank flips of `mechanism` at `allocation` (its answer on `wave`), as in the module
 * comment. Every perturbed allocation is checked by the verifier (runChecked). Deterministic in the
 * seed. O(P * (mechanism + n * columns) + P * min(pairs, maxPairs)).
 */
export async function brittleness(wave: Wave, allocation: Allocation, mechanism: Mechanism, settings: BrittlenessSettings, context: RunContext = {}): Promise<Brittleness> {
  checkSettings(settings);
  const n = wave.ids.length;
  const rng = seededGenerator(settings.seed);
  const samples: { relativeChange: number; rankFlips: number; pairs: number }[] = [];
  const base = allocation.haircut;
  const baseTotal = l1(base);
  for (let k = 0; k < settings.perturbations; k++) {
    const factor = new Float64Array(n);
    for (let i = 0; i < n; i++) factor[i] = 1 + settings.epsilon * (2 * uniformFloat64(rng) - 1);
    const perturbed = scaleAccounts(wave, factor);
    const moved = (await runChecked(mechanism, perturbed, context)).haircut;
    const difference = new CompensatedSum();
    for (let i = 0; i < n; i++) difference.add(Math.abs(moved[i]! - base[i]!));
    const relativeChange = baseTotal > 0 ? difference.value / baseTotal / settings.epsilon : difference.value > 0 ? Infinity : 0;
    const flips = rankFlips(base, moved, touchTolerance(wave), settings.seed + k + 1, settings.maxPairs ?? DEFAULT_MAX_PAIRS);
    samples.push({ relativeChange, rankFlips: flips.share, pairs: flips.pairs });
  }
  return {
    brittleness: mean(samples.map((s) => s.relativeChange)),
    rankFlips: mean(samples.map((s) => s.rankFlips)),
    samples,
  };
}

/**
 * Share of pairs of accounts touched in `before` or `after` (h > tolerance) whose haircut order flips:
 * (b_i - b_j)(a_i - a_j) < 0 with both differences beyond `tolerance`. All pairs when there are at
 * most `maxPairs`, else `maxPairs` pairs drawn with the seeded generator. O(touched^2) or O(maxPairs).
 */
export function rankFlips(before: Float64Array, after: Float64Array, tolerance: number, seed: number, maxPairs = DEFAULT_MAX_PAIRS): { share: number; pairs: number } {
  const touched: number[] = [];
  for (let i = 0; i < before.length; i++) if (before[i]! > tolerance || after[i]! > tolerance) touched.push(i);
  const m = touched.length;
  const total = (m * (m - 1)) / 2;
  if (total === 0) return { share: 0, pairs: 0 };
  const flipped = (i: number, j: number): boolean => {
    const b = before[i]! - before[j]!;
    const a = after[i]! - after[j]!;
    return (b > tolerance && a < -tolerance) || (b < -tolerance && a > tolerance);
  };
  let flips = 0;
  if (total <= maxPairs) {
    for (let x = 0; x < m; x++) for (let y = x + 1; y < m; y++) if (flipped(touched[x]!, touched[y]!)) flips++;
    return { share: flips / total, pairs: total };
  }
  const rng = seededGenerator(seed);
  for (let s = 0; s < maxPairs; s++) {
    const x = Math.floor(uniformFloat64(rng) * m);
    // A second index uniform over the other m - 1 accounts: a uniform pair of distinct accounts.
    let y = Math.floor(uniformFloat64(rng) * (m - 1));
    if (y >= x) y++;
    if (flipped(touched[x]!, touched[y]!)) flips++;
  }
  return { share: flips / maxPairs, pairs: maxPairs };
}

function l1(values: Float64Array): number {
  const total = new CompensatedSum();
  for (let i = 0; i < values.length; i++) total.add(Math.abs(values[i]!));
  return total.value;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
