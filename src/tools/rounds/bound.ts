/**
 * Severity and the instance-calibrated bound of Proposition 1 (Chitra, Thogiti, Trujillo Ramirez,
 * Xu, "Autodeleveraging as Online Learning", arXiv 2602.15182, §3.8 and Appendix B.1).
 *
 * Severity theta_t = B_t / D_t in [0, 1]; the needed severity theta_t^need = min(1, B_t^need / D_t)
 * (0 when D_t = 0); the severity loss D_t |theta_t - theta_t^need|; its path variation
 * P_T = sum_{t>=2} |theta*_t - theta*_{t-1}|. Projected OGD on [0, 1] with the step
 * eta* = sqrt((1 + 2 P_T) / sum_t D_t^2) has dynamic regret <= sqrt((1 + 2 P_T) sum_t D_t^2).
 */

/**
 * The needed severity min(1, needed / deficit), clipped to [0, 1]; 0 when the deficit is 0 (the
 * reference's `_theta_capped`, policy_per_wave.py:96-100, which uses the same rule). O(1).
 */
export function neededSeverity(needed: number, deficit: number): number {
  if (!(deficit > 0)) return 0;
  const theta = needed / deficit;
  return theta <= 0 ? 0 : theta >= 1 ? 1 : theta;
}

/** P_T = sum_{t>=2} |theta_t - theta_{t-1}|, dimensionless. O(T). */
export function severityVariation(theta: ArrayLike<number>): number {
  let total = 0;
  for (let t = 1; t < theta.length; t++) total += Math.abs(theta[t]! - theta[t - 1]!);
  return total;
}

/** sum_t D_t^2 in dollars squared, summed in order (no cancellation: every term is >= 0). O(T). */
export function squaredDeficits(deficit: ArrayLike<number>): number {
  let total = 0;
  for (let t = 0; t < deficit.length; t++) total += deficit[t]! * deficit[t]!;
  return total;
}

/**
 * sqrt(sum_t D_t^2), dollars, computed scaled by the largest deficit (as hypot does) so that neither
 * 1e-200 nor 1e200 deficits underflow or overflow on the way. O(T).
 */
export function deficitNorm(deficit: ArrayLike<number>): number {
  let largest = 0;
  for (let t = 0; t < deficit.length; t++) largest = Math.max(largest, Math.abs(deficit[t]!));
  if (!(largest > 0) || !Number.isFinite(largest)) return largest;
  let sum = 0;
  for (let t = 0; t < deficit.length; t++) sum += (deficit[t]! / largest) ** 2;
  return largest * Math.sqrt(sum);
}

/** The instance bound sqrt((1 + 2 P_T) sum_t D_t^2) = sqrt(1 + 2 P_T) * deficitNorm, dollars (Proposition 1, eq. 17). O(1). */
export function instanceBound(variation: number, norm: number): number {
  return Math.sqrt(1 + 2 * variation) * norm;
}

/**
 * Proposition 1's step eta* = sqrt((1 + 2 P_T) / sum_t D_t^2) = sqrt(1 + 2 P_T) / deficitNorm, per dollar of slope. It is tuned in
 * hindsight (P_T and sum D^2 are known only at the end), exactly as the bound is; +Infinity when
 * every deficit is 0 (then every step is a no-op anyway). O(1).
 */
export function propositionStep(variation: number, norm: number): number {
  return norm > 0 ? Math.sqrt(1 + 2 * variation) / norm : Infinity;
}

/**
 * One projected OGD step on [0, 1] for the severity loss D |theta - target|: the subgradient is
 * D * sign(theta - target) (0 at the kink), so theta' = clip(theta - eta * D * sign(...), 0, 1). O(1).
 */
export function ogdSeverityStep(theta: number, target: number, deficit: number, eta: number): number {
  const slope = theta > target ? deficit : theta < target ? -deficit : 0;
  if (slope === 0) return theta;
  const next = theta - eta * slope;
  return next <= 0 ? 0 : next >= 1 ? 1 : next;
}
