/**
 * `adl validate`: a production allocation file checked against every promise of the model and
 * against the proven optimum, so that it can gate a deploy. Three outcomes, never more:
 *
 *   pass       every constraint holds (seniority decided, not assumed) and every gap asked for is
 *              within --max-gap of a PROVEN optimum;
 *   fail       a constraint is violated, or a gap is above --max-gap (a gap to an unproven
 *              incumbent is a lower bound on the true gap, so it can fail but never pass);
 *   undecided  nothing is violated, but something could not be decided (the seniority minima or
 *              the optimum were not proven, e.g. at a solver limit or with a backend without a
 *              dual bound). Never reported as a pass.
 */
import type { Allocation, Wave } from "../../domain.js";
import { InstanceError, didYouMean } from "../../errors.js";
import { DEFAULT_TABLE_LIMIT_BYTES, inputLimit, readBoundedBytes } from "../../floor/io/bounded-read.js";
import { parse as parseCsv } from "csv-parse/sync";
import { exactMechanism } from "../../mechanism/mechanism.js";
import type { SolveRequest, SolveResult } from "../../pipeline/solve/solve.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { allowance, tolerance } from "../../floor/numeric/tolerance.js";
import { verifyAllocation, type Verdict, type Violation } from "../../pipeline/verify/verify.js";
import { relativeGap } from "./compare.js";

const INT32_MAX = 2_147_483_647;

/** Only 0x/0b/0o literals get through Number() besides decimals and Infinity, and they read as integers. */
const NOT_DECIMAL = /[xob]/i;

/** A cell's number in decimal notation (`12`, `-3.5`, `1e6`, spaces around allowed), else NaN: hex, `Infinity`, "" are not numbers. */
function decimalOf(cell: string): number {
  const value = Number(cell);
  if (!Number.isFinite(value) || (value === 0 && cell.trim() === "")) return NaN;
  if (Number.isInteger(value) && NOT_DECIMAL.test(cell)) return NaN;
  return value;
}

/** What the reader found in the file besides the allocation itself. */
export interface AllocationFile extends Allocation {
  readonly file: string;
  /** Data rows read (accounts listed). */
  readonly rows: number;
  /** Layer columns the file gives, and those derived junior-first from the rest of each haircut. */
  readonly givenLayers: readonly string[];
  readonly derivedLayers: readonly string[];
  /** Where the haircut came from: the haircut column, the lots (h = v q), or the sum of every layer column. */
  readonly haircutFrom: "haircut" | "lots" | "layers";
}

/**
 * Reads a production allocation: CSV with a header naming `id` and any of `haircut`, `lots` (when
 * the model has lots) and the model's seniority layers; a UTF-8 byte-order mark (Excel) is
 * accepted, header cells are trimmed, blank lines skipped. Accounts not listed get no haircut.
 *
 * - The haircut is the `haircut` column, else `lots` times the lot value, else the sum of the layer
 *   columns when every layer is given.
 * - With lots and no lots column, q = h / v rounded; the verifier then reports a haircut that is
 *   not a whole number of lots (`lot-sum`), as it reports lots that disagree with a given haircut.
 * - Layer columns: any subset is read as the file says and checked. Layers the file does not give
 *   are filled junior-first from the rest of the haircut (h minus the given layers), up to each
 *   layer's capacity, the most senior missing layer taking any excess: the most favourable split,
 *   so a seniority breach reported is real. With no layer column at all this is the junior-first split.
 *
 * Ids are compared exactly, except that an id written with the formula-neutralizing apostrophe
 * (`'=HYPERLINK(…)`, as src/csv.ts and spreadsheets write it; `''x` for an id `'x`) is read as the id without it.
 *
 * Errors (InstanceError, exit 2; file, data row (1-based, header excluded), column, expected,
 * found): a repeated or unknown column, a missing id column, an id not in the accounts file or
 * listed twice, a haircut, layer or lots cell that is not a decimal number >= 0 (lots: a whole
 * number), lots for an account without a position, a row of the wrong width. The file is read with
 * a size limit (DEFAULT_TABLE_LIMIT_BYTES, or ADL_MAX_INPUT_BYTES), never a device or a FIFO.
 * Time O(rows * columns + n * layers); memory O(n * layers) plus the file's bytes.
 */
export function readAllocationCsv(path: string, wave: Wave): AllocationFile {
  const bytes = readBoundedBytes(path, { what: "allocation CSV file", limit: inputLimit(DEFAULT_TABLE_LIMIT_BYTES) });
  const layerNames = wave.layers?.names ?? [];
  const n = wave.ids.length;
  const index = new Map(wave.ids.map((id, i) => [id, i]));
  const positions = wave.positions;
  const positionCount = new Int32Array(n);
  const positionOf = new Int32Array(n).fill(-1);
  if (positions) {
    for (let p = 0; p < positions.account.length; p++) {
      const i = positions.account[p]!;
      positionCount[i]!++;
      positionOf[i] = p;
    }
  }

  const haircut = new Float64Array(n);
  const lots = positions ? new Int32Array(positions.account.length) : undefined;
  const layers = layerNames.map(() => new Float64Array(n));
  const rowOf = new Int32Array(n);
  let columns: Columns | undefined;
  let rows = 0;

  const fail = (row: number, line: () => number, field: string | undefined, expected: string, found: string, hint?: string): InstanceError =>
    new InstanceError({ file: path, row, ...(field !== undefined ? { field } : {}) }, expected, found, [hint, `line ${line().toLocaleString("en-US")} of the file`].filter(Boolean).join("; "));

  const onRecord = (record: string[], line: () => number): void => {
    if (columns === undefined) {
      columns = readHeader(path, record.map((cell) => cell.trim()), wave);
      return;
    }
    const c = columns;
    const row = ++rows;
    if (record.length !== c.width) throw fail(row, line, undefined, `${c.width} fields, as in the header`, `${record.length} field${record.length === 1 ? "" : "s"}`);
    const number = (k: number, field: string, integer = false): number => {
      const cell = record[k]!;
      const value = decimalOf(cell);
      const ok = value >= 0 && (!integer || (Number.isInteger(value) && value <= INT32_MAX));
      if (!ok) throw fail(row, line, field, integer ? "a whole number of lots >= 0" : "a finite number >= 0", JSON.stringify(cell));
      return value === 0 ? 0 : value;
    };
    const written = record[c.id]!;
    // An apostrophe before = + - @ (tab, CR) or before another apostrophe is the formula
    // neutralization this tool's CSVs and spreadsheets write (src/csv.ts, which also doubles a leading
    // apostrophe, so `'=x` is the id =x and `''=x` the id '=x); a cell whose unprefixed id is no account is read as written.
    const id = /^'[=+\-@\t\r']/.test(written) && index.has(written.slice(1)) ? written.slice(1) : written;
    const i = index.get(id);
    if (i === undefined) {
      const near = index.has(id.trim()) ? id.trim() : undefined;
      throw fail(row, line, "id", "an id of the accounts file", JSON.stringify(id), near !== undefined ? `did you mean ${JSON.stringify(near)}? ids are compared exactly` : undefined);
    }
    if (rowOf[i]! > 0) throw fail(row, line, "id", "each id once", `${JSON.stringify(id)} again (first in row ${rowOf[i]!.toLocaleString("en-US")})`);
    rowOf[i] = row;

    const p = positionOf[i]!;
    let q: number | undefined;
    if (c.lots >= 0) {
      q = number(c.lots, "lots", true);
      if (positionCount[i] === 0 && q > 0) throw fail(row, line, "lots", "no lots for an account without a position", String(q));
      if (positionCount[i]! > 1 && q > 0) throw fail(row, line, "lots", "one position per account (lots per position are not read yet)", `account ${JSON.stringify(id)} with ${positionCount[i]} positions`);
      if (p >= 0) lots![p] = q;
    }
    let given = 0;
    c.layers.forEach((k, l) => {
      if (k < 0) return;
      const x = number(k, layerNames[l]!);
      layers[l]![i] = x;
      given += x;
    });
    const h = c.haircut >= 0 ? number(c.haircut, "haircut") : q !== undefined ? (p >= 0 ? positions!.lotValue[p]! * q : 0) : given;
    haircut[i] = h;
    if (positions && c.lots < 0 && h > 0) {
      if (positionCount[i]! > 1) throw fail(row, line, "haircut", "a lots column: this account holds several positions, so its haircut alone does not say which lots were closed", `account ${JSON.stringify(id)} with ${positionCount[i]} positions`);
      // Clamped: beyond INT32_MAX it exceeds every Q_p anyway (a lot-bounds violation, not an overflow).
      if (p >= 0) lots![p] = Math.min(INT32_MAX, Math.round(h / positions.lotValue[p]!));
    }
    if (c.derived.length > 0) fillJuniorFirst(wave, layers, c.derived, i, h - given);
  };

  // Chunks of a few MB, parsed to arrays and dropped: csv-parse's on_record callback was 3x slower
  // than its array output (13 s against 4 s for 10^6 rows), and whole-file arrays would hold every row.
  for (const chunk of csvChunks(bytes)) {
    const text = bytes.subarray(chunk.start, chunk.end);
    let records: string[][];
    try {
      records = parseCsv(text, CSV_OPTIONS) as string[][];
    } catch (error) {
      const lines = (error as { lines?: number }).lines;
      const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "").replace(/ at line \d+/, "");
      throw new InstanceError(
        { file: path },
        "well-formed CSV (quotes closed, fields separated by commas)",
        message,
        lines !== undefined ? `line ${(chunk.firstLine - 1 + lines).toLocaleString("en-US")} of the file` : undefined,
      );
    }
    for (let k = 0; k < records.length; k++) onRecord(records[k]!, () => lineOfRecord(text, chunk.firstLine, k));
  }
  if (columns === undefined) throw new InstanceError({ file: path }, "a header with an id column and a haircut, lots or layer columns", "an empty file");
  const c = columns;
  const givenLayers = layerNames.filter((_, l) => c.layers[l]! >= 0);
  const derivedLayers = layerNames.filter((_, l) => c.layers[l]! < 0);
  return {
    file: path,
    rows,
    givenLayers,
    derivedLayers,
    haircutFrom: c.haircut >= 0 ? "haircut" : c.lots >= 0 ? "lots" : "layers",
    haircut,
    ...(lots ? { lots } : {}),
    ...(wave.layers ? { layers } : {}),
  };
}

const CSV_OPTIONS = { bom: true, skip_empty_lines: true, relax_column_count: true } as const;

/**
 * Byte ranges of about `target` bytes that end at a record boundary: a newline outside quotes
 * (RFC 4180: an escaped quote is two quotes, so the parity of quote bytes says whether a newline is
 * inside a quoted field). `firstLine` is the 1-based file line where the range starts. O(bytes).
 */
function* csvChunks(bytes: Buffer, target = 4 << 20): Generator<{ start: number; end: number; firstLine: number }> {
  let start = 0;
  let line = 1;
  while (start < bytes.length) {
    let inQuotes = false;
    let newlines = 0;
    let end = bytes.length;
    for (let k = start; k < bytes.length; k++) {
      const byte = bytes[k]!;
      if (byte === 0x22) inQuotes = !inQuotes;
      else if (byte === 0x0a) {
        newlines++;
        if (!inQuotes && k + 1 - start >= target) {
          end = k + 1;
          break;
        }
      }
    }
    yield { start, end, firstLine: line };
    line += newlines;
    start = end;
  }
}

/** The file line where record `k` of a chunk ends: parsed again, only when an error needs it. */
function lineOfRecord(chunk: Buffer, firstLine: number, k: number): number {
  let line = firstLine;
  let count = 0;
  parseCsv(chunk, {
    ...CSV_OPTIONS,
    on_record: (_record: string[], context: { lines: number }) => {
      if (count++ === k) line = firstLine - 1 + context.lines;
      return null;
    },
  });
  return line;
}

/** Column positions of the header; -1 where absent. */
interface Columns {
  readonly width: number;
  readonly id: number;
  readonly haircut: number;
  readonly lots: number;
  /** One per layer of the wave (junior first). */
  readonly layers: readonly number[];
  /** Indices of the layers the file does not give, junior first. */
  readonly derived: readonly number[];
}

function readHeader(path: string, header: readonly string[], wave: Wave): Columns {
  const layerNames = wave.layers?.names ?? [];
  const known = ["id", "haircut", ...(wave.positions ? ["lots"] : []), ...layerNames];
  const seen = new Map<string, number>();
  header.forEach((name, k) => {
    const place = { file: path, row: 0, field: name === "" ? `#${k + 1}` : name };
    if (name === "") throw new InstanceError(place, "a name for every header column", `an empty name in column ${k + 1}`);
    const first = seen.get(name);
    if (first !== undefined) throw new InstanceError(place, "each column once", `${JSON.stringify(name)} twice (columns ${first + 1} and ${k + 1})`);
    seen.set(name, k);
    if (!known.includes(name)) {
      if (name === "lots") throw new InstanceError(place, "no lots column: the model has no lots", "a lots column");
      const near = didYouMean(name, known);
      throw new InstanceError(place, `only the columns ${known.join(", ")}`, `an unknown column ${JSON.stringify(name)}`, near !== undefined ? `did you mean "${near}"?` : undefined);
    }
  });
  const at = (name: string): number => seen.get(name) ?? -1;
  const layers = layerNames.map((name) => at(name));
  const columns: Columns = {
    width: header.length,
    id: at("id"),
    haircut: at("haircut"),
    lots: at("lots"),
    layers,
    derived: layers.flatMap((k, l) => (k < 0 ? [l] : [])),
  };
  if (columns.id < 0) throw new InstanceError({ file: path, row: 0 }, "a header with an id column", header.join(","));
  const everyLayer = layerNames.length > 0 && columns.derived.length === 0;
  if (columns.haircut < 0 && columns.lots < 0 && !everyLayer) {
    throw new InstanceError(
      { file: path, row: 0 },
      `a haircut column${wave.positions ? ", a lots column" : ""}${layerNames.length > 0 ? ` or every layer column (${layerNames.join(", ")})` : ""}`,
      header.join(","),
    );
  }
  return columns;
}

/** The layers the file does not give, junior first up to capacity; the most senior of them takes any excess. */
function fillJuniorFirst(wave: Wave, layers: Float64Array[], derived: readonly number[], i: number, rest: number): void {
  const capacity = wave.layers!.capacity;
  let left = Math.max(0, rest);
  derived.forEach((l, k) => {
    const take = k === derived.length - 1 ? left : Math.min(capacity[l]![i]!, left);
    layers[l]![i] = take;
    left -= take;
  });
}

// ---------------------------------------------------------------------------------------------
// The gate
// ---------------------------------------------------------------------------------------------

export type Outcome = "pass" | "fail" | "undecided";

export interface StageGap {
  readonly stage: string;
  /** The production allocation's value, recomputed by the verifier. */
  readonly value: number;
  /** The optimum's value (proven) or the incumbent's (not proven); null when there is none. */
  readonly optimum: number | null;
  /** True when `optimum` is proven optimal; otherwise value - optimum is only a lower bound on the true gap. */
  readonly proven: boolean;
  readonly absolute: number | null;
  readonly relative: number | null;
}

/** One seniority layer stage, most senior first: what the allocation takes against the least possible. */
export interface LayerCheck {
  readonly layer: string;
  readonly taken: number;
  /** The least possible total from this layer given the more senior ones at their minima (proven or an incumbent's). */
  readonly least: number | null;
  readonly proven: boolean;
  /** |taken - least| within this counts as equal: allowance of the verifier's tolerance at `least`. */
  readonly tolerance: number | null;
}

export interface SeniorityDecision {
  /** verifier: the closed form (no lots, no maxAccounts); stages: the solved seniority stages; none: no ladder. */
  readonly decidedBy: "verifier" | "stages" | "none";
  readonly decided: boolean;
  readonly layers: readonly LayerCheck[];
  /** Where the minima came from, e.g. "the optimum (mip:highs)" or "a seniority-only solve (mip:highs, optimal)". */
  readonly source?: string;
}

export interface Validation {
  readonly verdict: Verdict;
  readonly optimum: SolveResult;
  readonly gaps: readonly StageGap[];
  readonly maxGap: number;
  readonly outcome: Outcome;
  /** outcome === "pass". */
  readonly pass: boolean;
  /** Every violation: the verifier's, then those found against the solved seniority stages. */
  readonly violations: readonly Violation[];
  readonly seniority: SeniorityDecision;
  /** Why the outcome is undecided (empty otherwise). */
  readonly undecided: readonly string[];
  /** Dollars: sum of haircuts, the budget, max(0, total - budget), max(0, budget - total). */
  readonly totals: { readonly total: number; readonly budget: number; readonly overshoot: number; readonly shortfall: number };
}

/**
 * True when `result` is a proven optimum: status optimal and verified. The fallback chain
 * (src/pipeline/backends/robust.ts) already lowers an "optimal" that no dual bound, dedicated algorithm or
 * second backend backs (javascript-lp-solver's word alone) to "feasible", so status is proof here. O(1).
 */
export function provenOptimum(result: SolveResult): boolean {
  return result.status === "optimal" && result.verified?.ok === true;
}

/**
 * Checks a production allocation against every constraint of the model (the independent verifier)
 * and each objective stage against the optimum of `solveWave`. Seniority with lots or maxAccounts,
 * which the verifier cannot decide in closed form, is decided against the seniority stages solved
 * for this wave (the optimum's layer totals when the optimum is proven, else a seniority-only
 * solve); the allocation's layer totals must be lexicographically no larger than those minima,
 * each within the verifier's allowance at that layer's minimum. A gap is judged only against a
 * proven optimum; an unproven incumbent can show a gap is too large but never that it is small.
 * See the module comment for the three outcomes. One or two solves of the wave.
 */
export async function validateAllocation(wave: Wave, allocation: Allocation, maxGap = Infinity, request: SolveRequest = {}): Promise<Validation> {
  const verdict = verifyAllocation(wave, allocation);
  const optimum = await optimumOf(wave, request);
  const proven = provenOptimum(optimum);
  const undecided: string[] = [];
  const senior = Math.max(0, (wave.layers?.names.length ?? 0) - 1);

  // An optimum the verifier rejected is no yardstick at all.
  const usable = optimum.verified?.ok === true;
  const gaps: StageGap[] = verdict.objectives.map((value, s) => {
    const best = usable ? (optimum.objective[s] ?? null) : null;
    return {
      stage: optimum.stageNames[s] ?? `stage ${s + 1}`,
      value,
      optimum: best,
      proven: proven && best !== null,
      absolute: best === null ? null : value - best,
      relative: best === null ? null : relativeGap(value, best),
    };
  });
  // Layer stages are promises, judged below with the constraint tolerance; the gate's gap is for the objectives.
  let tooFar = false;
  if (maxGap < Infinity) {
    for (const gap of gaps.slice(senior)) {
      if (gap.optimum === null) {
        undecided.push(`${gap.stage}: no optimum to measure the gap against (${optimum.status}${optimum.message ? `: ${optimum.message}` : ""})`);
        continue;
      }
      // A zero optimum and a value beyond rounding: an infinite relative gap. Overshoot is money,
      // judged like coverage; fractions at 1e-9; counts are whole numbers.
      const dust = gap.stage === "overshoot" ? allowance(tolerance(wave), wave.budget) : 1e-9;
      const above = gap.relative === null ? gap.absolute! > dust : gap.relative > maxGap;
      if (above) tooFar = true;
      else if (!gap.proven) {
        undecided.push(`${gap.stage}: the optimum is not proven (${optimum.status} via ${optimum.path}); the gap is at least ${describeGap(gap)}, the true gap may be larger than ${maxGap}`);
      }
    }
  }

  const seniority = await decideSeniority(wave, verdict, optimum, request, senior);
  if (!seniority.decision.decided && wave.layers && senior > 0) undecided.push(...seniority.why);
  const violations = [...verdict.violations, ...seniority.violations];
  const outcome: Outcome = violations.length > 0 || !verdict.ok || tooFar ? "fail" : undecided.length > 0 ? "undecided" : "pass";

  const total = new CompensatedSum();
  for (let i = 0; i < allocation.haircut.length; i++) total.add(allocation.haircut[i]!);
  const sum = total.value;
  const budget = wave.budget;
  return {
    verdict,
    optimum,
    gaps,
    maxGap,
    outcome,
    pass: outcome === "pass",
    violations,
    seniority: seniority.decision,
    undecided: outcome === "undecided" ? undecided : [],
    totals: { total: sum, budget, overshoot: Math.max(0, sum - budget), shortfall: Math.max(0, budget - sum) },
  };
}

/** The wave's exact mechanism (src/mechanism), its solver answer whole: stages, status, verdict. */
async function optimumOf(wave: Wave, request: SolveRequest): Promise<SolveResult> {
  return (await exactMechanism().run(wave, { solve: request })).solve;
}

function describeGap(gap: StageGap): string {
  return gap.relative !== null ? `${(100 * gap.relative).toFixed(4)}%` : `${gap.absolute} (absolute)`;
}

/**
 * Seniority decided against the solved seniority stages. The minima come from the optimum when it
 * is proven (its seniority stages were solved first and proven), else from a solve of the seniority
 * stages alone. A verified allocation with smaller senior totals is a witness: an allocation whose
 * totals exceed it (lexicographically, beyond the allowance) is definitely not seniority-optimal,
 * proven or not. Equal or smaller counts as decided only when the minima are proven.
 */
async function decideSeniority(
  wave: Wave,
  verdict: Verdict,
  optimum: SolveResult,
  request: SolveRequest,
  senior: number,
): Promise<{ decision: SeniorityDecision; violations: Violation[]; why: string[] }> {
  if (!wave.layers || senior === 0) return { decision: { decidedBy: "none", decided: true, layers: [] }, violations: [], why: [] };
  // The verifier's closed form decides exactly without lots and maxAccounts (see checkSeniority).
  const closedForm = !wave.positions && wave.model.maxAccounts === undefined;
  const names = wave.layers.names;
  const taken = verdict.objectives.slice(0, senior);
  const layerName = (s: number): string => names[names.length - 1 - s]!;

  let minima: { values: readonly number[]; proven: boolean; source: string } | undefined;
  const witness = (result: SolveResult, label: string): typeof minima =>
    result.verified?.ok && result.objective.length >= senior
      ? { values: result.objective.slice(0, senior), proven: provenOptimum(result), source: `${label} (${result.path}, ${provenOptimum(result) ? "proven" : `${result.status}, not proven`})` }
      : undefined;
  minima = witness(optimum, "the optimum");
  if (!closedForm && !minima?.proven && optimum.status !== "infeasible") {
    // Only the seniority stages: no objective after them, so a limit in a later stage cannot hide them.
    const stagesOnly = await optimumOf({ ...wave, objectives: [] }, request);
    minima = witness(stagesOnly, "a seniority-only solve") ?? minima;
  }
  if (taken.length < senior || !minima) {
    return {
      decision: { decidedBy: closedForm ? "verifier" : "none", decided: closedForm, layers: [] },
      violations: [],
      why: [`seniority: no verified allocation of the seniority stages to compare with (optimum ${optimum.status}${optimum.message ? `: ${optimum.message}` : ""})`],
    };
  }

  const tol = tolerance(wave);
  const layers: LayerCheck[] = [];
  const violations: Violation[] = [];
  let decided = minima.proven;
  let why: string | undefined;
  let drifted = false;
  for (let s = 0; s < senior; s++) {
    const least = minima.values[s]!;
    const a = taken[s]!;
    const allowed = allowance(tol, least);
    layers.push({ layer: layerName(s), taken: a, least, proven: minima.proven, tolerance: allowed });
    if (a - least > allowed) {
      const seniorOnes = names.slice(names.length - s);
      const given = seniorOnes.length > 0 ? ` with ${seniorOnes.join("/")} at ${seniorOnes.length > 1 ? "their minima" : "its minimum"}` : "";
      violations.push({
        constraint: "seniority",
        amount: a - least,
        message:
          `${fmt(a)} taken from ${layerName(s)} but ${fmt(least)} is ${minima.proven ? "the least possible" : "possible"}${given} ` +
          `(${minima.source}): ${layerName(s)} touched while junior capacity was left`,
      });
      decided = true;
      break;
    }
    if (least - a > allowed) {
      // Less than the witness: fine after a tolerated trade on a more senior layer; against a proven
      // minimum with no such trade, the proof itself is contradicted.
      if (!drifted && minima.proven) {
        decided = false;
        why = `seniority: the allocation takes ${fmt(a)} from ${layerName(s)}, less than the solver's proven minimum ${fmt(least)} (${minima.source}); the proof is contradicted`;
      }
      break;
    }
    if (a > least) drifted = true;
  }
  if (!decided && why === undefined) {
    why = `seniority: with ${wave.positions ? "lots" : "maxAccounts"} only solving the seniority stages decides it, and they were not proven (${minima.source})`;
  }
  // The closed form decides without lots and maxAccounts; the stages then only add a definite
  // violation the verifier did not already report.
  const final = closedForm || decided;
  const reported = verdict.violations.some((v) => v.constraint === "seniority" && v.account === undefined);
  return {
    decision: { decidedBy: closedForm ? "verifier" : "stages", decided: final, layers, source: minima.source },
    violations: closedForm && reported ? [] : violations,
    why: final ? [] : [why!],
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(12))) : String(x);
}

/**
 * The `adl validate --json` object: `outcome` (pass, fail, undecided) and `pass`, every violation,
 * the verifier's tolerance and notes, the reasons for undecided, totals (total, budget, overshoot,
 * shortfall), the seniority decision, each stage's gap (with `proven`), the optimum's status and
 * path, and what was read from the file. O(violations + stages).
 */
export function validationJson(validation: Validation, file?: AllocationFile): object {
  return {
    outcome: validation.outcome,
    pass: validation.pass,
    violations: validation.violations,
    tolerance: validation.verdict.tolerance,
    notes: validation.verdict.notes,
    undecided: validation.undecided,
    totals: validation.totals,
    seniority: validation.seniority,
    gaps: validation.gaps,
    maxGap: Number.isFinite(validation.maxGap) ? validation.maxGap : null,
    optimum: {
      status: validation.optimum.status,
      path: validation.optimum.path,
      proven: provenOptimum(validation.optimum),
      ...(validation.optimum.message ? { message: validation.optimum.message } : {}),
    },
    ...(file ? { allocation: { file: file.file, rows: file.rows, haircutFrom: file.haircutFrom, givenLayers: file.givenLayers, derivedLayers: file.derivedLayers } } : {}),
  };
}
