import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { seededGenerator } from "../random.js";
import type { AccountTable } from "../domain.js";

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

/**
 * A seeded heavy-tailed account population with every column the bundled models and the venue
 * heuristics read. Each account holds one winning position in one market (ADL takes from winners):
 * equity = capacity = gains + principal, gains = unrealized PnL (upnl), principal = collateral;
 * leverage L in 1..50 gives notional = L * equity; mark 100, entry consistent with side and upnl;
 * margin_ratio = 0.5% maintenance margin / equity; risk_weight = sqrt(L); lot_value and lots with
 * v * lots <= capacity. The same spec gives the same table on any machine (xoroshiro128+, no
 * Math.random). O(n) time, columnar typed arrays.
 */
export function generatePopulation(spec: PopulationSpec): AccountTable {
  const { n, seed } = spec;
  const law = spec.law ?? "pareto";
  const tailIndex = spec.tailIndex ?? 1.5;
  const scale = spec.scale ?? 1_000;
  const sigma = spec.sigma ?? 1.2;
  // The golden-ratio offset keeps populations as they were generated for examples/ (wave-200.csv).
  const rng = seededGenerator(seed ^ 0x9e3779b9);
  const uniform = (): number => uniformFloat64(rng);
  // Open interval: a uniform of exactly 0 would give an infinite Pareto draw.
  const open = (): number => {
    let u = uniform();
    while (u <= 0) u = uniform();
    return u;
  };

  const names = ["capacity", "gains", "principal", "leverage", "risk_weight", "lot_value", "lots", "side", "mark", "entry", "notional", "entry_notional", "upnl", "equity", "margin_ratio", "entry_pnl"] as const;
  const column = Object.fromEntries(names.map((name) => [name, new Float64Array(n)])) as Record<(typeof names)[number], Float64Array>;
  const ids: string[] = new Array(n);
  const cents = (x: number): number => Math.round(x * 100) / 100;
  const mark = 100;
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
    column.capacity[i] = equity;
    column.gains[i] = gains;
    column.principal[i] = principal;
    column.leverage[i] = leverage;
    column.risk_weight[i] = Math.sqrt(leverage);
    // A lot is worth 0.5% to 10% of the account's capacity, rounded to cents (at least 1 cent).
    const lotValue = Math.max(0.01, cents(equity * (0.005 + 0.095 * uniform())));
    column.lot_value[i] = lotValue;
    column.lots[i] = Math.floor(equity / lotValue);
    column.side[i] = side;
    column.mark[i] = mark;
    column.entry[i] = entry;
    column.notional[i] = notional;
    column.entry_notional[i] = size * entry;
    column.upnl[i] = gains;
    column.equity[i] = equity;
    column.margin_ratio[i] = (0.005 * notional) / equity;
    column.entry_pnl[i] = gains / (size * entry);
    ids[i] = `acct-${i}`;
  }
  const columns = new Map<string, Float64Array>(names.map((name) => [name, column[name]]));
  return { file: `generated:${law}:n=${n}:seed=${seed}`, ids, capacity: column.capacity, columns };
}
