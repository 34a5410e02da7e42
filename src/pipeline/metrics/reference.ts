/**
 * PTSR and PMR, the fairness ratios of the reference ADL analysis (pluriholonomic/autodeleveraging-analysis,
 * MIT), and the residual insolvency.
 *
 * The reference defines them twice, and the two definitions differ in the denominator:
 *
 * - paper (paper/main_corrected.tex §"ADL-Specific Efficiency Metrics", and
 *   paper/corrected/moral-hazard-2.tex: "D^pi_T = theta_pi D_T is the total socialized loss and
 *   Delta^pi_T = theta_pi Delta_T is the maximum socialized shortfall"), with severity
 *   theta_pi = H / D (budget balance H = theta_pi D, main_corrected.tex eq. budget-balance):
 *       PTSR = upsilon / (theta D) = upsilon / H,        PMR = upsilon / (theta Delta)
 * - code (src/oss_adl/policy_per_wave.py, generate_policy_per_wave_figures, the `ptsr_*` and `pmr_*`
 *   columns of out/policy_per_wave_metrics.csv), with theta = _theta_capped(D - H, D) = clip((D - H) / D, 0, 1):
 *       PTSR = upsilon / (D - H),                         PMR = upsilon / (theta Delta)
 *   and NaN (_safe_ratio) when the denominator is <= 1e-12.
 *
 * In both, upsilon = _max_survivor_endowment(cap_eff, h) = max_i (w_i - h_i)_+, the largest
 * post-ADL haircutable endowment, and Delta is the largest single loser's shortfall (max_loss_usd).
 * The published per-wave numbers use the code form: there the ADL budget is a part of a larger
 * deficit (D - H > 0). In the workbench a mechanism raises B >= D, so D - H <= 0 and the code form is
 * undefined for every covering allocation; JobMetrics therefore carries the paper form (undefined
 * only when nothing is taken, as src/floor/records/row.ts says), and the code form is here for comparison
 * with the published tables.
 *
 * Mapping to a wave: w_i = c_i over eligible accounts (the haircutable endowment; an ineligible
 * account is not haircutable), H = sum_i h_i, D = the deficit (inputs.deficit, else B / (1 + margin),
 * the model's deficit when B was set from one), Delta = inputs.maxLoss, else D (one loser carries the whole
 * deficit, as in the reference's wave 1, where max_loss_usd = deficit_usd).
 */
import type { Allocation, Wave } from "../../domain.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { allowance, tolerance } from "../../floor/numeric/tolerance.js";

/** _safe_ratio's threshold in policy_per_wave.py (EPS). */
const REFERENCE_EPS = 1e-12;

export type ReferenceForm = "paper" | "code";

export interface ReferenceInputs {
  /** D: the wave's deficit, dollars. */
  readonly deficit?: number;
  /** Delta: the largest single loser's shortfall, dollars. */
  readonly maxLoss?: number;
}

export interface ReferenceRatios {
  /** upsilon = max_i (c_i - h_i)_+ over eligible accounts, dollars. */
  readonly survivorEndowment: number;
  /** H = sum h, dollars. */
  readonly taken: number;
  readonly deficit: number;
  readonly maxLoss: number;
  /** Null where the reference's _safe_ratio gives NaN (denominator <= 1e-12). */
  readonly ptsr: number | null;
  readonly pmr: number | null;
  /** RD-NSE = upsilon / (upsilon + D - H), the code's third ratio (code form only; null in the paper form). */
  readonly rdNse: number | null;
}

/** D as the wave knows it: B / (1 + margin), which is the deficit whenever B was set from one (bind's resolveBudget). O(1). */
export function waveDeficit(wave: Wave): number {
  return wave.budget / (1 + wave.model.budget.margin);
}

/** upsilon = max_i (c_i - h_i)_+ over eligible accounts (policy_per_wave.py, _max_survivor_endowment). O(n). */
export function survivorEndowment(wave: Wave, allocation: Allocation): number {
  let best = 0;
  for (let i = 0; i < wave.ids.length; i++) {
    if (wave.eligible[i] !== 1) continue;
    const left = wave.capacity[i]! - allocation.haircut[i]!;
    if (left > best) best = left;
  }
  return best;
}

function safeRatio(numerator: number, denominator: number): number | null {
  return denominator > REFERENCE_EPS ? numerator / denominator : null;
}

/**
 * PTSR, PMR (and, in the code form, RD-NSE) of one allocation, as defined in the module comment.
 * Dimensionless; null where undefined. O(n).
 */
export function referenceRatios(wave: Wave, allocation: Allocation, inputs: ReferenceInputs = {}, form: ReferenceForm = "paper"): ReferenceRatios {
  const upsilon = survivorEndowment(wave, allocation);
  const total = new CompensatedSum();
  for (let i = 0; i < allocation.haircut.length; i++) total.add(allocation.haircut[i]!);
  const taken = total.value;
  const deficit = inputs.deficit ?? waveDeficit(wave);
  const maxLoss = inputs.maxLoss ?? deficit;
  if (form === "paper") {
    // theta = H / D, so theta * D = H and theta * Delta = H * Delta / D.
    const theta = deficit > REFERENCE_EPS ? taken / deficit : Number.NaN;
    return {
      survivorEndowment: upsilon,
      taken,
      deficit,
      maxLoss,
      ptsr: safeRatio(upsilon, taken),
      pmr: Number.isFinite(theta) ? safeRatio(upsilon, theta * maxLoss) : null,
      rdNse: null,
    };
  }
  const remaining = deficit - taken;
  // _theta_capped(D - H, D): 0 when D <= EPS, else clip((D - H) / D, 0, 1).
  const theta = deficit <= REFERENCE_EPS ? 0 : Math.min(1, Math.max(0, remaining / deficit));
  return {
    survivorEndowment: upsilon,
    taken,
    deficit,
    maxLoss,
    ptsr: safeRatio(upsilon, remaining),
    pmr: safeRatio(upsilon, theta * maxLoss),
    rdNse: safeRatio(upsilon, upsilon + remaining),
  };
}

/**
 * max(0, B - sum h), dollars: the deficit the venue still carries after this allocation. A gap within
 * the verifier's coverage tolerance (tolerance.ts) is rounding, not insolvency, and reads 0. O(n).
 */
export function residualInsolvency(wave: Wave, allocation: Allocation): number {
  const total = new CompensatedSum();
  for (let i = 0; i < allocation.haircut.length; i++) total.add(allocation.haircut[i]!);
  const gap = wave.budget - total.value;
  return gap > allowance(tolerance(wave), wave.budget) ? gap : 0;
}
