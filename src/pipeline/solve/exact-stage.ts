/**
 * The overshoot stage of `[sparsity, overshoot]` with lots, closed without a MIP when it can be:
 * once the count stage has fixed k, src/pipeline/exact/lots-overshoot.ts finds the least overshoot of
 * any allocation touching at most k accounts in exact integers (or an incumbent, when only its
 * narrow search ran). The allocation is checked by the independent verifier on the original wave,
 * put in the symmetry rows' order and lifted to the stage's columns in solver units; the caller
 * checks it against the stage's rows before it counts.
 */
import type { Wave } from "../../domain.js";
import { isLeastOvershoot, leastOvershoot } from "../exact/lots-overshoot.js";
import type { LoweredWave } from "../lower/compile.js";
import { breakSymmetry } from "../lower/structure.js";
import { verifyAllocation } from "../verify/verify.js";

export interface ExactStage {
  /** The stage's column values (solver units), from the verified allocation. */
  readonly values: Float64Array;
  /** Proven least (then `proof` says by what), or an incumbent only. */
  readonly proven: boolean;
  readonly proof: string;
}

/** Closes the overshoot stage for a count k fixed by the stage before, by a deadline (performance.now() ms). */
export type OvershootSearch = (count: number, deadline?: number) => ExactStage | { readonly reason: string };

/**
 * The exact overshoot search for `wave` (dollars; `factor` maps them to the solver's units, a power of
 * two), or undefined when the model is not `[sparsity, overshoot]` with lots and at-least coverage.
 * O(1) until called; a call costs what leastOvershoot costs plus one verification.
 */
export function overshootSearch(wave: Wave, factor: number, lowered: LoweredWave): OvershootSearch | undefined {
  const [first, second, ...rest] = wave.objectives;
  if (first?.kind !== "sparsity" || second?.kind !== "overshoot" || rest.length > 0) return undefined;
  if (!wave.positions || wave.layers || wave.model.coverage !== "atLeast") return undefined;
  return (count, deadline) => {
    const found = leastOvershoot(wave, count, deadline !== undefined ? { deadline } : {});
    if (!isLeastOvershoot(found)) return found;
    const allocation = breakSymmetry(wave, found.allocation);
    const verdict = verifyAllocation(wave, allocation);
    if (!verdict.ok) return { reason: `the verifier rejected the exact search's allocation: ${verdict.violations[0]?.message ?? ""}` };
    const scaled = { ...allocation, haircut: allocation.haircut.map((h) => h * factor) };
    const g = money(found.unit);
    const proof = found.onGcdBound
      ? `the gcd bound: lot values are whole multiples of ${g} (their gcd, read as decimals), so every overshoot is at least ceil(B / ${g}) x ${g} - B = ${money(found.overshoot)}, which the exact lot search's allocation (${found.touched} accounts) meets`
      : `an exhaustive search over lot amounts in exact integers (units of ${g}) over the ${found.candidates} accounts that can be in a cover of at most ${count}: none takes less than ${money(found.overshoot)} beyond B`;
    return { values: lowered.lift(scaled), proven: found.proven, proof: found.proven ? proof : `an incumbent of the narrow lot search (${money(found.overshoot)} beyond B), not proven` };
  };
}

function money(x: number): string {
  return `$${x}`;
}
