/**
 * The exact trilemma frontier (DESIGN §6): epsilon-constraint curves over the solver, and the
 * placement of each mechanism against them.
 */
export {
  closedFormApplies,
  maxAccountsFrontier,
  maxAccountsWave,
  type FrontierMethod,
  type FrontierResult,
  type MaxAccountsFrontierOptions,
  type SolvedFrontierPoint,
} from "./max-accounts.js";
export { DEFAULT_COVERAGE_SHARES, coverageFrontier, coverageWave, type CoverageFrontierOptions } from "./coverage.js";
export { lowerEnvelope, placeOnFrontier, type MechanismPoint, type Placement, type PlacementOptions, type XSense } from "./place.js";
