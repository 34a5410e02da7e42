/**
 * Weighted selection without sorting. Sorting 10^6 doubles costs ~100-300 ms in V8, more than every
 * other step of the dedicated algorithms together; a threshold only needs a selection, which
 * randomized partitioning finds in expected O(m). The pivot sequence comes from a fixed-seed
 * generator, so results are deterministic.
 */

export interface Threshold {
  /** The smallest key tau with W(key <= tau) >= need. */
  readonly key: number;
  /** W(key < tau). */
  readonly below: number;
  /** W(key = tau). */
  readonly at: number;
}

/**
 * The smallest key tau among keys[0 .. count) such that the weights of the entries with key <= tau
 * sum to at least `need` (weights default to 1), or undefined when all of them together fall short.
 * Keys must not be NaN; weights >= 0. Expected O(count); `keys` and `weights` are not modified.
 */
export function weightedThreshold(keys: Float64Array, weights: Float64Array | undefined, need: number, count = keys.length): Threshold | undefined {
  const candidates = new Int32Array(count);
  let total = 0;
  for (let t = 0; t < count; t++) {
    candidates[t] = t;
    total += weights ? weights[t]! : 1;
  }
  if (total < need) return undefined;
  // `total` is the weight of the current candidates as the parent pass established it. Each pass
  // sums only the < and > parts and derives the = part from `total`, so a decision taken once
  // ("these keys cover `need`") cannot be undone by a later pass summing in another order.
  let size = count;
  let below = 0;
  let state = 0x9e3779b9;
  let last: Threshold | undefined;
  while (size > 0) {
    // xorshift32: a fixed, cheap pivot sequence.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const pivot = keys[candidates[(state >>> 0) % size]!]!;
    // Three-way partition of candidates[0 .. size): [< pivot][= pivot][> pivot].
    let less = 0;
    let scan = 0;
    let greater = size;
    let lessWeight = 0;
    let greaterWeight = 0;
    while (scan < greater) {
      const item = candidates[scan]!;
      const key = keys[item]!;
      const weight = weights ? weights[item]! : 1;
      if (key < pivot) {
        candidates[scan] = candidates[less]!;
        candidates[less++] = item;
        scan++;
        lessWeight += weight;
      } else if (key > pivot) {
        candidates[scan] = candidates[--greater]!;
        candidates[greater] = item;
        greaterWeight += weight;
      } else {
        scan++;
      }
    }
    const upToPivot = total - greaterWeight;
    last = { key: pivot, below: below + lessWeight, at: Math.max(0, upToPivot - lessWeight) };
    if (less > 0 && below + lessWeight >= need) {
      size = less;
      total = lessWeight;
    } else if (below + upToPivot >= need || size === greater) {
      return last;
    } else {
      below += upToPivot;
      total = greaterWeight;
      candidates.copyWithin(0, greater, size);
      size -= greater;
    }
  }
  // Reached only when the covering total sits within rounding of `need`: the last group examined covers it.
  return last;
}
