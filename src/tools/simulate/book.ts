/**
 * The simulated book: accounts with signed positions in several markets, an external order book
 * (the liquidity providers that take liquidations and ADL closes), the insurance fund and the
 * venue's unfunded bad debt.
 *
 * Accounting (exact by construction, see src/tools/simulate/README.md): every account holds `cash` and
 * signed contracts `size`; equity = cash + sum_m size_m * mark_m. A trade of Δ contracts at price X
 * moves Δ to the buyer and Δ·X of cash the other way, so it creates no money. Every contract has
 * an opposite (accounts' open interest balances per market at the start; afterwards the order book
 * holds the other side of whatever left the accounts), so a price move is zero-sum. Money enters or
 * leaves only where the simulator records it: a bankrupt account's negative cash is forgiven (the
 * realized deficit), the fund pays, ADL haircuts pay, and what nobody pays is unfunded bad debt:
 *
 *     sum equities + book equity + fund - unfunded  is the same number at every step.
 */
import type { Scenario } from "./scenario.js";
import { GainsLedger } from "./ledger.js";
import { STREAM, normal, stream } from "./shocks.js";

export interface BookState {
  readonly ids: string[];
  readonly n: number;
  readonly M: number;
  /** Dollars; equity_i = cash_i + sum_m size[i*M+m] * mark_m. */
  readonly cash: Float64Array;
  /** n * M signed contracts (+ long). */
  readonly size: Float64Array;
  /** n * M average entry prices: read only by the venue's entry-PnL proxies, never by the accounting. */
  readonly entry: Float64Array;
  readonly ledger: GainsLedger;
  /** The external order book's cash and contracts (it holds what liquidations and ADL sent it). */
  bookCash: number;
  readonly bookSize: Float64Array;
  /** Insurance fund, dollars. */
  fund: number;
  /** Bad debt nobody paid (the fund was empty and ADL could not cover), cumulative, dollars. */
  unfunded: number;
  /** Bankrupt debt forgiven so far (cumulative realized deficit), dollars. */
  forgiven: number;
}

export function equityOf(state: BookState, i: number, marks: Float64Array): number {
  let equity = state.cash[i]!;
  const base = i * state.M;
  for (let m = 0; m < state.M; m++) equity += state.size[base + m]! * marks[m]!;
  return equity;
}

export function notionalOf(state: BookState, i: number, marks: Float64Array): number {
  let notional = 0;
  const base = i * state.M;
  for (let m = 0; m < state.M; m++) notional += Math.abs(state.size[base + m]!) * marks[m]!;
  return notional;
}

/** The order book's equity at `marks`. */
export function bookEquity(state: BookState, marks: Float64Array): number {
  let equity = state.bookCash;
  for (let m = 0; m < state.M; m++) equity += state.bookSize[m]! * marks[m]!;
  return equity;
}

/** sum equities + book + fund - unfunded: constant through a run (the conservation check). */
export function conservedWealth(state: BookState, marks: Float64Array): { accounts: number; book: number; invariant: number; scale: number } {
  let accounts = 0;
  let scale = 0;
  for (let i = 0; i < state.n; i++) {
    const e = equityOf(state, i, marks);
    accounts += e;
    scale += Math.abs(e);
  }
  const book = bookEquity(state, marks);
  return { accounts, book, invariant: accounts + book + state.fund - state.unfunded, scale: scale + Math.abs(book) + state.fund + state.unfunded };
}

/**
 * Account i trades Δ contracts of market m with the order book at `price` (Δ > 0: the account
 * buys). Entry prices follow the usual average-entry rule: an increase averages in, a reduction
 * keeps the entry, a flip starts at `price`. Creates no money.
 */
export function tradeWithBook(state: BookState, i: number, m: number, delta: number, price: number): void {
  const k = i * state.M + m;
  const before = state.size[k]!;
  const after = before + delta;
  state.cash[i] = state.cash[i]! - delta * price;
  state.bookCash += delta * price;
  state.bookSize[m] = state.bookSize[m]! - delta;
  if (before === 0 || Math.sign(after) !== Math.sign(before)) state.entry[k] = after === 0 ? 0 : price;
  else if (Math.abs(after) > Math.abs(before)) state.entry[k] = (state.entry[k]! * Math.abs(before) + price * Math.abs(delta)) / Math.abs(after);
  // Only the remainder of a near-complete close is dust; a fresh position of any size is kept.
  state.size[k] = Math.abs(after) < 1e-12 * Math.abs(before) ? 0 : after;
  if (state.size[k] === 0 && after !== 0) {
    // A dust remainder is closed at the same price, so that no money appears from rounding.
    state.cash[i] = state.cash[i]! + after * price;
    state.bookCash -= after * price;
    state.bookSize[m] = state.bookSize[m]! + after;
  }
}

/**
 * Close-and-reopen of every position of account i at the marks: the gaming move. Equity, the
 * ledger and the contracts held are unchanged; only the entry prices (and so every entry-PnL proxy)
 * are reset to the marks.
 */
export function closeAndReopen(state: BookState, i: number, marks: Float64Array): void {
  for (let m = 0; m < state.M; m++) {
    const q = state.size[i * state.M + m]!;
    if (q === 0) continue;
    tradeWithBook(state, i, m, -q, marks[m]!);
    tradeWithBook(state, i, m, q, marks[m]!);
  }
}

export function emptyBook(ids: string[], M: number, scenario: Scenario): BookState {
  const n = ids.length;
  return {
    ids,
    n,
    M,
    cash: new Float64Array(n),
    size: new Float64Array(n * M),
    entry: new Float64Array(n * M),
    ledger: new GainsLedger(n, scenario.ledger.layers, scenario.ledger.ages),
    bookCash: 0,
    bookSize: new Float64Array(M),
    fund: scenario.insuranceFund,
    unfunded: 0,
    forgiven: 0,
  };
}

/**
 * The scenario's initial book: its explicit accounts, or a seeded population. A population account
 * draws collateral (Pareto or lognormal), a target leverage in [min, max], `marketsPerAccount`
 * distinct markets with random weights and sides, and entry prices within ±entrySpread of the mark;
 * its book is cut down where needed so that it meets the initial margin at the initial marks (no
 * account starts in liquidation). Open interest is then balanced per market by
 * scaling the larger side down (leverage only falls), and its initial unrealized gains are seeded
 * into the ledger layers with random shares. Same scenario, same book. O(n * M).
 */
export function initialBook(scenario: Scenario): BookState {
  const M = scenario.markets.length;
  const marks = Float64Array.from(scenario.markets, (m) => m.price);
  if (scenario.accounts !== undefined) {
    const state = emptyBook(
      scenario.accounts.map((a) => a.id),
      M,
      scenario,
    );
    scenario.accounts.forEach((a, i) => {
      state.cash[i] = a.collateral;
      for (const p of a.positions) {
        state.size[i * M + p.market] = p.size;
        state.entry[i * M + p.market] = p.entry;
        state.cash[i] = state.cash[i]! - p.size * p.entry;
      }
      a.gains.forEach((g, l) => state.ledger.seed(i, l, g));
    });
    settleImbalance(state);
    return state;
  }

  const spec = scenario.population!;
  const n = spec.n;
  const uniform = stream(scenario.seed, STREAM.population);
  const open = (): number => {
    let u = uniform();
    while (u <= 0) u = uniform();
    return u;
  };
  const ids = Array.from({ length: n }, (_, i) => `acct-${i}`);
  const state = emptyBook(ids, M, scenario);
  const collateral = new Float64Array(n);
  const order = new Int32Array(M);
  for (let i = 0; i < n; i++) {
    const draw = spec.law === "pareto" ? spec.scale * open() ** (-1 / spec.tailIndex) : spec.scale * Math.exp(spec.sigma * normal(uniform));
    collateral[i] = Math.round(Math.max(1, draw) * 100) / 100;
    const leverage = spec.leverageMin + (spec.leverageMax - spec.leverageMin) * uniform();
    // A partial Fisher–Yates shuffle picks the account's markets.
    for (let m = 0; m < M; m++) order[m] = m;
    const weights: number[] = [];
    for (let k = 0; k < spec.marketsPerAccount; k++) {
      const j = k + Math.floor(uniform() * (M - k));
      [order[k], order[j]] = [order[j]!, order[k]!];
      weights.push(0.2 + uniform());
    }
    const weightSum = weights.reduce((s, w) => s + w, 0);
    for (let k = 0; k < spec.marketsPerAccount; k++) {
      const m = order[k]!;
      const side = uniform() < 0.5 ? 1 : -1;
      const entry = marks[m]! * (1 + spec.entrySpread * (2 * uniform() - 1));
      state.entry[i * M + m] = entry;
      state.size[i * M + m] = (side * leverage * collateral[i]! * weights[k]!) / weightSum / entry;
    }
  }
  // Every account could open its book at today's marks: scale it down to the initial margin where
  // its entries leave it short (equity C + sU >= initial * sN, U the unrealized PnL, N the notional
  // at scale 1). Scaling down keeps this true, so the balancing below cannot break it.
  for (let i = 0; i < n; i++) {
    let upnl = 0;
    let notional = 0;
    for (let m = 0; m < M; m++) {
      const q = state.size[i * M + m]!;
      upnl += q * (marks[m]! - state.entry[i * M + m]!);
      notional += Math.abs(q) * marks[m]!;
    }
    const need = scenario.margins.initial * notional - upnl;
    if (need > 0 && collateral[i]! < need) {
      const scale = collateral[i]! / need;
      for (let m = 0; m < M; m++) state.size[i * M + m] = state.size[i * M + m]! * scale;
    }
  }
  // Balance open interest per market: scale the larger side down to the smaller one.
  for (let m = 0; m < M; m++) {
    let long = 0;
    let short = 0;
    for (let i = 0; i < n; i++) {
      const q = state.size[i * M + m]!;
      if (q > 0) long += q;
      else short -= q;
    }
    if (long === 0 || short === 0) {
      for (let i = 0; i < n; i++) state.size[i * M + m] = 0;
      continue;
    }
    const longScale = Math.min(1, short / long);
    const shortScale = Math.min(1, long / short);
    for (let i = 0; i < n; i++) {
      const q = state.size[i * M + m]!;
      state.size[i * M + m] = q * (q > 0 ? longScale : shortScale);
    }
  }
  const layers = scenario.ledger.layers.length;
  for (let i = 0; i < n; i++) {
    state.cash[i] = collateral[i]!;
    let upnl = 0;
    for (let m = 0; m < M; m++) {
      const q = state.size[i * M + m]!;
      state.cash[i] = state.cash[i]! - q * state.entry[i * M + m]!;
      upnl += q * (marks[m]! - state.entry[i * M + m]!);
    }
    if (upnl > 0) {
      const shares = Array.from({ length: layers }, () => uniform());
      const total = shares.reduce((s, x) => s + x, 0);
      shares.forEach((s, l) => state.ledger.seed(i, l, (upnl * s) / total));
    }
  }
  settleImbalance(state);
  return state;
}

/** Float dust in the balance (1e-16 relative) goes to the order book, so every contract has an opposite. */
function settleImbalance(state: BookState): void {
  for (let m = 0; m < state.M; m++) {
    let net = 0;
    for (let i = 0; i < state.n; i++) net += state.size[i * state.M + m]!;
    state.bookSize[m] = -net;
  }
}
