/**
 * A toy objective written against the module interface (src/pipeline/objectives/objective.ts) alone:
 * min sum_i h_i / c_i (dollars weighted by the inverse capacity, a linear cost that prefers large
 * accounts). It lowers itself with no helper of the pipeline's: one term per haircut column.
 *
 * What it cannot do without editing source, by design: be named in a model file (the kinds are the
 * schema's enum and src/domain.ts's union) and be valued by the verifier (src/pipeline/verify/objectives.ts
 * stays independent of every module). So it is typed as a module of its own kind here.
 */
import type { LowerContext, LoweredObjective, ObjectiveModule } from "../../src/pipeline/objectives/index.js";

/** The toy's bound form: the per-account cost 1 / c_i (0 where c_i = 0). */
export interface InverseCapacity {
  readonly kind: "toy:inverse-capacity";
  readonly cost: Float64Array;
}

type ModuleShape = Pick<ObjectiveModule, "needsIndicators" | "valueScalesWithMoney" | "warmStart">;

export const inverseCapacity: ModuleShape & {
  readonly kind: "toy:inverse-capacity";
  bind(capacity: Float64Array): InverseCapacity;
  lower(objective: InverseCapacity, stage: number, context: LowerContext): LoweredObjective;
  toSolverUnits(objective: InverseCapacity, scaled: (values: Float64Array) => Float64Array): InverseCapacity;
} = {
  kind: "toy:inverse-capacity",
  bind: (capacity) => ({ kind: "toy:inverse-capacity", cost: capacity.map((c) => (c > 0 ? 1 / c : 0)) }),
  needsIndicators: false,
  lower: (objective, _stage, { active, haircutColumn }) => ({
    name: "toy:inverse-capacity",
    constant: 0,
    integral: false,
    terms: active.map((i) => [haircutColumn[i]!, objective.cost[i]!] as [number, number]),
  }),
  // h_i / c_i is a ratio of two amounts of money: unchanged when both are scaled.
  toSolverUnits: (objective) => objective,
  valueScalesWithMoney: false,
  warmStart: "queue:capacity",
};
