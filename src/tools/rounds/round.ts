/**
 * Rounds of repeated ADL (DESIGN.md §9; arXiv 2602.15182 §3.4): what a policy sees at the start of a
 * round (deficit D_t, winners with capacities u_{i,t}, their columns) and what is known only after it
 * (the needed budget B_t^need), plus what the reference's production mechanism did where known.
 */
import type { Instance, Model, Wave } from "../../domain.js";
import { bindWave } from "../../pipeline/bind/bind.js";

/** One round. Amounts in dollars. */
export interface Round {
  /** "1", "wave 3 (step 12)", …: how reports name the round. */
  readonly label: string;
  /** D_t >= 0: the loser-side deficit at the start of the round. */
  readonly deficit: number;
  /** B_t^need >= 0: the ex post needed budget (revealed after the round). */
  readonly needed: number;
  /** B̂_t^need: an ex ante estimate of the needed budget, known at the start of the round. */
  readonly estimate?: number;
  /**
   * The winners: ids, capacities u_i (wave.capacity), eligibility, numeric columns (what scores and
   * fractionBase "equity" read), lots when the round has positions. wave.budget is not used: every
   * policy binds its own budget B_t = theta_t D_t.
   */
  readonly wave: Wave;
  /** What the reference's production mechanism took this round: H_t^prod, and per account when known. */
  readonly production?: { readonly total: number; readonly haircut?: Float64Array; readonly lots?: Int32Array };
}

export interface RoundSequence {
  readonly name: string;
  /** Where the rounds came from, for errors and reports. */
  readonly source: string;
  readonly rounds: readonly Round[];
}

/**
 * The model every round's wave is bound with: caps only (plus lots from the positions table when the
 * round has one), coverage sum h >= B, and the min-max of h_i / c_i as its objective, which is what
 * the exact allocation rule ("minmax") solves and what the verifier's objective report reads.
 */
export function roundModel(lots: boolean, source: string): Model {
  return {
    name: "rounds",
    file: source,
    budget: { margin: 0 },
    objective: [{ kind: "minmax", scale: "capacity" }],
    coverage: "atLeast",
    ...(lots ? { lots: { source: "positions" as const } } : {}),
    stageTolerance: 1e-9,
  };
}

/** A round's wave from an instance (accounts, optional positions): bound with roundModel, budget 0. O(n + positions). */
export function roundWave(instance: Instance, source: string): Wave {
  return bindWave(roundModel(instance.positions !== undefined, source), instance, { budget: 0 });
}
