/**
 * Wave transforms for the moral-hazard metrics: scale accounts (brittleness), close-and-reopen and
 * split an account (gameability). Each edits the wave's raw columns and binds the model again
 * (bindWave), so eligibility, scales, weights, layers and lot bounds are re-derived from the edited
 * data exactly as for a wave read from a file, and the result is a valid wave or a clear error.
 *
 * Which columns are extensive (add up when two accounts merge) is a convention: the dollar columns of
 * the venue convention (src/heuristics/columns.ts) that scale with size, the capacity, the seniority
 * layers and the `ltv` column. Everything else (leverage, prices, sides, PnL% and ratios, risk weights,
 * lot values) is intensive and is copied. Lot counts are extensive but whole: a split gives
 * floor(Q/2) and the rest.
 */
import { bindWave } from "../bind/bind.js";
import type { AccountTable, Allocation, Instance, PositionTable, Wave } from "../../domain.js";
import type { Mechanism, RunContext } from "../../mechanism/mechanism.js";
import { fatalViolations } from "../../mechanism/verdict.js";

/** Dollar columns that scale with the account's size (see the module comment). */
export const EXTENSIVE_DOLLAR_COLUMNS: readonly string[] = ["capacity", "gains", "principal", "equity", "upnl", "notional", "entry_notional", "ltv"];

/** The extensive dollar columns of this wave: the list above that it has, plus its seniority layers. */
function extensiveColumns(wave: Wave): Set<string> {
  const names = new Set(EXTENSIVE_DOLLAR_COLUMNS);
  for (const name of wave.layers?.names ?? []) names.add(name);
  return names;
}

function lotColumns(wave: Wave): { lotValue: string; lots: string } | undefined {
  const lots = wave.model.lots;
  return lots?.source === "columns" ? { lotValue: lots.lotValue, lots: lots.lots } : undefined;
}

/** The wave's columns, with capacity always present. */
function columnsOf(wave: Wave): Map<string, Float64Array> {
  const columns = new Map(wave.columns ?? []);
  columns.set("capacity", wave.capacity);
  return columns;
}

/** Binds the wave's own model (same budget) to edited accounts and positions. */
export function rebind(wave: Wave, ids: readonly string[], columns: ReadonlyMap<string, Float64Array>, positions?: PositionTable): Wave {
  const accounts: AccountTable = { file: "transformed", ids, capacity: columns.get("capacity")!, columns };
  const instance: Instance = { accounts, ...(positions ? { positions } : {}) };
  return bindWave(wave.model, instance, { budget: wave.budget });
}

function positionTable(wave: Wave): PositionTable | undefined {
  if (wave.model.lots?.source !== "positions" || !wave.positions) return undefined;
  const { account, lotValue, maxLots } = wave.positions;
  return { file: "transformed", account, market: Array.from({ length: account.length }, () => ""), lotValue, lots: maxLots };
}

/**
 * The wave with account i's size multiplied by factor[i] > 0: capacity, layers and every extensive
 * dollar column, and lot values (lot counts kept), so layers still add up to capacity and
 * v * Q scales with c. Intensive columns are unchanged. O(n * columns + positions).
 */
export function scaleAccounts(wave: Wave, factor: Float64Array): Wave {
  const extensive = extensiveColumns(wave);
  const lotPair = lotColumns(wave);
  if (lotPair) extensive.add(lotPair.lotValue);
  const columns = new Map<string, Float64Array>();
  for (const [name, values] of columnsOf(wave)) {
    columns.set(name, extensive.has(name) ? values.map((v, i) => v * factor[i]!) : values);
  }
  let positions = positionTable(wave);
  if (positions) {
    const { account } = positions;
    positions = { ...positions, lotValue: positions.lotValue.map((v, p) => v * factor[account[p]!]!) };
  }
  return rebind(wave, wave.ids, columns, positions);
}

/**
 * Close-and-reopen of account i at the mark: the position's entry-PnL columns reset (entry = mark,
 * entry_pnl = 0, upnl = 0, entry_notional = notional) while capacity, gains and the other ledger
 * columns and the notional are unchanged: the same tail risk, a fresh entry. Columns the wave lacks
 * are left out. O(n * columns).
 */
export function closeAndReopen(wave: Wave, i: number): Wave {
  const columns = columnsOf(wave);
  const set = (name: string, value: number | undefined): void => {
    const column = columns.get(name);
    if (column === undefined || value === undefined) return;
    const copy = Float64Array.from(column);
    copy[i] = value;
    columns.set(name, copy);
  };
  set("entry", columns.get("mark")?.[i]);
  set("entry_pnl", 0);
  set("upnl", 0);
  set("entry_notional", columns.get("notional")?.[i]);
  return rebind(wave, wave.ids, columns, positionTable(wave));
}

/**
 * Account i split in two: i keeps half of every extensive column (and floor(Q/2) lots of each
 * position), a new account `<id>#split` appended at index n gets the other half (and the other lots);
 * intensive columns are copied. O(n * columns + positions).
 */
export function splitAccount(wave: Wave, i: number): Wave {
  const n = wave.ids.length;
  const extensive = extensiveColumns(wave);
  const lotPair = lotColumns(wave);
  const columns = new Map<string, Float64Array>();
  for (const [name, values] of columnsOf(wave)) {
    const copy = new Float64Array(n + 1);
    copy.set(values.subarray(0, n));
    const v = values[i]!;
    if (lotPair && name === lotPair.lots) {
      copy[i] = Math.floor(v / 2);
      copy[n] = v - Math.floor(v / 2);
    } else if (extensive.has(name)) {
      copy[i] = v / 2;
      copy[n] = v / 2;
    } else {
      copy[n] = v;
    }
    columns.set(name, copy);
  }
  let positions = positionTable(wave);
  if (positions) {
    const account: number[] = [...positions.account];
    const lotValue: number[] = [...positions.lotValue];
    const lots: number[] = [...positions.lots];
    for (let p = 0; p < positions.account.length; p++) {
      if (positions.account[p] !== i) continue;
      const held = positions.lots[p]!;
      lots[p] = Math.floor(held / 2);
      account.push(n);
      lotValue.push(positions.lotValue[p]!);
      lots.push(held - Math.floor(held / 2));
    }
    positions = { file: "transformed", account: Int32Array.from(account), market: account.map(() => ""), lotValue: Float64Array.from(lotValue), lots: Int32Array.from(lots) };
  }
  return rebind(wave, [...wave.ids, `${wave.ids[i]}#split`], columns, positions);
}

/** A mechanism found no allocation on a perturbed or transformed copy of the wave (e.g. a tight wave perturbed into infeasibility). */
export class NoAllocationError extends Error {}

/**
 * Runs the mechanism on a transformed wave and reads the verifier's verdict from its Outcome (the
 * run verified it once; nothing is verified again). A heuristic may break the promises it declares
 * it ignores (alpha, max accounts, …); the ones no mechanism may break (shape, finite, non-negative,
 * capacity, layer bounds) throw, since a metric over such an allocation would be meaningless. No
 * allocation at all throws NoAllocationError.
 */
export async function runChecked(mechanism: Mechanism, wave: Wave, context: RunContext = {}): Promise<Allocation> {
  const outcome = await mechanism.run(wave, context);
  if (outcome.allocation === undefined || outcome.verdict === null) {
    throw new NoAllocationError(`a perturbed wave has no allocation (${outcome.status}${outcome.message ? `: ${outcome.message}` : ""})`);
  }
  const fatal = fatalViolations(outcome.verdict)[0];
  if (fatal) throw new Error(`the mechanism's allocation of a transformed wave breaks ${fatal.constraint}: ${fatal.message}`);
  return outcome.allocation;
}
