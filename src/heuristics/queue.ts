/**
 * Order-based rules: queues by a score, and the dYdX walk. Each account in the order is taken up to
 * its bound until the budget is covered; the last one taken gives only what is left, so the total
 * is exactly min(B, what the accounts can give).
 *
 * Production queues close the top-ranked positions whole; they know nothing of an alpha cap, a
 * limit on touched accounts or a seniority ladder, so these rules declare ["alpha", "maxAccounts",
 * "seniority"] as ignored (wrap one in ladder(...) to honour seniority).
 *
 * Longs and shorts: when the wave has a `side` column (and sides are "split", the default), accounts
 * are grouped by the sign of `side` (+1 long, −1 short, 0 flat) and each group is ranked on its own
 * and pays a share of the budget proportional to its capacity (the sum of its bounds). A wave does
 * not say which side went bankrupt, so capacity-proportional shares are the neutral choice: no side
 * pays more than its weight, and each side is still a queue. "pooled" ranks everyone together.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { seededGenerator } from "../random.js";
import type { Expression, Wave } from "../domain.js";
import { ModelError } from "../errors.js";
import { analyzeExpression, compileExpression } from "../pipeline/model/expression.js";
import { CompensatedSum } from "../floor/numeric/sum.js";
import { ruleBound } from "./bounds.js";
import { checkDefined, optionalColumn, requireColumn, waveColumns } from "./columns.js";
import type { HeuristicContext, IgnorableConstraint } from "./heuristic.js";
import { rankDescending } from "./rank.js";
import { RuleHeuristic } from "./rule.js";

export type Sides = "split" | "pooled";

export interface OrderOptions {
  /** Default "split" (see the module comment); without a `side` column both are "pooled". */
  readonly sides?: Sides;
}

export type QueuePreset = "bitmex" | "binance" | "hyperliquid" | "capacity" | "entry-pnl";

/** The registry names of the queue presets. */
export const QUEUE_PRESETS: readonly QueuePreset[] = ["bitmex", "binance", "hyperliquid", "capacity", "entry-pnl"];

const ORDER_IGNORES: readonly IgnorableConstraint[] = ["alpha", "maxAccounts", "seniority"];

const PRESET_DESCRIPTIONS: Readonly<Record<QueuePreset, string>> = {
  bitmex: "BitMEX ADL queue: PnL% x effective leverage when PnL >= 0, PnL% / effective leverage when PnL < 0, highest first (upnl, entry_notional, leverage)",
  binance: "Binance ADL queue: PnL% x margin ratio, highest first (upnl, entry_notional, margin_ratio)",
  hyperliquid: "Hyperliquid ADL queue: (mark / entry) x (notional / account value), highest first (mark, entry, notional, equity)",
  capacity: "largest capacity first (the greedy L0 queue when alpha is not in play)",
  "entry-pnl": "entry-PnL rank: highest PnL relative to entry first (entry_pnl)",
};

/**
 * A venue preset's score per account (higher pays first), from the columns of the convention in
 * columns.ts; `bound` is the rule's per-account bound (queue:capacity ranks by it). Throws
 * ModelError naming the heuristic and the column when a column is missing, and naming the account
 * when a score is NaN where the account can pay. A fresh array (except entry-pnl: the column itself,
 * read-only). O(n).
 */
export function presetScore(preset: QueuePreset, wave: Wave, bound: Float64Array, name = `queue:${preset}`): Float64Array {
  const n = wave.ids.length;
  let score: Float64Array;
  let from: string;
  switch (preset) {
    case "bitmex": {
      score = bitmexScore(wave, name);
      from = "upnl / entry_notional with leverage";
      break;
    }
    case "binance": {
      const upnl = requireColumn(wave, name, "upnl", "unrealized PnL in dollars, for PnL%");
      const entryNotional = requireColumn(wave, name, "entry_notional", "entry notional in dollars, for PnL%");
      const marginRatio = requireColumn(wave, name, "margin_ratio", "the margin ratio");
      score = new Float64Array(n);
      for (let i = 0; i < n; i++) score[i] = (upnl[i]! / entryNotional[i]!) * marginRatio[i]!;
      from = "upnl / entry_notional x margin_ratio";
      break;
    }
    case "hyperliquid": {
      const mark = requireColumn(wave, name, "mark", "the mark price");
      const entry = requireColumn(wave, name, "entry", "the entry price");
      const notional = requireColumn(wave, name, "notional", "the position notional in dollars");
      const equity = requireColumn(wave, name, "equity", "the account value in dollars");
      score = new Float64Array(n);
      for (let i = 0; i < n; i++) score[i] = (mark[i]! / entry[i]!) * (notional[i]! / equity[i]!);
      from = "(mark / entry) x (notional / equity)";
      break;
    }
    case "capacity":
      return Float64Array.from(bound);
    case "entry-pnl":
      score = requireColumn(wave, name, "entry_pnl", "the PnL relative to entry");
      from = "entry_pnl";
      break;
  }
  checkDefined(wave, name, score, bound, "score", from);
  return score;
}

/** BitMEX: PnL% x leverage when PnL% >= 0, PnL% / leverage when PnL% < 0 (no NaN check). O(n). */
export function bitmexScore(wave: Wave, name: string): Float64Array {
  const upnl = requireColumn(wave, name, "upnl", "unrealized PnL in dollars, for PnL%");
  const entryNotional = requireColumn(wave, name, "entry_notional", "entry notional in dollars, for PnL%");
  const leverage = requireColumn(wave, name, "leverage", "the effective leverage");
  const n = wave.ids.length;
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pnl = upnl[i]! / entryNotional[i]!;
    score[i] = pnl >= 0 ? pnl * leverage[i]! : pnl / leverage[i]!;
  }
  return score;
}

/**
 * A score expression checked against the whitelist now (so a bad name fails at parse time) and
 * compiled against the wave's columns when it runs. Throws ModelError naming the heuristic.
 */
export function scoreExpression(source: string, name: string): (wave: Wave, bound: Float64Array) => Float64Array {
  const analysis = analyzeExpression(source);
  if ("problem" in analysis) {
    const { expected, found, hint } = analysis.problem;
    throw new ModelError({ path: `heuristic ${name}` }, expected, found, hint);
  }
  const expression: Expression = { source, where: `heuristic ${name}` };
  return (wave, bound) => {
    const columns = waveColumns(wave, name);
    const score = compileExpression(expression, [...columns.keys()]).evaluate(columns, wave.ids.length);
    checkDefined(wave, name, score, bound, "score", `\`${source}\``);
    return score;
  };
}

/** A venue preset queue: `queue:bitmex`, `queue:binance`, `queue:hyperliquid`, `queue:capacity`, `queue:entry-pnl`. O(1). */
export function queuePreset(preset: QueuePreset, options: OrderOptions = {}): RuleHeuristic {
  const name = `queue:${preset}`;
  return scoreQueue(name, PRESET_DESCRIPTIONS[preset], (wave, bound) => presetScore(preset, wave, bound, name), options);
}

/** `queue:score(<expression>)`: highest value of a safe expression over the account columns first. O(1). */
export function expressionQueue(source: string, options: OrderOptions = {}): RuleHeuristic {
  const name = `queue:score(${source})`;
  return scoreQueue(name, `queue by the score \`${source}\`, highest first`, scoreExpression(source, name), options);
}

/**
 * A queue by any score (higher pays first, ties by index). The target costs O(n) for the score plus
 * an O(n) expected weighted selection (see takeByScore): accounts strictly above the marginal score
 * pay in full whatever their order among themselves, so the queue never needs a full sort.
 */
export function scoreQueue(name: string, description: string, score: (wave: Wave, bound: Float64Array) => Float64Array, options: OrderOptions = {}): RuleHeuristic {
  return new RuleHeuristic({
    name,
    description,
    ignores: ORDER_IGNORES,
    target: (wave) => {
      const bound = ruleBound(wave, ORDER_IGNORES);
      const values = score(wave, bound);
      return orderedTarget(wave, bound, name, options.sides ?? "split", (members, amount, haircut) => takeByScore(values, members, bound, haircut, amount));
    },
    // Highest score first, ties by index: the same order takeByScore realizes without a sort.
    budgetShape: (wave, bound) => {
      const values = score(wave, bound);
      return { kind: "order", algorithm: "queue", order: (members) => rankDescending(values, members), splitSides: (options.sides ?? "split") === "split" };
    },
  });
}

/**
 * `walk:dydx`: the dYdX v4 deleveraging walk. Starting at a pseudo-random account index drawn from
 * context.seed (xoroshiro128+, so the same seed gives the same walk on any machine), accounts are
 * visited in index order, wrapping around, each taken up to its bound until the budget is covered.
 * O(n).
 */
export function dydxWalk(options: OrderOptions = {}): RuleHeuristic {
  const name = "walk:dydx";
  return new RuleHeuristic({
    name,
    description: "dYdX v4-style walk: from a seeded pseudo-random start, accounts in index order (wrapping), each up to its bound",
    ignores: ORDER_IGNORES,
    target: (wave, context) => {
      const bound = ruleBound(wave, ORDER_IGNORES);
      const start = walkStart(wave.ids.length, context);
      return orderedTarget(wave, bound, name, options.sides ?? "split", (members, amount, haircut) => takeInOrder(rotate(members, start), bound, haircut, amount));
    },
    budgetShape: (wave, _bound, context) => {
      const start = walkStart(wave.ids.length, context);
      return { kind: "order", algorithm: "walk", order: (members) => rotate(members, start), splitSides: (options.sides ?? "split") === "split" };
    },
  });
}

/**
 * The walk's first account index for a wave of n accounts: floor(u * n), u uniform in [0, 1) from
 * xoroshiro128+ seeded with a hash of the seed (integer part, 32 bits). O(1).
 */
export function walkStart(n: number, context: HeuristicContext): number {
  if (n === 0) return 0;
  // xoroshiro128+'s first outputs from a small seed are nearly equal across seeds (seeds 0..7 all
  // start near 1.0): the seed is hashed and the first outputs are discarded so that nearby seeds
  // start the walk at unrelated accounts.
  const rng = seededGenerator(context.seed);
  return Math.min(n - 1, Math.floor(uniformFloat64(rng) * n));
}

/** Ascending members from `start` on, then those before it (the dYdX walk's order). O(m). */
export function rotate(members: Int32Array, start: number): Int32Array {
  let split = 0;
  while (split < members.length && members[split]! < start) split++;
  const order = new Int32Array(members.length);
  order.set(members.subarray(split), 0);
  order.set(members.subarray(0, split), members.length - split);
  return order;
}

/** Takes `amount` from the members of one group into `haircut` (each up to bound_i); returns what could not be placed. */
export type GroupTake = (members: Int32Array, amount: number, haircut: Float64Array) => number;

/**
 * The common core of every order-based rule: the budget (or what the accounts can give) is taken
 * by `takeGroup` from all accounts that can pay, or, with sides split, from each side for its share
 * (see the module comment). Any rounding residue of the shares goes to whoever still has room.
 * Dollars. O(n) plus the cost of takeGroup.
 */
export function orderedTarget(wave: Wave, bound: Float64Array, name: string, sides: Sides, takeGroup: GroupTake): Float64Array {
  const n = wave.ids.length;
  const haircut = new Float64Array(n);
  const reachSum = new CompensatedSum();
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (bound[i]! > 0) {
      reachSum.add(bound[i]!);
      count++;
    }
  }
  const reach = reachSum.value;
  const total = Math.min(wave.budget, reach);
  if (!(total > 0)) return haircut;
  const candidates = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (bound[i]! > 0) candidates[k++] = i;

  const side = sides === "split" ? optionalColumn(wave, "side") : undefined;
  if (side === undefined) {
    takeGroup(candidates, total, haircut);
    return haircut;
  }
  checkDefined(wave, name, side, bound, "side", "the side column");
  const groups: Int32Array[] = [];
  for (const sign of [1, -1, 0]) {
    let size = 0;
    for (let k = 0; k < count; k++) if (Math.sign(side[candidates[k]!]!) === sign) size++;
    if (size === 0) continue;
    const members = new Int32Array(size);
    const capacity = new CompensatedSum();
    for (let k = 0, j = 0; k < count; k++) {
      const i = candidates[k]!;
      if (Math.sign(side[i]!) === sign) {
        members[j++] = i;
        capacity.add(bound[i]!);
      }
    }
    groups.push(members);
    takeGroup(members, Math.min(capacity.value, (total * capacity.value) / reach), haircut);
  }
  // The shares sum to the total only up to rounding; the residue goes to whoever still has room.
  const given = new CompensatedSum();
  for (let i = 0; i < n; i++) given.add(haircut[i]!);
  let rest = total - given.value;
  for (const members of groups) if (rest > 0) rest = takeGroup(members, rest, haircut);
  return haircut;
}

/**
 * Takes `amount` down an explicit order, each account up to its room bound_i - haircut_i; returns
 * what could not be placed. O(length of the order).
 */
export function takeInOrder(order: Int32Array, bound: Float64Array, haircut: Float64Array, amount: number): number {
  for (let k = 0; k < order.length && amount > 0; k++) {
    const i = order[k]!;
    const given = Math.min(bound[i]! - haircut[i]!, amount);
    if (given > 0) {
      haircut[i]! += given;
      amount -= given;
    }
  }
  return amount;
}

/** Below this many accounts the selection ends with a radix ranking of what is left. */
const smallPool = 4096;

/**
 * Takes `amount` from the members in descending score order (ties by ascending index), each up to
 * its room bound_i - haircut_i, exactly as takeInOrder(rankDescending(score, members), …) would;
 * returns what could not be placed. `members` must be ascending.
 *
 * By weighted selection rather than sorting: a pivot score (median of an evenly spaced sample)
 * splits the pool into above / equal / below. If the accounts above can cover the amount, the
 * answer lies among them; otherwise they all pay in full (their order among themselves does not
 * change what they pay), then the ties at the pivot in index order, then the search goes on below.
 * Expected O(m) (the pool shrinks geometrically); the last `smallPool` accounts are ranked.
 */
export function takeByScore(score: Float64Array, members: Int32Array, bound: Float64Array, haircut: Float64Array, amount: number, small = smallPool): number {
  let pool = members;
  while (amount > 0 && pool.length > small) {
    const pivot = samplePivot(score, pool);
    let above = 0;
    let equal = 0;
    const aboveRoom = new CompensatedSum();
    const equalRoom = new CompensatedSum();
    for (let k = 0; k < pool.length; k++) {
      const i = pool[k]!;
      const x = score[i]!;
      if (x > pivot) {
        above++;
        aboveRoom.add(bound[i]! - haircut[i]!);
      } else if (x === pivot) {
        equal++;
        equalRoom.add(bound[i]! - haircut[i]!);
      }
    }
    if (aboveRoom.value >= amount) {
      pool = partition(pool, score, (x) => x > pivot, above);
      continue;
    }
    for (let k = 0; k < pool.length; k++) {
      const i = pool[k]!;
      if (score[i]! > pivot) haircut[i] = bound[i]!;
    }
    amount -= aboveRoom.value;
    if (equalRoom.value >= amount) return takeInOrder(partition(pool, score, (x) => x === pivot, equal), bound, haircut, amount);
    for (let k = 0; k < pool.length; k++) {
      const i = pool[k]!;
      if (score[i]! === pivot) haircut[i] = bound[i]!;
    }
    amount -= equalRoom.value;
    pool = partition(pool, score, (x) => x < pivot, pool.length - above - equal);
  }
  return amount > 0 ? takeInOrder(rankDescending(score, pool), bound, haircut, amount) : amount;
}

/** The median score of up to 31 evenly spaced members (deterministic, so the queue is too). */
function samplePivot(score: Float64Array, pool: Int32Array): number {
  const size = Math.min(31, pool.length);
  const sample = new Float64Array(size);
  for (let k = 0; k < size; k++) sample[k] = score[pool[Math.floor((k * pool.length) / size)]!]!;
  sample.sort();
  return sample[size >> 1]!;
}

/** The pool's members whose score passes, in the pool's (ascending) order; `count` of them. */
function partition(pool: Int32Array, score: Float64Array, keep: (x: number) => boolean, count: number): Int32Array {
  const kept = new Int32Array(count);
  for (let k = 0, j = 0; k < pool.length && j < count; k++) if (keep(score[pool[k]!]!)) kept[j++] = pool[k]!;
  return kept;
}
