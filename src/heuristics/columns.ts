/**
 * The column convention the venue presets read (one convention for all of them; the table is also
 * in src/heuristics/README.md). Amounts are in the settlement currency ("dollars"), one row per
 * account, one position per account as far as the scores are concerned (a venue ranks positions;
 * the workbench's unit of haircut is the account):
 *
 * | column           | meaning                                                        | unit             | read by |
 * |------------------|----------------------------------------------------------------|------------------|---------|
 * | `upnl`           | unrealized PnL of the position, marked to market                | dollars (signed) | queue:bitmex, queue:binance, pro-rata:pnl (fallback) |
 * | `entry_notional` | abs(position size) × entry price                                | dollars, > 0     | queue:bitmex, queue:binance |
 * | `notional`       | abs(position size) × mark price                                 | dollars, >= 0    | queue:hyperliquid, pro-rata:drift (without lots) |
 * | `equity`         | account value: collateral + unrealized PnL                      | dollars          | queue:hyperliquid, pro-rata:equity |
 * | `leverage`       | effective leverage, notional / equity                           | ratio, > 0       | queue:bitmex, hybrid:<k> |
 * | `margin_ratio`   | venue margin ratio (maintenance margin / margin balance)        | ratio, >= 0      | queue:binance |
 * | `mark`, `entry`  | mark price and average entry price                              | price, > 0       | queue:hyperliquid |
 * | `side`           | +1 long, −1 short (0: no position)                              | sign             | every order-based rule (queues, walk) |
 * | `entry_pnl`      | PnL relative to the entry, e.g. side·(mark − entry)/entry       | fraction         | queue:entry-pnl |
 * | `gains`          | realized + unrealized gains (the junior seniority layer)        | dollars, >= 0    | pro-rata:pnl |
 * | `risk_weight`    | w_i > 0                                                         | ratio            | risk-weighted |
 *
 * PnL% (BitMEX, Binance) is `upnl / entry_notional`, a fraction (0.25 = +25 %).
 */
import type { Wave } from "../domain.js";
import { ModelError } from "../errors.js";

/** Names of the convention's columns, for documentation and test generators. */
export const VENUE_COLUMNS = [
  "upnl",
  "entry_notional",
  "notional",
  "equity",
  "leverage",
  "margin_ratio",
  "mark",
  "entry",
  "side",
  "entry_pnl",
  "gains",
  "risk_weight",
] as const;

/**
 * The wave's raw columns, with `capacity` always wave.capacity: a table built in code may keep it
 * only there, and inside a ladder the inner rule's wave has the rung as its capacity, which is what
 * a score expression over `capacity` must see there. Throws ModelError naming the heuristic when the
 * wave carries no columns at all (bind did not attach them). O(columns).
 */
export function waveColumns(wave: Wave, heuristic: string): ReadonlyMap<string, Float64Array> {
  const columns = wave.columns;
  if (columns === undefined) {
    throw new ModelError(
      { path: `heuristic ${heuristic}` },
      "a wave carrying the instance's columns (wave.columns) to read account data from",
      "a wave without columns",
      "bind the wave with its accounts table, or set wave.columns",
    );
  }
  return columns.get("capacity") === wave.capacity ? columns : new Map([...columns, ["capacity", wave.capacity]]);
}

/** The named column, or a ModelError naming the heuristic, the column and what it is for. O(columns). */
export function requireColumn(wave: Wave, heuristic: string, name: string, purpose: string): Float64Array {
  const columns = waveColumns(wave, heuristic);
  const column = columns.get(name);
  if (column !== undefined) return column;
  throw new ModelError(
    { path: `heuristic ${heuristic}` },
    `a column "${name}" (${purpose}; see the column convention in src/heuristics/README.md)`,
    `columns ${clip([...columns.keys()].join(", "))}`,
  );
}

/** The named column if present, else undefined (no error). O(1). */
export function optionalColumn(wave: Wave, name: string): Float64Array | undefined {
  return name === "capacity" ? wave.capacity : wave.columns?.get(name);
}

/**
 * A score or weight that is NaN on an account the rule may take from is an error, not a rank: a
 * silently misplaced account is the worst outcome for a risk team. Throws ModelError naming the
 * heuristic, the account and the columns the value came from. O(n).
 */
export function checkDefined(wave: Wave, heuristic: string, values: Float64Array, bound: Float64Array, what: string, from: string): void {
  for (let i = 0; i < values.length; i++) {
    if (bound[i]! > 0 && Number.isNaN(values[i]!)) {
      throw new ModelError(
        { path: `heuristic ${heuristic}` },
        `a defined ${what} for every account it may deleverage (${from})`,
        `NaN for account ${JSON.stringify(wave.ids[i])} (row ${i + 1}): a 0/0 or a missing value?`,
      );
    }
  }
}

function clip(text: string, limit = 200): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}
