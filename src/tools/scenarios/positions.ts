import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { seededGenerator } from "../../random.js";
import type { AccountTable, PositionTable } from "../../domain.js";

/** How a generated population's capacity is spread over positions in several markets. */
export interface PositionSpec {
  /** The population's seed: positions get their own stream derived from it. */
  readonly seed: number;
  /** M >= 1 markets; each account holds 1..M positions in distinct markets. */
  readonly markets: number;
}

/** Salt of the positions stream: accounts keep their own stream, so adding positions changes no account. */
const POSITIONS_SALT = 0x5bd1e995;

/** Name of market k (0-based). */
export function marketName(k: number): string {
  return `mkt-${k}`;
}

/** One generated position, reused between calls (see PositionDrawer). */
export interface DrawnPosition {
  market: number;
  /** v_p in dollars per lot, a whole number of cents >= 0.01. */
  lotValue: number;
  /** Q_p >= 0 with v_p * Q_p <= the position's share of capacity. */
  lots: number;
}

/**
 * Draws each account's positions in account order from the positions stream of `spec.seed`:
 * m ~ uniform on 1..M positions in m distinct markets (partial Fisher–Yates), the account's
 * capacity split into shares by Dirichlet(1, …, 1) weights floored to cents (so the shares sum to
 * at most the capacity), and per position a lot worth 0.5% to 10% of its share (cents, at least one
 * cent) and lots = floor(share / lot value), lowered while lot value * lots > share in floating
 * point. Hence sum_p v_p Q_p <= capacity for every account. O(M) per account.
 */
export class PositionDrawer {
  private readonly uniform: () => number;
  private readonly order: Int32Array;
  private readonly weight: Float64Array;
  private readonly drawn: DrawnPosition[];

  constructor(private readonly spec: PositionSpec) {
    if (!(Number.isInteger(spec.markets) && spec.markets >= 1)) throw new RangeError(`markets must be a whole number >= 1, got ${spec.markets}`);
    const rng = seededGenerator(spec.seed ^ POSITIONS_SALT);
    this.uniform = () => uniformFloat64(rng);
    this.order = new Int32Array(spec.markets);
    this.weight = new Float64Array(spec.markets);
    this.drawn = Array.from({ length: spec.markets }, () => ({ market: 0, lotValue: 0.01, lots: 0 }));
  }

  /** The next account's positions (a view valid until the next call). */
  next(capacity: number): readonly DrawnPosition[] {
    const markets = this.spec.markets;
    const count = 1 + Math.min(markets - 1, Math.floor(this.uniform() * markets));
    for (let k = 0; k < markets; k++) this.order[k] = k;
    let total = 0;
    for (let k = 0; k < count; k++) {
      const pick = k + Math.min(markets - k - 1, Math.floor(this.uniform() * (markets - k)));
      const swap = this.order[k]!;
      this.order[k] = this.order[pick]!;
      this.order[pick] = swap;
      // 1 - u lies in (0, 1]: an exponential draw, finite; normalized exponentials are Dirichlet(1).
      const w = -Math.log(1 - this.uniform());
      this.weight[k] = w;
      total += w;
    }
    for (let k = 0; k < count; k++) {
      const share = total > 0 ? Math.floor((capacity * this.weight[k]!) / total * 100) / 100 : 0;
      const lotValue = Math.max(0.01, Math.round(share * (0.005 + 0.095 * this.uniform()) * 100) / 100);
      let lots = Math.floor(share / lotValue);
      while (lots > 0 && lotValue * lots > share) lots--;
      const position = this.drawn[k]!;
      position.market = this.order[k]!;
      position.lotValue = lotValue;
      position.lots = lots;
    }
    return this.drawn.slice(0, count);
  }
}

/**
 * Positions for an account table in memory (tests, bindWave): the same positions, row for row, as
 * `adl generate … --positions FILE` writes for the population with the same seed. O(n * M).
 */
export function generatePositions(accounts: AccountTable, spec: PositionSpec): PositionTable {
  const drawer = new PositionDrawer(spec);
  const account: number[] = [];
  const market: string[] = [];
  const lotValue: number[] = [];
  const lots: number[] = [];
  for (let i = 0; i < accounts.ids.length; i++) {
    for (const position of drawer.next(accounts.capacity[i]!)) {
      account.push(i);
      market.push(marketName(position.market));
      lotValue.push(position.lotValue);
      lots.push(position.lots);
    }
  }
  return {
    file: `generated:positions:markets=${spec.markets}:seed=${spec.seed}`,
    account: Int32Array.from(account),
    market,
    lotValue: Float64Array.from(lotValue),
    lots: Int32Array.from(lots),
  };
}
