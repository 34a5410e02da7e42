/**
 * Objectives as modules (the reduction idea of CVXPY: each step says what it accepts, applies, and
 * how to map the answer back). One module per objective kind holds what the pipeline does with that
 * kind: how a model file's stage is read (parse), how it is bound to the accounts (bind), how it is
 * lowered to columns, rows and a stage cost (lower, with the inverse used for a MIP start), how its
 * coefficients and value move under the solver's money units (units), and which production rule
 * warm-starts its MIP. The pipeline iterates the registry (./index.ts) instead of switching on kinds.
 *
 * Not here on purpose: the objective's value, which the independent verifier computes on its own
 * (src/pipeline/verify/objectives.ts must share nothing with what it checks); the schema fragment
 * (schema/model.schema.json); the dedicated algorithms (src/pipeline/exact) and the closed forms for exposure
 * (src/mechanism/closed-form.ts), which a kind without one simply does not have.
 *
 * The contexts are plain interfaces so that this folder imports only domain types: the stages that
 * call it (model, bind, lower, solve) pass their own helpers in.
 */
import type { BoundObjective, Expression, ObjectiveKind, ObjectiveSpec, Wave } from "../../domain.js";

/** A key path in a model file, e.g. ["objective", 1, "phi", "points"]. */
export type KeyPath = readonly (string | number)[];

/** What parse lends a module: errors that name file:line:column and the path, and expressions. */
export interface ParseContext {
  /** The typed error for `path`: what was expected and what was found (the caller throws it). */
  error(path: KeyPath, expected: string, found: string): Error;
  /** An expression over account columns at `path`, or "capacity" when absent or written so. */
  expression(path: KeyPath, raw: unknown): Expression | "capacity";
}

/** What bind lends a module: an expression evaluated per account (finite, > 0 where eligible). */
export interface BindContext {
  /**
   * A per-account coefficient, checked finite and > 0 where the account can pay; with `perCapacity`
   * also that coefficient × perCapacity / capacity (a lowered cost per dollar) stays at most
   * MAX_COST_PER_DOLLAR, so that no backend is handed an overflowing cost.
   */
  coefficient(expression: Expression | "capacity", key: string, perCapacity?: number): Float64Array;
}

/** What lowering lends a module: the wave, the accounts with columns, their columns, and the builder. */
export interface LowerContext {
  readonly wave: Wave;
  /** Accounts that got columns (eligible, upper bound > 0, not pruned), ascending. */
  readonly active: readonly number[];
  /** h_i's column per account (-1 without one). */
  readonly haircutColumn: Int32Array;
  /** z_i's column per account (-1 without one); present when some module needs indicators or K is bounded. */
  readonly indicatorColumn: Int32Array;
  /** Tangents for a smooth phi. */
  readonly tangents: number;
  /** The fewest accounts that can cover B, proved by the structure (src/pipeline/lower/structure.ts), when it applied. */
  readonly minimumAccounts?: number;
  addColumn(name: string, lower: number, upper: number, integer?: boolean): number;
  addRow(name: string, index: ArrayLike<number>, value: ArrayLike<number>, lower: number, upper: number): number;
}

/** One lowered stage: its cost as (column, coefficient) terms, and how to fill its own columns from an allocation's. */
export interface LoweredObjective {
  readonly name: string;
  readonly constant: number;
  readonly integral: boolean;
  readonly normalizer?: number;
  readonly approximation?: { readonly kind: "tangent-outer"; readonly tangents: number };
  /** A lower bound on the stage's value proved before any solve (LexStage.floor). */
  readonly floor?: number;
  readonly terms: Array<[number, number]>;
  /** MIP start: fills this stage's own columns once the haircut (and indicator) columns hold the allocation's values. */
  lift?(values: Float64Array): void;
}

type Spec<K extends ObjectiveKind> = Extract<ObjectiveSpec, { kind: K }>;
type Bound<K extends ObjectiveKind> = Extract<BoundObjective, { kind: K }>;

/** Everything the pipeline does with one objective kind (see the module comment). */
export interface ObjectiveModule<K extends ObjectiveKind = ObjectiveKind> {
  readonly kind: K;
  /** A model file's stage (a map with `kind`, already schema-checked) → the spec; throws ctx.error(...) for what the schema cannot say. */
  parse(raw: Record<string, unknown>, path: KeyPath, context: ParseContext): Spec<K>;
  /** Identity for the "distinct lexicographic stages" rule: expressions by their text. */
  key(spec: Spec<K>): string;
  /** The spec with its expressions evaluated on the accounts; `key` names it in errors ("objective[1]"). */
  bind(spec: Spec<K>, key: string, context: BindContext): Bound<K>;
  /** Whether lowering needs the indicator columns z_i (h_i > 0 only if z_i = 1). */
  readonly needsIndicators: boolean;
  /** Stage `stage` (0-based among the objectives): its columns and rows added, its cost returned. */
  lower(objective: Bound<K>, stage: number, context: LowerContext): LoweredObjective;
  /** The objective on a wave whose money is multiplied by a factor: `scaled` multiplies a per-account array by it. */
  toSolverUnits(objective: Bound<K>, scaled: (values: Float64Array) => Float64Array): Bound<K>;
  /** Whether the stage value scales with the money unit (dollars, or dollar-weighted), or is a count or ratio. */
  readonly valueScalesWithMoney: boolean;
  /** The production rule whose allocation warm-starts the first MIP stage (inside a ladder / in lots as the wave needs). */
  readonly warmStart: string;
}
