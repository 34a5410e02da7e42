/**
 * Gameability: what an account gains by a move that leaves the venue's tail risk unchanged.
 *
 * - close-and-reopen: the account closes its position and reopens it at the mark (closeAndReopen):
 *   its entry-PnL columns reset, its capacity, gains and notional do not. A rule that ranks by PnL
 *   since entry (the venue queues) moves it; a rule that reads capacity does not.
 * - split: the account becomes two accounts with half of every extensive column each (splitAccount);
 *   its haircut is the two halves' haircuts summed. Pro-rata by capacity is split-proof; a queue by
 *   size is not.
 *
 * For G accounts drawn (seeded, without replacement) among the eligible accounts with capacity > 0,
 * each move is applied to that one account, the mechanism re-runs, and the score is
 *   |h'_i - h_i| / c_i    (split: |h'_a + h'_b - h_i| / c_i),
 * averaged over the G accounts for each move; `gameability` is the mean over both moves.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { Allocation, Wave } from "../../domain.js";
import { UsageError } from "../../errors.js";
import { seededGenerator } from "../../random.js";
import { closeAndReopen, runChecked, splitAccount } from "./transform.js";
import type { Mechanism, RunContext } from "../../mechanism/mechanism.js";

export interface GameabilitySettings {
  /** G: accounts that game. */
  readonly accounts: number;
  readonly seed: number;
}

export interface Gameability {
  /** Mean over both moves and the G accounts of |own haircut change| / own capacity. */
  readonly gameability: number;
  readonly closeAndReopen: number;
  readonly split: number;
  /** Indices of the gaming accounts and their scores per move. */
  readonly samples: readonly { readonly account: number; readonly closeAndReopen: number; readonly split: number }[];
}

/** G distinct indices among `candidates`, by a seeded partial Fisher–Yates shuffle. O(candidates). */
export function sampleAccounts(candidates: readonly number[], count: number, seed: number): number[] {
  const pool = [...candidates];
  const rng = seededGenerator(seed);
  const take = Math.min(count, pool.length);
  for (let k = 0; k < take; k++) {
    const j = k + Math.floor(uniformFloat64(rng) * (pool.length - k));
    [pool[k], pool[j]] = [pool[j]!, pool[k]!];
  }
  return pool.slice(0, take);
}

/**
 * Gameability of `mechanism` at `allocation` (its answer on `wave`), as in the module comment.
 * 2G re-runs of the mechanism, each allocation checked by the verifier. Deterministic in the seed.
 */
export async function gameability(wave: Wave, allocation: Allocation, mechanism: Mechanism, settings: GameabilitySettings, context: RunContext = {}): Promise<Gameability> {
  if (!(Number.isInteger(settings.accounts) && settings.accounts >= 1)) {
    throw new UsageError({ path: "metrics.gameability.accounts" }, "a whole number >= 1", String(settings.accounts));
  }
  const candidates: number[] = [];
  for (let i = 0; i < wave.ids.length; i++) if (wave.eligible[i] === 1 && wave.capacity[i]! > 0) candidates.push(i);
  const samples: { account: number; closeAndReopen: number; split: number }[] = [];
  for (const i of sampleAccounts(candidates, settings.accounts, settings.seed)) {
    const c = wave.capacity[i]!;
    const h = allocation.haircut[i]!;
    const reopened = await runChecked(mechanism, closeAndReopen(wave, i), context);
    const splitWave = splitAccount(wave, i);
    const halves = await runChecked(mechanism, splitWave, context);
    const n = wave.ids.length;
    samples.push({
      account: i,
      closeAndReopen: Math.abs(reopened.haircut[i]! - h) / c,
      split: Math.abs(halves.haircut[i]! + halves.haircut[n]! - h) / c,
    });
  }
  const mean = (values: number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
  const reopen = mean(samples.map((s) => s.closeAndReopen));
  const split = mean(samples.map((s) => s.split));
  return { gameability: samples.length === 0 ? 0 : (reopen + split) / 2, closeAndReopen: reopen, split, samples };
}
