/**
 * The solver-neutral standard form every model lowers to, and every backend (and the LP/MPS
 * writers) reads. Plain typed arrays, so that n = 10^5 accounts lower in well under a second and
 * the problem crosses a worker-thread boundary by structured clone.
 *
 *   minimize    cost · x + sum_j quadratic_j * x_j^2 + objectiveConstant
 *   subject to  rowLower_r <= sum_k value_k x_index_k <= rowUpper_r   (k in rowStart_r .. rowStart_{r+1}-1)
 *               columnLower_j <= x_j <= columnUpper_j,  x_j integer where integer_j = 1
 *
 * Infinite bounds are ±Infinity. Always minimization.
 */
export interface LinearProblem {
  /** Column (variable) names: letters, digits and _ only (what CPLEX LP, MPS, CBC and glpsol all read), unique. */
  readonly columnNames: readonly string[];
  readonly columnLower: Float64Array;
  readonly columnUpper: Float64Array;
  readonly integer: Uint8Array;
  readonly cost: Float64Array;
  /**
   * Optional diagonal quadratic objective term: sum_j quadratic_j * x_j^2, quadratic_j >= 0
   * (convex). Only continuous problems carry it. Backends without QP support declare so.
   */
  readonly quadratic?: Float64Array;
  readonly objectiveConstant: number;

  /** Row names: letters, digits and _ only, unique. */
  readonly rowNames: readonly string[];
  /** CSR: row r's entries are index/value[rowStart[r] .. rowStart[r+1]). Length rows + 1. */
  readonly rowStart: Int32Array;
  readonly rowIndex: Int32Array;
  readonly rowValue: Float64Array;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
}

export function columnCount(problem: LinearProblem): number {
  return problem.columnLower.length;
}

export function rowCount(problem: LinearProblem): number {
  return problem.rowLower.length;
}

export function isMixedInteger(problem: LinearProblem): boolean {
  return problem.integer.some((flag) => flag === 1);
}
