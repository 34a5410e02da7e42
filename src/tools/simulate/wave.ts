/**
 * One ADL wave of the simulator: the book's state → an `Instance` (accounts with the venue columns
 * and the ledger's layers, and the winners' positions in lots) → a `Wave` bound to the mechanism's
 * model → an allocation (solveWave for a model file, the heuristic otherwise) that passes
 * verifyAllocation → executed in contract space back on the book.
 */
import type { AccountTable, Allocation, Instance, Model, PositionTable, Wave } from "../../domain.js";
import { bindWave } from "../../pipeline/bind/bind.js";
import { getHeuristic } from "../../heuristics/index.js";
import { exactMechanism, heuristicMechanism, type Mechanism } from "../../mechanism/mechanism.js";
import { constraintNames } from "../../mechanism/verdict.js";
import { loadModel } from "../../pipeline/model/parse.js";
import type { SolveRequest } from "../../pipeline/solve/solve.js";
import { certify } from "../../pipeline/certificate/certificate.js";
import type { Verdict } from "../../pipeline/verify/verify.js";
import { equityOf, tradeWithBook, type BookState } from "./book.js";
import { ladderOf } from "./ledger.js";
import { mechanismKind, type Scenario } from "./scenario.js";

/** A simulator's mechanism: one src/mechanism Mechanism that always knows the model it binds waves to. */
export type BoundMechanism = Mechanism & { readonly model: Model };

/** The layer names a wave carries: the ledger's gains layers, then principal. */
export function waveLayers(scenario: Scenario): string[] {
  return [...scenario.ledger.layers, "principal"];
}

/**
 * A heuristic name, or a model file path (.yaml/.yml/.json). A heuristic is run on a wave whose
 * model has the scenario's ladder as seniority, lots from the positions table when `adl.lots`, the
 * budget margin `adl.margin`, and a pro-rata (minmax) objective that only the verifier's objective
 * report reads. A model file keeps its own constraints (a model without `lots` is executed in
 * fractional contracts). Throws UsageError/ModelError for an unknown name or a bad file.
 */
export function resolveMechanism(scenario: Scenario, mechanism: string, modelPath?: string): BoundMechanism {
  if (mechanismKind(mechanism) === "model") {
    const model = loadModel(modelPath ?? mechanism);
    return { ...exactMechanism(model, mechanism), model };
  }
  const heuristic = getHeuristic(mechanism);
  const model: Model = {
    name: heuristic.name,
    file: `heuristic:${heuristic.name}`,
    budget: { margin: scenario.adl.margin },
    objective: [{ kind: "minmax", scale: "capacity" }],
    coverage: "atLeast",
    ...(scenario.adl.lots ? { lots: { source: "positions" as const } } : {}),
    seniority: waveLayers(scenario),
    stageTolerance: 1e-9,
  };
  return { ...heuristicMechanism(heuristic, model), model };
}

/** Where ADL may close contracts: per market, the wealth taken per contract closed and which side pays. */
export interface Counterparty {
  /** Dollars per contract: the mark (execution at mark) or the bankruptcy gap (execution at bankruptcy price). */
  readonly perContract: Float64Array;
  /** +1: longs pay, -1: shorts pay, 0: both sides (mark execution) / none. */
  readonly side: Int8Array;
}

/** A wave as the venue sees it: which book account each row is, and its ADL-eligible positions. */
export interface WaveInput {
  readonly instance: Instance;
  /** Book account index of each row. */
  readonly rows: Int32Array;
  /** Eligible positions: row, market, wealth per contract g_p (dollars), contracts held. */
  readonly posRow: Int32Array;
  readonly posMarket: Int32Array;
  readonly posPerContract: Float64Array;
  readonly posContracts: Float64Array;
  /** Per row: sum over its eligible positions of contracts * g_p (what closing everything would take). */
  readonly closeCapacity: Float64Array;
  /** Per position of the instance's lot table: its index among the eligible positions. */
  readonly lotPosition: Int32Array;
}

function eligiblePosition(counterparty: Counterparty, q: number, m: number): boolean {
  if (q === 0 || !(counterparty.perContract[m]! > 0)) return false;
  const side = counterparty.side[m]!;
  return side === 0 || Math.sign(q) === side;
}

/**
 * The wave's instance: one row per account with equity > 0 and an open position. capacity =
 * min(equity, what closing all its eligible contracts takes); layers = the ledger's gains clipped to
 * capacity junior first, then principal; every venue column (src/heuristics/columns.ts) from the
 * positions and entry prices; positions in lots (contractsPerLot, lot value = contracts per lot *
 * wealth per contract) when `lots`. O(n * M).
 */
export function buildWaveInput(state: BookState, marks: Float64Array, scenario: Scenario, counterparty: Counterparty, lots: boolean): WaveInput {
  const { n, M } = state;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    if (equityOf(state, i, marks) <= 0) continue;
    let open = false;
    for (let m = 0; m < M && !open; m++) open = state.size[i * M + m] !== 0;
    if (open) rows.push(i);
  }
  const r = rows.length;
  const layerNames = waveLayers(scenario);
  const names = ["capacity", "upnl", "entry_notional", "notional", "equity", "leverage", "margin_ratio", "mark", "entry", "side", "entry_pnl", "gains", "risk_weight"] as const;
  const column = Object.fromEntries(names.map((name) => [name, new Float64Array(r)])) as Record<(typeof names)[number], Float64Array>;
  const layerColumns = layerNames.map(() => new Float64Array(r));
  const posRow: number[] = [];
  const posMarket: number[] = [];
  const posPerContract: number[] = [];
  const posContracts: number[] = [];
  const closeCapacity = new Float64Array(r);
  const G = scenario.ledger.layers.length;
  const gains = new Array<number>(G);

  for (let k = 0; k < r; k++) {
    const i = rows[k]!;
    const equity = equityOf(state, i, marks);
    let notional = 0;
    let entryNotional = 0;
    let upnl = 0;
    let largest = -1;
    let largestNotional = -1;
    let closable = 0;
    for (let m = 0; m < M; m++) {
      const q = state.size[i * M + m]!;
      if (q === 0) continue;
      const e = state.entry[i * M + m]!;
      const mark = marks[m]!;
      notional += Math.abs(q) * mark;
      entryNotional += Math.abs(q) * e;
      upnl += q * (mark - e);
      if (Math.abs(q) * mark > largestNotional) {
        largestNotional = Math.abs(q) * mark;
        largest = m;
      }
      if (eligiblePosition(counterparty, q, m)) {
        const g = counterparty.perContract[m]!;
        closable += Math.abs(q) * g;
        posRow.push(k);
        posMarket.push(m);
        posPerContract.push(g);
        posContracts.push(Math.abs(q));
      }
    }
    const capacity = Math.min(equity, closable);
    closeCapacity[k] = closable;
    for (let l = 0; l < G; l++) gains[l] = state.ledger.layer(i, l);
    const ladder = ladderOf(gains, capacity);
    ladder.forEach((amount, l) => (layerColumns[l]![k] = amount));
    const q = state.size[i * M + largest]!;
    const leverage = notional / equity;
    column.capacity[k] = capacity;
    column.upnl[k] = upnl;
    column.entry_notional[k] = entryNotional;
    column.notional[k] = notional;
    column.equity[k] = equity;
    column.leverage[k] = leverage;
    column.margin_ratio[k] = (scenario.margins.maintenance * notional) / equity;
    column.mark[k] = marks[largest]!;
    column.entry[k] = state.entry[i * M + largest]!;
    column.side[k] = Math.sign(q);
    column.entry_pnl[k] = upnl / entryNotional;
    column.gains[k] = capacity - ladder[G]!;
    column.risk_weight[k] = Math.sqrt(leverage);
  }

  const columns = new Map<string, Float64Array>(names.map((name) => [name, column[name]]));
  layerNames.forEach((name, l) => columns.set(name, layerColumns[l]!));
  const accounts: AccountTable = { file: `${scenario.file} (simulated wave)`, ids: rows.map((i) => state.ids[i]!), capacity: column.capacity, columns };

  let positions: PositionTable | undefined;
  const lotPosition: number[] = [];
  if (lots) {
    const account: number[] = [];
    const market: string[] = [];
    const lotValue: number[] = [];
    const held: number[] = [];
    for (let p = 0; p < posRow.length; p++) {
      const perLot = scenario.markets[posMarket[p]!]!.contractsPerLot;
      // A lot is whole contracts-per-lot; the 1e-9 keeps 3 lots of 0.1 from reading as 2.9999….
      const maxLots = Math.floor(posContracts[p]! / perLot + 1e-9);
      if (maxLots < 1) continue;
      lotPosition.push(p);
      account.push(posRow[p]!);
      market.push(scenario.markets[posMarket[p]!]!.name);
      lotValue.push(perLot * posPerContract[p]!);
      held.push(Math.min(maxLots, 2_147_483_647));
    }
    positions = { file: accounts.file, account: Int32Array.from(account), market, lotValue: Float64Array.from(lotValue), lots: Int32Array.from(held) };
  }
  return {
    instance: { accounts, ...(positions ? { positions } : {}) },
    rows: Int32Array.from(rows),
    posRow: Int32Array.from(posRow),
    posMarket: Int32Array.from(posMarket),
    posPerContract: Float64Array.from(posPerContract),
    posContracts: Float64Array.from(posContracts),
    closeCapacity,
    lotPosition: Int32Array.from(lotPosition),
  };
}

export interface WaveSolution {
  readonly wave: Wave;
  readonly allocation?: Allocation;
  readonly verdict?: Verdict;
  /** "heuristic", "dedicated:water-filling", "mip:highs", "certificate" … plus ", capped at coverable" when the budget was cut. */
  readonly path: string;
  readonly status: "optimal" | "feasible" | "heuristic" | "infeasible" | "error";
  /** Violations of constraints the heuristic ignores by design (declared), by constraint name. */
  readonly declared: readonly string[];
  readonly feasible: boolean;
}

/**
 * Binds the wave (B = residual * (1 + margin)) and allocates it. A model wave that no mechanism can
 * cover is solved again at the largest coverable budget (the certificate's `coverable`); the rest
 * stays unfunded. Every allocation passes verifyAllocation; a heuristic breaking a promise it does
 * not declare in `ignores` is a bug and throws.
 */
export async function solveSimulatedWave(mechanism: BoundMechanism, input: WaveInput, residual: number, seed: number, request: SolveRequest = {}): Promise<WaveSolution> {
  let wave = bindWave(mechanism.model, input.instance, { deficit: residual });
  const certificate = certify(wave);
  if (mechanism.kind === "heuristic") {
    const outcome = await mechanism.run(wave, { seed, certificate });
    const unexpected = outcome.unexpected;
    if (unexpected.length > 0) throw new Error(`heuristic ${mechanism.name} broke a promise on a simulated wave: ${unexpected[0]!.message}`);
    return { wave, allocation: outcome.allocation!, verdict: outcome.verdict!, path: "heuristic", status: "heuristic", declared: constraintNames(outcome.declared), feasible: certificate.feasible };
  }
  let suffix = "";
  if (!certificate.feasible) {
    if (!(certificate.coverable > 0)) return { wave, path: "certificate", status: "infeasible", declared: [], feasible: false };
    // Cover what can be covered; 1e-9 below `coverable` keeps lots' rounding on the feasible side.
    wave = bindWave(mechanism.model, input.instance, { budget: certificate.coverable * (1 - 1e-9) });
    suffix = ", capped at coverable";
  }
  // The solve's own verdict is the verifier's: it is not run again here.
  const outcome = await mechanism.run(wave, { seed, solve: request });
  if (outcome.allocation === undefined || outcome.verdict === null) return { wave, path: outcome.path + suffix, status: outcome.status === "infeasible" ? "infeasible" : "error", declared: [], feasible: certificate.feasible };
  const status = outcome.status === "optimal" || outcome.status === "feasible" ? outcome.status : "error";
  return { wave, allocation: outcome.allocation, verdict: outcome.verdict, path: outcome.path + suffix, status: outcome.verdict.ok ? status : "error", declared: [], feasible: certificate.feasible };
}

/** What executing a wave did, per row of the wave (dollars and contracts). */
export interface Execution {
  readonly haircut: Float64Array;
  readonly contracts: Float64Array;
  /** Per row and ledger layer (wave layer order), dollars. */
  readonly layers: Float64Array[];
  readonly total: number;
}

/**
 * Executes an allocation on the book, in contract space: each position's closed contracts (lots *
 * contracts per lot, or without lots the haircut spread over the row's eligible positions in
 * proportion to what closing them takes) leave the account at the mark to the order book, and the
 * account pays contracts * g_p in cash — the same as closing at the execution price mark - side * g_p
 * (at the bankruptcy price when g_p is the bankruptcy gap). The ledger is drained by the wave's
 * per-layer amounts (junior first when the mechanism's layers are not the ledger's). O(rows + positions).
 */
export function executeWave(state: BookState, marks: Float64Array, input: WaveInput, solution: WaveSolution, step: number): Execution {
  const r = input.rows.length;
  const haircut = new Float64Array(r);
  const contracts = new Float64Array(r);
  const wave = solution.wave;
  const layerNames = wave.layers?.names ?? [];
  const ledgerNames = [...state.ledger.layers, "principal"];
  const sameLadder = layerNames.length === ledgerNames.length && layerNames.every((name, l) => name === ledgerNames[l]);
  const layers = ledgerNames.map(() => new Float64Array(r));
  const allocation = solution.allocation;
  if (allocation === undefined) return { haircut, contracts, layers, total: 0 };

  const close = (k: number, p: number, closed: number, wealth: number): void => {
    const i = input.rows[k]!;
    const m = input.posMarket[p]!;
    const q = state.size[i * state.M + m]!;
    const amount = Math.min(closed, Math.abs(q));
    tradeWithBook(state, i, m, -Math.sign(q) * amount, marks[m]!);
    state.cash[i] = state.cash[i]! - wealth;
    haircut[k] = haircut[k]! + wealth;
    contracts[k] = contracts[k]! + amount;
  };

  if (allocation.lots !== undefined && input.instance.positions !== undefined) {
    const table = input.instance.positions;
    for (let w = 0; w < table.account.length; w++) {
      const lots = allocation.lots[w]!;
      if (lots <= 0) continue;
      const p = input.lotPosition[w]!;
      const contractsPerLot = table.lotValue[w]! / input.posPerContract[p]!;
      close(table.account[w]!, p, lots * contractsPerLot, lots * table.lotValue[w]!);
    }
  } else {
    for (let k = 0, p = 0; k < r; k++) {
      const h = allocation.haircut[k]!;
      const start = p;
      while (p < input.posRow.length && input.posRow[p] === k) p++;
      if (!(h > 0) || input.closeCapacity[k]! <= 0) continue;
      for (let j = start; j < p; j++) {
        const wealth = (h * input.posContracts[j]! * input.posPerContract[j]!) / input.closeCapacity[k]!;
        close(k, j, wealth / input.posPerContract[j]!, wealth);
      }
    }
  }

  let total = 0;
  for (let k = 0; k < r; k++) {
    const i = input.rows[k]!;
    total += haircut[k]!;
    if (!(haircut[k]! > 0)) continue;
    // The ledger pays the wave's per-layer take when the mechanism saw the ledger's ladder (scaled
    // to what was executed), else junior first; whatever the gains cannot give is principal.
    let fromGains = 0;
    for (let l = 0; l < ledgerNames.length - 1; l++) {
      const wanted =
        sameLadder && allocation.layers !== undefined
          ? (allocation.layers[l]![k]! * haircut[k]!) / Math.max(allocation.haircut[k]!, Number.MIN_VALUE)
          : haircut[k]! - fromGains;
      const drained = state.ledger.drainLayer(i, l, Math.min(wanted, haircut[k]! - fromGains), step);
      layers[l]![k] = drained;
      fromGains += drained;
    }
    // Rounding can leave -1e-14 here; a negative principal take means nothing.
    layers[ledgerNames.length - 1]![k] = Math.max(0, haircut[k]! - fromGains);
  }
  return { haircut, contracts, layers, total };
}
