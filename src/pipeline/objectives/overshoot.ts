/** overshoot: min sum h - B, dollars taken beyond the budget (what lots force). */
import type { ObjectiveModule } from "./objective.js";

export const overshoot: ObjectiveModule<"overshoot"> = {
  kind: "overshoot",
  parse: () => ({ kind: "overshoot" }),
  key: () => "overshoot",
  bind: () => ({ kind: "overshoot" }),
  needsIndicators: false,
  lower: (_objective, _stage, { wave, active, haircutColumn }) => ({
    name: "overshoot",
    constant: -wave.budget,
    integral: false,
    terms: active.map((i) => [haircutColumn[i]!, 1] as [number, number]),
  }),
  toSolverUnits: (objective) => objective,
  valueScalesWithMoney: true,
  warmStart: "queue:capacity",
};
