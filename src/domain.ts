/**
 * The shared picture in types. Every stage of the pipeline
 * (parse → bind → lower → solve → verify → metrics → results → report)
 * talks through these plain, immutable values.
 *
 * Units: every amount of money is in the venue's settlement currency (`Dollars`); fractions are
 * dimensionless in [0, 1]; lots are integer contract counts.
 */

export type Dollars = number & { readonly __unit?: "USD" };
/** h_i / c_i, dimensionless in [0, 1]. */
export type Fraction = number & { readonly __unit?: "fraction" };

// ---------------------------------------------------------------------------------------------
// Model (what a model file says, validated; expressions still unevaluated)
// ---------------------------------------------------------------------------------------------

/** A mathjs expression over account columns, kept with its source text and place for errors. */
export interface Expression {
  readonly source: string;
  /** Where it was written, e.g. "models/x.yaml:12:9". */
  readonly where: string;
}

/** phi for the convex objective: x^p (p > 1) or convex piecewise-linear through (x, phi(x)) points. */
export type Phi =
  | { readonly kind: "power"; readonly p: number }
  | { readonly kind: "piecewise"; readonly points: readonly (readonly [number, number])[] };

export type ObjectiveSpec =
  | { readonly kind: "sparsity" }
  | { readonly kind: "convex"; readonly phi: Phi; readonly weight: Expression | "capacity" }
  | { readonly kind: "minmax"; readonly scale: Expression | "capacity" }
  | { readonly kind: "overshoot" };

export type ObjectiveKind = ObjectiveSpec["kind"];

/** How lots are read: a lot column pair on the accounts table, or a separate positions table. */
export type LotsSpec =
  | { readonly source: "columns"; readonly lotValue: string; readonly lots: string }
  | { readonly source: "positions" };

export interface BudgetSpec {
  /** B = deficit * (1 + margin) unless `budget` is given. */
  readonly deficit?: Dollars;
  readonly margin: number;
  readonly budget?: Dollars;
}

export interface Model {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly budget: BudgetSpec;
  /** Lexicographic list, at least one; seniority stages (if any) come before all of these. */
  readonly objective: readonly ObjectiveSpec[];
  readonly coverage: "atLeast" | "exact";
  /** h_i <= alpha * c_i, 0 < alpha <= 1. */
  readonly alpha?: number;
  readonly lots?: LotsSpec;
  /** At most K accounts with h_i > 0. */
  readonly maxAccounts?: number;
  readonly eligibility?: Expression;
  /** Layer capacity columns, junior first, e.g. ["gains", "principal"]. */
  readonly seniority?: readonly string[];
  /** Relative tolerance with which a lexicographic stage fixes the previous optimum. */
  readonly stageTolerance: number;
}

// ---------------------------------------------------------------------------------------------
// Instance (what the accounts/positions files say, validated)
// ---------------------------------------------------------------------------------------------

/** Columnar account table: 10^6 rows must fit and stream. */
export interface AccountTable {
  readonly file: string;
  readonly ids: readonly string[];
  /** c_i; when absent in the file but seniority layers are present, their sum. */
  readonly capacity: Float64Array;
  /** Every numeric column by name (including capacity, risk_weight, lot_value, lots, layers …). */
  readonly columns: ReadonlyMap<string, Float64Array>;
}

/** Several positions per account (markets), each with its own lot value and lots held. */
export interface PositionTable {
  readonly file: string;
  /** Index into AccountTable.ids, one per position. */
  readonly account: Int32Array;
  readonly market: readonly string[];
  /** v_p > 0: wealth moved per lot closed. */
  readonly lotValue: Float64Array;
  /** Q_p: integer lots held, >= 0. */
  readonly lots: Int32Array;
}

export interface Instance {
  readonly accounts: AccountTable;
  readonly positions?: PositionTable;
}

// ---------------------------------------------------------------------------------------------
// Wave (model bound to an instance: every expression evaluated, every bound known)
// ---------------------------------------------------------------------------------------------

export type BoundObjective =
  | { readonly kind: "sparsity" }
  | { readonly kind: "convex"; readonly phi: Phi; readonly weight: Float64Array }
  | { readonly kind: "minmax"; readonly scale: Float64Array }
  | { readonly kind: "overshoot" };

/** One lot-bearing position: h_i = sum_p lotValue_p * q_p over the positions of account i. */
export interface BoundPositions {
  readonly account: Int32Array;
  readonly lotValue: Float64Array;
  readonly maxLots: Int32Array;
  /** Market of each position when the lots come from a positions table (rules that work per market read it). */
  readonly market?: readonly string[];
}

export interface Wave {
  readonly model: Model;
  readonly ids: readonly string[];
  readonly budget: Dollars;
  /** c_i as given (before eligibility and alpha). */
  readonly capacity: Float64Array;
  /** 1 when the eligibility rule admits the account. */
  readonly eligible: Uint8Array;
  /**
   * Tightest upper bound on h_i from the constraints that act per account:
   * 0 if ineligible, else min(c_i, alpha * c_i, sum_p v_p Q_p). Used as big-M and by the
   * dedicated algorithms; the verifier re-derives it from the data on its own.
   */
  readonly upper: Float64Array;
  /** Seniority ladder, junior first: per-layer capacity c_il for each account. */
  readonly layers?: { readonly names: readonly string[]; readonly capacity: readonly Float64Array[] };
  readonly positions?: BoundPositions;
  readonly objectives: readonly BoundObjective[];
  /** The instance's raw numeric columns (same order as ids): what heuristics' scores read. */
  readonly columns?: ReadonlyMap<string, Float64Array>;
}

// ---------------------------------------------------------------------------------------------
// Allocation (what every mechanism outputs; what the verifier checks)
// ---------------------------------------------------------------------------------------------

export interface Allocation {
  /** h_i, same order as wave.ids. */
  readonly haircut: Float64Array;
  /** q_p per position (same order as wave.positions) when lots are modelled. */
  readonly lots?: Int32Array;
  /** h_il per layer (same order as wave.layers.names) when seniority is modelled. */
  readonly layers?: readonly Float64Array[];
}
