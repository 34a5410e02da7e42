/**
 * The objective registry: one module per kind (./objective.ts says what a module holds). A new
 * objective is a module here plus its line in OBJECTIVES, its types in src/domain.ts, its schema
 * fragment, and its value in the verifier (src/pipeline/verify/objectives.ts), which stays independent.
 */
import type { ObjectiveKind } from "../../domain.js";
import { convex } from "./convex.js";
import { minmax } from "./minmax.js";
import type { ObjectiveModule } from "./objective.js";
import { overshoot } from "./overshoot.js";
import { sparsity } from "./sparsity.js";

export type { BindContext, KeyPath, LowerContext, LoweredObjective, ObjectiveModule, ParseContext } from "./objective.js";
export { DEFAULT_PHI, tangentEnvelope, tangentEnvelopeAt, tangentPoints } from "./convex.js";

/** Every objective kind's module, by kind. */
export const OBJECTIVES: { readonly [K in ObjectiveKind]: ObjectiveModule<K> } = { sparsity, convex, minmax, overshoot };

/** The module of a spec's or a bound objective's kind: the pipeline's one dispatch (the cast the union needs, once). O(1). */
export function moduleOf(objective: { readonly kind: ObjectiveKind }): ObjectiveModule<ObjectiveKind> {
  return OBJECTIVES[objective.kind] as unknown as ObjectiveModule<ObjectiveKind>;
}
