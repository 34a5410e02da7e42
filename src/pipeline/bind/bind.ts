/**
 * Bind: a validated model plus an instance → a `Wave`, with every expression evaluated per account
 * and every per-account bound known. Columnar throughout (typed arrays, no per-row objects), so
 * 10^6 accounts bind in a fraction of a second.
 *
 * This is where the model meets the data, so this is where "the model needs a column the file
 * lacks" is reported (naming the file, the column and the model key that asked for it), and where
 * expression values are checked (finite and > 0 where the objective divides by them).
 */
import type { AccountTable, BoundObjective, BoundPositions, Expression, Instance, Model, PositionTable, Wave } from "../../domain.js";
import { moduleOf, type BindContext } from "../objectives/index.js";
import { InstanceError, ModelError, UsageError, didYouMean } from "../../errors.js";
import { layerMismatch } from "../instance/load.js";
import { compileExpression } from "../model/expression.js";
import { lotsFit, positionsByAccount } from "../exact/lot-capacity.js";

/** Numbers from the command line that stand in for the model's budget block. */
export interface BudgetOverride {
  readonly deficit?: number;
  readonly budget?: number;
}

const INT32_MAX = 2_147_483_647;

function clip(text: string, limit = 60): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function checkedAmount(value: number, flag: string): number {
  if (!Number.isFinite(value) || value < 0) throw new UsageError({ path: flag }, "a finite number >= 0", String(value));
  return value;
}

/**
 * The wave's budget B, first rule that applies: override.budget; override.deficit * (1 + margin);
 * the model's budget.budget; the model's budget.deficit * (1 + margin). Throws UsageError
 * ("give --deficit or --budget") when none applies, and when a given number is negative or not
 * finite; a B that overflows to Infinity is an error too.
 */
export function resolveBudget(model: Model, override: BudgetOverride = {}): number {
  const margin = model.budget.margin;
  let budget: number;
  let from: { flag?: string; path?: string };
  if (override.budget !== undefined) {
    budget = checkedAmount(override.budget, "--budget");
    from = { flag: "--budget" };
  } else if (override.deficit !== undefined) {
    budget = checkedAmount(override.deficit, "--deficit") * (1 + margin);
    from = { flag: "--deficit" };
  } else if (model.budget.budget !== undefined) {
    budget = model.budget.budget;
    from = { path: "budget.budget" };
  } else if (model.budget.deficit !== undefined) {
    budget = model.budget.deficit * (1 + margin);
    from = { path: "budget.deficit" };
  } else {
    throw new UsageError(
      { file: model.file, path: "budget" },
      "a budget: give --deficit or --budget (or budget.deficit / budget.budget in the model)",
      "none",
    );
  }
  if (!Number.isFinite(budget) || budget < 0) {
    const expected = `a finite budget >= 0 (B = ${from.flag ?? from.path}${from.path === "budget.budget" || from.flag === "--budget" ? "" : ` * (1 + margin ${margin})`})`;
    if (from.flag) throw new UsageError({ path: from.flag }, expected, String(budget));
    throw new ModelError({ file: model.file, path: from.path! }, expected, String(budget));
  }
  return budget;
}

function listedColumns(accounts: AccountTable): string {
  const names = ["id", ...accounts.columns.keys()];
  return `columns ${clip(names.join(", "), 200)}`;
}

/** The named column, or an InstanceError saying which file lacks it and which model key asked. */
function requiredColumn(accounts: AccountTable, model: Model, name: string, key: string): Float64Array {
  const column = accounts.columns.get(name);
  if (column !== undefined) return column;
  const near = didYouMean(name, [...accounts.columns.keys()]);
  throw new InstanceError(
    { file: accounts.file, field: name },
    `a column ${name} (${key} in ${model.file} reads it)`,
    listedColumns(accounts),
    near ? `did you mean "${near}"?` : undefined,
  );
}

function rowError(accounts: AccountTable, i: number, field: string | undefined, expected: string, found: string): InstanceError {
  return new InstanceError(
    { file: accounts.file, row: i + 1, ...(field !== undefined ? { field } : {}) },
    expected,
    found,
    `id ${clip(JSON.stringify(accounts.ids[i]))}`,
  );
}

/** Values of a column the model reads, checked row by row. */
function checkColumn(accounts: AccountTable, name: string, column: Float64Array, accepts: (v: number) => boolean, expected: string, n: number): void {
  for (let i = 0; i < n; i++) if (!accepts(column[i]!)) throw rowError(accounts, i, name, expected, String(column[i]));
}

function describeExpression(key: string, expr: Expression): string {
  return `${key} \`${clip(expr.source, 80)}\` (${expr.where})`;
}

/**
 * The largest cost per dollar of haircut a stage may lower to: solves rescale money by up to 2^40
 * (src/pipeline/solve/units.ts), and a cost past ~1e308 is Infinity, which no backend can take.
 */
export const MAX_COST_PER_DOLLAR = 1e250;

/**
 * A per-account coefficient (convex weight, minmax scale): finite and > 0 wherever the account can
 * pay (eligible, capacity > 0). Elsewhere it cannot matter, and a non-finite or non-positive value
 * there is replaced by 1 so that downstream arithmetic stays finite.
 */
function coefficient(
  spec: Expression | "capacity",
  key: string,
  accounts: AccountTable,
  columns: ReadonlyMap<string, Float64Array>,
  eligible: Uint8Array,
  n: number,
  perCapacity?: number,
): Float64Array {
  if (spec === "capacity") return accounts.capacity;
  const compiled = compileExpression(spec, [...columns.keys()], { key, table: accounts.file });
  const values = compiled.evaluate(columns, n);
  const capacity = accounts.capacity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v) && v > 0) {
      if (perCapacity === undefined || !(eligible[i] === 1 && capacity[i]! > 0) || (v * perCapacity) / capacity[i]! <= MAX_COST_PER_DOLLAR) continue;
      throw rowError(
        accounts,
        i,
        undefined,
        `${describeExpression(key, spec)} small enough that its cost per dollar (value × ${+perCapacity.toPrecision(6)} / capacity) is at most ${MAX_COST_PER_DOLLAR}`,
        `${v} against a capacity of ${capacity[i]} (scale the weights down: the allocation that minimizes the stage does not change)`,
      );
    }
    if (eligible[i] === 1 && capacity[i]! > 0) {
      throw rowError(
        accounts,
        i,
        undefined,
        `${describeExpression(key, spec)} to be a finite number > 0 for every eligible account with capacity > 0`,
        `${v}${Number.isFinite(v) ? "" : " (a division by zero, or a log/sqrt/power of a negative number?)"}`,
      );
    }
    values[i] = 1;
  }
  return values;
}

function eligibilityOf(model: Model, accounts: AccountTable, columns: ReadonlyMap<string, Float64Array>, n: number, budget: number): Uint8Array {
  const eligible = new Uint8Array(n);
  const rule = model.eligibility;
  if (rule === undefined) return eligible.fill(1);
  const key = "constraints.eligibility";
  const values = compileExpression(rule, [...columns.keys()], { key, table: accounts.file }).evaluate(columns, n);
  let admitted = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      throw rowError(accounts, i, undefined, `${describeExpression(key, rule)} to give true/false or a number`, "NaN");
    }
    if (v !== 0) {
      eligible[i] = 1;
      admitted++;
    }
  }
  if (admitted === 0 && budget > 0) {
    throw new InstanceError(
      { file: accounts.file },
      `at least one account admitted by the eligibility rule ${describeExpression(key, rule)}`,
      `none of ${n.toLocaleString("en-US")} account${n === 1 ? "" : "s"}: the eligibility rule admits no account`,
    );
  }
  return eligible;
}

function layersOf(model: Model, accounts: AccountTable, n: number): Wave["layers"] {
  const names = model.seniority;
  if (names === undefined) return undefined;
  const capacity = names.map((name) => {
    const column = requiredColumn(accounts, model, name, "constraints.seniority");
    checkColumn(accounts, name, column, (v) => Number.isFinite(v) && v >= 0, "a finite layer capacity >= 0", n);
    return column;
  });
  const mismatch = layerMismatch(accounts.capacity, capacity, n);
  if (mismatch !== undefined) {
    throw rowError(
      accounts,
      mismatch.row,
      "capacity",
      `the sum of the seniority layers ${names.join(" + ")} = ${mismatch.sum} (within 1e-9 relative)`,
      String(accounts.capacity[mismatch.row]),
    );
  }
  return { names, capacity };
}

function positionsOf(model: Model, instance: Instance, n: number): BoundPositions | undefined {
  const lots = model.lots;
  if (lots === undefined) return undefined;
  const accounts = instance.accounts;
  if (lots.source === "columns") {
    const lotValue = requiredColumn(accounts, model, lots.lotValue, "constraints.lots.lotValue");
    const held = requiredColumn(accounts, model, lots.lots, "constraints.lots.lots");
    checkColumn(accounts, lots.lotValue, lotValue, (v) => Number.isFinite(v) && v > 0, "a finite lot value > 0", n);
    checkColumn(accounts, lots.lots, held, (v) => Number.isInteger(v) && v >= 0 && v <= INT32_MAX, "a whole number of lots from 0 to 2,147,483,647", n);
    const account = new Int32Array(n);
    for (let i = 0; i < n; i++) account[i] = i;
    return { account, lotValue: lotValue.length === n ? lotValue : lotValue.subarray(0, n), maxLots: Int32Array.from(held.subarray(0, n)) };
  }
  const positions = instance.positions;
  if (positions === undefined) {
    throw new UsageError(
      { file: model.file, path: "constraints.lots" },
      "a positions table (--positions FILE): the model reads lots from positions",
      "none given",
    );
  }
  checkPositions(positions, n);
  return { account: positions.account, lotValue: positions.lotValue, maxLots: positions.lots, market: positions.market };
}

/** A positions table built in code rather than by loadPositions gets the same checks. */
function checkPositions(positions: PositionTable, n: number): void {
  for (let p = 0; p < positions.account.length; p++) {
    const place = { file: positions.file, row: p + 1 };
    const a = positions.account[p]!;
    if (!(a >= 0 && a < n)) throw new InstanceError({ ...place, field: "account_id" }, `an account index in [0, ${n})`, String(a));
    const v = positions.lotValue[p]!;
    if (!(Number.isFinite(v) && v > 0)) throw new InstanceError({ ...place, field: "lot_value" }, "a finite number > 0", String(v));
    if (!(positions.lots[p]! >= 0)) throw new InstanceError({ ...place, field: "lots" }, "a whole number of lots >= 0", String(positions.lots[p]));
  }
}

/**
 * Binds `model` to `instance`: budget (see resolveBudget), eligibility (expression value != 0;
 * NaN is an error; no eligible account with B > 0 is an error), objective coefficients (see
 * `coefficient`), seniority layers (columns present, >= 0, summing to capacity), lots (from the
 * accounts table's column pair or from instance.positions), and the per-account upper bound
 * upper_i = 0 if ineligible, else min(c_i, alpha * c_i, sum_p v_p * Q_p).
 * Arrays the table already holds (capacity, layers, positions, `columns` for heuristics' scores)
 * are shared, not copied; a "capacity" weight/scale is the capacity column itself, zeros included
 * (those accounts have upper 0).
 * Throws ModelError / InstanceError / UsageError naming the file, place, expected and found.
 * O(n * size of the expressions + positions).
 */
export function bindWave(model: Model, instance: Instance, override?: BudgetOverride): Wave {
  const budget = resolveBudget(model, override);
  const accounts = instance.accounts;
  const n = accounts.ids.length;
  const capacity = accounts.capacity;
  if (capacity.length < n) throw new RangeError(`${accounts.file}: capacity has ${capacity.length} entries for ${n} ids`);
  checkColumn(accounts, "capacity", capacity, (v) => Number.isFinite(v) && v >= 0, "a finite number >= 0", n);

  // Expressions may read `capacity` even when a table built in code keeps it only in .capacity.
  const columns = accounts.columns.has("capacity") ? accounts.columns : new Map([...accounts.columns, ["capacity", capacity]]);

  const eligible = eligibilityOf(model, accounts, columns, n, budget);
  const layers = layersOf(model, accounts, n);
  const positions = positionsOf(model, instance, n);

  // Each stage is bound by its objective's module (src/pipeline/objectives), with this wave's coefficients.
  const context: BindContext = { coefficient: (expression, key, perCapacity) => coefficient(expression, key, accounts, columns, eligible, n, perCapacity) };
  const objectives: BoundObjective[] = model.objective.map((stage, k) => moduleOf(stage).bind(stage, model.objective.length === 1 ? "objective" : `objective[${k}]`, context));

  const upper = new Float64Array(n);
  const alpha = model.alpha ?? 1;
  for (let i = 0; i < n; i++) upper[i] = eligible[i] === 1 ? Math.min(capacity[i]!, alpha * capacity[i]!) : 0;
  if (positions !== undefined) {
    const lotCapacity = new Float64Array(n);
    for (let p = 0; p < positions.account.length; p++) {
      const i = positions.account[p]!;
      lotCapacity[i] = lotCapacity[i]! + positions.lotValue[p]! * positions.maxLots[p]!;
    }
    // The float sum can sit an ulp below the exact one (49 lots of 242.14 sum to 11864.859999999999,
    // the decimal product is 11864.86), and then an account's own lots would not fit its bound
    // exactly (lot-capacity.ts decides exactly): step the bound up to the exact sum's double.
    const index = positionsByAccount(positions, n);
    for (let i = 0; i < n; i++) {
      if (!(lotCapacity[i]! < upper[i]!)) continue;
      const own = index.order.subarray(index.start[i]!, index.start[i + 1]!);
      let bound = lotCapacity[i]!;
      const product = own.length === 1 ? decimalProduct(positions.lotValue[own[0]!]!, positions.maxLots[own[0]!]!) : undefined;
      if (product !== undefined) {
        // One position whose decimal product has at most 15 digits: the double nearest to it prints
        // as it, so the account's lots fit it exactly. (The exact check below costs a BigInt
        // comparison per account: 2.5 s at 10^6.)
        bound = Math.max(bound, product);
      } else {
        for (let step = 0; step < 8 && bound < upper[i]! && !lotsFit(positions, own, positions.maxLots, bound); step++) bound = nextUp(bound);
      }
      upper[i] = Math.min(upper[i]!, bound);
    }
  }

  return {
    model,
    ids: accounts.ids,
    budget,
    capacity,
    eligible,
    upper,
    ...(layers !== undefined ? { layers } : {}),
    ...(positions !== undefined ? { positions } : {}),
    objectives,
    columns,
  };
}

/**
 * The double nearest to the decimal product lots × lotValue (lotValue read as its decimal, with at
 * most 15 decimals), when that product is an integer count of 10^-d below 10^15; else undefined.
 * Integer arithmetic and one correctly rounded division: no strings, no BigInt.
 */
function decimalProduct(lotValue: number, lots: number): number | undefined {
  if (!(lotValue > 0) || !Number.isSafeInteger(lots)) return undefined;
  for (let d = 0, scale = 1; d <= 15; d++, scale *= 10) {
    const m = Math.round(lotValue * scale);
    if (m / scale !== lotValue) continue;
    const count = m * lots;
    return count < 1e15 ? count / scale : undefined;
  }
  return undefined;
}

/** The least double above a finite `x` >= 0. */
function nextUp(x: number): number {
  const bits = new Float64Array([x]);
  const word = new BigUint64Array(bits.buffer);
  word[0] = word[0]! + 1n;
  return bits[0]!;
}
