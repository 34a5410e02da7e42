/**
 * The market stress simulator: price path → mark-to-market → liquidations at slipped prices →
 * bankrupt deficit → insurance fund → ADL wave on the residual (any mechanism, verified) →
 * executed in contract space → next step. With the two-pass counterfactual per wave (what ADL
 * actually took at each evaluation horizon, beside the wealth-space budget that was needed) and the
 * gaming measurement (each gaming account's own haircut vs the same wave without gaming).
 */
import type { SimulationRow } from "../../floor/records/row.js";
import type { SolveRequest } from "../../pipeline/solve/solve.js";
import { mix32 } from "../../random.js";
import {
  closeAndReopen,
  conservedWealth,
  equityOf,
  initialBook,
  notionalOf,
  tradeWithBook,
  type BookState,
} from "./book.js";
import { GainsLedger } from "./ledger.js";
import { resolveModelPath, mechanismKind, type Scenario } from "./scenario.js";
import { STREAM, pricePath, stream } from "./shocks.js";
import { buildWaveInput, executeWave, resolveMechanism, solveSimulatedWave, waveLayers, type BoundMechanism, type Counterparty, type WaveInput, type WaveSolution } from "./wave.js";
import { existsSync } from "node:fs";

/** Residual deficits below this many dollars are booked as unfunded instead of raising a wave. */
export const MIN_WAVE_DEFICIT = 1e-9;

export interface SimulateOptions {
  /** Measure gaming (default: when the scenario has a gaming block). */
  readonly gaming?: boolean;
  /** Keep per-account detail (default true). */
  readonly accountDetail?: boolean;
  /**
   * How model waves are solved; default a 10 s time limit per wave (a lot-granular model on
   * multi-position accounts goes to the MIP, which may not prove optimality soon; the incumbent is
   * kept and the wave's status says "feasible").
   */
  readonly solve?: SolveRequest;
  /**
   * Called once per ADL wave with what the venue saw and what the mechanism chose, before the wave is
   * executed on the book (src/tools/rounds reads the waves as a round sequence). Observing changes nothing.
   */
  readonly onWave?: (event: WaveEvent) => void;
}

/** A wave as it happened: the step's deficit, the residual the fund left, the wave's instance and the mechanism's solution. */
export interface WaveEvent {
  readonly wave: number;
  readonly step: number;
  /** Bankrupt debt realized this step (dollars). */
  readonly deficit: number;
  /** What the fund could not pay: the wave's needed budget (dollars). */
  readonly residual: number;
  readonly input: WaveInput;
  readonly solution: WaveSolution;
}

/** Per-wave time limit of model solves unless SimulateOptions.solve says otherwise, seconds. */
export const DEFAULT_WAVE_TIME_LIMIT = 10;

/** One step of the run, after its wave (dollars). */
export interface StepRecord {
  readonly step: number;
  readonly marks: readonly number[];
  readonly liquidated: number;
  readonly bankrupt: number;
  /** Bankrupt debt realized this step. */
  readonly deficit: number;
  readonly fundPaid: number;
  readonly fund: number;
  readonly unfunded: number;
  readonly accountsEquity: number;
  readonly bookEquity: number;
  /** accountsEquity + bookEquity + fund - unfunded: the conserved quantity. */
  readonly invariant: number;
  /** |invariant - invariant at step 0| / scale of the wealth in play. */
  readonly conservationError: number;
}

export interface HorizonTake {
  readonly horizon: number;
  /** Sum over the wave's accounts of (equity without ADL - equity with ADL)_+ at the evaluation point. */
  readonly taken: number;
  /** taken - needed. */
  readonly overshoot: number;
  /** Sum of (equity without ADL - equity with ADL) with signs: the positive part in `taken` alone grows with the horizon even on a martingale path. */
  readonly net: number;
}

export interface GamingRecord {
  readonly accounts: number;
  /** Mean |own haircut with gaming - without| / own capacity over the gaming accounts. */
  readonly meanChange: number;
  readonly maxChange: number;
  /** Largest relative change of budget, total capacity, total gains and per-market contracts of the wave (the venue's tail risk): ~0. */
  readonly tailRiskChange: number;
  /** Each gaming account: its haircut without and with gaming (halves summed for a split), its capacity (dollars). */
  readonly byAccount: readonly { readonly account: string; readonly without: number; readonly with: number; readonly capacity: number }[];
}

export interface WaveRecord {
  readonly wave: number;
  readonly step: number;
  readonly deficit: number;
  readonly fundPaid: number;
  /** The wealth-space budget needed: the deficit the fund could not absorb. */
  readonly needed: number;
  /** The wave's budget B (needed * (1 + margin)). */
  readonly budget: number;
  readonly accounts: number;
  readonly totalCapacity: number;
  readonly status: string;
  readonly path: string;
  readonly verified: { readonly ok: boolean; readonly worstViolation: number; readonly declared: readonly string[] };
  /** Haircuts paid at execution (dollars) and contracts closed. */
  readonly executed: number;
  readonly contractsClosed: number;
  readonly touched: number;
  readonly shortfall: number;
  readonly layerTotals: Readonly<Record<string, number>>;
  readonly byHorizon: readonly HorizonTake[];
  readonly gaming?: GamingRecord;
}

export interface AccountRecord {
  readonly wave: number;
  readonly account: string;
  readonly capacity: number;
  readonly haircut: number;
  readonly contracts: number;
  readonly layers: Readonly<Record<string, number>>;
  /** Production haircut (equity without ADL - with ADL) at each horizon, same order as scenario.horizons. */
  readonly production: readonly number[];
}

export interface SimulationResult {
  readonly scenario: string;
  readonly file: string;
  readonly mechanism: string;
  readonly kind: "model" | "heuristic";
  readonly seed: number;
  readonly steps: readonly StepRecord[];
  readonly waves: readonly WaveRecord[];
  readonly accounts: readonly AccountRecord[];
  readonly horizons: readonly number[];
  readonly totals: {
    readonly liquidations: number;
    readonly bankruptcies: number;
    readonly deficit: number;
    readonly fundPaid: number;
    readonly needed: number;
    readonly executed: number;
    readonly unfunded: number;
    readonly fundEnd: number;
  };
  /** Worst conservation error over the steps (relative). */
  readonly conservationError: number;
  readonly gameability: number | null;
  readonly seconds: number;
}

/**
 * Start of step `step`: the ledger ages, then books each account's mark-to-market PnL from
 * `previous` to `marks` (sum_m size_m * Δmark_m). Equity needs no update (it is cash + size * mark).
 * O(n * M).
 */
export function markToMarket(state: BookState, previous: Float64Array, marks: Float64Array, step: number): void {
  const M = state.M;
  state.ledger.age(step);
  for (let i = 0; i < state.n; i++) {
    let pnl = 0;
    for (let m = 0; m < M; m++) pnl += state.size[i * M + m]! * (marks[m]! - previous[m]!);
    state.ledger.book(i, pnl, step);
  }
}

/** Liquidations of one step. */
interface Liquidation {
  readonly liquidated: number;
  readonly bankrupt: number;
  readonly deficit: number;
  /** Execution at bankruptcy price: per market the bankruptcy gap per contract and the side that pays. */
  readonly counterparty: Counterparty;
}

/**
 * Liquidates every account below maintenance (equity < maintenance * notional) in full against the
 * order book. Liquidations of one market and side share its depth in the step: slip fraction =
 * min(cap, impact * (notional / depth)^exponent) on their total notional, longs sell below the mark,
 * shorts buy above it. The slippage loss drains the ledger; negative equity after the close is
 * forgiven and becomes the step's deficit. The bankruptcy gap per market is the bankrupt accounts'
 * deficit (attributed to their markets by notional) per contract they held, paid by the other side.
 */
function liquidate(state: BookState, marks: Float64Array, scenario: Scenario, step: number): Liquidation {
  const { n, M } = state;
  const doomed: number[] = [];
  const sideNotional = new Float64Array(2 * M);
  for (let i = 0; i < n; i++) {
    const notional = notionalOf(state, i, marks);
    if (notional === 0) continue;
    if (equityOf(state, i, marks) >= scenario.margins.maintenance * notional) continue;
    doomed.push(i);
    for (let m = 0; m < M; m++) {
      const q = state.size[i * M + m]!;
      if (q !== 0) sideNotional[2 * m + (q > 0 ? 0 : 1)] = sideNotional[2 * m + (q > 0 ? 0 : 1)]! + Math.abs(q) * marks[m]!;
    }
  }
  const { impact, exponent, cap } = scenario.slippage;
  const slip = sideNotional.map((notional, k) => (notional > 0 ? Math.min(cap, impact * (notional / scenario.markets[k >> 1]!.depth) ** exponent) : 0));
  const gapDollars = new Float64Array(M);
  const gapContracts = new Float64Array(M);
  const bankruptNet = new Float64Array(M);
  let deficit = 0;
  let bankrupt = 0;
  for (const i of doomed) {
    const before = equityOf(state, i, marks);
    const notional = notionalOf(state, i, marks);
    const held = state.size.slice(i * M, (i + 1) * M);
    for (let m = 0; m < M; m++) {
      const q = held[m]!;
      if (q === 0) continue;
      const price = marks[m]! * (1 - Math.sign(q) * slip[2 * m + (q > 0 ? 0 : 1)]!);
      tradeWithBook(state, i, m, -q, price);
    }
    const after = state.cash[i]!;
    state.ledger.drain(i, Math.max(0, before - after), step);
    if (after < 0) {
      bankrupt++;
      deficit += -after;
      state.forgiven += -after;
      state.cash[i] = 0;
      state.ledger.clear(i);
      for (let m = 0; m < M; m++) {
        const q = held[m]!;
        if (q === 0) continue;
        gapDollars[m] = gapDollars[m]! + (-after * Math.abs(q) * marks[m]!) / notional;
        gapContracts[m] = gapContracts[m]! + Math.abs(q);
        bankruptNet[m] = bankruptNet[m]! + q;
      }
    }
  }
  const counterparty: Counterparty =
    scenario.adl.execution === "mark"
      ? { perContract: Float64Array.from(marks), side: new Int8Array(M) }
      : {
          perContract: gapDollars.map((d, m) => (gapContracts[m]! > 0 ? d / gapContracts[m]! : 0)),
          side: Int8Array.from(bankruptNet, (q) => -Math.sign(q)),
        };
  return { liquidated: doomed.length, bankrupt, deficit, counterparty };
}

/** A copy of the book with room for `extra` more accounts (for the gaming counterfactual). */
function cloneBook(state: BookState, extra: number, scenario: Scenario): BookState {
  const n = state.n + extra;
  const ledger = new GainsLedger(n, scenario.ledger.layers, scenario.ledger.ages);
  ledger.amount.set(state.ledger.amount);
  const grow = (a: Float64Array, width: number): Float64Array => {
    const out = new Float64Array(n * width);
    out.set(a);
    return out;
  };
  return {
    ids: [...state.ids],
    n,
    M: state.M,
    cash: grow(state.cash, 1),
    size: grow(state.size, state.M),
    entry: grow(state.entry, state.M),
    ledger,
    bookCash: state.bookCash,
    bookSize: Float64Array.from(state.bookSize),
    fund: state.fund,
    unfunded: state.unfunded,
    forgiven: state.forgiven,
  };
}

/** The same book with `gamers` (book indices) gaming: close-and-reopen at the marks, or a split into two equal accounts. */
function gamedBook(state: BookState, gamers: readonly number[], kind: "reopen" | "split", marks: Float64Array, scenario: Scenario): BookState {
  if (kind === "reopen") {
    const copy = cloneBook(state, 0, scenario);
    for (const i of gamers) closeAndReopen(copy, i, marks);
    return copy;
  }
  const copy = cloneBook(state, gamers.length, scenario);
  const M = state.M;
  gamers.forEach((i, k) => {
    const j = state.n + k;
    copy.ids[j] = `${state.ids[i]}~split`;
    const half = copy.cash[i]! / 2;
    copy.cash[i] = half;
    copy.cash[j] = half;
    for (let m = 0; m < M; m++) {
      const q = copy.size[i * M + m]! / 2;
      copy.size[i * M + m] = q;
      copy.size[j * M + m] = q;
      copy.entry[j * M + m] = copy.entry[i * M + m]!;
    }
    copy.ledger.transfer(i, j, 0.5);
  });
  return copy;
}

/** Relative change of the venue's exposure between two waves: budget, capacity, gains, contracts per market. */
function tailRiskChange(base: WaveInput, gamed: WaveInput, M: number): number {
  const sum = (a: Float64Array): number => a.reduce((s, x) => s + x, 0);
  const contracts = (input: WaveInput): Float64Array => {
    const out = new Float64Array(M);
    for (let p = 0; p < input.posMarket.length; p++) out[input.posMarket[p]!] = out[input.posMarket[p]!]! + input.posContracts[p]!;
    return out;
  };
  const pairs: [number, number][] = [
    [sum(base.instance.accounts.capacity), sum(gamed.instance.accounts.capacity)],
    [sum(base.instance.accounts.columns.get("gains")!), sum(gamed.instance.accounts.columns.get("gains")!)],
  ];
  const a = contracts(base);
  const b = contracts(gamed);
  for (let m = 0; m < M; m++) pairs.push([a[m]!, b[m]!]);
  return Math.max(...pairs.map(([x, y]) => Math.abs(x - y) / Math.max(1e-300, Math.abs(x), Math.abs(y))), 0);
}

/**
 * Runs a scenario under one mechanism (a heuristic name or a model file path; a relative model path
 * is read from the working directory, else from the scenario's folder). Deterministic: the same
 * scenario gives the same result (timings aside). Throws ModelError/UsageError for a bad mechanism.
 * O(steps * n * M + waves * mechanism cost).
 */
export async function simulate(scenario: Scenario, mechanismName: string, options: SimulateOptions = {}): Promise<SimulationResult> {
  const started = performance.now();
  const modelPath = mechanismKind(mechanismName) === "model" && !existsSync(mechanismName) ? resolveModelPath(scenario, mechanismName) : mechanismName;
  const mechanism: BoundMechanism = resolveMechanism(scenario, mechanismName, modelPath);
  const horizons = scenario.horizons;
  const maxHorizon = horizons[horizons.length - 1] ?? 0;
  const prices = pricePath(scenario, maxHorizon);
  const state = initialBook(scenario);
  const M = state.M;
  const layerNames = waveLayers(scenario);
  const measureGaming = (options.gaming ?? true) && scenario.gaming !== undefined && scenario.gaming.share > 0;
  const keepAccounts = options.accountDetail ?? true;
  const request: SolveRequest = options.solve ?? { timeLimitSeconds: DEFAULT_WAVE_TIME_LIMIT };

  const origin = conservedWealth(state, prices[0]!).invariant;
  const steps: StepRecord[] = [];
  const waves: WaveRecord[] = [];
  const accounts: AccountRecord[] = [];
  const gamingChanges: number[] = [];
  let worst = 0;
  const totals = { liquidations: 0, bankruptcies: 0, deficit: 0, fundPaid: 0, needed: 0, executed: 0 };

  for (let t = 1; t <= scenario.steps; t++) {
    const marks = prices[t]!;
    const previous = prices[t - 1]!;
    markToMarket(state, previous, marks, t);
    const liquidation = liquidate(state, marks, scenario, t);
    const fundPaid = Math.min(state.fund, liquidation.deficit);
    state.fund -= fundPaid;
    const residual = liquidation.deficit - fundPaid;
    totals.liquidations += liquidation.liquidated;
    totals.bankruptcies += liquidation.bankrupt;
    totals.deficit += liquidation.deficit;
    totals.fundPaid += fundPaid;

    if (residual > MIN_WAVE_DEFICIT) {
      const waveIndex = waves.length;
      const waveSeed = mix32(scenario.seed ^ Math.imul(t, 0x27d4eb2d));
      const input = buildWaveInput(state, marks, scenario, liquidation.counterparty, scenario.adl.lots);
      const solution = await solveSimulatedWave(mechanism, input, residual, waveSeed, request);
      options.onWave?.({ wave: waveIndex, step: t, deficit: liquidation.deficit, residual, input, solution });

      // Gaming: the same wave with a share of its accounts gaming, solved by the same mechanism.
      let gaming: GamingRecord | undefined;
      if (measureGaming && solution.allocation !== undefined && input.rows.length > 0) {
        const uniform = stream(waveSeed, STREAM.gaming);
        const r = input.rows.length;
        const picks = Array.from({ length: r }, (_, k) => k);
        const count = Math.min(r, Math.round(scenario.gaming!.share * r));
        for (let k = 0; k < count; k++) {
          const j = k + Math.floor(uniform() * (r - k));
          [picks[k], picks[j]] = [picks[j]!, picks[k]!];
        }
        const gamerRows = picks.slice(0, count).sort((a, b) => a - b);
        if (gamerRows.length > 0) {
          const kind = scenario.gaming!.kind;
          const gamers = gamerRows.map((k) => input.rows[k]!);
          const book = gamedBook(state, gamers, kind, marks, scenario);
          const gamedInput = buildWaveInput(book, marks, scenario, liquidation.counterparty, scenario.adl.lots);
          const gamedSolution = await solveSimulatedWave(mechanism, gamedInput, residual, waveSeed, request);
          const rowOf = new Map<number, number>();
          gamedInput.rows.forEach((i, k) => rowOf.set(i, k));
          const own = (i: number): number => {
            const k = rowOf.get(i);
            return k === undefined ? 0 : (gamedSolution.allocation?.haircut[k] ?? 0);
          };
          const byAccount = gamerRows.map((k, g) => {
            const i = input.rows[k]!;
            const after = own(i) + (kind === "split" ? own(state.n + g) : 0);
            return { account: state.ids[i]!, without: solution.allocation!.haircut[k]!, with: after, capacity: input.instance.accounts.capacity[k]! };
          });
          const changes = byAccount.map((a) => (a.capacity > 0 ? Math.abs(a.with - a.without) / a.capacity : 0));
          gamingChanges.push(...changes);
          gaming = {
            accounts: changes.length,
            meanChange: changes.reduce((s, x) => s + x, 0) / changes.length,
            maxChange: Math.max(...changes),
            tailRiskChange: tailRiskChange(input, gamedInput, M),
            byAccount,
          };
        }
      }

      // Two-pass: the wave's accounts before (no-ADL pass) and after (ADL pass) the wave's state update.
      const r = input.rows.length;
      const equityBefore = Float64Array.from(input.rows, (i) => equityOf(state, i, marks));
      const sizeBefore = Float64Array.from({ length: r * M }, (_, x) => state.size[input.rows[Math.floor(x / M)]! * M + (x % M)]!);
      const execution = executeWave(state, marks, input, solution, t);
      const executed = execution.total;
      state.fund += Math.max(0, executed - residual);
      const shortfall = Math.max(0, residual - executed);
      state.unfunded += shortfall;
      totals.needed += residual;
      totals.executed += executed;

      // Evaluation at t + horizon: after the wave only prices move (the reference's §3.6), so each
      // pass's equity is its post-wave equity plus its frozen contracts times the price change.
      const production = horizons.map((h) => {
        const later = prices[t + h]!;
        const perAccount = new Float64Array(r);
        for (let k = 0; k < r; k++) {
          const i = input.rows[k]!;
          let without = equityBefore[k]!;
          let withAdl = equityOf(state, i, marks);
          for (let m = 0; m < M; m++) {
            const move = later[m]! - marks[m]!;
            without += sizeBefore[k * M + m]! * move;
            withAdl += state.size[i * M + m]! * move;
          }
          perAccount[k] = without - withAdl;
        }
        return perAccount;
      });
      const byHorizon = horizons.map((horizon, x) => {
        const taken = production[x]!.reduce((s, d) => s + Math.max(0, d), 0);
        return { horizon, taken, overshoot: taken - residual, net: production[x]!.reduce((s, d) => s + d, 0) };
      });
      // fromEntries defines own keys: a layer named "__proto__" (a scenario's words) is kept, not swallowed by the prototype setter.
      const layerTotals: Record<string, number> = Object.fromEntries(layerNames.map((name, l) => [name, execution.layers[l]!.reduce((s, x) => s + x, 0)]));
      let touched = 0;
      let contractsClosed = 0;
      for (let k = 0; k < r; k++) {
        contractsClosed += execution.contracts[k]!;
        if (execution.haircut[k]! > 0) {
          touched++;
          if (keepAccounts) {
            accounts.push({
              wave: waveIndex,
              account: state.ids[input.rows[k]!]!,
              capacity: input.instance.accounts.capacity[k]!,
              haircut: execution.haircut[k]!,
              contracts: execution.contracts[k]!,
              layers: Object.fromEntries(layerNames.map((name, l) => [name, execution.layers[l]![k]!])),
              production: production.map((p) => p[k]!),
            });
          }
        }
      }
      waves.push({
        wave: waveIndex,
        step: t,
        deficit: liquidation.deficit,
        fundPaid,
        needed: residual,
        budget: solution.wave.budget,
        accounts: r,
        totalCapacity: input.instance.accounts.capacity.reduce((s, x) => s + x, 0),
        status: solution.status,
        path: solution.path,
        verified: { ok: solution.verdict?.ok ?? false, worstViolation: solution.verdict?.worstViolation ?? 0, declared: solution.declared },
        executed,
        contractsClosed,
        touched,
        shortfall,
        layerTotals,
        byHorizon,
        ...(gaming ? { gaming } : {}),
      });
    } else {
      state.unfunded += residual;
    }

    const wealth = conservedWealth(state, marks);
    const error = Math.abs(wealth.invariant - origin) / Math.max(1, wealth.scale);
    worst = Math.max(worst, error);
    steps.push({
      step: t,
      marks: Array.from(marks),
      liquidated: liquidation.liquidated,
      bankrupt: liquidation.bankrupt,
      deficit: liquidation.deficit,
      fundPaid,
      fund: state.fund,
      unfunded: state.unfunded,
      accountsEquity: wealth.accounts,
      bookEquity: wealth.book,
      invariant: wealth.invariant,
      conservationError: error,
    });
  }

  return {
    scenario: scenario.name,
    file: scenario.file,
    mechanism: mechanism.name,
    kind: mechanism.kind === "exact" ? "model" : "heuristic",
    seed: scenario.seed,
    steps,
    waves,
    accounts,
    horizons,
    totals: { ...totals, unfunded: state.unfunded, fundEnd: state.fund },
    conservationError: worst,
    gameability: measureGaming && gamingChanges.length > 0 ? gamingChanges.reduce((s, x) => s + x, 0) / gamingChanges.length : null,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The run's summary row (src/floor/records/row.ts): budgetNeeded = sum of the waves' needed budgets;
 * taken = what ADL took at the first (shortest) horizon; overshoot per horizon = taken - needed,
 * and its share of the needed budget (0 when nothing was needed).
 */
export function simulationRow(result: SimulationResult): SimulationRow {
  const needed = result.waves.reduce((s, w) => s + w.needed, 0);
  const takenAt = (x: number): number => result.waves.reduce((s, w) => s + w.byHorizon[x]!.taken, 0);
  return {
    scenario: result.scenario,
    mechanism: result.mechanism,
    seed: result.seed,
    waves: result.waves.length,
    budgetNeeded: needed,
    taken: result.horizons.length > 0 ? takenAt(0) : 0,
    overshootByHorizon: result.horizons.map((horizon, x) => {
      const overshoot = takenAt(x) - needed;
      return { horizon, overshoot, overshootShare: needed > 0 ? overshoot / needed : 0 };
    }),
    gameability: result.gameability,
  };
}
