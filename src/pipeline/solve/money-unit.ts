/**
 * Rounding an answer to the venue's money unit (e.g. 0.01): every haircut becomes a whole number of
 * units so that what a venue executes has no 20000.000000000007 in it, while coverage and the caps
 * still hold exactly (decided on decimals, src/floor/numeric/exact.ts).
 *
 * Each haircut is floored to the unit (never above its cap in units, K_i = the most whole units
 * with K_i U <= min(c_i, alpha c_i) exactly, 0 for an ineligible account); then the fewest extra
 * units that bring the total to B go, one each, to the accounts with the largest remainders among
 * those already touched; if that is not enough, further units go to touched accounts with room, and
 * only then (when the model does not count touched accounts) to untouched ones. With layers the
 * rounded haircut is split junior first again. With exact coverage, B must itself be a whole number
 * of units. When no such rounding exists, the reason is returned instead.
 */
import type { Allocation, Wave } from "../../domain.js";
import { splitJuniorFirst } from "../exact/seniority.js";
import { compareProduct, decimal, ExactSum, lotsToCoverExact, lotsWithinExact, productDown } from "../../floor/numeric/exact.js";

export type Rounded = { readonly allocation: Allocation; readonly note: string } | { readonly allocation?: undefined; readonly reason: string };

/** Rounds a continuous allocation to whole units of `unit` dollars (see the module comment). O(n log n). */
export function roundToMoneyUnit(wave: Wave, allocation: Allocation, unit: number): Rounded {
  if (!(unit > 0) || !Number.isFinite(unit)) return { reason: `the money unit must be a positive number; found ${unit}` };
  if (wave.positions) return { reason: "with lots every haircut is whole lots times a lot value; the money unit does not apply" };
  const n = wave.ids.length;
  const h = allocation.haircut;
  const alpha = wave.model.alpha;
  const most = new Float64Array(n);
  const units = new Float64Array(n);
  const remainder = new Float64Array(n);
  const total = new ExactSum();
  for (let i = 0; i < n; i++) {
    if (wave.eligible[i] === 0) continue;
    const c = Math.max(0, wave.capacity[i]!);
    let K = lotsWithinExact(c, unit);
    if (alpha !== undefined) K = Math.min(K, lotsWithinExact(productDown(alpha, c), unit));
    if (wave.layers) {
      let layerTotal = 0;
      for (const layer of wave.layers.capacity) layerTotal += Math.max(0, layer[i]!);
      K = Math.min(K, lotsWithinExact(layerTotal, unit));
    }
    most[i] = K;
    const hi = h[i]!;
    if (!(hi > 0)) continue;
    const floor = Math.min(K, lotsWithinExact(hi, unit));
    units[i] = floor;
    remainder[i] = hi / unit - floor;
    total.addProduct(floor, unit);
  }

  const B = wave.budget;
  const exactCoverage = wave.model.coverage === "exact";
  if (exactCoverage && compareProduct(lotsToCoverExact(B, unit), unit, 1, B) !== 0) {
    return { reason: `the model requires coverage of exactly ${B}, which is not a whole number of units of ${unit}` };
  }
  const counting = wave.model.maxAccounts !== undefined || wave.objectives.some((objective) => objective.kind === "sparsity");
  // Candidates for the extra units: touched accounts by largest remainder, then untouched ones by room.
  const touched: number[] = [];
  const untouched: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!(most[i]! > units[i]!)) continue;
    if (h[i]! > 0) touched.push(i);
    else untouched.push(i);
  }
  touched.sort((a, b) => remainder[b]! - remainder[a]! || a - b);
  untouched.sort((a, b) => most[b]! - most[a]! || a - b);
  const order = counting ? touched : [...touched, ...untouched];
  const extra = new Float64Array(n);
  // Round 1: one unit each by largest remainder; later rounds: as many as the room allows.
  for (let round = 0; round < 2 && total.compare(B) < 0; round++) {
    for (const i of order) {
      if (total.compare(B) >= 0) break;
      const room = most[i]! - units[i]! - extra[i]!;
      if (!(room > 0)) continue;
      const missing = B - total.value;
      const add = round === 0 ? 1 : Math.min(room, Math.max(1, lotsToCoverExact(missing, unit)));
      extra[i]! += add;
      total.addProduct(add, unit);
      // The float estimate of what is missing can be off by a unit: settle exactly.
      while (round > 0 && extra[i]! > 1 && total.compare(B) > 0) {
        total.addProduct(-1, unit);
        if (total.compare(B) < 0) {
          total.addProduct(1, unit);
          break;
        }
        extra[i]!--;
      }
    }
  }
  if (total.compare(B) < 0) {
    return { reason: `no allocation in whole units of ${unit} covers the budget within the caps${counting ? " without touching more accounts" : ""}` };
  }
  if (exactCoverage && total.compare(B) !== 0) {
    return { reason: `no allocation in whole units of ${unit} covers exactly the budget ${B}` };
  }

  const digits = Math.max(0, -decimal(unit).exponent);
  const haircut = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const q = units[i]! + extra[i]!;
    // The double nearest to the decimal q * U: it prints as the venue's amount, and keeps q * U's side of every bound.
    if (q > 0) haircut[i] = Number((q * unit).toFixed(Math.min(100, digits)));
  }
  const layers = wave.layers ? splitJuniorFirst(wave, haircut) : undefined;
  const changed = haircut.reduce((count, value, i) => count + (value !== h[i] ? 1 : 0), 0);
  return { allocation: { haircut, ...(layers ? { layers } : {}) }, note: `haircuts rounded to whole units of ${unit} (${changed} changed)` };
}
