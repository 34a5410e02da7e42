/**
 * The budget axis of an exposure curve: a range [from, to] in dollars and, for sampled curves, the
 * number of equal steps between them.
 */
import { UsageError } from "../../errors.js";

/** Budgets from `from` to `to` dollars (both included) in `steps` equal steps: steps + 1 budgets. */
export interface BudgetRange {
  readonly from: number;
  readonly to: number;
  readonly steps: number;
}

/** Steps when the caller gives none: 100 steps, 101 budgets. */
export const DEFAULT_STEPS = 100;

/**
 * Checks a range: finite 0 <= from <= to, whole steps >= 1 (from = to is allowed: one budget).
 * Throws UsageError naming the part that is wrong. O(1).
 */
export function checkBudgetRange(range: BudgetRange, where = "budgets"): BudgetRange {
  const { from, to, steps } = range;
  if (!(Number.isFinite(from) && from >= 0)) throw new UsageError({ path: where }, "a finite budget `from` >= 0 (dollars)", String(from));
  if (!(Number.isFinite(to) && to >= from)) throw new UsageError({ path: where }, `a finite budget \`to\` >= from (${from})`, String(to));
  if (!(Number.isSafeInteger(steps) && steps >= 1)) throw new UsageError({ path: where }, "a whole number of steps >= 1", String(steps));
  return range;
}

/**
 * Parses the CLI's `FROM:TO:STEPS` (dollars, dollars, count; `FROM:TO` uses 100 steps; numbers in
 * any JavaScript numeric syntax, e.g. 1e6). Throws UsageError quoting the text. O(length).
 */
export function parseBudgetRange(text: string): BudgetRange {
  const parts = text.split(":").map((part) => part.trim());
  const number = (part: string | undefined): number => (part === undefined || part === "" ? NaN : Number(part));
  if (parts.length < 2 || parts.length > 3) {
    throw new UsageError({ path: "--budgets" }, "FROM:TO or FROM:TO:STEPS, e.g. 0:1e6:100", JSON.stringify(text));
  }
  const range = { from: number(parts[0]), to: number(parts[1]), steps: parts.length === 3 ? number(parts[2]) : DEFAULT_STEPS };
  try {
    return checkBudgetRange(range, "--budgets");
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError({ path: "--budgets" }, `${error.expected} in FROM:TO:STEPS`, JSON.stringify(text));
    throw error;
  }
}

/**
 * The sampled budgets: from + (to - from) * k / steps for k = 0..steps, the last one exactly `to`
 * (dollars, ascending; one budget when from = to). O(steps).
 */
export function sampleBudgets(range: BudgetRange): number[] {
  if (range.to === range.from) return [range.from];
  const budgets: number[] = [];
  for (let k = 0; k < range.steps; k++) budgets.push(range.from + ((range.to - range.from) * k) / range.steps);
  budgets.push(range.to);
  return budgets;
}
