/**
 * An example user heuristic: "largest leverage first, at most 50% of capacity each".
 *
 * Accounts are visited from the highest effective leverage (`leverage` column, see the column
 * convention in src/heuristics/README.md) down, ties by row order, and each pays at most half its
 * capacity. If half of everyone's capacity cannot cover the budget, a second pass in the same order
 * takes the rest up to each account's full bound, so the rule still covers every feasible wave
 * (a heuristic must; the verifier would report the shortfall otherwise).
 *
 * Use it with `loadUserHeuristic("examples/my-heuristic.ts")` (src/heuristics/user.ts). Written with
 * defineHeuristic, it only decides dollars per account; the workbench executes them in whole lots
 * when the model has lots and splits them over the seniority layers junior first.
 */
import type { Wave } from "../src/domain.js";
import { defineHeuristic, rankDescending, requireColumn, ruleBound, type IgnorableConstraint } from "../src/heuristics/index.js";

const name = "my:leverage-half";
/** Alpha and eligibility are honoured (ruleBound below applies them); these two are not. */
const ignores: IgnorableConstraint[] = ["maxAccounts", "seniority"];
const share = 0.5;

export default defineHeuristic({
  name,
  description: "largest leverage first, at most 50% of capacity each (a second pass up to the full bound only if needed to cover)",
  ignores,
  target(wave: Wave): Float64Array {
    const n = wave.ids.length;
    const bound = ruleBound(wave, ignores);
    const leverage = requireColumn(wave, name, "leverage", "the effective leverage to rank by");
    const order = rankDescending(leverage);
    const haircut = new Float64Array(n);
    let remaining = wave.budget;
    for (const limit of [(i: number) => Math.min(bound[i]!, share * wave.capacity[i]!), (i: number) => bound[i]!]) {
      for (let k = 0; k < n && remaining > 0; k++) {
        const i = order[k]!;
        const given = Math.min(limit(i) - haircut[i]!, remaining);
        if (given > 0) {
          haircut[i]! += given;
          remaining -= given;
        }
      }
    }
    return haircut;
  },
});
