/**
 * Structure first: what the exact sparsity greedy tells the MIP before it starts, when the first
 * lexicographic stage is sparsity (fewest accounts touched) and no seniority stage comes before it.
 *
 * Let m_i be an upper bound on what account i can give (with lots: on the largest whole-lot amount
 * under its bound, lot-capacity.ts; without: its bound), and M_i an amount it can surely give.
 *  - The least count k* of accounts that can cover B lies in [k_lo, k_hi]: k_lo is the greedy count
 *    on the m's, k_hi the greedy count on the M's (src/pipeline/exact/sparsity.ts proves the greedy count is
 *    the least for given per-account amounts). So `sum z >= k_lo` is a valid cut, and it closes the
 *    first stage's LP bound at once.
 *  - Pruning. Claim: an account i that is in some k*-subset S covering B satisfies
 *    m_i + (sum of the k_hi - 1 largest m_j, j != i) >= B. Proof: sum_{j in S} m_j >= B, and
 *    sum_{j in S \ {i}} m_j is a sum of k* - 1 <= k_hi - 1 of the others' m's, so at most the sum of
 *    their k_hi - 1 largest. Every allocation optimal for the sparsity stage touches such a subset
 *    and nothing else, and every later stage only ranks those allocations, so an account failing the
 *    test has haircut 0 in every lexicographic optimum: it gets no columns. With exact coverage
 *    (sum h = B) k* has no cheap upper bound, so only the cut is added, nothing is pruned.
 *  - Symmetry. Accounts with the same bound and the same positions (lot value and lots held) are
 *    interchangeable in every constraint and objective here (sparsity counts them, overshoot sums
 *    them); any allocation can be permuted within such a class so that haircuts decrease with the
 *    index, so `h_a >= h_b` and `z_a >= z_b` for consecutive members a < b cut off only copies.
 *  - The big-M of the touch row h_i <= M z_i is m_i (tighter than the bound when lots do not fill it).
 */
import type { Allocation, Wave } from "../../domain.js";
import { lotCapacities, positionsByAccount } from "../exact/lot-capacity.js";
import { largestCovering } from "../exact/sparsity.js";

export interface SparsityStructure {
  /** Per account: may have a positive haircut in a lexicographic optimum (1), or is pruned (0). */
  readonly candidate: Uint8Array;
  /** Per account: an upper bound on what it can give (the touch row's big-M). */
  readonly room: Float64Array;
  /** Valid lower bound on the number of accounts touched. */
  readonly minimumAccounts: number;
  /** The greedy's count on amounts surely reachable: at least the optimum (undefined when not computed). */
  readonly reachableAccounts?: number;
  /** Consecutive members [a, b] (a < b) of classes of interchangeable accounts. */
  readonly symmetric: readonly (readonly [number, number])[];
  readonly pruned: number;
  /**
   * The greedy's own cover (lots only): the `reachableAccounts` accounts with the most that surely
   * fits, each giving all of it, in whole lots that fit exactly. A MIP start; when its count meets
   * `minimumAccounts` the sparsity stage is proven without a solve.
   */
  readonly cover?: Allocation;
}

/**
 * The structure of a wave whose first stage is sparsity, or undefined when it does not apply
 * (another first stage, seniority layers, or a budget out of reach). O(n log n + positions).
 */
export function sparsityStructure(wave: Wave): SparsityStructure | undefined {
  if (wave.objectives[0]?.kind !== "sparsity" || wave.layers) return undefined;
  const n = wave.ids.length;
  const budget = wave.budget;
  if (!(budget > 0)) return undefined;
  // Coverage holds to the solvers' tolerance: ask for a little less than B, which only keeps more.
  const need = budget - (1e-6 + 1e-9 * budget);
  let room: Float64Array;
  let reachable: Float64Array;
  let exactLots: Int32Array | undefined;
  if (wave.positions) {
    const index = positionsByAccount(wave.positions, n);
    // Lot capacities are decided exactly (src/pipeline/exact/lot-capacity): that is what surely fits. What
    // the solver and the verifier accept is a hair more: a bound computed as the float product
    // v * L (bind.ts) can sit an ulp below the exact product, and then all L lots do not fit exactly
    // but do within every tolerance (seen: 49 lots of 242.14 against 11864.859999999999). The room,
    // from which the floor and the pruning test are derived, must cover what is accepted.
    const exact = lotCapacities(wave.positions, index, wave.upper);
    reachable = Float64Array.from(exact.amount);
    exactLots = exact.lots;
    const accepted = wave.upper.map((u) => (u > 0 ? u * (1 + 1e-9) + 1e-6 : u));
    room = Float64Array.from(lotCapacities(wave.positions, index, accepted).amount);
  } else {
    room = Float64Array.from(wave.upper);
    reachable = room;
  }
  for (let i = 0; i < n; i++) {
    room[i] = Math.min(room[i]!, wave.upper[i]! * (1 + 1e-9) + 1e-6);
    if (!(wave.upper[i]! > 0)) room[i] = 0;
  }
  const low = largestCovering(room, need, 0);
  if (!low) return undefined;
  const high = largestCovering(reachable, budget, 0);
  const exact = wave.model.coverage === "exact";
  const candidate = new Uint8Array(n);
  let pruned = 0;
  if (high && !exact) {
    const k = high.length;
    const sorted = Float64Array.from(room).sort().reverse();
    let topBefore = 0;
    for (let r = 0; r < k - 1 && r < n; r++) topBefore += sorted[r]!;
    // Rank below k - 1: the claim's test reduces to sum of the k largest >= need, which holds.
    const kthLargest = k - 1 < n ? sorted[Math.max(0, k - 2)]! : 0;
    for (let i = 0; i < n; i++) {
      if (!(room[i]! > 0)) continue;
      const inTop = k >= 2 && room[i]! >= kthLargest;
      if (inTop || room[i]! + topBefore >= need) candidate[i] = 1;
      else pruned++;
    }
  } else {
    for (let i = 0; i < n; i++) if (room[i]! > 0) candidate[i] = 1;
  }
  let cover: Allocation | undefined;
  if (high && exactLots && wave.positions && !exact) {
    const haircut = new Float64Array(n);
    const lots = new Int32Array(wave.positions.account.length);
    const chosen = new Uint8Array(n);
    for (const i of high) {
      // Only candidates have columns; a cover through a pruned account is no start.
      if (candidate[i] !== 1) {
        chosen.fill(0);
        break;
      }
      chosen[i] = 1;
      haircut[i] = reachable[i]!;
    }
    if (high.every((i) => chosen[i] === 1)) {
      const { account, lotValue } = wave.positions;
      const held = new Int32Array(n);
      let covered = 0;
      for (let p = 0; p < lots.length; p++) {
        if (chosen[account[p]!] !== 1) continue;
        lots[p] = exactLots[p]!;
        held[account[p]!]! += lots[p]!;
        covered += lotValue[p]! * lots[p]!;
      }
      // Give back whole lots, largest first, while what is left still covers B with a margin (the
      // verifier checks coverage exactly) and every chosen account keeps a lot: a start with little
      // overshoot, still touching exactly the greedy's accounts.
      let surplus = covered - budget - (1e-9 * budget + 1e-9);
      const order = Array.from({ length: lots.length }, (_, p) => p)
        .filter((p) => lots[p]! > 0)
        .sort((a, b) => lotValue[b]! - lotValue[a]!);
      for (const p of order) {
        const i = account[p]!;
        const back = Math.min(Math.floor(surplus / lotValue[p]!), lots[p]!, held[i]! - 1);
        if (!(back > 0)) continue;
        lots[p]! -= back;
        held[i]! -= back;
        haircut[i]! -= back * lotValue[p]!;
        surplus -= back * lotValue[p]!;
      }
      // The haircut is the lots' worth, summed as the verifier sums it.
      haircut.fill(0);
      for (let p = 0; p < lots.length; p++) if (lots[p]! > 0) haircut[account[p]!]! += lotValue[p]! * lots[p]!;
      cover = { haircut, lots };
    }
  }
  return {
    candidate,
    room,
    minimumAccounts: low.length,
    ...(high ? { reachableAccounts: high.length } : {}),
    symmetric: symmetricPairs(wave, candidate),
    pruned,
    ...(cover ? { cover } : {}),
  };
}

/** Consecutive members of each class of interchangeable candidates (same bound, same positions). */
function symmetricPairs(wave: Wave, candidate: Uint8Array): Array<readonly [number, number]> {
  const n = wave.ids.length;
  const keyOf = interchangeKeys(wave);
  const last = new Map<string, number>();
  const pairs: Array<readonly [number, number]> = [];
  for (let i = 0; i < n; i++) {
    if (candidate[i] !== 1) continue;
    const key = keyOf[i]!;
    const previous = last.get(key);
    if (previous !== undefined) pairs.push([previous, i]);
    last.set(key, i);
  }
  return pairs;
}

/** Per account, a key equal for interchangeable accounts: the same bound and the same positions (lot value and lots held). O(n + positions). */
function interchangeKeys(wave: Wave): string[] {
  const n = wave.ids.length;
  const positionsOf: string[] = new Array<string>(n).fill("");
  if (wave.positions) {
    const { account, lotValue, maxLots } = wave.positions;
    const parts: string[][] = Array.from({ length: n }, () => []);
    for (let p = 0; p < account.length; p++) if (maxLots[p]! > 0) parts[account[p]!]!.push(`${lotValue[p]}x${maxLots[p]}`);
    for (let i = 0; i < n; i++) positionsOf[i] = parts[i]!.sort().join(",");
  }
  return Array.from({ length: n }, (_, i) => `${wave.upper[i]}|${positionsOf[i]}`);
}

/**
 * The same allocation with the haircuts (and the lots of their one position) permuted within each
 * class of interchangeable accounts so that they decrease with the index: what the symmetry rows
 * (h_a >= h_b, z_a >= z_b) ask of a MIP start. Interchangeable accounts have the same room, so the
 * pruning keeps or drops a whole class. Accounts with several lot positions are left as they are.
 * Same objective values and verdict as the input. O(n log n + positions).
 */
export function breakSymmetry(wave: Wave, allocation: Allocation): Allocation {
  const n = wave.ids.length;
  const keyOf = interchangeKeys(wave);
  const positionOf = new Int32Array(n).fill(-1);
  const several = new Uint8Array(n);
  if (wave.positions) {
    for (let p = 0; p < wave.positions.account.length; p++) {
      const i = wave.positions.account[p]!;
      if (positionOf[i] !== -1) several[i] = 1;
      positionOf[i] = p;
    }
  }
  const classes = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (!(wave.upper[i]! > 0) || several[i] === 1) continue;
    const members = classes.get(keyOf[i]!);
    if (members) members.push(i);
    else classes.set(keyOf[i]!, [i]);
  }
  const haircut = Float64Array.from(allocation.haircut);
  const lots = allocation.lots ? Int32Array.from(allocation.lots) : undefined;
  for (const members of classes.values()) {
    if (members.length < 2) continue;
    const byHaircut = [...members].sort((a, b) => allocation.haircut[b]! - allocation.haircut[a]! || a - b);
    for (const [k, i] of members.entries()) {
      const from = byHaircut[k]!;
      haircut[i] = allocation.haircut[from]!;
      if (lots && allocation.lots && positionOf[i]! >= 0 && positionOf[from]! >= 0) lots[positionOf[i]!] = allocation.lots[positionOf[from]!]!;
    }
  }
  return { ...allocation, haircut, ...(lots ? { lots } : {}) };
}
