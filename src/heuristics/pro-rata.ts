/**
 * Pro-rata rules: every account pays in proportion to a weight, capped at its bound; what a capped
 * account cannot pay is spread over the others in the same proportion (capped water-filling, the
 * exact minmax algorithm of src/pipeline/exact/water-filling.ts, reused rather than re-written).
 *
 * Accounts with weight 0 (no PnL for pro-rata:pnl, no equity for pro-rata:equity) pay only when the
 * weighted accounts are exhausted, and then in proportion to their bounds, so that the rule still
 * covers every feasible wave.
 *
 * Pro-rata caps at the bound, which includes alpha: these rules honour alpha and eligibility and
 * ignore ["maxAccounts", "seniority"] (they touch every account with weight; wrap in ladder(...)
 * to honour seniority).
 */
import type { Wave } from "../domain.js";
import { ModelError } from "../errors.js";
import { settleResidual, waterFill } from "../pipeline/exact/water-filling.js";
import { CompensatedSum } from "../floor/numeric/sum.js";
import { lotNotional, ruleBound } from "./bounds.js";
import { checkDefined, optionalColumn, requireColumn, waveColumns } from "./columns.js";
import type { IgnorableConstraint } from "./heuristic.js";
import { bitmexScore, scoreExpression } from "./queue.js";
import { rankDescending } from "./rank.js";
import { RuleHeuristic } from "./rule.js";

export type ProRataPreset = "wealth" | "pnl" | "equity" | "drift";

/** The registry names' suffixes of the pro-rata presets (pro-rata:<preset>). */
export const PRO_RATA_PRESETS: readonly ProRataPreset[] = ["drift", "wealth", "pnl", "equity"];

const PRO_RATA_IGNORES: readonly IgnorableConstraint[] = ["maxAccounts", "seniority"];

const DESCRIPTIONS: Readonly<Record<ProRataPreset, string>> = {
  drift: "Drift-style socialized loss: pro-rata by contracts held (lots x lot value = notional), capped (water-filling)",
  wealth: "pro-rata by capacity, capped (water-filling)",
  pnl: "pro-rata by the positive part of gains (or upnl), capped (water-filling)",
  equity: "pro-rata by the positive part of equity (account value), capped (water-filling)",
};

/**
 * h_i = min(bound_i, lambda * w_i) with sum h = min(budget, sum bound) (one lambda); zero-weight
 * accounts pay only after every weighted account is at its bound, in proportion to their bounds.
 * Weights must be finite and >= 0 (the caller takes positive parts). The answer is the capped
 * water-filling of src/pipeline/exact/water-filling.ts; it is reached first by a fixed-point fast path
 * (see proportionalFixedPoint) and by waterFill itself when that does not settle quickly.
 * Dollars. O(n * rounds) on the fast path (a handful of rounds on real data), O(n log n) otherwise.
 */
export function cappedProRata(bound: Float64Array, weight: Float64Array, budget: number): Float64Array {
  const n = bound.length;
  const weighted = new CompensatedSum();
  const unweighted = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    const b = bound[i]!;
    if (!(b > 0)) continue;
    if (weight[i]! > 0) weighted.add(b);
    else unweighted.add(b);
  }
  const all = weighted.value + unweighted.value;
  const total = Math.min(budget, all);
  if (!(total > 0)) return new Float64Array(n);

  if (total <= weighted.value) {
    const fast = proportionalFixedPoint(bound, weight, total);
    if (fast) return fast;
  } else {
    // Every weighted account at its bound; the rest in proportion to the bounds, a level <= 1.
    const haircut = new Float64Array(n);
    const level = Math.min(1, (total - weighted.value) / unweighted.value);
    for (let i = 0; i < n; i++) {
      const b = bound[i]!;
      if (b > 0) haircut[i] = weight[i]! > 0 ? b : level * b;
    }
    settleResidual(haircut, new Float64Array(n), positiveBound(bound), total);
    return haircut;
  }

  const upper = positiveBound(bound);
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) if (upper[i]! > 0 && weight[i]! > 0) scale[i] = weight[i]!;
  return waterFill(new Float64Array(n), upper, scale, total)?.haircut ?? upper;
}

/** Rounds of the fixed-point fast path before handing over to waterFill. */
export const FAST_ROUNDS = 40;

/**
 * The capped proportional allocation by fixed-point iteration: lambda = (total - sum of the capped
 * bounds) / (sum of the free weights); every free account with lambda * w_i >= bound_i is capped;
 * repeat until none is. lambda only rises, so a capped account never comes back, and when no new
 * account is capped the result is the water-filling answer (every free account strictly below its
 * bound at the common level, every capped one at a bound whose level bound_i / w_i <= lambda).
 * Undefined when it has not settled after `rounds` rounds, or when every account ends up capped
 * (the caller then runs waterFill).
 * Requires total <= sum of the bounds of the accounts with w_i > 0. O(n * rounds); the free list
 * shrinks every round.
 */
export function proportionalFixedPoint(bound: Float64Array, weight: Float64Array, total: number, rounds = FAST_ROUNDS): Float64Array | undefined {
  const n = bound.length;
  let free = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (bound[i]! > 0 && weight[i]! > 0) free[m++] = i;
  free = free.subarray(0, m);
  const haircut = new Float64Array(n);
  const capped = new CompensatedSum();
  for (let round = 0; round < rounds; round++) {
    const freeWeight = new CompensatedSum();
    for (let k = 0; k < m; k++) freeWeight.add(weight[free[k]!]!);
    const level = (total - capped.value) / freeWeight.value;
    let kept = 0;
    for (let k = 0; k < m; k++) {
      const i = free[k]!;
      const b = bound[i]!;
      if (level * weight[i]! >= b) {
        haircut[i] = b;
        capped.add(b);
      } else free[kept++] = i;
    }
    if (kept === m || kept === 0) {
      if (kept === 0) return undefined;
      for (let k = 0; k < m; k++) haircut[free[k]!] = level * weight[free[k]!]!;
      settleResidual(haircut, new Float64Array(n), positiveBound(bound), total);
      return haircut;
    }
    m = kept;
  }
  return undefined;
}

function positiveBound(bound: Float64Array): Float64Array {
  for (let i = 0; i < bound.length; i++) if (!(bound[i]! >= 0)) return bound.map((b) => (b > 0 ? b : 0));
  return bound;
}

/**
 * The weight of a pro-rata preset per account (finite, >= 0), from the column convention:
 * wealth = capacity; pnl = max(0, gains) (or max(0, upnl) without gains); equity = max(0, equity);
 * drift = sum_p v_p Q_p with lots, else the `notional` column. Throws ModelError naming the
 * heuristic and the column when it is missing, and the account when a value is not finite. O(n + P).
 */
export function proRataWeight(preset: ProRataPreset, wave: Wave, bound: Float64Array, name = `pro-rata:${preset}`): Float64Array {
  switch (preset) {
    case "wealth":
      return wave.capacity;
    case "drift":
      if (wave.positions !== undefined) return lotNotional(wave);
      return positivePart(wave, name, requireColumn(wave, name, "notional", "contracts held in dollars (or a model with lots)"), bound, "notional");
    case "pnl": {
      const gains = optionalColumn(wave, "gains");
      const upnl = optionalColumn(wave, "upnl");
      const column = gains ?? upnl;
      if (column === undefined) {
        throw new ModelError(
          { path: `heuristic ${name}` },
          'a column "gains" or "upnl" (the PnL to weigh by; see the column convention in src/heuristics/README.md)',
          `columns ${[...waveColumns(wave, name).keys()].join(", ")}`,
        );
      }
      return positivePart(wave, name, column, bound, gains ? "gains" : "upnl");
    }
    case "equity":
      return positivePart(wave, name, requireColumn(wave, name, "equity", "the account value in dollars"), bound, "equity");
  }
}

/** `pro-rata:drift`, `pro-rata:wealth`, `pro-rata:pnl`, `pro-rata:equity`. O(1). */
export function proRataPreset(preset: ProRataPreset): RuleHeuristic {
  const name = `pro-rata:${preset}`;
  return new RuleHeuristic({
    name,
    description: DESCRIPTIONS[preset],
    ignores: PRO_RATA_IGNORES,
    target: (wave) => {
      const bound = ruleBound(wave, PRO_RATA_IGNORES);
      return cappedProRata(bound, proRataWeight(preset, wave, bound, name), wave.budget);
    },
    budgetShape: (wave, bound) => ({ kind: "level", algorithm: "capped-pro-rata", weight: proRataWeight(preset, wave, bound, name) }),
  });
}

/** `risk-weighted`: pro-rata by risk_weight x capacity, capped (water-filling); risk_weight finite and > 0 where the account can pay. O(1). */
export function riskWeighted(): RuleHeuristic {
  const name = "risk-weighted";
  return new RuleHeuristic({
    name,
    description: "risk-weighted pro-rata: by risk_weight x capacity, capped (water-filling)",
    ignores: PRO_RATA_IGNORES,
    target: (wave) => {
      const bound = ruleBound(wave, PRO_RATA_IGNORES);
      const risk = requireColumn(wave, name, "risk_weight", "the risk weight w_i > 0");
      const n = wave.ids.length;
      const weight = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const w = risk[i]!;
        if (bound[i]! > 0 && !(Number.isFinite(w) && w > 0)) {
          throw new ModelError({ path: `heuristic ${name}` }, "a finite risk_weight > 0 for every account it may deleverage", `${w} for account ${JSON.stringify(wave.ids[i])} (row ${i + 1})`);
        }
        weight[i] = w * wave.capacity[i]!;
      }
      return cappedProRata(bound, weight, wave.budget);
    },
    budgetShape: (wave) => {
      const risk = requireColumn(wave, name, "risk_weight", "the risk weight w_i > 0");
      return { kind: "level", algorithm: "capped-pro-rata", weight: risk.map((w, i) => w * wave.capacity[i]!) };
    },
  });
}

/**
 * `hybrid:<k>` (score = the BitMEX score) or `hybrid:<k>(<expression>)`: the accounts that can pay
 * are ranked by the score (ties by index) and cut into k buckets of equal count (rank quantiles;
 * equal scores may straddle a cut, deterministically by index). Bucket 1 pays first, pro-rata by
 * capacity within the bucket and capped; when it is exhausted bucket 2 pays, and so on. k = 1 is
 * capped pro-rata by capacity; k >= the number of accounts is the queue. O(n) plus water-filling
 * on the marginal bucket, O(n log n).
 */
export function hybrid(k: number, expression?: string): RuleHeuristic {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`hybrid: k must be a whole number >= 1; found ${k}`);
  const name = expression === undefined ? `hybrid:${k}` : `hybrid:${k}(${expression})`;
  const custom = expression === undefined ? undefined : scoreExpression(expression, name);
  return new RuleHeuristic({
    name,
    description: `${k} priority buckets by ${expression === undefined ? "the BitMEX score" : `\`${expression}\``} quantiles; bucket 1 pays pro-rata by capacity first, then bucket 2, ...`,
    ignores: PRO_RATA_IGNORES,
    target: (wave) => {
      const bound = ruleBound(wave, PRO_RATA_IGNORES);
      let score: Float64Array;
      if (custom) score = custom(wave, bound);
      else {
        score = bitmexScore(wave, name);
        checkDefined(wave, name, score, bound, "score", "the BitMEX score: upnl / entry_notional with leverage");
      }
      return bucketedProRata(wave, bound, score, k);
    },
  });
}

function bucketedProRata(wave: Wave, bound: Float64Array, score: Float64Array, k: number): Float64Array {
  const n = wave.ids.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (bound[i]! > 0) count++;
  const candidates = new Int32Array(count);
  for (let i = 0, c = 0; i < n; i++) if (bound[i]! > 0) candidates[c++] = i;
  const order = rankDescending(score, candidates);
  const m = order.length;

  const capacity = wave.capacity;
  const reach = new CompensatedSum();
  for (let r = 0; r < m; r++) reach.add(bound[order[r]!]!);
  const total = Math.min(wave.budget, reach.value);
  if (!(total > 0)) return new Float64Array(n);

  // Buckets that cannot cover what is left pay in full; the first that can pays the rest pro-rata.
  const haircut = new Float64Array(n);
  let remaining = total;
  for (let b = 0; b < k; b++) {
    const from = Math.floor((b * m) / k);
    const to = Math.floor(((b + 1) * m) / k);
    if (to === from) continue;
    const bucket = new CompensatedSum();
    for (let r = from; r < to; r++) bucket.add(bound[order[r]!]!);
    if (bucket.value < remaining && b < k - 1) {
      for (let r = from; r < to; r++) haircut[order[r]!] = bound[order[r]!]!;
      remaining -= bucket.value;
      continue;
    }
    const memberBound = new Float64Array(n);
    const memberWeight = new Float64Array(n);
    for (let r = from; r < to; r++) {
      const i = order[r]!;
      memberBound[i] = bound[i]!;
      memberWeight[i] = capacity[i]!;
    }
    const part = cappedProRata(memberBound, memberWeight, remaining);
    for (let r = from; r < to; r++) haircut[order[r]!] = part[order[r]!]!;
    break;
  }
  return haircut;
}

function positivePart(wave: Wave, name: string, column: Float64Array, bound: Float64Array, label: string): Float64Array {
  const n = wave.ids.length;
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = column[i]!;
    if (bound[i]! > 0 && !Number.isFinite(v)) {
      throw new ModelError({ path: `heuristic ${name}` }, `a finite ${label} for every account it may deleverage`, `${v} for account ${JSON.stringify(wave.ids[i])} (row ${i + 1})`);
    }
    weight[i] = v > 0 ? v : 0;
  }
  return weight;
}
