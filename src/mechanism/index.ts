/**
 * The mechanism home: one Mechanism (an exact model or a heuristic rule) with one run → Outcome,
 * one verdict classification and coverage rule, and the closed forms exposure draws from.
 */
export { exactMechanism, heuristicMechanism, type ExactMechanism, type ExactOutcome, type Mechanism, type MechanismKind, type Outcome, type OutcomeStatus, type RunContext } from "./mechanism.js";
export { classifyVerdict, constraintNames, coverageExcused, fatalViolations, type Classification } from "./verdict.js";
export { closedFormShape, heuristicPlan, modelPlan, type ClosedFormPlan } from "./closed-form.js";
export { ConformanceFailure, heuristicConformanceCases, runHeuristicConformance, type HeuristicConformanceCase, type HeuristicConformanceReport } from "./conformance.js";
export { budgetAtLevel, formFirstTouched, formHaircut, formKinks, formSlope, levelAt, waterLevelForm, type ExactForm, type RampForm, type WaterLevelForm } from "./forms.js";
