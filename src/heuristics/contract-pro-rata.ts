/**
 * `pro-rata:contracts`: integer contract pro-rata as the reference analysis defines it
 * (pluriholonomic/autodeleveraging-analysis, src/oss_adl/policy_per_wave.py:494-540 and
 * contracts_pro_rata_close_integer in src/oss_adl/adl_contract_pro_rata.py:45-122), named apart from
 * the workbench's covering lot schemes (lots-floor-lr(...) and friends always top up to the budget):
 *
 * 1. Per market, a budget share B_m = B * weight_m / sum of the weights.
 * 2. Q_m = ceil(B_m / v_m) whole lots to close, v_m the market's wealth per lot.
 * 3. Within the market, lots pro-rata by lots held: ideal_p = Q_m * Q_p / sum Q; floor (never above
 *    Q_p), then one more lot per position by decreasing fractional part while lots remain and the
 *    position has room (ties by position index).
 * 4. No top-up: what the rounding leaves uncovered stays uncovered, so the rule may undershoot B
 *    (it ignores coverage by design), and ceil may overshoot it.
 *
 * Where the workbench's wave differs from the reference's data, and what this rule does:
 * - Market weight: the reference splits B by each coin's needed budget (its gap x ADL quantity),
 *   which a wave does not carry; here weight_m = the market's closable value sum_p v_p Q_p over the
 *   positions that may pay. With one market the split is moot.
 * - Wealth per lot: the reference has one gap per contract per coin; with one lot value per market
 *   this is that; with several, v_m is the lot-weighted mean lot value of the market (and each closed
 *   lot still moves its own v_p).
 * - Caps: the reference clips the dollar loss to the account's capacity (losses_to_equity_haircuts),
 *   which breaks h_i = sum_p v_p q_p; here an account over its cap (min(c_i, alpha c_i), 0 if
 *   ineligible) gives back whole lots, largest lot value first, until it is within the cap.
 * - Lots from account columns (no positions table, no market names): one market.
 */
import type { Allocation, Wave } from "../domain.js";
import { ModelError } from "../errors.js";
import { positionsByAccount } from "../pipeline/exact/lot-capacity.js";
import { ExactSum } from "../floor/numeric/exact.js";
import { juniorFirstSplit } from "../pipeline/verify/objectives.js";
import { dollarCap } from "./bounds.js";
import type { Heuristic, HeuristicContext, IgnorableConstraint } from "./heuristic.js";

const IGNORES: readonly IgnorableConstraint[] = ["coverage", "maxAccounts", "seniority"];

/** The reference's integer contract pro-rata (see the module comment). O(P log P) for P positions. */
export function contractProRata(): Heuristic {
  return {
    name: "pro-rata:contracts",
    description: "integer contract pro-rata as the reference analysis defines it: per market ceil(B_m / lot value) lots, floor then largest remainder by lots held, no top-up (may undershoot)",
    ignores: IGNORES,
    allocate(wave: Wave, _context: HeuristicContext): Allocation {
      const positions = wave.positions;
      if (positions === undefined) {
        throw new ModelError({ path: "heuristic pro-rata:contracts" }, "a wave with lots (a positions table or lot columns): the rule closes whole contracts", "a wave without lots");
      }
      const { account, lotValue, maxLots } = positions;
      const P = account.length;
      const n = wave.ids.length;
      const cap = dollarCap(wave, IGNORES);

      const marketIndex = new Map<string, number>();
      const marketOf = new Int32Array(P);
      for (let p = 0; p < P; p++) {
        const key = positions.market?.[p] ?? "";
        let m = marketIndex.get(key);
        if (m === undefined) marketIndex.set(key, (m = marketIndex.size));
        marketOf[p] = m;
      }
      const M = marketIndex.size;
      const held = new Float64Array(M);
      const value = new Float64Array(M);
      const paying = (p: number): boolean => maxLots[p]! >= 1 && cap[account[p]!]! > 0 && lotValue[p]! > 0;
      for (let p = 0; p < P; p++) {
        if (!paying(p)) continue;
        held[marketOf[p]!] = held[marketOf[p]!]! + maxLots[p]!;
        value[marketOf[p]!] = value[marketOf[p]!]! + maxLots[p]! * lotValue[p]!;
      }
      let totalValue = 0;
      for (let m = 0; m < M; m++) totalValue += value[m]!;

      const lots = new Int32Array(P);
      if (wave.budget > 0 && totalValue > 0) {
        const byMarket: number[][] = Array.from({ length: M }, () => []);
        for (let p = 0; p < P; p++) if (paying(p)) byMarket[marketOf[p]!]!.push(p);
        for (let m = 0; m < M; m++) {
          if (!(value[m]! > 0)) continue;
          const share = (wave.budget * value[m]!) / totalValue;
          const perLot = value[m]! / held[m]!;
          // The reference rounds the required contracts up (rounding="ceil"); at most what the market holds.
          const Q = Math.min(Math.ceil(share / perLot), held[m]!);
          closeProRata(byMarket[m]!, maxLots, Q, held[m]!, lots);
        }
      }

      // Within each account's dollar cap: give back whole lots, largest lot value first. The cap is
      // decided exactly, as the verifier decides it (6 lots of 87.8299 are worth more than the double 6 * 87.8299).
      const haircut = new Float64Array(n);
      for (let p = 0; p < P; p++) haircut[account[p]!] = haircut[account[p]!]! + lots[p]! * lotValue[p]!;
      const { start, order } = positionsByAccount(positions, n);
      const exact = new ExactSum(new Map());
      const overCap = (i: number): boolean => {
        exact.reset();
        for (let k = start[i]!; k < start[i + 1]!; k++) exact.addProduct(lots[order[k]!]!, lotValue[order[k]!]!);
        return exact.compare(Math.max(0, cap[i]!)) > 0;
      };
      const over: number[] = [];
      for (let i = 0; i < n; i++) if (start[i + 1]! > start[i]! && overCap(i)) over.push(i);
      if (over.length > 0) {
        const overSet = new Set(over);
        const mine = new Map<number, number[]>();
        for (let p = 0; p < P; p++) if (overSet.has(account[p]!) && lots[p]! > 0) (mine.get(account[p]!) ?? mine.set(account[p]!, []).get(account[p]!)!).push(p);
        for (const i of over) {
          const list = (mine.get(i) ?? []).sort((a, b) => lotValue[b]! - lotValue[a]! || a - b);
          for (const p of list) {
            // The float estimate of the lots to give back, then one at a time while still over, exactly.
            const drop = Math.min(lots[p]!, Math.max(0, Math.ceil((haircut[i]! - cap[i]!) / lotValue[p]!)));
            lots[p] = lots[p]! - drop;
            haircut[i] = haircut[i]! - drop * lotValue[p]!;
            while (lots[p]! > 0 && overCap(i)) {
              lots[p] = lots[p]! - 1;
              haircut[i] = haircut[i]! - lotValue[p]!;
            }
            if (!overCap(i)) break;
          }
        }
      }
      // Summed again in position order, so that h_i is exactly the verifier's sum_p v_p q_p.
      haircut.fill(0);
      for (let p = 0; p < P; p++) if (lots[p]! > 0) haircut[account[p]!] = haircut[account[p]!]! + lots[p]! * lotValue[p]!;
      return { haircut, lots, ...(wave.layers !== undefined ? { layers: juniorFirstSplit(wave, haircut) } : {}) };
    },
  };
}

/** Floor then largest remainder of Q lots over the positions by lots held (contracts_pro_rata_close_integer). */
function closeProRata(members: readonly number[], maxLots: Int32Array, Q: number, held: number, lots: Int32Array): void {
  if (Q <= 0) return;
  const fraction = new Map<number, number>();
  let remaining = Q;
  for (const p of members) {
    const ideal = (Q * maxLots[p]!) / held;
    const base = Math.min(Math.floor(ideal), maxLots[p]!);
    lots[p] = base;
    remaining -= base;
    fraction.set(p, ideal - Math.floor(ideal));
  }
  if (remaining <= 0) return;
  const order = [...members].sort((a, b) => fraction.get(b)! - fraction.get(a)! || a - b);
  for (const p of order) {
    if (remaining <= 0) break;
    if (lots[p]! >= maxLots[p]!) continue;
    lots[p] = lots[p]! + 1;
    remaining--;
  }
}
