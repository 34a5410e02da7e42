/**
 * The least overshoot with whole lots among allocations touching at most `most` accounts: the
 * second stage of `[sparsity, overshoot]` once the first has fixed the count, solved exactly in
 * integers, with no MIP.
 *
 * Every lot value v_i and the budget B are read as their decimals (src/floor/numeric/exact.ts) and
 * scaled to integers of one unit 10^e; each account holds one position and can give v_i q_i for a
 * whole q_i in [0, L_i], L_i the lots that fit its bound exactly (lot-capacity.ts), so R_i = v_i L_i
 * is the most it can give. Sort the accounts by R descending; the `most` largest are the top set T,
 * and E = sum_T R - B >= 0 is what the top set takes beyond B when it gives everything. Any allocation
 * touching a set S (|S| <= most) takes sum_T R - D, where, with R_ref the least R in T,
 *
 *   D = sum_{i in T kept} v_i r_i + sum_{i in T dropped} (R_i - R_ref)
 *     + sum_{j in S \ T} (R_ref - v_j q_j) + (|T \ S| - |S \ T|) R_ref,
 *
 * r_i = L_i - q_i the lots a kept top account gives back. Every term is >= 0 (R_i >= R_ref >= R_j),
 * so each partial sum of a feasible allocation's D lies in [0, E] (coverage is D <= E), and the
 * overshoot is E - D. The set of reachable D (per balance |T \ S| - |S \ T| so far) is a bitset over
 * [0, E / g] in units of g, the gcd of the lot values in play: a bounded knapsack, each account's
 * lot counts by binary splitting. The largest reachable D <= E gives the least overshoot, proven by
 * exhaustion; D's are multiples of g, so no overshoot is below E mod g (the gcd bound), and a
 * witness on that bound is optimal by it alone. Accounts whose least cost exceeds E cannot be in any
 * covering allocation of at most `most` accounts (the exact form of structure.ts's pruning) and never
 * enter. The witness is rebuilt by walking the stages back from checkpoints (every ~sqrt(items)
 * stages' bitsets kept, a segment recomputed at a time).
 *
 * Cost: O(items × balances × log(lots) × E / (32 g)) word operations; refused (undefined with a
 * reason) when that passes a work limit, when E / g passes a bit limit, or past a deadline, so the
 * caller falls back to the MIP.
 */
import type { Allocation, Wave } from "../../domain.js";
import { decimal, productDown } from "../../floor/numeric/exact.js";
import { lotCapacities, positionsByAccount } from "./lot-capacity.js";

export interface LeastOvershoot {
  /** Haircuts in dollars (each v_i q_i), lots per position. */
  readonly allocation: Allocation;
  /** The least overshoot in dollars (the nearest double to the exact decimal). */
  readonly overshoot: number;
  /** The gcd of the lot values in play, in dollars: every overshoot is at least E mod g. */
  readonly unit: number;
  /** True when the optimum sits on the gcd bound (ceil(B/g) g - B): proven by that bound alone. */
  readonly onGcdBound: boolean;
  /** The overshoot is the least there is: the search was exhaustive or the witness sits on the gcd bound. Else an incumbent only. */
  readonly proven: boolean;
  /** False when a narrow search (the top accounts and a few others) reached the gcd bound: then that bound is the proof. */
  readonly exhaustive: boolean;
  /** Accounts in play (the rest cannot be in a covering set of at most `most`). */
  readonly candidates: number;
  /** Accounts touched by the witness. */
  readonly touched: number;
}

export interface OvershootLimits {
  /** performance.now() value past which the search gives up. */
  readonly deadline?: number;
  /** Most bits per bitset (E / g + 1). Default 2^27 (16 MiB). */
  readonly maxBits?: number;
  /** Most estimated 32-bit word operations. Default 4e9. */
  readonly maxWork?: number;
  /** Accounts outside the top set tried by the narrow first search, cheapest to swap in first. Default 16. */
  readonly narrowOthers?: number;
}

/** Why the exact search did not run or did not finish (the caller solves the stage by MIP). */
export interface NoLeastOvershoot {
  readonly reason: string;
}

interface Item {
  readonly account: number;
  readonly position: number;
  /** Lot value in units of g. */
  readonly value: number;
  /** Lots that fit. */
  readonly lots: number;
  /** Units of g. A top account: the cost of dropping it, R_i - R_ref; another: the cost of taking all it has, R_ref - R_j. */
  readonly base: number;
  readonly top: boolean;
}

/**
 * The least overshoot of a lots wave over allocations touching at most `most` accounts (h_i = v_i q_i,
 * exact caps and coverage), or why it was not computed. Preconditions it checks itself: positions,
 * coverage "atLeast", no layers, at most one position with lots per account, a positive budget.
 * O(n log n + positions) set-up plus the bitset search above.
 */
export function leastOvershoot(wave: Wave, most: number, limits: OvershootLimits = {}): LeastOvershoot | NoLeastOvershoot {
  const positions = wave.positions;
  if (!positions) return { reason: "no lots" };
  if (wave.layers) return { reason: "seniority layers" };
  if (wave.model.coverage !== "atLeast") return { reason: "exact coverage" };
  if (!(wave.budget > 0) || !Number.isFinite(wave.budget)) return { reason: "no positive budget" };
  if (!(most >= 1) || !Number.isSafeInteger(most)) return { reason: "no positive count" };
  const n = wave.ids.length;
  const index = positionsByAccount(positions, n);
  // The caps exactly, from the raw data (as src/pipeline/exact/index.ts keeps them): alpha * c_i rounded
  // down, never up, not wave.upper's float products; the lots held bound q_p on their own.
  const alpha = wave.model.alpha;
  const cap = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = wave.capacity[i]!;
    cap[i] = wave.eligible[i] === 0 || !(wave.upper[i]! > 0) ? 0 : Math.max(0, alpha !== undefined ? Math.min(c, productDown(alpha, c)) : c);
  }
  const capacity = lotCapacities(positions, index, cap);
  // Per account: its one position that can give anything.
  const positionOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let k = index.start[i]!; k < index.start[i + 1]!; k++) {
      const p = index.order[k]!;
      if (!(capacity.lots[p]! > 0)) continue;
      if (positionOf[i] !== -1) return { reason: "an account with several positions" };
      positionOf[i] = p;
    }
  }

  // Integers of one decimal unit 10^exponent, exactly.
  const accounts: number[] = [];
  for (let i = 0; i < n; i++) if (positionOf[i]! >= 0) accounts.push(i);
  const readings = accounts.map((i) => decimal(positions.lotValue[positionOf[i]!]!));
  const budgetReading = decimal(wave.budget);
  let exponent = budgetReading.exponent;
  for (const d of readings) exponent = Math.min(exponent, d.exponent);
  const scaled = (d: { mantissa: bigint; exponent: number }): bigint => d.mantissa * 10n ** BigInt(d.exponent - exponent);
  const budget = scaled(budgetReading);
  const worth = readings.map(scaled);
  const room = accounts.map((i, a) => worth[a]! * BigInt(capacity.lots[positionOf[i]!]!));
  const order = accounts.map((_, a) => a).sort((a, b) => (room[b]! > room[a]! ? 1 : room[b]! < room[a]! ? -1 : accounts[a]! - accounts[b]!));
  const topCount = Math.min(most, order.length);
  if (topCount === 0) return { reason: "no account can give a lot" };
  let topRoom = 0n;
  for (let r = 0; r < topCount; r++) topRoom += room[order[r]!]!;
  const slack = topRoom - budget;
  if (slack < 0n) return { reason: `no ${most} accounts cover the budget` };
  const reference = room[order[topCount - 1]!]!;

  // Accounts in play: every top account; another only if its least cost (giving all it has) fits E.
  const inPlay = order.filter((a, r) => r < topCount || reference - room[a]! <= slack);
  let unit = 0n;
  for (const a of inPlay) unit = gcd(unit, worth[a]!);
  const bits = slack / unit + 1n;
  const maxBits = BigInt(limits.maxBits ?? 2 ** 27);
  if (bits > maxBits) return { reason: `the search range (${bits} steps of the lots' gcd) passes ${maxBits}` };
  const range = Number(bits) - 1;
  // Past the range a balance left open is never feasible: cap it there (a double stays exact).
  const referenceUnits = reference / unit > BigInt(range) ? range + 1 : Number(reference / unit);

  const items: Item[] = inPlay.map((a, r) => {
    const i = accounts[a]!;
    const top = r < topCount;
    const base = top ? (room[a]! - reference) / unit : (reference - room[a]!) / unit;
    return { account: i, position: positionOf[i]!, value: Number(worth[a]! / unit), lots: capacity.lots[positionOf[i]!]!, base: Number(base), top };
  });

  const words = (range >>> 5) + 1;
  const maxWork = limits.maxWork ?? 4e9;
  // First a narrow search: the top accounts and the few others cheapest to swap in, one or two swaps.
  // When it reaches the gcd bound it is optimal by that bound alone, at a fraction of the full cost.
  const others = items.filter((item) => !item.top).sort((a, b) => a.base - b.base);
  const narrow = [...items.filter((item) => item.top), ...others.slice(0, limits.narrowOthers ?? NARROW_OTHERS)];
  let found: { reach: number; lots: Int32Array; items: readonly Item[] } | undefined;
  let stopped: string | undefined;
  for (const [pass, set] of (narrow.length < items.length ? [narrow, items] : [items]).entries()) {
    const layers = Math.min(balances(set, range, referenceUnits) + 1, set === narrow && narrow.length < items.length ? NARROW_LAYERS : Infinity);
    let work = 0;
    for (const item of set) work += layers * (Math.ceil(Math.log2(item.lots + 1)) + 2) * words;
    // Twice: the witness is rebuilt by recomputing each segment once.
    if (2 * work > maxWork) {
      stopped = `the search would take ~${(2 * work).toExponential(1)} word operations (limit ${maxWork.toExponential(1)})`;
      if (pass === 0) continue;
      break;
    }
    const search = new Search(set, layers, range, words, referenceUnits, limits.deadline);
    const result = search.run();
    if (!result) {
      stopped = search.stopped;
      if (search.stopped) break;
      continue;
    }
    found = { ...result, items: set };
    if (result.reach === range) break;
  }
  if (!found) return { reason: stopped ?? "no allocation of at most the count covers the budget" };
  const lots = new Int32Array(positions.account.length);
  const haircut = new Float64Array(n);
  for (const [k, item] of found.items.entries()) {
    const q = found.lots[k]!;
    if (q <= 0) continue;
    lots[item.position] = q;
    haircut[item.account] = positions.lotValue[item.position]! * q;
  }
  const unitDollars = Number(`${unit}e${exponent}`);
  const overshootUnits = slack - BigInt(found.reach) * unit;
  return {
    allocation: { haircut, lots },
    overshoot: Number(`${overshootUnits}e${exponent}`),
    unit: unitDollars,
    onGcdBound: found.reach === range,
    proven: found.items === items || found.reach === range,
    candidates: items.length,
    exhaustive: found.items === items,
    touched: found.lots.filter((q) => q > 0).length,
  };
}

/** True when the value is a LeastOvershoot. */
export function isLeastOvershoot(value: LeastOvershoot | NoLeastOvershoot): value is LeastOvershoot {
  return "allocation" in value;
}

/** Others (cheapest to swap in) and balances of the narrow first search. */
const NARROW_OTHERS = 16;
const NARROW_LAYERS = 3;

/**
 * The most accounts of `items` that can be dropped from the top set at once: b drops cost at least
 * the b cheapest drops, each replacement at least the cheapest base costs, each drop not replaced
 * R_ref, and all of it must fit the range. O(items log items + balances^2).
 */
function balances(items: readonly Item[], range: number, reference: number): number {
  const drops = items.filter((item) => item.top && item.base <= range).map((item) => item.base).sort((a, b) => a - b);
  const adds = items.filter((item) => !item.top).map((item) => item.base).sort((a, b) => a - b);
  let most = 0;
  let dropSum = 0;
  for (let b = 1; b <= drops.length; b++) {
    dropSum += drops[b - 1]!;
    let addSum = 0;
    let fits = false;
    for (let replaced = 0; replaced <= b && !fits; replaced++) {
      if (replaced > 0) {
        if (replaced > adds.length) break;
        addSum += adds[replaced - 1]!;
      }
      if (dropSum + addSum + (b - replaced) * reference <= range) fits = true;
    }
    if (!fits) break;
    most = b;
  }
  return most;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** One bitset per balance b: bit d set when a partial allocation reaches D = d with balance b. */
type Layers = Uint32Array[];

class Search {
  stopped?: string;
  private readonly step: number;

  constructor(
    private readonly items: readonly Item[],
    private readonly layers: number,
    private readonly range: number,
    private readonly words: number,
    private readonly reference: number,
    private readonly deadline: number | undefined,
  ) {
    this.step = Math.max(1, Math.ceil(Math.sqrt(items.length)));
  }

  /** The best reach (largest D + b R_ref <= range) and the lots per item realizing it, or undefined. */
  run(): { reach: number; lots: Int32Array } | undefined {
    const start: Layers = Array.from({ length: this.layers }, () => new Uint32Array(this.words));
    start[0]![0] = 1;
    // Checkpoints: the layers before items 0, step, 2 step, ...
    const checkpoints: Layers[] = [];
    let state = start;
    for (let k = 0; k < this.items.length; k++) {
      if (k % this.step === 0) checkpoints.push(state.map((layer) => layer.slice()));
      state = this.apply(state, k);
      if (this.late()) return undefined;
    }
    const reference = this.reference;
    let best = -1;
    let bestLayer = -1;
    let bestD = -1;
    for (let b = 0; b < this.layers; b++) {
      const ceiling = this.range - b * reference;
      if (ceiling < 0) break;
      const d = highestAtOrBelow(state[b]!, ceiling);
      if (d >= 0 && d + b * reference > best) {
        best = d + b * reference;
        bestLayer = b;
        bestD = d;
      }
    }
    if (best < 0) return undefined;
    const lots = this.rebuild(checkpoints, bestLayer, bestD);
    return lots ? { reach: best, lots } : undefined;
  }

  private late(): boolean {
    if (this.deadline !== undefined && performance.now() > this.deadline) {
      this.stopped = "the exact search ran past its share of the time limit";
      return true;
    }
    return false;
  }

  /** The layers after item k, from the layers before it (a new array; the input is modified). */
  private apply(state: Layers, k: number): Layers {
    const item = this.items[k]!;
    if (item.top) {
      // Drop (balance + 1, cost base) from the old layer, then keep (give back 0 .. L - 1 lots).
      for (let b = this.layers - 1; b >= 0; b--) {
        if (b + 1 < this.layers && item.base <= this.range) orShifted(state[b + 1]!, state[b]!, item.base, this.range);
        expand(state[b]!, item.value, item.lots - 1, this.range);
      }
      return state;
    }
    // Add (balance - 1, cost base + value × (lots given back)) from the old layer above.
    const scratch = new Uint32Array(this.words);
    for (let b = 0; b + 1 < this.layers; b++) {
      scratch.fill(0);
      orShifted(scratch, state[b + 1]!, item.base, this.range);
      expand(scratch, item.value, item.lots - 1, this.range);
      orInto(state[b]!, scratch);
    }
    return state;
  }

  /** Lots per item realizing (layer, d) after the last item, walking back a segment at a time. */
  private rebuild(checkpoints: Layers[], layer: number, d: number): Int32Array | undefined {
    const lots = new Int32Array(this.items.length);
    let b = layer;
    let at = d;
    for (let c = checkpoints.length - 1; c >= 0; c--) {
      const from = c * this.step;
      const to = Math.min(this.items.length, from + this.step);
      // prefix[j - from] = the layers before item j.
      const prefix: Layers[] = [checkpoints[c]!.map((l) => l.slice())];
      for (let j = from; j < to - 1; j++) prefix.push(this.apply(prefix[prefix.length - 1]!.map((l) => l.slice()), j));
      for (let j = to - 1; j >= from; j--) {
        const before = prefix[j - from]!;
        const item = this.items[j]!;
        const step = this.back(item, before, b, at);
        if (!step) return undefined;
        lots[j] = step.lots;
        b = step.layer;
        at = step.d;
      }
    }
    return b === 0 && at === 0 ? lots : undefined;
  }

  /** The option of `item` that leads from a state set in `before` to (b, d). */
  private back(item: Item, before: Layers, b: number, d: number): { lots: number; layer: number; d: number } | undefined {
    if (item.top) {
      for (let r = 0; r < item.lots; r++) {
        const from = d - r * item.value;
        if (from < 0) break;
        if (has(before[b]!, from)) return { lots: item.lots - r, layer: b, d: from };
      }
      if (b >= 1 && d - item.base >= 0 && has(before[b - 1]!, d - item.base)) return { lots: 0, layer: b - 1, d: d - item.base };
      return undefined;
    }
    if (has(before[b]!, d)) return { lots: 0, layer: b, d };
    if (b + 1 < this.layers) {
      for (let s = 0; s < item.lots; s++) {
        const from = d - item.base - s * item.value;
        if (from < 0) break;
        if (has(before[b + 1]!, from)) return { lots: item.lots - s, layer: b + 1, d: from };
      }
    }
    return undefined;
  }
}

function has(bits: Uint32Array, d: number): boolean {
  return ((bits[d >>> 5]! >>> (d & 31)) & 1) === 1;
}

/** The highest set bit at or below `ceiling`, or -1. */
function highestAtOrBelow(bits: Uint32Array, ceiling: number): number {
  let w = ceiling >>> 5;
  let word = bits[w]! & (((ceiling & 31) === 31 ? 0xffffffff : (1 << ((ceiling & 31) + 1)) - 1) >>> 0);
  for (;;) {
    if (word !== 0) return w * 32 + (31 - Math.clz32(word));
    if (w === 0) return -1;
    word = bits[--w]!;
  }
}

/** target |= source << shift, bits above `range` dropped. target may be source (then it reads ahead of its writes). */
function orShifted(target: Uint32Array, source: Uint32Array, shift: number, range: number): void {
  if (shift > range) return;
  const whole = shift >>> 5;
  const part = shift & 31;
  const last = range >>> 5;
  if (part === 0) {
    for (let w = last; w >= whole; w--) target[w]! |= source[w - whole]!;
  } else {
    const back = 32 - part;
    for (let w = last; w > whole; w--) target[w]! |= (source[w - whole]! << part) | (source[w - whole - 1]! >>> back);
    target[whole]! |= source[0]! << part;
  }
  // Keep the bits above range clear: they are no state.
  const top = range & 31;
  if (top !== 31) target[last]! &= (1 << (top + 1)) - 1;
}

/** bits |= bits << (value × c) for c = 1 .. count: sums of 0 .. count copies of value, by binary splitting. */
function expand(bits: Uint32Array, value: number, count: number, range: number): void {
  let left = count;
  let part = 1;
  while (left > 0) {
    const take = Math.min(part, left);
    if (take * value > range) break;
    orShifted(bits, bits, take * value, range);
    left -= take;
    part *= 2;
  }
}

function orInto(target: Uint32Array, source: Uint32Array): void {
  for (let w = 0; w < target.length; w++) target[w]! |= source[w]!;
}
