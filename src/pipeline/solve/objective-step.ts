/**
 * The overshoot stage's grid. With lots, every haircut is a whole number of lots (h_i = sum_p v_p q_p,
 * q_p integer: src/pipeline/lower/compile.ts), so when every lot value v_p and the budget B are whole
 * multiples of one money unit u (cents, say), the overshoot sum h - B of every feasible allocation is
 * a whole multiple of u too. A solver's dual bound b then proves more than b: the optimum is at
 * least the next grid point at or above b, so an incumbent on that point is optimal, and the solver
 * may stop as soon as incumbent - bound < u (an absolute gap) instead of closing the gap to 0.
 *
 * Floating point: v_p and B are doubles near multiples of u, v_p = u a_p + e_p. Then
 * sum_p v_p q_p - B = u (sum_p a_p q_p - b) + (sum_p e_p q_p - e_B), so every overshoot is within
 * `slack` = sum_p |e_p| Q_p + |e_B| (+ rounding of the sum) of a grid point; the proof allows it.
 */
import type { Wave } from "../../domain.js";

export interface ObjectiveStep {
  /** The grid step in the solver's units (the money unit times the unit factor). */
  readonly step: number;
  /** Every feasible overshoot lies within this of a grid point (solver units). */
  readonly slack: number;
  /** The money unit in dollars (e.g. 0.01). */
  readonly unit: number;
}

/** Money units tried, coarsest first: the coarser the grid, the sooner a bound closes it. */
const UNITS = [1, 0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6];
/** A value is on the grid when it is this close to a multiple of the unit, relative to the unit. */
const ON_GRID = 1e-6;
/** What the solver's bound and rows may be off by, absolute (solver units; HiGHS's row tolerance is 1e-7) and relative to B. */
const SOLVER_ABSOLUTE = 1e-6;
const SOLVER_RELATIVE = 1e-11;

/**
 * The overshoot grid of `scaled` (the wave as the solver sees it, amounts times `factor`, a power of
 * two), or undefined: no lots, or some lot value or the budget on no common decimal unit, or a grid
 * too fine for the solver's tolerances to resolve. O(positions × units).
 */
export function overshootStep(scaled: Wave, factor: number): ObjectiveStep | undefined {
  const positions = scaled.positions;
  if (!positions || !scaled.objectives.some((objective) => objective.kind === "overshoot")) return undefined;
  // Dividing by a power of two is exact: these are the wave's own dollar amounts.
  const budget = scaled.budget / factor;
  if (!Number.isFinite(budget) || !(budget > 0)) return undefined;
  for (const unit of UNITS) {
    let error = off(budget, unit);
    if (error === undefined) continue;
    let total = budget;
    let fits = true;
    for (let p = 0; p < positions.account.length; p++) {
      const lots = positions.maxLots[p]!;
      if (!(lots > 0)) continue;
      const value = positions.lotValue[p]! / factor;
      const e = off(value, unit);
      if (e === undefined) {
        fits = false;
        break;
      }
      error += e * lots;
      total += Math.abs(value) * lots;
    }
    if (!fits) continue;
    // The sum itself is rounded too: a few ulps of the largest partial sum per term is far more than enough.
    const slack = (error + 1e-15 * total * 4) * factor;
    const step = unit * factor;
    if (step - 2 * (slack + solverError(scaled)) <= step / 2) return undefined;
    return { step, slack, unit };
  }
  return undefined;
}

/** |x - u round(x / u)| when x is on the grid of u, else undefined. */
function off(x: number, unit: number): number | undefined {
  const k = Math.round(x / unit);
  const error = Math.abs(x - k * unit);
  return error <= ON_GRID * unit ? error : undefined;
}

/** How far the solver's rows and bound may be from exact, in its units. */
function solverError(scaled: Wave): number {
  return SOLVER_ABSOLUTE + SOLVER_RELATIVE * Math.abs(scaled.budget);
}

/**
 * The absolute MIP gap at which a solver may stop on the overshoot stage: below one step (less the
 * slack on both sides and the solver's error), incumbent - bound proves the incumbent's grid point.
 */
export function stepGap(grid: ObjectiveStep, scaled: Wave): number {
  return grid.step - 2 * (grid.slack + solverError(scaled));
}

/**
 * The bound rounded up to the grid: every feasible overshoot is at least this (less `slack`), given
 * that the solver proved none is below `bound` (to its error).
 */
export function roundedBound(bound: number, grid: ObjectiveStep, scaled: Wave): number {
  return Math.ceil((bound - grid.slack - solverError(scaled)) / grid.step - 1e-9) * grid.step;
}

/**
 * True if an incumbent of overshoot `value` is optimal given the solver's `bound`: its grid point is
 * the one the bound rounds up to (or below it).
 */
export function provedOnGrid(value: number, bound: number, grid: ObjectiveStep, scaled: Wave): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(bound)) return false;
  const point = Math.round(value / grid.step);
  // The incumbent's value comes from the solver's h columns (rows to its tolerance): near its grid point.
  if (Math.abs(value - point * grid.step) > grid.slack + solverError(scaled)) return false;
  return point * grid.step <= roundedBound(bound, grid, scaled) + grid.step / 4;
}
