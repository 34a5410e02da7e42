/**
 * Scenario files (YAML or JSON) → a validated `Scenario`.
 *
 * Same error discipline as model files (src/pipeline/model/parse.ts): the `yaml` parser keeps every node's
 * source range, `schema/scenario.schema.json` is the single source of truth for keys and types,
 * and every error — syntax, schema, or a cross-field check the schema cannot express (maintenance
 * below initial margin, a correlation matrix that is not positive definite, open interest that does
 * not balance) — names file:line:column, the key path, what was expected and what was found.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import scenarioSchema from "../../../schema/scenario.schema.json" with { type: "json" };
import { didYouMean } from "../../errors.js";
import { VENUE_COLUMNS } from "../../heuristics/columns.js";
import { compileSchema, parseValidated, readSpecText, type SchemaHints, type Segment, type Source } from "../../pipeline/model/yaml-source.js";

export interface MarketSpec {
  readonly name: string;
  /** Initial mark price. */
  readonly price: number;
  /** Standard deviation of the per-step log return. */
  readonly volatility: number;
  /** Dollars of notional at which a close slips by `slippage.impact`. */
  readonly depth: number;
  readonly contractsPerLot: number;
}

export interface ExplicitAccount {
  readonly id: string;
  /** Dollars. */
  readonly collateral: number;
  readonly positions: readonly { readonly market: number; readonly size: number; readonly entry: number }[];
  /** One amount per gains layer, junior first, dollars. */
  readonly gains: readonly number[];
}

export interface PopulationSpec {
  readonly n: number;
  readonly law: "pareto" | "lognormal";
  readonly scale: number;
  readonly tailIndex: number;
  readonly sigma: number;
  readonly leverageMin: number;
  readonly leverageMax: number;
  readonly marketsPerAccount: number;
  readonly entrySpread: number;
}

export interface Scenario {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly seed: number;
  readonly steps: number;
  readonly markets: readonly MarketSpec[];
  /** M x M, row-major. */
  readonly correlation: readonly (readonly number[])[];
  /** Lower Cholesky factor of `correlation`. */
  readonly cholesky: readonly (readonly number[])[];
  readonly nu: number;
  /** Explicit log returns per step (replaces the shocks), one entry per market. */
  readonly path?: readonly (readonly number[])[];
  readonly slippage: { readonly impact: number; readonly exponent: number; readonly cap: number };
  readonly margins: { readonly initial: number; readonly maintenance: number };
  readonly insuranceFund: number;
  readonly population?: PopulationSpec;
  readonly accounts?: readonly ExplicitAccount[];
  /** Gains layers, junior first; principal is always the senior layer after them. */
  readonly ledger: { readonly layers: readonly string[]; readonly ages: readonly number[] };
  readonly adl: { readonly execution: "mark" | "bankruptcy"; readonly lots: boolean; readonly margin: number };
  readonly horizons: readonly number[];
  readonly gaming?: { readonly share: number; readonly kind: "reopen" | "split" };
  /** As written; model paths resolved against the scenario's folder by `resolveMechanism`. */
  readonly mechanisms: readonly string[];
}

export const DEFAULT_HORIZONS = [0, 1, 5, 20] as const;

/** Names a ledger layer may not take: the wave already gives them a meaning. */
const RESERVED_LAYERS = ["id", "capacity", "principal", ...VENUE_COLUMNS.filter((c) => c !== "gains")];


interface RawScenario {
  name: string;
  description?: string;
  seed: number;
  steps: number;
  markets: { name: string; price: number; volatility: number; depth: number; contractsPerLot?: number }[];
  correlation?: number[][];
  shocks?: { nu?: number };
  path?: number[][];
  slippage?: { impact?: number; exponent?: number; cap?: number };
  margins: { initial: number; maintenance: number };
  insuranceFund?: number;
  population?: {
    n: number;
    collateral?: { law?: "pareto" | "lognormal"; scale?: number; tailIndex?: number; sigma?: number };
    leverage?: { min?: number; max?: number };
    marketsPerAccount?: number;
    entrySpread?: number;
  };
  accounts?: { id: string; collateral: number; positions?: { market: string; size: number; entry?: number }[]; gains?: number[] }[];
  ledger?: { layers?: string[]; ages?: number[] };
  adl?: { execution?: "mark" | "bankruptcy"; lots?: boolean; margin?: number };
  evaluation?: { horizons?: number[] };
  gaming?: { share: number; kind?: "reopen" | "split" };
  mechanisms?: string[];
}

const validate = compileSchema(scenarioSchema);

const HINTS: SchemaHints & { emptyExpected: string } = {
  document: "scenario",
  schemaFile: "schema/scenario.schema.json",
  emptyExpected: "a scenario (a map with name, seed, steps, markets, margins)",
};

/** Correlation: M x M, symmetric, unit diagonal, positive definite (ml-matrix Cholesky). */
function correlationOf(source: Source, raw: number[][] | undefined, m: number): { correlation: number[][]; cholesky: number[][] } {
  const correlation = raw ?? Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
  if (raw !== undefined) {
    if (raw.length !== m) throw source.error(["correlation"], `a ${m} x ${m} matrix (one row per market)`, `${raw.length} rows`);
    raw.forEach((row, i) => {
      if (row.length !== m) throw source.error(["correlation", i], `a row of ${m} entries (one per market)`, `${row.length} entries`);
      if (row[i] !== 1) throw source.error(["correlation", i, i], "1 on the diagonal (a market is perfectly correlated with itself)", String(row[i]));
      for (let j = 0; j < i; j++) {
        if (row[j] !== raw[j]![i]) throw source.error(["correlation", i, j], `a symmetric matrix: ${raw[j]![i]} as at correlation[${j}][${i}]`, String(row[j]));
      }
    });
  }
  const decomposition = new CholeskyDecomposition(new Matrix(correlation));
  if (!decomposition.isPositiveDefinite()) {
    throw source.error(["correlation"], "a positive definite correlation matrix (these pairwise correlations cannot hold together)", "a matrix that is not positive definite");
  }
  return { correlation, cholesky: decomposition.lowerTriangularMatrix.to2DArray() };
}

/**
 * Parses and validates a scenario file's text (YAML or JSON); `file` names it in messages.
 * Defaults: contractsPerLot 1, identity correlation, nu 4, slippage {impact 0.05, exponent 0.5,
 * cap 0.5}, fund 0, ledger [gains], execution mark with lots, horizons [0, 1, 5, 20].
 * Throws ModelError naming file:line:column, key path, expected and found.
 */
export function parseScenario(text: string, file: string): Scenario {
  const { data, source } = parseValidated(text, file, validate, HINTS);
  const raw = data as RawScenario;

  const markets: MarketSpec[] = raw.markets.map((m) => ({ name: m.name, price: m.price, volatility: m.volatility, depth: m.depth, contractsPerLot: m.contractsPerLot ?? 1 }));
  const index = new Map<string, number>();
  markets.forEach((m, k) => {
    const first = index.get(m.name);
    if (first !== undefined) throw source.error(["markets", k, "name"], "distinct market names", `${JSON.stringify(m.name)} again (also markets[${first}])`);
    index.set(m.name, k);
  });
  const M = markets.length;

  if (!(raw.margins.maintenance < raw.margins.initial)) {
    throw source.error(["margins", "maintenance"], `a maintenance margin below the initial margin ${raw.margins.initial}`, String(raw.margins.maintenance));
  }
  const { correlation, cholesky } = correlationOf(source, raw.correlation, M);

  raw.path?.forEach((row, t) => {
    if (row.length !== M) throw source.error(["path", t], `${M} log returns (one per market)`, `${row.length}`);
  });
  if (raw.path !== undefined && raw.path.length < raw.steps) {
    throw source.error(["path"], `at least steps = ${raw.steps} rows of log returns`, `${raw.path.length} rows`);
  }

  const layers = raw.ledger?.layers ?? ["gains"];
  const seen = new Map<string, number>();
  layers.forEach((name, k) => {
    const path = ["ledger", "layers", k];
    if (RESERVED_LAYERS.includes(name)) throw source.error(path, "a layer name that is not a wave column (principal, capacity and the venue columns are taken)", JSON.stringify(name));
    const first = seen.get(name);
    if (first !== undefined) throw source.error(path, "distinct layer names", `${JSON.stringify(name)} again (also ledger.layers[${first}])`);
    seen.set(name, k);
  });
  const ages = raw.ledger?.ages ?? layers.slice(1).map(() => 10);
  if (ages.length !== layers.length - 1) {
    throw source.error(["ledger", raw.ledger?.ages ? "ages" : "layers"], `${layers.length - 1} ages (one per gains layer except the last, the settled one)`, `${ages.length}`);
  }

  if ((raw.population === undefined) === (raw.accounts === undefined)) {
    const both = raw.population !== undefined;
    throw source.error(both ? ["accounts"] : [], "exactly one of population (a seeded book) or accounts (an explicit book)", both ? "both" : "neither", undefined, both);
  }
  const initial = raw.margins.initial;
  let population: PopulationSpec | undefined;
  if (raw.population !== undefined) {
    const p = raw.population;
    const leverageMax = p.leverage?.max ?? 1 / initial;
    const leverageMin = p.leverage?.min ?? Math.min(1, leverageMax);
    if (leverageMax > 1 / initial + 1e-12) throw source.error(["population", "leverage", "max"], `at most 1 / margins.initial = ${+(1 / initial).toPrecision(6)}`, String(leverageMax));
    if (leverageMin > leverageMax) throw source.error(["population", "leverage", "min"], `at most leverage.max = ${leverageMax}`, String(leverageMin));
    const perAccount = p.marketsPerAccount ?? 1;
    if (perAccount > M) throw source.error(["population", "marketsPerAccount"], `at most the number of markets, ${M}`, String(perAccount));
    population = {
      n: p.n,
      law: p.collateral?.law ?? "pareto",
      scale: p.collateral?.scale ?? 1000,
      tailIndex: p.collateral?.tailIndex ?? 1.5,
      sigma: p.collateral?.sigma ?? 1,
      leverageMin,
      leverageMax,
      marketsPerAccount: perAccount,
      entrySpread: p.entrySpread ?? 0.05,
    };
  }
  const accounts = raw.accounts?.map((a, k) => explicitAccount(source, a, k, markets, index, layers.length, initial));
  if (accounts !== undefined) checkBalanced(source, accounts, markets);

  const adl = raw.adl ?? {};
  return {
    name: raw.name,
    file,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    seed: raw.seed,
    steps: raw.steps,
    markets,
    correlation,
    cholesky,
    nu: raw.shocks?.nu ?? 4,
    ...(raw.path !== undefined ? { path: raw.path } : {}),
    slippage: { impact: raw.slippage?.impact ?? 0.05, exponent: raw.slippage?.exponent ?? 0.5, cap: raw.slippage?.cap ?? 0.5 },
    margins: { initial, maintenance: raw.margins.maintenance },
    insuranceFund: raw.insuranceFund ?? 0,
    ...(population !== undefined ? { population } : {}),
    ...(accounts !== undefined ? { accounts } : {}),
    ledger: { layers, ages },
    adl: { execution: adl.execution ?? "mark", lots: adl.lots ?? true, margin: adl.margin ?? 0 },
    horizons: [...new Set(raw.evaluation?.horizons ?? DEFAULT_HORIZONS)].sort((a, b) => a - b),
    ...(raw.gaming !== undefined ? { gaming: { share: raw.gaming.share, kind: raw.gaming.kind ?? "reopen" } } : {}),
    mechanisms: raw.mechanisms ?? [],
  };
}

function explicitAccount(
  source: Source,
  raw: NonNullable<RawScenario["accounts"]>[number],
  k: number,
  markets: readonly MarketSpec[],
  index: ReadonlyMap<string, number>,
  gainLayers: number,
  initialMargin: number,
): ExplicitAccount {
  const at = (...rest: Segment[]): Segment[] => ["accounts", k, ...rest];
  const held = new Set<number>();
  const positions = (raw.positions ?? []).map((p, j) => {
    const market = index.get(p.market);
    if (market === undefined) {
      const near = didYouMean(p.market, [...index.keys()]);
      throw source.error(at("positions", j, "market"), `a market name (${[...index.keys()].join(", ")})`, JSON.stringify(p.market), near ? `did you mean "${near}"?` : undefined);
    }
    if (held.has(market)) throw source.error(at("positions", j, "market"), "one position per market per account", `${JSON.stringify(p.market)} again`);
    held.add(market);
    return { market, size: p.size, entry: p.entry ?? markets[market]!.price };
  });
  const gains = raw.gains ?? new Array<number>(gainLayers).fill(0);
  if (gains.length !== gainLayers) throw source.error(at("gains"), `${gainLayers} amounts (one per ledger layer)`, `${gains.length}`);
  // Opening margin is checked at the initial marks: the account must be able to open its book.
  let equity = raw.collateral;
  let notional = 0;
  for (const p of positions) {
    const mark = markets[p.market]!.price;
    equity += p.size * (mark - p.entry);
    notional += Math.abs(p.size) * mark;
  }
  if (equity < initialMargin * notional * (1 - 1e-12)) {
    throw source.error(at("collateral"), `equity at the initial marks >= initial margin ${initialMargin} * notional ${notional} = ${initialMargin * notional}`, `equity ${equity}`);
  }
  const ledgerGains = gains.reduce((s, g) => s + g, 0);
  if (ledgerGains > Math.max(0, equity) * (1 + 1e-12)) {
    throw source.error(at("gains"), `gains at most the account's equity ${equity} (the rest is principal)`, `${ledgerGains}`);
  }
  return { id: raw.id, collateral: raw.collateral, positions, gains };
}

/** Zero-sum needs every long contract to face a short one: open interest balances per market. */
function checkBalanced(source: Source, accounts: readonly ExplicitAccount[], markets: readonly MarketSpec[]): void {
  const ids = new Map<string, number>();
  accounts.forEach((a, k) => {
    const first = ids.get(a.id);
    if (first !== undefined) throw source.error(["accounts", k, "id"], "unique account ids", `${JSON.stringify(a.id)} again (also accounts[${first}])`);
    ids.set(a.id, k);
  });
  markets.forEach((m, market) => {
    let long = 0;
    let short = 0;
    for (const a of accounts) {
      for (const p of a.positions) {
        if (p.market !== market) continue;
        if (p.size > 0) long += p.size;
        else short -= p.size;
      }
    }
    if (Math.abs(long - short) > 1e-9 * Math.max(1, long)) {
      throw source.error(["accounts"], `long and short open interest equal in market ${m.name} (PnL is zero-sum)`, `${long} long, ${short} short contracts`);
    }
  });
}

/** Reads and parses a scenario file; an unreadable file is a ModelError naming it. */
export function loadScenario(path: string): Scenario {
  return parseScenario(readSpecText(path, "scenario"), path);
}

/** A mechanism as written in a scenario: a model file (path ending .yaml/.yml/.json) or a heuristic name. */
export function mechanismKind(mechanism: string): "model" | "heuristic" {
  return /\.(ya?ml|json)$/i.test(mechanism) ? "model" : "heuristic";
}

/** A model path as written in the scenario, resolved against the scenario file's folder. */
export function resolveModelPath(scenario: Scenario, mechanism: string): string {
  return isAbsolute(mechanism) ? mechanism : resolve(dirname(scenario.file), mechanism);
}
