/**
 * Exact text writers of the standard form for outside solvers: CPLEX LP and free MPS.
 *
 * Both are written so that the three readers we test against (HiGHS, CBC, glpsol) read the same
 * problem. Where the formats are ambiguous across readers we pick the construction that is not:
 *  - The objective constant is written as a fixed column (`obj_constant = 1` carrying the constant as
 *    its cost): glpsol rejects a constant in the LP objective, and the MPS "RHS on the objective row"
 *    is read as +constant by glpsol but as -constant by CBC/HiGHS/CPLEX.
 *  - Bounds of integer columns are always explicit in MPS, since some MPS readers give an integer
 *    column without bounds the upper bound 1.
 *  - In MPS an UP bound is written before LO/MI, so that readers which turn "UP < 0 with lower 0"
 *    into a lower bound of -inf are overridden by the explicit lower bound that follows.
 *  - Numbers are printed with `String(x)`: the shortest text that reads back to the same double.
 *  - Ranged rows: LP has no portable range syntax, so a ranged row becomes two rows
 *    (`name_lo: … >= L`, `name_hi: … <= U`). MPS uses RANGES when L + (U - L) reproduces U exactly
 *    in double arithmetic (or U - (U - L) reproduces L), and two rows otherwise.
 *  - Free rows (both bounds infinite) constrain nothing: LP omits them (with a comment), MPS writes
 *    them as extra N rows, which readers keep or drop without changing the problem.
 *
 * Everything is built as arrays of lines and joined once, so 10^5 columns write in milliseconds.
 */
import type { LinearProblem } from "../lower/standard-form.js";

/** Terms per LP line: keeps lines far below the 255/510-character limits of some LP readers. */
const TERMS_PER_LINE = 8;

/** Names the LP and MPS readers accept without quoting: a letter or _ first, no e/E-number look-alike. */
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_.[\]]{0,254}$/;
/** CPLEX LP reserves a leading "e"/"E" followed by digits (exponent notation) and the keyword-like "inf". */
const RESERVED_NAME = /^([eE][0-9+-].*|inf|infinity|free)$/i;

/** Formats a finite number exactly; ±Infinity as the readers' "inf" keyword. Throws on NaN. */
function num(x: number): string {
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Number.isNaN(x)) throw new Error("cannot write NaN in an LP/MPS file");
  return String(x);
}

/**
 * The names to write: the given ones where they are safe for both formats and unique, generated
 * `${prefix}${index}` names otherwise (also made unique). `taken` collects every name issued.
 */
function writableNames(names: readonly string[], count: number, prefix: string, taken: Set<string>): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const given = names[i];
    let name = given !== undefined && SAFE_NAME.test(given) && !RESERVED_NAME.test(given) && !taken.has(given) ? given : `${prefix}${i}`;
    while (taken.has(name)) name = `_${name}`;
    taken.add(name);
    out[i] = name;
  }
  return out;
}

/** A fresh name not yet in `taken` (which is updated). */
function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}

interface Names {
  columns: string[];
  rows: string[];
  taken: Set<string>;
}

function namesOf(problem: LinearProblem): Names {
  const taken = new Set<string>();
  const columns = writableNames(problem.columnNames, problem.columnLower.length, "x", taken);
  const rows = writableNames(problem.rowNames, problem.rowLower.length, "r", taken);
  return { columns, rows, taken };
}

/** Appends `terms` to `lines` as wrapped continuation lines after `head`. */
function pushWrapped(lines: string[], head: string, terms: string[], tail: string): void {
  if (terms.length <= TERMS_PER_LINE) {
    lines.push(`${head}${terms.join(" ")}${tail}`);
    return;
  }
  lines.push(`${head}${terms.slice(0, TERMS_PER_LINE).join(" ")}`);
  for (let k = TERMS_PER_LINE; k < terms.length; k += TERMS_PER_LINE) {
    const chunk = terms.slice(k, k + TERMS_PER_LINE).join(" ");
    lines.push(k + TERMS_PER_LINE >= terms.length ? `   ${chunk}${tail}` : `   ${chunk}`);
  }
}

function signedTerm(coefficient: number, name: string, first: boolean): string {
  if (coefficient < 0) return `- ${num(-coefficient)} ${name}`;
  return first ? `${num(coefficient)} ${name}` : `+ ${num(coefficient)} ${name}`;
}

/**
 * The problem as CPLEX LP text (Minimize / Subject To / Bounds / General / Binary / End).
 * Exact: every number is printed with round-trip precision; ranged rows become two rows; free rows
 * are omitted (they constrain nothing); the objective constant is a column fixed at 1; a diagonal
 * quadratic objective q_j x_j^2 is written `+ [ 2q_j x_j ^ 2 ] / 2`. Names that are not LP-safe
 * are replaced by `x<j>` / `r<i>`. Linear in the size of the problem; 10^5 columns take milliseconds.
 */
export function toCplexLp(problem: LinearProblem): string {
  const n = problem.columnLower.length;
  const m = problem.rowLower.length;
  const { columns, rows, taken } = namesOf(problem);
  const constantName = problem.objectiveConstant !== 0 || n === 0 ? freshName("obj_constant", taken) : undefined;
  const objectiveName = freshName("obj", taken);
  const lines: string[] = [];
  lines.push(`\\ adl-workbench standard form: ${n} columns, ${m} rows${constantName ? `; ${constantName} is fixed at 1 and carries the objective constant` : ""}`);

  // Objective.
  lines.push("Minimize");
  const objectiveTerms: string[] = [];
  for (let j = 0; j < n; j++) {
    const c = problem.cost[j]!;
    if (c !== 0) objectiveTerms.push(signedTerm(c, columns[j]!, objectiveTerms.length === 0));
  }
  if (constantName !== undefined) objectiveTerms.push(signedTerm(problem.objectiveConstant, constantName, objectiveTerms.length === 0));
  if (objectiveTerms.length === 0) objectiveTerms.push(`0 ${columns[0]!}`);
  const quadraticTerms: string[] = [];
  if (problem.quadratic) {
    for (let j = 0; j < n; j++) {
      const q = problem.quadratic[j]!;
      if (q === 0) continue;
      const term = `${num(Math.abs(2 * q))} ${columns[j]!} ^ 2`;
      quadraticTerms.push(q < 0 ? `- ${term}` : quadraticTerms.length === 0 ? term : `+ ${term}`);
    }
  }
  if (quadraticTerms.length > 0) {
    objectiveTerms.push("+ [", ...quadraticTerms, "] / 2");
  }
  pushWrapped(lines, ` ${objectiveName}: `, objectiveTerms, "");

  // Rows.
  lines.push("Subject To");
  const rowTerms = (i: number): string[] => {
    const terms: string[] = [];
    for (let k = problem.rowStart[i]!; k < problem.rowStart[i + 1]!; k++) {
      terms.push(signedTerm(problem.rowValue[k]!, columns[problem.rowIndex[k]!]!, terms.length === 0));
    }
    if (terms.length === 0) terms.push(`0 ${columns[0] ?? constantName!}`);
    return terms;
  };
  let written = 0;
  for (let i = 0; i < m; i++) {
    const lower = problem.rowLower[i]!;
    const upper = problem.rowUpper[i]!;
    const lowerFinite = lower > -Infinity;
    const upperFinite = upper < Infinity;
    if (!lowerFinite && !upperFinite) {
      lines.push(`\\ free row ${rows[i]!} omitted: it has no finite bound`);
      continue;
    }
    const terms = rowTerms(i);
    if (lowerFinite && upperFinite && lower === upper) {
      pushWrapped(lines, ` ${rows[i]!}: `, terms, ` = ${num(lower)}`);
    } else if (lowerFinite && upperFinite) {
      pushWrapped(lines, ` ${freshName(`${rows[i]!}_lo`, taken)}: `, terms, ` >= ${num(lower)}`);
      pushWrapped(lines, ` ${freshName(`${rows[i]!}_hi`, taken)}: `, terms, ` <= ${num(upper)}`);
    } else if (lowerFinite) {
      pushWrapped(lines, ` ${rows[i]!}: `, terms, ` >= ${num(lower)}`);
    } else {
      pushWrapped(lines, ` ${rows[i]!}: `, terms, ` <= ${num(upper)}`);
    }
    written++;
  }
  if (written === 0) {
    // Some readers insist on at least one constraint; this one is always satisfied.
    const anchor = columns[0] ?? constantName!;
    lines.push(` ${freshName("always", taken)}: 0 ${anchor} >= 0`);
  }

  // Bounds.
  lines.push("Bounds");
  const generals: string[] = [];
  const binaries: string[] = [];
  for (let j = 0; j < n; j++) {
    const lower = problem.columnLower[j]!;
    const upper = problem.columnUpper[j]!;
    const name = columns[j]!;
    if (problem.integer[j] === 1) {
      if (lower === 0 && upper === 1) {
        binaries.push(name);
        continue;
      }
      generals.push(name);
    }
    if (lower === upper) lines.push(` ${name} = ${num(lower)}`);
    else if (lower === -Infinity && upper === Infinity) lines.push(` ${name} free`);
    else if (upper === Infinity) {
      if (lower !== 0) lines.push(` ${name} >= ${num(lower)}`);
    } else lines.push(` ${num(lower)} <= ${name} <= ${num(upper)}`);
  }
  if (constantName !== undefined) lines.push(` ${constantName} = 1`);
  if (generals.length > 0) {
    lines.push("General");
    for (let k = 0; k < generals.length; k += TERMS_PER_LINE) lines.push(` ${generals.slice(k, k + TERMS_PER_LINE).join(" ")}`);
  }
  if (binaries.length > 0) {
    lines.push("Binary");
    for (let k = 0; k < binaries.length; k += TERMS_PER_LINE) lines.push(` ${binaries.slice(k, k + TERMS_PER_LINE).join(" ")}`);
  }
  lines.push("End", "");
  return lines.join("\n");
}

/**
 * The problem as free-format MPS (NAME … FREE / ROWS / COLUMNS with INTORG/INTEND markers / RHS /
 * RANGES / BOUNDS / QUADOBJ / ENDATA). Exact: numbers print with round-trip precision; a ranged row
 * uses RANGES only when the range reproduces both bounds exactly in double arithmetic, else it is
 * written as two rows; the objective constant is a column fixed at 1; QUADOBJ carries 2q_j on the
 * diagonal (objective ½ x'Qx). The "FREE" after NAME tells CBC to read free format; glpsol and
 * HiGHS ignore it. Linear in the size of the problem (one CSR→CSC transpose).
 */
export function toFreeMps(problem: LinearProblem): string {
  const n = problem.columnLower.length;
  const m = problem.rowLower.length;
  const { columns, rows, taken } = namesOf(problem);
  const constantName = problem.objectiveConstant !== 0 ? freshName("obj_constant", taken) : undefined;
  const objectiveName = freshName("obj", taken);

  // Row plan: each problem row becomes one or two MPS rows.
  interface MpsRow {
    name: string;
    type: "N" | "E" | "G" | "L";
    rhs: number;
    range?: number;
  }
  const planned: MpsRow[][] = new Array<MpsRow[]>(m);
  for (let i = 0; i < m; i++) {
    const lower = problem.rowLower[i]!;
    const upper = problem.rowUpper[i]!;
    const name = rows[i]!;
    const lowerFinite = lower > -Infinity;
    const upperFinite = upper < Infinity;
    if (!lowerFinite && !upperFinite) planned[i] = [{ name, type: "N", rhs: 0 }];
    else if (lowerFinite && upperFinite && lower === upper) planned[i] = [{ name, type: "E", rhs: lower }];
    else if (!upperFinite) planned[i] = [{ name, type: "G", rhs: lower }];
    else if (!lowerFinite) planned[i] = [{ name, type: "L", rhs: upper }];
    else {
      const range = upper - lower;
      if (range > 0 && range < Infinity && lower + range === upper) planned[i] = [{ name, type: "G", rhs: lower, range }];
      else if (range > 0 && range < Infinity && upper - range === lower) planned[i] = [{ name, type: "L", rhs: upper, range }];
      else {
        planned[i] = [
          { name: freshName(`${name}_lo`, taken), type: "G", rhs: lower },
          { name: freshName(`${name}_hi`, taken), type: "L", rhs: upper },
        ];
      }
    }
  }

  const lines: string[] = [];
  lines.push(`* adl-workbench standard form: ${n} columns, ${m} rows${constantName ? `; ${constantName} is fixed at 1 and carries the objective constant` : ""}`);
  lines.push("NAME adl FREE");
  lines.push("ROWS");
  lines.push(` N ${objectiveName}`);
  for (let i = 0; i < m; i++) for (const row of planned[i]!) lines.push(` ${row.type} ${row.name}`);

  // Transpose CSR to CSC (counting sort), keeping row order within each column.
  const entries = problem.rowIndex.length;
  const columnStart = new Int32Array(n + 1);
  for (let k = 0; k < entries; k++) columnStart[problem.rowIndex[k]! + 1]!++;
  for (let j = 0; j < n; j++) columnStart[j + 1]! += columnStart[j]!;
  const fill = columnStart.slice(0, n);
  const columnRow = new Int32Array(entries);
  const columnValue = new Float64Array(entries);
  for (let i = 0; i < m; i++) {
    for (let k = problem.rowStart[i]!; k < problem.rowStart[i + 1]!; k++) {
      const j = problem.rowIndex[k]!;
      const at = fill[j]!++;
      columnRow[at] = i;
      columnValue[at] = problem.rowValue[k]!;
    }
  }

  lines.push("COLUMNS");
  let inInteger = false;
  let marker = 0;
  for (let j = 0; j < n; j++) {
    const integer = problem.integer[j] === 1;
    if (integer !== inInteger) {
      lines.push(` MARKER${marker++} 'MARKER' '${integer ? "INTORG" : "INTEND"}'`);
      inInteger = integer;
    }
    const name = columns[j]!;
    const cost = problem.cost[j]!;
    let wroteAny = false;
    if (cost !== 0) {
      lines.push(` ${name} ${objectiveName} ${num(cost)}`);
      wroteAny = true;
    }
    for (let k = columnStart[j]!; k < columnStart[j + 1]!; k++) {
      const value = columnValue[k]!;
      for (const row of planned[columnRow[k]!]!) lines.push(` ${name} ${row.name} ${num(value)}`);
      wroteAny = true;
    }
    // A column must appear in COLUMNS to exist at all.
    if (!wroteAny) lines.push(` ${name} ${objectiveName} 0`);
  }
  if (inInteger) lines.push(` MARKER${marker} 'MARKER' 'INTEND'`);
  if (constantName !== undefined) lines.push(` ${constantName} ${objectiveName} ${num(problem.objectiveConstant)}`);

  lines.push("RHS");
  for (let i = 0; i < m; i++) {
    for (const row of planned[i]!) if (row.type !== "N" && row.rhs !== 0) lines.push(` RHS ${row.name} ${num(row.rhs)}`);
  }
  const ranged: string[] = [];
  for (let i = 0; i < m; i++) {
    for (const row of planned[i]!) if (row.range !== undefined) ranged.push(` RNG ${row.name} ${num(row.range)}`);
  }
  if (ranged.length > 0) lines.push("RANGES", ...ranged);

  lines.push("BOUNDS");
  for (let j = 0; j < n; j++) {
    const lower = problem.columnLower[j]!;
    const upper = problem.columnUpper[j]!;
    const name = columns[j]!;
    const integer = problem.integer[j] === 1;
    if (lower === upper) {
      lines.push(` FX BND ${name} ${num(lower)}`);
      continue;
    }
    if (lower === -Infinity && upper === Infinity) {
      lines.push(` FR BND ${name}`);
      continue;
    }
    if (upper < Infinity) lines.push(` UP BND ${name} ${num(upper)}`);
    else if (integer) lines.push(` PL BND ${name}`);
    if (lower === -Infinity) lines.push(` MI BND ${name}`);
    else if (lower !== 0 || integer || upper < 0) lines.push(` LO BND ${name} ${num(lower)}`);
  }
  if (constantName !== undefined) lines.push(` FX BND ${constantName} 1`);

  if (problem.quadratic && problem.quadratic.some((q) => q !== 0)) {
    lines.push("QUADOBJ");
    for (let j = 0; j < n; j++) {
      const q = problem.quadratic[j]!;
      if (q !== 0) lines.push(` ${columns[j]!} ${columns[j]!} ${num(2 * q)}`);
    }
  }
  lines.push("ENDATA", "");
  return lines.join("\n");
}
