import type { LinearProblem } from "./standard-form.js";

/**
 * Growable column/row storage for building a LinearProblem with typed arrays. Rows are appended
 * entry by entry into CSR buffers; nothing is concatenated as strings, so n = 10^5 accounts lower
 * in milliseconds.
 */
export class ProblemBuilder {
  private columnLower = new Float64Array(1024);
  private columnUpper = new Float64Array(1024);
  private integerFlags = new Uint8Array(1024);
  private readonly columnNames: string[] = [];

  private rowStart: number[] = [0];
  private rowIndex = new Int32Array(4096);
  private rowValue = new Float64Array(4096);
  private entryCount = 0;
  private readonly rowLower: number[] = [];
  private readonly rowUpper: number[] = [];
  private readonly rowNames: string[] = [];

  get columns(): number {
    return this.columnNames.length;
  }

  get rows(): number {
    return this.rowNames.length;
  }

  /** Adds a column and returns its index. */
  addColumn(name: string, lower: number, upper: number, integer = false): number {
    const j = this.columnNames.length;
    if (j === this.columnLower.length) {
      this.columnLower = grow(this.columnLower);
      this.columnUpper = grow(this.columnUpper);
      this.integerFlags = grow(this.integerFlags);
    }
    this.columnLower[j] = lower;
    this.columnUpper[j] = upper;
    this.integerFlags[j] = integer ? 1 : 0;
    this.columnNames.push(name);
    return j;
  }

  /** Adds the row lower <= sum value_k x_{index_k} <= upper and returns its index. */
  addRow(name: string, index: ArrayLike<number>, value: ArrayLike<number>, lower: number, upper: number): number {
    const needed = this.entryCount + index.length;
    while (needed > this.rowIndex.length) {
      this.rowIndex = grow(this.rowIndex);
      this.rowValue = grow(this.rowValue);
    }
    for (let k = 0; k < index.length; k++) {
      this.rowIndex[this.entryCount] = index[k]!;
      this.rowValue[this.entryCount] = value[k]!;
      this.entryCount++;
    }
    this.rowStart.push(this.entryCount);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
    this.rowNames.push(name);
    return this.rowNames.length - 1;
  }

  /** Freezes into a LinearProblem with the given objective (cost over all columns). */
  build(cost: Float64Array, objectiveConstant = 0, quadratic?: Float64Array): LinearProblem {
    const n = this.columns;
    return {
      columnNames: this.columnNames.slice(),
      columnLower: this.columnLower.slice(0, n),
      columnUpper: this.columnUpper.slice(0, n),
      integer: this.integerFlags.slice(0, n),
      cost,
      ...(quadratic ? { quadratic } : {}),
      objectiveConstant,
      rowNames: this.rowNames.slice(),
      rowStart: Int32Array.from(this.rowStart),
      rowIndex: this.rowIndex.slice(0, this.entryCount),
      rowValue: this.rowValue.slice(0, this.entryCount),
      rowLower: Float64Array.from(this.rowLower),
      rowUpper: Float64Array.from(this.rowUpper),
    };
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * Appends rows to an already built problem (used to fix a lexicographic stage's optimum).
 * Returns a new problem; the input is not modified.
 */
export function withExtraRows(
  problem: LinearProblem,
  extra: readonly { name: string; index: ArrayLike<number>; value: ArrayLike<number>; lower: number; upper: number }[],
  cost: Float64Array,
  objectiveConstant: number,
  quadratic?: Float64Array,
): LinearProblem {
  const added = extra.reduce((sum, row) => sum + row.index.length, 0);
  const entries = problem.rowIndex.length;
  const rowIndex = new Int32Array(entries + added);
  const rowValue = new Float64Array(entries + added);
  rowIndex.set(problem.rowIndex);
  rowValue.set(problem.rowValue);
  const rows = problem.rowLower.length;
  const rowStart = new Int32Array(rows + extra.length + 1);
  rowStart.set(problem.rowStart);
  const rowLower = new Float64Array(rows + extra.length);
  const rowUpper = new Float64Array(rows + extra.length);
  rowLower.set(problem.rowLower);
  rowUpper.set(problem.rowUpper);
  let at = entries;
  extra.forEach((row, r) => {
    for (let k = 0; k < row.index.length; k++) {
      rowIndex[at] = row.index[k]!;
      rowValue[at] = row.value[k]!;
      at++;
    }
    rowStart[rows + r + 1] = at;
    rowLower[rows + r] = row.lower;
    rowUpper[rows + r] = row.upper;
  });
  const { quadratic: _previous, ...rest } = problem;
  return {
    ...rest,
    cost,
    objectiveConstant,
    ...(quadratic ? { quadratic } : {}),
    rowNames: [...problem.rowNames, ...extra.map((row) => row.name)],
    rowStart,
    rowIndex,
    rowValue,
    rowLower,
    rowUpper,
  };
}
