/**
 * The last step of every continuous answer, before the verifier: undo what floating point and a
 * solver's row tolerance leave behind, so that the allocation a venue executes keeps every promise.
 *
 * 1. Bounds: each layer haircut into [0, c_il], each haircut into [0, cap_i] with
 *    cap_i = min(c_i, alpha c_i) (0 for an ineligible account: exactly, not "about"), senior layers
 *    given back first when the layers together exceed the cap.
 * 2. Dust: with a count objective (sparsity or maxAccounts) a haircut at or below the solver's own
 *    tolerances (`dust`: absolute dollars, and relative to the account's cap, for an indicator
 *    z_i = 1e-6 that lets h_i <= u_i z_i through) is rounding, not a haircut: it is set to 0.
 * 3. Coverage: when rounding leaves sum h short of B, the shortfall is spread over accounts with room,
 *    junior layers first and, with a count objective, only over accounts already touched, in
 *    proportion to their room, until the compensated sum reaches B; with exact coverage an excess
 *    is taken back in proportion to the haircuts, senior layers first.
 * 4. Seniority within an account: a haircut that takes from a senior layer while one of its own
 *    junior layers has room is split junior-first again (same h_i, lower senior totals).
 * The moves are of the order of the solver's tolerance; the verifier judges the result, and the
 * objective reported is recomputed from it. With lots (integers, decided exactly) only coverage is
 * repaired: when a solver's row tolerance let whole lots fall short of B (seen: B = 1.8e-12 and no
 * lot at all), the cheapest lots that still fit their account's cap exactly are added, touched
 * accounts first. O(n * layers) per pass, at most a few passes.
 */
import type { Allocation, Wave } from "../../domain.js";
import { splitJuniorFirst } from "../exact/seniority.js";
import { ExactSum, productDown } from "../../floor/numeric/exact.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";

/** What counts as a solver's rounding dust on a haircut: absolute dollars, or relative to the account's cap. */
export interface Dust {
  readonly absolute: number;
  readonly relative: number;
}

export interface Repair {
  readonly allocation: Allocation;
  /** What was changed, in words (empty when nothing was). */
  readonly notes: string[];
}

/** Repairs a continuous allocation (see the module comment); returns it unchanged with lots. */
export function repairAllocation(wave: Wave, allocation: Allocation, dust: Dust = { absolute: 0, relative: 0 }): Repair {
  if (allocation.haircut.length !== wave.ids.length) return { allocation, notes: [] };
  if (wave.positions) return repairLots(wave, allocation);
  const n = wave.ids.length;
  const notes: string[] = [];
  const haircut = Float64Array.from(allocation.haircut);
  const layerCapacity = wave.layers?.capacity;
  const layers = allocation.layers && layerCapacity && allocation.layers.length === layerCapacity.length ? allocation.layers.map((layer) => Float64Array.from(layer)) : undefined;
  const L = layers?.length ?? 0;
  const alpha = wave.model.alpha;
  const counting = wave.model.maxAccounts !== undefined || wave.objectives.some((objective) => objective.kind === "sparsity");

  const cap = new Float64Array(n);
  let clamped = 0;
  let dusted = 0;
  for (let i = 0; i < n; i++) {
    const c = Math.max(0, wave.capacity[i]!);
    cap[i] = wave.eligible[i] === 0 ? 0 : alpha !== undefined ? Math.min(c, alpha * c) : c;
    if (layers) {
      let sum = 0;
      for (let l = 0; l < L; l++) {
        const x = layers[l]![i]!;
        const bounded = Number.isFinite(x) ? Math.min(Math.max(0, x), Math.max(0, layerCapacity![l]![i]!)) : 0;
        if (bounded !== x) clamped++;
        layers[l]![i] = bounded;
        sum += bounded;
      }
      // Too much in all: give back from the most senior layer down.
      for (let l = L - 1; l >= 0 && sum > cap[i]!; l--) {
        const back = Math.min(layers[l]![i]!, sum - cap[i]!);
        layers[l]![i]! -= back;
        sum -= back;
        clamped++;
      }
      haircut[i] = layerSum(layers, i);
    } else {
      const h = haircut[i]!;
      const bounded = Number.isFinite(h) ? Math.min(Math.max(0, h), cap[i]!) : 0;
      if (bounded !== h) clamped++;
      haircut[i] = bounded;
    }
    if (counting && haircut[i]! > 0 && haircut[i]! <= Math.max(dust.absolute, dust.relative * cap[i]!)) {
      haircut[i] = 0;
      if (layers) for (let l = 0; l < L; l++) layers[l]![i] = 0;
      dusted++;
    }
  }
  if (clamped > 0) notes.push(`${clamped} haircuts or layer amounts moved into their bounds`);
  if (dusted > 0) notes.push(`${dusted} haircuts at or below the solver's tolerance set to 0`);

  const B = wave.budget;
  let moved = 0;
  for (let pass = 0; pass < 6; pass++) {
    const short = B - sumOf(haircut);
    if (wave.model.coverage === "exact" && short < 0) {
      moved += takeBack(haircut, layers, -short);
      continue;
    }
    if (!(short > 0)) break;
    const spread = spreadShortfall(haircut, layers, layerCapacity, cap, short, counting && pass < 4);
    if (spread === 0) break;
    moved += spread;
  }
  if (moved > 0) notes.push(`coverage repaired: ${moved} moved so that the haircuts sum to the budget`);
  if (layers) {
    // Within an account, principal taken while its own gains have room is never optimal (the same
    // h_i split junior-first lowers a senior total), but a later stage may use the earlier stage's
    // fixing slack to move it there (seen: 3.5e-9 of principal for gains on a min-max stage after the
    // principal stage was fixed at 3.5 + 3.5e-9). The junior-first split of each haircut undoes that.
    const split = splitJuniorFirst(wave, haircut);
    let resplit = 0;
    for (let i = 0; i < n; i++) {
      // The junior-first split is the unique best one for h_i: any other differs from it (beyond rounding).
      let differs = 0;
      for (let l = 0; l < L; l++) differs += Math.abs(layers[l]![i]! - split[l]![i]!);
      if (!(differs > 1e-12 * Math.max(1, haircut[i]!))) continue;
      for (let l = 0; l < L; l++) layers[l]![i] = split[l]![i]!;
      resplit++;
    }
    if (resplit > 0) notes.push(`${resplit} haircuts split junior-first again (a senior layer taken while a junior one had room)`);
  }
  const repaired: Allocation = { haircut, ...(allocation.lots ? { lots: allocation.lots } : {}), ...(layers ? { layers } : allocation.layers ? { layers: allocation.layers } : {}) };
  return { allocation: repaired, notes };
}

function sumOf(values: Float64Array): number {
  const total = new CompensatedSum();
  for (let i = 0; i < values.length; i++) total.add(values[i]!);
  return total.value;
}

function layerSum(layers: Float64Array[], i: number): number {
  let sum = 0;
  for (const layer of layers) sum += layer[i]!;
  return sum;
}

/**
 * Adds `short` over accounts with room (touched ones only when `touchedOnly`), junior layer first:
 * all of it on the account with the most room when that room holds it, else in proportion to the
 * room, nudged one ulp upward so that rounding does not leave it short again.
 * Returns the amount added.
 */
function spreadShortfall(
  haircut: Float64Array,
  layers: Float64Array[] | undefined,
  layerCapacity: readonly Float64Array[] | undefined,
  cap: Float64Array,
  short: number,
  touchedOnly: boolean,
): number {
  const n = haircut.length;
  const target = short * (1 + 4 * Number.EPSILON) + Number.MIN_VALUE;
  let added = 0;
  const levels = layers ? layers.length : 1;
  for (let l = 0; l < levels && added < target; l++) {
    const room = new Float64Array(n);
    const total = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      if (touchedOnly && !(haircut[i]! > 0)) continue;
      const accountRoom = cap[i]! - haircut[i]!;
      const r = layers ? Math.min(accountRoom, layerCapacity![l]![i]! - layers[l]![i]!) : accountRoom;
      if (r > 0) {
        room[i] = r;
        total.add(r);
      }
    }
    const available = total.value;
    if (!(available > 0)) continue;
    // Where one account has room for all of it, it takes it alone: spread in proportion to the room,
    // a shortfall of one ulp of B (room equal to it on the large account) filled a 1e-171 account to
    // its cap, ratio 2 against a level of 0.31.
    let roomiest = -1;
    for (let i = 0; i < n; i++) if (room[i]! > 0 && (roomiest < 0 || room[i]! > room[roomiest]!)) roomiest = i;
    if (roomiest >= 0 && room[roomiest]! >= short - added) {
      const give = Math.min(room[roomiest]!, target - added);
      if (layers) {
        layers[l]![roomiest]! += give;
        haircut[roomiest] = Math.min(cap[roomiest]!, layerSum(layers, roomiest));
      } else haircut[roomiest] = Math.min(cap[roomiest]!, haircut[roomiest]! + give);
      added += give;
      break;
    }
    const want = Math.min(target - added, available);
    const share = want / available;
    for (let i = 0; i < n; i++) {
      if (!(room[i]! > 0)) continue;
      const give = Math.min(room[i]!, share >= 1 ? room[i]! : room[i]! * share * (1 + 2 * Number.EPSILON));
      if (!(give > 0)) continue;
      if (layers) {
        layers[l]![i]! += give;
        haircut[i] = Math.min(cap[i]!, layerSum(layers, i));
      } else haircut[i] = Math.min(cap[i]!, haircut[i]! + give);
      added += give;
    }
  }
  return added;
}

/** Removes `excess` in proportion to the haircuts, senior layers first. Returns the amount removed. */
function takeBack(haircut: Float64Array, layers: Float64Array[] | undefined, excess: number): number {
  const total = sumOf(haircut);
  if (!(total > 0)) return 0;
  const share = Math.min(1, excess / total);
  let removed = 0;
  for (let i = 0; i < haircut.length; i++) {
    let back = haircut[i]! * share;
    if (!(back > 0)) continue;
    removed += back;
    if (layers) {
      for (let l = layers.length - 1; l >= 0 && back > 0; l--) {
        const take = Math.min(layers[l]![i]!, back);
        layers[l]![i]! -= take;
        back -= take;
      }
      haircut[i] = layerSum(layers, i);
    } else haircut[i] = haircut[i]! - back;
  }
  return removed;
}

/** Adds the cheapest fitting lots while whole lots fall short of B (exactly); see the module comment. O(positions) per lot added. */
function repairLots(wave: Wave, allocation: Allocation): Repair {
  const positions = wave.positions!;
  const lots = allocation.lots;
  if (!lots || lots.length !== positions.account.length || !lots.every((q) => Number.isInteger(q))) return { allocation, notes: [] };
  const total = new ExactSum();
  lots.forEach((q, p) => total.addProduct(q, positions.lotValue[p]!));
  const B = wave.budget;
  if (total.compare(B) >= 0) return { allocation, notes: [] };
  const n = wave.ids.length;
  const next = Int32Array.from(lots);
  const alpha = wave.model.alpha;
  const cap = (i: number): number => {
    if (wave.eligible[i] === 0) return 0;
    const c = Math.max(0, wave.capacity[i]!);
    return alpha !== undefined ? Math.min(c, productDown(alpha, c)) : c;
  };
  const accountSum = (i: number): ExactSum => {
    const sum = new ExactSum();
    for (let p = 0; p < positions.account.length; p++) if (positions.account[p] === i) sum.addProduct(next[p]!, positions.lotValue[p]!);
    return sum;
  };
  const touched = new Uint8Array(n);
  next.forEach((q, p) => {
    if (q > 0) touched[positions.account[p]!] = 1;
  });
  let added = 0;
  for (let guard = 0; guard < 10_000 && total.compare(B) < 0; guard++) {
    let best = -1;
    for (const touchedOnly of [true, false]) {
      for (let p = 0; p < positions.account.length; p++) {
        const i = positions.account[p]!;
        if (touchedOnly && !touched[i]) continue;
        if (next[p]! >= positions.maxLots[p]!) continue;
        if (best >= 0 && positions.lotValue[p]! >= positions.lotValue[best]!) continue;
        const sum = accountSum(i);
        sum.addProduct(1, positions.lotValue[p]!);
        if (sum.compare(cap(i)) <= 0) best = p;
      }
      if (best >= 0) break;
    }
    if (best < 0) break;
    next[best]!++;
    touched[positions.account[best]!] = 1;
    total.addProduct(1, positions.lotValue[best]!);
    added++;
  }
  if (added === 0) return { allocation, notes: [] };
  const haircut = new Float64Array(n);
  next.forEach((q, p) => (haircut[positions.account[p]!]! += q * positions.lotValue[p]!));
  const layers = wave.layers ? splitJuniorFirst(wave, haircut) : undefined;
  return { allocation: { haircut, lots: next, ...(layers ? { layers } : {}) }, notes: [`coverage repaired: ${added} lots added so that whole lots reach the budget exactly`] };
}
