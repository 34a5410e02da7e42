/**
 * Production heuristics: the fast allocation rules venues run, held to the same verifier as the
 * exact mechanisms. See README.md in this folder for the list, the column convention and what each
 * rule ignores by design.
 */
export { IGNORABLE_CONSTRAINTS, ignorableOf, unexpectedViolations, type BudgetShape, type Heuristic, type HeuristicContext, type IgnorableConstraint } from "./heuristic.js";
export { VENUE_COLUMNS, optionalColumn, requireColumn, waveColumns } from "./columns.js";
export { dollarCap, lotNotional, ruleBound } from "./bounds.js";
export { rankDescending } from "./rank.js";
export { LOT_SCHEMES, executeInLots, lotOvershoot, type LotExecution, type LotScheme } from "./lots.js";
export { RuleHeuristic, continuousForm, defineHeuristic, relaxedWave, type ContinuousTarget, type RuleSpec } from "./rule.js";
export {
  QUEUE_PRESETS,
  bitmexScore,
  dydxWalk,
  expressionQueue,
  orderedTarget,
  presetScore,
  queuePreset,
  scoreQueue,
  takeByScore,
  takeInOrder,
  walkStart,
  type GroupTake,
  type OrderOptions,
  type QueuePreset,
  type Sides,
} from "./queue.js";
export { PRO_RATA_PRESETS, cappedProRata, hybrid, proRataPreset, proRataWeight, riskWeighted, type ProRataPreset } from "./pro-rata.js";
export { ladder, lotExecution, lotWrapperName } from "./wrappers.js";
export { getHeuristic, heuristicForms, heuristicNames } from "./registry.js";
export { loadUserHeuristic } from "./user.js";
