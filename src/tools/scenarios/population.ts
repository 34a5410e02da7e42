import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { seededGenerator } from "../../random.js";
import type { AccountTable } from "../../domain.js";

export type CapacityLaw = "pareto" | "lognormal";

export interface PopulationSpec {
  readonly n: number;
  readonly seed: number;
  /** Heavy-tailed law of total capacity. */
  readonly law?: CapacityLaw;
  /** Pareto tail index (law pareto); venues see 1.1 … 2. */
  readonly tailIndex?: number;
  /** Pareto scale / lognormal median, in dollars. */
  readonly scale?: number;
  /** Lognormal sigma. */
  readonly sigma?: number;
}

/** The generated account columns, in the order the accounts CSV writes them (after `id`). */
export const POPULATION_COLUMNS = [
  "capacity",
  "gains",
  "principal",
  "leverage",
  "risk_weight",
  "lot_value",
  "lots",
  "side",
  "mark",
  "entry",
  "notional",
  "entry_notional",
  "upnl",
  "equity",
  "margin_ratio",
  "entry_pnl",
] as const;
export type PopulationColumn = (typeof POPULATION_COLUMNS)[number];

/** Index of each column in the row buffer that `forEachAccount` fills. */
const AT = Object.fromEntries(POPULATION_COLUMNS.map((name, k) => [name, k])) as Record<PopulationColumn, number>;

/** Id of the i-th generated account (0-based). */
export function accountId(i: number): string {
  return `acct-${i}`;
}

const cents = (x: number): number => Math.round(x * 100) / 100;

/**
 * Generates the population one account at a time: `visit(i, row)` receives the i-th account's
 * values in a row buffer ordered as POPULATION_COLUMNS, reused (overwritten) for the next account,
 * so a caller that streams rows to a file holds O(1) memory whatever n is. Same spec, same rows on
 * any machine (xoroshiro128+ through seededGenerator; no Math.random). O(n).
 */
export function forEachAccount(spec: PopulationSpec, visit: (i: number, row: Float64Array) => void): void {
  const { n, seed } = spec;
  const law = spec.law ?? "pareto";
  const tailIndex = spec.tailIndex ?? 1.5;
  const scale = spec.scale ?? 1_000;
  const sigma = spec.sigma ?? 1.2;
  // The golden-ratio offset keeps populations as they were generated for examples/ (wave-200.csv
  // is `adl generate pareto --n 200 --seed 2026`, byte for byte).
  const rng = seededGenerator(seed ^ 0x9e3779b9);
  const uniform = (): number => uniformFloat64(rng);
  // Open interval: a uniform of exactly 0 would give an infinite Pareto draw.
  const open = (): number => {
    let u = uniform();
    while (u <= 0) u = uniform();
    return u;
  };
  const row = new Float64Array(POPULATION_COLUMNS.length);
  const mark = 100;
  // The order of the draws below is part of the format: changing it changes every seed's output.
  for (let i = 0; i < n; i++) {
    const draw =
      law === "pareto"
        ? scale * open() ** (-1 / tailIndex)
        : scale * Math.exp(sigma * Math.sqrt(-2 * Math.log(open())) * Math.cos(2 * Math.PI * uniform()));
    const total = Math.max(0.01, cents(draw));
    // Gains are at most 95% of equity, so that the entry price stays positive at leverage 1.
    const gains = cents(total * 0.95 * uniform());
    const principal = cents(total - gains);
    const equity = gains + principal;
    const leverage = 1 + Math.floor(uniform() * 50);
    const side = uniform() < 0.5 ? 1 : -1;
    const notional = leverage * equity;
    const size = notional / mark;
    const entry = mark - (side * gains) / size;
    // A lot is worth 0.5% to 10% of the account's capacity, rounded to cents (at least 1 cent).
    const lotValue = Math.max(0.01, cents(equity * (0.005 + 0.095 * uniform())));
    row[AT.capacity] = equity;
    row[AT.gains] = gains;
    row[AT.principal] = principal;
    row[AT.leverage] = leverage;
    row[AT.risk_weight] = Math.sqrt(leverage);
    row[AT.lot_value] = lotValue;
    row[AT.lots] = Math.floor(equity / lotValue);
    row[AT.side] = side;
    row[AT.mark] = mark;
    row[AT.entry] = entry;
    row[AT.notional] = notional;
    row[AT.entry_notional] = size * entry;
    row[AT.upnl] = gains;
    row[AT.equity] = equity;
    row[AT.margin_ratio] = (0.005 * notional) / equity;
    row[AT.entry_pnl] = gains / (size * entry);
    visit(i, row);
  }
}

/**
 * A seeded heavy-tailed account population with every column the bundled models and the venue
 * heuristics read. Each account holds one winning position in one market (ADL takes from winners):
 * equity = capacity = gains + principal, gains = unrealized PnL (upnl), principal = collateral;
 * leverage L in 1..50 gives notional = L * equity; mark 100, entry consistent with side and upnl;
 * margin_ratio = 0.5% maintenance margin / equity; risk_weight = sqrt(L); lot_value and lots with
 * v * lots <= capacity. The same spec gives the same table on any machine (xoroshiro128+, no
 * Math.random). O(n) time, columnar typed arrays (16 columns of n doubles plus n ids).
 */
export function generatePopulation(spec: PopulationSpec): AccountTable {
  const { n } = spec;
  const columns = POPULATION_COLUMNS.map(() => new Float64Array(n));
  const ids: string[] = new Array(n);
  forEachAccount(spec, (i, row) => {
    for (let k = 0; k < columns.length; k++) columns[k]![i] = row[k]!;
    ids[i] = accountId(i);
  });
  const law = spec.law ?? "pareto";
  const byName = new Map<string, Float64Array>(POPULATION_COLUMNS.map((name, k) => [name, columns[k]!]));
  return { file: `generated:${law}:n=${n}:seed=${spec.seed}`, ids, capacity: byName.get("capacity")!, columns: byName };
}
