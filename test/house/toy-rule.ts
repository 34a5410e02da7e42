/**
 * A toy heuristic rule, written the way a third party would: it plugs in through the Heuristic
 * interface alone (no other source file knows it). Every account that can pay pays the same dollars,
 * capped at its bound (a water level with weight 1), and it declares that closed form so that
 * exposure can draw its curves exactly.
 */
import { cappedProRata, defineHeuristic, ruleBound, type IgnorableConstraint } from "../../src/heuristics/index.js";

/** Touches everyone and splits layers junior-first per account: it makes no promise on these two. */
const IGNORES: readonly IgnorableConstraint[] = ["maxAccounts", "seniority"];

/** Equal dollars per account that can pay, capped at each account's bound. O(n log n). */
export const equalDollars = defineHeuristic({
  name: "toy:equal-dollars",
  description: "every account that can pay pays the same dollars, capped at its bound",
  ignores: IGNORES,
  target: (wave) => {
    const bound = ruleBound(wave, IGNORES);
    return cappedProRata(bound, bound.map(() => 1), wave.budget);
  },
  budgetShape: (_wave, bound) => ({ kind: "level", algorithm: "equal-dollars", weight: bound.map(() => 1) }),
});
