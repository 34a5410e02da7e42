/** sparsity: min #{i : h_i > 0}, the accounts touched (an L0 count, lowered on the indicators z_i). */
import type { ObjectiveModule } from "./objective.js";

export const sparsity: ObjectiveModule<"sparsity"> = {
  kind: "sparsity",
  parse: () => ({ kind: "sparsity" }),
  key: () => "sparsity",
  bind: () => ({ kind: "sparsity" }),
  needsIndicators: true,
  lower: (_objective, _stage, { active, indicatorColumn, minimumAccounts }) => ({
    name: "sparsity",
    constant: 0,
    integral: true,
    // With the structure's sparsity_floor row the greedy's count bounds the stage from below.
    ...(minimumAccounts !== undefined ? { floor: minimumAccounts } : {}),
    terms: active.map((i) => [indicatorColumn[i]!, 1] as [number, number]),
  }),
  toSolverUnits: (objective) => objective,
  valueScalesWithMoney: false,
  warmStart: "queue:capacity",
};
