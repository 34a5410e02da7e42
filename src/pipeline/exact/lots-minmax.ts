/**
 * min max_i h_i / s_i with whole lots: h_i = v_i q_i, integer 0 <= q_i <= Q_i, h_i <= cap_i, sum h >= B.
 *
 * At a level M an account can give at most v_i * n_i(M) with n_i(M) = min(K_i, floor(M s_i / v_i)),
 * K_i = min(Q_i, floor(cap_i / v_i)); level M is achievable iff G(M) = sum_i v_i n_i(M) >= B, and G is
 * a nondecreasing step function, so the optimum M* is the smallest breakpoint k v_i / s_i
 * (1 <= k <= K_i) with G >= B. Every decision is exact: a level is a breakpoint (k, j), i.e. the
 * rational k v_j / s_j; n_i at a level and G >= B are decided by exact comparisons of products
 * (src/floor/numeric/exact.ts: amounts read as their decimals), so the answer is the true integer
 * optimum, not one a rounding step below it. There can be sum_i K_i breakpoints (too many to list
 * when lots are many), so M is first bisected on float levels (each midpoint is itself an exact
 * number and G at it is decided exactly, so the predicate stays monotone) until (lo, hi] holds at
 * most ~n breakpoints; those are then listed, ordered, and M* found among them by a binary search
 * on the exact G, with near-ties of the float order settled exactly.
 */
import type { BoundPositions } from "../../domain.js";
import { BoundedSum, compareProducts, decimal, ExactSum, type Decimal } from "../../floor/numeric/exact.js";
import { lotsWithin, type PositionIndex } from "./lot-capacity.js";
import { lotAmount } from "./sparsity.js";

/**
 * Requires every account's positions to share one lot value (then they act as one position with
 * the summed lots); returns undefined otherwise, for a negative or non-finite scale, or when the
 * budget is out of reach at any finite level. At M*, every account takes n_i(M*) lots; then, in
 * one pass, each gives back as many lots as coverage (decided exactly) allows, so no single lot can
 * be removed afterwards. Caps are kept exactly: K_i = min(Q_i, the largest k with k v_i <= cap_i).
 * O(n * (bisection steps + log n)), the steps about log2(total lots / n), at most ~2100.
 */
export function lotsMinmax(
  positions: BoundPositions,
  index: PositionIndex,
  cap: Float64Array,
  scale: Float64Array,
  budget: number,
): { haircut: Float64Array; lots: Int32Array; level: number } | undefined {
  const n = cap.length;
  const lotValue = new Float64Array(n);
  const most = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const from = index.start[i]!;
    const to = index.start[i + 1]!;
    if (from === to) continue;
    const s = scale[i]!;
    if (!(s >= 0) || !Number.isFinite(s)) return undefined;
    const v = positions.lotValue[index.order[from]!]!;
    let held = 0;
    for (let t = from; t < to; t++) {
      const p = index.order[t]!;
      if (positions.lotValue[p] !== v) return undefined;
      held += positions.maxLots[p]!;
    }
    lotValue[i] = v;
    // An account with s_i = 0 would make the ratio infinite: it never gives at a finite level.
    most[i] = s > 0 && cap[i]! > 0 ? Math.min(held, lotsWithin(cap[i]!, v)) : 0;
  }

  const haircut = new Float64Array(n);
  const lots = new Int32Array(positions.account.length);
  if (!(budget > 0)) return { haircut, lots, level: 0 };

  const step = new Float64Array(n);
  for (let i = 0; i < n; i++) if (most[i]! > 0) step[i] = lotValue[i]! / scale[i]!;
  // Exact comparisons of two levels k v_i / s_i: the decimals of v and s parsed once per account
  // (ties between accounts of equal ratio are common, and each would otherwise parse them again).
  // Made on the first near-tie (16 MB of holes at 10^6 accounts for waves that never have one).
  let valueDecimal: (Decimal | undefined)[] | undefined;
  let scaleDecimal: (Decimal | undefined)[] | undefined;
  const powers = new Map<number, bigint>();
  const power = (e: number): bigint => {
    let p = powers.get(e);
    if (p === undefined) powers.set(e, (p = 10n ** BigInt(e)));
    return p;
  };
  /** sign(k1 v_i s_j - k2 v_j s_i): float first, then BigInt on the cached decimals. */
  const compareLevels = (k1: number, i: number, j: number, k2: number): number => {
    const a = k1 * lotValue[i]! * scale[j]!;
    const b = k2 * lotValue[j]! * scale[i]!;
    if (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) > 1e-14 * (Math.abs(a) + Math.abs(b)) && a !== 0 && b !== 0) return a < b ? -1 : 1;
    valueDecimal ??= new Array<Decimal | undefined>(n);
    scaleDecimal ??= new Array<Decimal | undefined>(n);
    const vi = (valueDecimal[i] ??= decimal(lotValue[i]!));
    const vj = (valueDecimal[j] ??= decimal(lotValue[j]!));
    const si = (scaleDecimal[i] ??= decimal(scale[i]!));
    const sj = (scaleDecimal[j] ??= decimal(scale[j]!));
    const e1 = vi.exponent + sj.exponent;
    const e2 = vj.exponent + si.exponent;
    const e = Math.min(e1, e2);
    const x = BigInt(k1) * vi.mantissa * sj.mantissa * power(e1 - e);
    const y = BigInt(k2) * vj.mantissa * si.mantissa * power(e2 - e);
    return x < y ? -1 : x > y ? 1 : 0;
  };

  /** n_i at the float level x (an exact number): the largest k <= K_i with k v_i <= x s_i, exactly. */
  const lotsAtFloat = (i: number, x: number): number => {
    const K = most[i]!;
    if (K === 0 || !(x > 0)) return 0;
    if (x === Infinity) return K;
    let k = Math.min(K, Math.floor(x / step[i]!));
    if (!(k >= 0)) k = 0;
    while (k > 0 && compareProducts(k, lotValue[i]!, 1, 1, x, scale[i]!) > 0) k--;
    while (k < K && compareProducts(k + 1, lotValue[i]!, 1, 1, x, scale[i]!) <= 0) k++;
    return k;
  };
  /** n_i at the breakpoint level k_L v_j / s_j: the largest k <= K_i with k v_i s_j <= k_L v_j s_i, exactly. */
  const lotsAtBreakpoint = (i: number, kL: number, j: number): number => {
    const K = most[i]!;
    if (K === 0) return 0;
    if (i === j) return Math.min(K, kL);
    let k = Math.min(K, Math.floor((kL * step[j]!) / step[i]!));
    if (!(k >= 0)) k = 0;
    while (k > 0 && compareLevels(k, i, j, kL) > 0) k--;
    while (k < K && compareLevels(k + 1, i, j, kL) <= 0) k++;
    return k;
  };
  /** Whether G >= B at a level, exactly, and the lots counted there. */
  const counted = new Float64Array(n);
  const covers = (lotsAt: (i: number) => number): { ok: boolean; count: number } => {
    const quick = new BoundedSum();
    let count = 0;
    for (let i = 0; i < n; i++) {
      const k = lotsAt(i);
      counted[i] = k;
      if (k > 0) quick.addProduct(k, lotValue[i]!);
      count += k;
    }
    let side = quick.compare(budget);
    if (Number.isNaN(side)) {
      // Too close to call in floating point: the exact sum decides.
      const sum = new ExactSum();
      for (let i = 0; i < n; i++) if (counted[i]! > 0) sum.addProduct(counted[i]!, lotValue[i]!);
      side = sum.compare(budget);
    }
    return { ok: side >= 0, count };
  };

  // The float top may round below the largest breakpoint: past every breakpoint, each account gives K_i.
  const top = covers((i) => most[i]!);
  if (!top.ok) return undefined;
  let hi = Infinity;
  let countHi = top.count;
  let lo = 0;
  let countLo = 0;
  let float = 0;
  for (let i = 0; i < n; i++) if (most[i]! > 0) float = Math.max(float, most[i]! * step[i]!);
  let upper = float * 2;
  for (let steps = 0; countHi - countLo > n + 64 && steps < 2100; steps++) {
    const mid = hi === Infinity ? upper : lo + (hi - lo) / 2;
    if (hi !== Infinity && (mid <= lo || mid >= hi)) break;
    const at = covers((i) => lotsAtFloat(i, mid));
    if (at.ok) {
      hi = mid;
      countHi = at.count;
    } else if (hi === Infinity) {
      upper *= 2;
      if (!Number.isFinite(upper)) break;
    } else {
      lo = mid;
      countLo = at.count;
    }
  }

  // The breakpoints in (lo, hi], each as (k, account), in typed arrays (up to ~2n of them: JS arrays
  // of numbers and a comparator sort of their indices were the largest heap of the solve at 10^6).
  let m = 0;
  for (let i = 0; i < n; i++) {
    const first = lotsAtFloat(i, lo);
    const last = hi === Infinity ? most[i]! : lotsAtFloat(i, hi);
    if (last > first) m += last - first;
  }
  const candidateLots = new Int32Array(m);
  const candidateAccount = new Int32Array(m);
  // The sorted float levels; a candidate's own float level is recomputed when needed (the same product).
  const levels = new Float64Array(m);
  for (let i = 0, c = 0; i < n; i++) {
    const first = lotsAtFloat(i, lo);
    const last = hi === Infinity ? most[i]! : lotsAtFloat(i, hi);
    for (let k = first + 1; k <= last; k++, c++) {
      candidateLots[c] = k;
      candidateAccount[c] = i;
      levels[c] = k * step[i]!;
    }
  }
  const key = (c: number): number => candidateLots[c]! * step[candidateAccount[c]!]!;
  const exactOrder = (a: number, b: number): number => compareLevels(candidateLots[a]!, candidateAccount[a]!, candidateAccount[b]!, candidateLots[b]!);
  // The float levels in order (a native numeric sort, no comparator); a probe at a level takes the
  // first candidate with that float key (near-ties of the float order are settled exactly below).
  levels.sort();
  const candidateAt = (level: number): number => {
    for (let c = 0; c < m; c++) if (key(c) === level) return c;
    return -1;
  };
  const coversAt = (c: number): boolean => covers((i) => lotsAtBreakpoint(i, candidateLots[c]!, candidateAccount[c]!)).ok;
  // Binary search for the first level (in float order) at which G >= B; the last one covers.
  let left = 0;
  let right = m - 1;
  while (left < right) {
    const mid = (left + right) >> 1;
    if (coversAt(candidateAt(levels[mid]!))) right = mid;
    else left = mid + 1;
  }
  // Float order may misorder breakpoints a few ulps apart: settle the near-ties of the answer exactly.
  const found = candidateAt(levels[left]!);
  const band: number[] = [];
  const near = (c: number): boolean => Math.abs(key(c) - key(found)) <= 1e-12 * Math.abs(key(found));
  for (let c = 0; c < m; c++) if (near(c)) band.push(c);
  band.sort(exactOrder);
  let best = found;
  for (const c of band) {
    if (exactOrder(c, found) >= 0) break;
    if (coversAt(c)) {
      best = c;
      break;
    }
  }
  const levelLots = candidateLots[best]!;
  const levelAccount = candidateAccount[best]!;
  const level = levelLots * step[levelAccount]!;

  // The search's per-account counts are done with: the lots taken reuse them.
  const taken = counted;
  const total = new ExactSum();
  let approximate = 0;
  for (let i = 0; i < n; i++) {
    taken[i] = lotsAtBreakpoint(i, levelLots, levelAccount);
    total.addProduct(taken[i]!, lotValue[i]!);
    approximate += taken[i]! * lotValue[i]!;
  }
  // Give lots back while coverage holds (decided exactly after each account's removal).
  for (let i = 0; i < n; i++) {
    if (taken[i]! === 0) continue;
    const excess = approximate - budget;
    if (!(excess > 0)) break;
    let removed = Math.min(taken[i]!, lotsWithin(excess, lotValue[i]!));
    if (removed === 0) continue;
    total.addProduct(-removed, lotValue[i]!);
    while (removed > 0 && total.compare(budget) < 0) {
      total.addProduct(1, lotValue[i]!);
      removed--;
    }
    taken[i]! -= removed;
    approximate -= removed * lotValue[i]!;
  }
  for (let i = 0; i < n; i++) {
    let rest = taken[i]!;
    for (let t = index.start[i]!; t < index.start[i + 1]! && rest > 0; t++) {
      const p = index.order[t]!;
      const q = Math.min(rest, positions.maxLots[p]!);
      lots[p] = q;
      rest -= q;
    }
    haircut[i] = lotAmount(positions, index, i, lots);
  }
  return { haircut, lots, level };
}
