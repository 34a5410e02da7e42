/**
 * Queue-stability diagnostics (arXiv 2602.15182 §4.3, §5.2 and Appendix C, Figures 12-13):
 * - monotonicity violations: winners sorted by capacity; the share of adjacent pairs whose residual
 *   capacity order flips after the haircut (u_a > u_b but u_a - x_a < u_b - x_b). Pro-rata never flips
 *   (r_i = (1 - B/U) u_i, Proposition 9 part 3); a queue that empties a large account does.
 * - adjacent-round rank stability: Spearman's rank correlation of x_i / u_i between consecutive rounds,
 *   over the accounts present in both.
 */

/**
 * The share of adjacent pairs (by capacity, descending; equal capacities are not a pair) whose
 * residual order flips, and how many pairs were compared. A flip must exceed the verifier's
 * allowance for the larger capacity (`absolute` + 1e-9 of it; pass absTol(wave)), so the rounding
 * dust an exact algorithm settles on one account is not one. Accounts with capacity 0 are not
 * winners and are left out. O(n log n).
 */
export function monotonicityViolations(capacity: ArrayLike<number>, haircut: ArrayLike<number>, absolute = 0): { share: number; pairs: number } {
  const winners: number[] = [];
  for (let i = 0; i < capacity.length; i++) if (capacity[i]! > 0) winners.push(i);
  winners.sort((a, b) => capacity[b]! - capacity[a]! || a - b);
  let pairs = 0;
  let flips = 0;
  for (let k = 1; k < winners.length; k++) {
    const a = winners[k - 1]!;
    const b = winners[k]!;
    if (!(capacity[a]! > capacity[b]!)) continue;
    pairs++;
    const ra = capacity[a]! - haircut[a]!;
    const rb = capacity[b]! - haircut[b]!;
    if (rb - ra > absolute + 1e-9 * capacity[a]!) flips++;
  }
  return { share: pairs > 0 ? flips / pairs : 0, pairs };
}

/** Average ranks (1-based; ties share their mean rank). O(n log n). */
function ranks(values: readonly number[]): Float64Array {
  const order = values.map((_, k) => k).sort((a, b) => values[a]! - values[b]!);
  const rank = new Float64Array(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end++;
    const mean = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) rank[order[k]!] = mean;
    start = end + 1;
  }
  return rank;
}

/**
 * Spearman's rank correlation (Pearson on average ranks) of two equally long lists; null when fewer
 * than two entries or when either list is constant (the correlation is undefined). O(n log n).
 */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  if (n < 2 || b.length !== n) return null;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let k = 0; k < n; k++) {
    const da = ra[k]! - mean;
    const db = rb[k]! - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/** One round's normalized burden x_i / u_i per account id (winners only). */
export function burdenById(ids: readonly string[], capacity: ArrayLike<number>, haircut: ArrayLike<number>): Map<string, number> {
  const burden = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) if (capacity[i]! > 0) burden.set(ids[i]!, haircut[i]! / capacity[i]!);
  return burden;
}

/** Spearman's correlation of the burdens of the accounts present in both rounds (null when undefined). O(n log n). */
export function rankStability(previous: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number | null {
  const a: number[] = [];
  const b: number[] = [];
  for (const [id, burden] of current) {
    const before = previous.get(id);
    if (before === undefined) continue;
    a.push(before);
    b.push(burden);
  }
  return spearman(a, b);
}
