/**
 * Exposure: an account's haircut as a function of the wave's budget, under the wave's own model or a
 * heuristic; exact breakpoints where the structure gives them, sampled otherwise. The CLI's
 * `adl exposure` is a thin call over exposureCurve / exposureFamily and the writers in output.ts.
 */
export {
  accountIndexOf,
  curveOf,
  exposureCurve,
  exposureFamily,
  exposureHaircut,
  exposureSummaries,
  mechanismLabel,
  type CurveEnd,
  type CurveExtreme,
  type ExposureCurve,
  type ExposureFamily,
  type ExposureMethod,
  type ExposureOptions,
  type ExposurePoint,
  type ExposureSummary,
  type SampledForm,
} from "./exposure.js";
export { budgetAtLevel, formHaircut, formKinks, levelAt, waterLevelForm, type ExactForm, type RampForm, type WaterLevelForm } from "../../mechanism/forms.js";
export { DEFAULT_STEPS, checkBudgetRange, parseBudgetRange, sampleBudgets, type BudgetRange } from "./range.js";
export { EXPOSURE_CSV_HEADER, exposureCsv, exposureCsvLines, exposureJson, renderExposure, writeExposureCsv, type ExposureSource } from "./output.js";
