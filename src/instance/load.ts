/**
 * Accounts and positions files (CSV or JSON) → columnar, validated tables.
 *
 * Places in messages: `row N` is the 1-based DATA row — row 1 is the first record after the CSV
 * header (blank lines are skipped and not counted), or element [0] of a JSON array of rows, or
 * index [0] of every array of a columnar JSON object. CSV errors add the file line where the
 * record ends ("line N of the file", header = line 1); JSON errors add the element index.
 * `column` is the name as written in the file's header.
 *
 * Cells become numbers only through decimal notation (`12`, `-3.5`, `1e6`, surrounding spaces
 * allowed); hex, `Infinity`, empty cells, `=1+2` and the like are errors, never guesses. Ids are
 * kept verbatim as strings (unicode, `=cmd|…` formula-like text included: nothing here evaluates
 * them); a JSON id may also be an integer, kept as its decimal text.
 *
 * CSV is read with csv-parse's sync API one chunk (a few MB, cut at record boundaries) at a time:
 * each record fills the typed arrays and is dropped, so only the ids stay as strings.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import type { AccountTable, PositionTable } from "../domain.js";
import { InstanceError, describeReadError, didYouMean } from "../errors.js";
import { applyDeriveAndScale, planAccountColumns, positionRenames, type AccountColumnPlan, type ColumnMapping } from "./mapping.js";

/** Options for loadAccounts. */
export interface AccountOptions {
  /**
   * Seniority layer columns (the model's `constraints.seniority`), junior first. Present layer
   * columns are checked >= 0; when the file has no `capacity` column, capacity is their sum; when it
   * has both, they must agree within 1e-9 relative + 1e-12 absolute.
   */
  readonly layers?: readonly string[];
  /** Renames file columns to table columns, e.g. `{ "Account": "id", "cap_usd": "capacity" }`. */
  readonly rename?: Readonly<Record<string, string>>;
  /**
   * A column mapping (src/instance/mapping.ts): renames, derived columns and scale factors. Cell
   * errors still name the file's own (source) column; derived and scaled values are checked after.
   */
  readonly mapping?: ColumnMapping;
}

/** Relative and absolute tolerance with which capacity must equal the sum of its layers. */
export const LAYER_SUM_TOLERANCE = { relative: 1e-9, absolute: 1e-12 } as const;

const INT32_MAX = 2_147_483_647;

/** What a numeric column's values must be, by column name. */
interface Rule {
  readonly accepts: (value: number) => boolean;
  readonly expected: string;
}

const FINITE: Rule = { accepts: Number.isFinite, expected: "a finite number" };
const NON_NEGATIVE: Rule = { accepts: (v) => Number.isFinite(v) && v >= 0, expected: "a finite number >= 0" };
const POSITIVE: Rule = { accepts: (v) => Number.isFinite(v) && v > 0, expected: "a finite number > 0" };
const LOT_COUNT: Rule = {
  accepts: (v) => Number.isInteger(v) && v >= 0 && v <= INT32_MAX,
  expected: "a whole number of lots from 0 to 2,147,483,647",
};

const KNOWN_RULES: Readonly<Record<string, Rule>> = {
  capacity: NON_NEGATIVE,
  risk_weight: POSITIVE,
  lot_value: POSITIVE,
  lots: LOT_COUNT,
};

// ---------------------------------------------------------------------------------------------
// Reading cells
// ---------------------------------------------------------------------------------------------

const NOT_DECIMAL = /[xob]/i;

/** A cell's number in decimal notation, or NaN. Number() alone would also read "", "0x1f", "0b1". */
function numberOf(cell: unknown): number {
  if (typeof cell === "number") return cell;
  if (typeof cell !== "string" || cell.length === 0) return NaN;
  const value = Number(cell);
  if (Number.isNaN(value) || (value === 0 && cell.trim() === "")) return NaN;
  // Only 0x/0b/0o literals can sneak through Number(), and they always read as integers.
  if (Number.isInteger(value) && NOT_DECIMAL.test(cell)) return NaN;
  return value;
}

function clip(text: string, limit = 60): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** A cell as the user wrote it. */
function shown(cell: unknown): string {
  if (cell === undefined) return "nothing";
  if (cell === null) return "null";
  if (typeof cell === "string") return clip(JSON.stringify(cell));
  if (typeof cell === "number") return String(cell);
  if (Array.isArray(cell)) return "a list";
  if (typeof cell === "object") return "an object";
  return clip(String(cell));
}

/** Where a data row is, for messages. */
interface RowAt {
  readonly row: number;
  /** CSV: the file line where the record ends. */
  readonly line?: number;
  /** JSON: e.g. "element [12]". */
  readonly element?: string;
}

function rowError(file: string, at: RowAt, field: string | undefined, expected: string, found: string, hint?: string): InstanceError {
  const where = at.line !== undefined ? `line ${at.line.toLocaleString("en-US")} of the file` : at.element;
  const hints = [hint, where].filter((h): h is string => h !== undefined).join("; ");
  return new InstanceError({ file, row: at.row, ...(field !== undefined ? { field } : {}) }, expected, found, hints || undefined);
}

function listed(names: readonly string[]): string {
  return names.length === 0 ? "no columns" : `columns ${clip(names.join(", "), 200)}`;
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const found = describeReadError(error);
    throw new InstanceError({ file: path }, `a readable ${what} file (CSV or JSON)`, found);
  }
}

// ---------------------------------------------------------------------------------------------
// Tables: CSV or JSON into a header plus rows of cells
// ---------------------------------------------------------------------------------------------

/** Receives the header once, and returns what receives each data row (cells aligned with it). */
type HeaderSink = (header: readonly string[], rowsAtMost: number) => (cells: ArrayLike<unknown>, at: RowAt) => void;

function isJson(path: string, text: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === ".json") return true;
  if (extension === ".csv" || extension === ".tsv") return false;
  return /^\s*[[{]/.test(text.slice(0, 256));
}

/** Upper bound on data rows from the newline count; typed arrays are sized once, then trimmed. */
function rowBound(bytes: Buffer): number {
  const newlines = countNewlines(bytes, 0, bytes.length);
  const last = bytes[bytes.length - 1];
  return Math.max(1, newlines + (last === 10 || last === 13 ? 0 : 1) - 1);
}

function countQuotes(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = bytes.indexOf(34, from); at !== -1 && at < to; at = bytes.indexOf(34, at + 1)) count++;
  return count;
}

function countByte(bytes: Buffer, byte: number, from: number, to: number): number {
  let count = 0;
  for (let at = bytes.indexOf(byte, from); at !== -1 && at < to; at = bytes.indexOf(byte, at + 1)) count++;
  return count;
}

/** Line breaks in [from, to): \n, or \r alone in old Mac files (\r\n counts once). */
function countNewlines(bytes: Buffer, from: number, to: number): number {
  return Math.max(countByte(bytes, 10, from, to), countByte(bytes, 13, from, to));
}

const CSV_CHUNK_BYTES = 1 << 22;

/**
 * Splits CSV bytes into pieces that end at record boundaries: a newline after an even number of
 * quote characters (RFC 4180 quoting toggles on every `"`, and an escaped `""` toggles twice).
 */
function csvChunks(bytes: Buffer): { start: number; end: number }[] {
  const chunks: { start: number; end: number }[] = [];
  let start = 0;
  while (start < bytes.length) {
    let newline = bytes.indexOf(10, Math.min(bytes.length, start + CSV_CHUNK_BYTES) - 1);
    let quotes = newline === -1 ? 0 : countQuotes(bytes, start, newline);
    while (newline !== -1 && quotes % 2 === 1) {
      const next = bytes.indexOf(10, newline + 1);
      quotes += countQuotes(bytes, newline, next === -1 ? bytes.length : next);
      newline = next;
    }
    const end = newline === -1 ? bytes.length : newline + 1;
    chunks.push({ start, end });
    start = end;
  }
  return chunks;
}

/** A CSV row's place; its file line is worked out only when a message needs it. */
class CsvRowAt implements RowAt {
  constructor(
    readonly row: number,
    private readonly chunk: Buffer,
    private readonly options: object,
    private readonly firstLine: number,
    private readonly index: number,
  ) {}

  get line(): number {
    let line = this.firstLine;
    let k = 0;
    parseCsv(this.chunk, {
      ...this.options,
      on_record: (_record: string[], context) => {
        if (k++ === this.index) line = this.firstLine - 1 + context.lines;
        return null;
      },
    });
    return line;
  }
}

/**
 * CSV through csv-parse's sync API one chunk at a time (a few MB of records alive at once, never
 * the whole file's records); each record fills the sink and is dropped.
 */
function readCsv(file: string, bytes: Buffer, delimiter: string, sink: HeaderSink): number {
  let onRow: ((cells: ArrayLike<unknown>, at: RowAt) => void) | undefined;
  let width = 0;
  let rows = 0;
  let firstLine = 1;
  const options = { bom: true, delimiter, relax_column_count: true, skip_empty_lines: true };
  for (const { start, end } of csvChunks(bytes)) {
    const chunk = bytes.subarray(start, end);
    let records: string[][];
    try {
      records = parseCsv(chunk, options) as string[][];
    } catch (error) {
      const lines = (error as { lines?: number }).lines;
      const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "").replace(/ at line \d+/, "");
      throw new InstanceError(
        { file },
        "well-formed CSV (quotes closed, fields separated by commas)",
        clip(message, 160),
        lines !== undefined ? `line ${(firstLine - 1 + lines).toLocaleString("en-US")} of the file` : undefined,
      );
    }
    for (let k = 0; k < records.length; k++) {
      const record = records[k]!;
      if (onRow === undefined) {
        width = record.length;
        onRow = sink(record, rowBound(bytes));
        continue;
      }
      rows++;
      const at = new CsvRowAt(rows, chunk, options, firstLine, k);
      if (record.length !== width) {
        throw rowError(file, at, undefined, `${width} fields, as in the header`, `${record.length} field${record.length === 1 ? "" : "s"}`);
      }
      onRow(record, at);
    }
    firstLine += countNewlines(bytes, start, end);
  }
  if (onRow === undefined) throw new InstanceError({ file }, "a header row and at least one data row", "an empty file");
  return rows;
}

function jsonSyntaxError(file: string, text: string, error: unknown): InstanceError {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  let hint: string | undefined;
  if (position) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split("\n").length;
    hint = `line ${line}, column ${Number(position[1]) - before.lastIndexOf("\n")} of the file`;
  }
  return new InstanceError({ file }, "valid JSON", clip(message.split("\n")[0]!, 160), hint);
}

function readJson(file: string, text: string, sink: HeaderSink): number {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(file, text, error);
  }
  const shape = "an array of row objects, or an object of equally long column arrays";
  if (Array.isArray(data)) {
    if (data.length === 0) throw new InstanceError({ file }, "at least one row", "an empty array");
    const first = data[0] as unknown;
    if (first === null || typeof first !== "object" || Array.isArray(first)) {
      throw rowError(file, { row: 1, element: "element [0]" }, undefined, "a row object such as {\"id\": …, \"capacity\": …}", shown(first));
    }
    const header = Object.keys(first);
    const onRow = sink(header, data.length);
    const cells = new Array<unknown>(header.length);
    const known = new Set(header);
    data.forEach((element: unknown, k) => {
      const at: RowAt = { row: k + 1, element: `element [${k}]` };
      if (element === null || typeof element !== "object" || Array.isArray(element)) {
        throw rowError(file, at, undefined, "a row object", shown(element));
      }
      const row = element as Record<string, unknown>;
      for (let c = 0; c < header.length; c++) {
        const value = row[header[c]!];
        if (value === undefined) throw rowError(file, at, header[c], "a value (every row has the first row's keys)", "no such key");
        cells[c] = value;
      }
      const keys = Object.keys(row);
      if (keys.length !== header.length) {
        const extra = keys.find((key) => !known.has(key))!;
        const near = didYouMean(extra, header);
        throw rowError(file, at, extra, `only the first row's keys (${clip(header.join(", "), 120)})`, `the key ${JSON.stringify(extra)}`, near ? `did you mean "${near}"?` : undefined);
      }
      onRow(cells, at);
    });
    return data.length;
  }
  if (data !== null && typeof data === "object") {
    const header = Object.keys(data);
    const columns = header.map((name) => (data as Record<string, unknown>)[name]);
    columns.forEach((column, c) => {
      if (!Array.isArray(column)) {
        throw new InstanceError({ file, field: header[c]! }, "an array of values (columnar JSON)", shown(column));
      }
    });
    const arrays = columns as unknown[][];
    const length = arrays[0]?.length ?? 0;
    arrays.forEach((column, c) => {
      if (column.length !== length) {
        throw new InstanceError(
          { file, field: header[c]! },
          `${length} values, as many as column ${header[0]} has`,
          `${column.length}`,
        );
      }
    });
    if (length === 0) throw new InstanceError({ file }, "at least one row", header.length === 0 ? "an empty object" : "empty columns");
    const onRow = sink(header, length);
    const cells = new Array<unknown>(header.length);
    for (let k = 0; k < length; k++) {
      for (let c = 0; c < arrays.length; c++) cells[c] = arrays[c]![k];
      onRow(cells, { row: k + 1, element: `index [${k}]` });
    }
    return length;
  }
  throw new InstanceError({ file }, shape, shown(data));
}

/** Reads a CSV/TSV/JSON table and feeds it to `sink`; returns the number of data rows (>= 1). */
function readTable(path: string, what: string, sink: HeaderSink): number {
  const bytes = readBytes(path, what);
  const text = bytes.toString("utf8", 0, Math.min(bytes.length, 256));
  if (/^\uFEFF?\s*$/.test(text) && bytes.length <= 256) {
    throw new InstanceError({ file: path }, "a header row and at least one data row", "an empty file");
  }
  if (isJson(path, text)) return readJson(path, bytes.toString("utf8").replace(/^\uFEFF/, ""), sink);
  const rows = readCsv(path, bytes, extname(path).toLowerCase() === ".tsv" ? "\t" : ",", sink);
  if (rows === 0) throw new InstanceError({ file: path }, "at least one data row after the header", "only the header");
  return rows;
}

/** Header names checked: non-empty, unique, renamed; CSV header cells are trimmed. */
function checkHeader(
  file: string,
  raw: readonly string[],
  rename?: Readonly<Record<string, string>> | ((written: string) => string | undefined),
): { names: string[]; written: string[] } {
  const written = raw.map((name) => String(name).trim());
  // A mapping may skip columns (undefined): they are neither named nor loaded.
  const names = written.map((name) => (typeof rename === "function" ? rename(name) : (rename?.[name] ?? name))) as string[];
  const seen = new Map<string, number>();
  names.forEach((name, c) => {
    if (name === undefined) return;
    if (name === "") {
      throw new InstanceError({ file }, "a name for every header column", `an empty name in header column ${c + 1}`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new InstanceError({ file, field: written[c]! }, "distinct column names", `${JSON.stringify(name)} twice (columns ${first + 1} and ${c + 1})`);
    }
    seen.set(name, c);
  });
  return { names, written };
}

function requireColumn(file: string, names: readonly string[], written: readonly string[], name: string, why: string): number {
  const index = names.indexOf(name);
  if (index !== -1) return index;
  const near = didYouMean(name, written);
  throw new InstanceError(
    { file, field: name },
    `a column ${name} (${why})`,
    listed(written),
    near ? `did you mean "${near}"? or rename it` : undefined,
  );
}

/** An id cell as a string; rejects empty and whitespace-only ids. */
function idOf(file: string, cell: unknown, at: RowAt, field: string): string {
  const id = typeof cell === "string" ? cell : typeof cell === "number" && Number.isSafeInteger(cell) ? String(cell) : undefined;
  if (id === undefined) throw rowError(file, at, field, "an id (a string, or an integer in JSON)", shown(cell));
  if (id.trim() === "") throw rowError(file, at, field, "a non-empty id", shown(cell));
  return id;
}

/** A typed array with room for index `k`: bounds are estimates, never trusted for memory safety. */
function room<T extends Float64Array | Int32Array>(array: T, k: number): T {
  if (k < array.length) return array;
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(16, 2 * array.length));
  bigger.set(array);
  return bigger;
}

/** Typed arrays are sized by an upper bound; cut to the rows actually read. */
function trimmed<T extends Float64Array | Int32Array>(array: T, rows: number): T {
  return (array.length === rows ? array : array.slice(0, rows)) as T;
}

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

/**
 * Reads an accounts table from CSV (header row; `.tsv` is tab-separated) or JSON (an array of
 * row objects, or `{ "id": [...], "capacity": [...], ... }`). Requires a unique, non-empty `id` per
 * row; every other column must be numeric and finite; `capacity` and layer columns >= 0,
 * `risk_weight` and `lot_value` > 0, `lots` a whole number >= 0. Capacity comes from the
 * `capacity` column or, when absent, from the sum of `options.layers` (see AccountOptions).
 * Throws InstanceError naming the file, the data row (see the module comment), the column, what
 * was expected and what was found. Time O(rows * columns); memory: the file's bytes, one
 * Float64Array per column and the ids.
 */
export function loadAccounts(path: string, options: AccountOptions = {}): AccountTable {
  const layers = options.layers ?? [];
  let names: string[] = [];
  let written: string[] = [];
  let idIndex = -1;
  let numeric: number[] = [];
  let rules: Rule[] = [];
  let arrays: Float64Array[] = [];
  const ids: string[] = [];
  const seen = new Set<string>();

  const mapping = options.mapping;
  let plan: AccountColumnPlan | undefined;
  // Own keys only: a column named `constructor` or `__proto__` must not find Object.prototype's.
  const ruleOf = (name: string): Rule => (Object.hasOwn(KNOWN_RULES, name) ? KNOWN_RULES[name]! : layers.includes(name) ? NON_NEGATIVE : FINITE);

  const rows = readTable(path, "accounts", (header, rowsAtMost) => {
    plan = mapping ? planAccountColumns(mapping, header.map((name) => String(name).trim()), path) : undefined;
    ({ names, written } = checkHeader(path, header, plan ? plan.nameOf : options.rename));
    idIndex = requireColumn(path, names, written, "id", "one unique account id per row");
    // Loaded: every named column but the id, and (under a mapping) the columns a derive reads.
    numeric = names.map((_, c) => c).filter((c) => c !== idIndex && (names[c] !== undefined || plan?.derivedFrom.has(written[c]!)));
    rules = numeric.map((c) => (names[c] === undefined ? FINITE : ruleOf(names[c]!)));
    arrays = numeric.map(() => new Float64Array(rowsAtMost));
    return (cells, at) => {
      const id = idOf(path, cells[idIndex], at, written[idIndex]!);
      if (seen.size === seen.add(id).size) {
        const first = ids.indexOf(id) + 1;
        throw rowError(path, at, written[idIndex], "a unique id", `${clip(JSON.stringify(id))}, already the id of row ${first.toLocaleString("en-US")}`);
      }
      const k = ids.length;
      ids.push(id);
      if (arrays.length > 0 && k >= arrays[0]!.length) arrays = arrays.map((array) => room(array, k));
      for (let j = 0; j < numeric.length; j++) {
        const cell = cells[numeric[j]!];
        const value = numberOf(cell);
        const rule = rules[j]!;
        if (!rule.accepts(value)) throw rowError(path, at, written[numeric[j]!], rule.expected, shown(cell), plan?.hintOf(written[numeric[j]!]!));
        arrays[j]![k] = value;
      }
    };
  });

  const columns = new Map<string, Float64Array>();
  const raw = new Map<string, Float64Array>();
  numeric.forEach((c, j) => {
    const values = trimmed(arrays[j]!, rows);
    if (names[c] !== undefined) columns.set(names[c]!, values);
    raw.set(written[c]!, values);
  });
  if (mapping) applyDeriveAndScale(mapping, raw, columns, rows, path, ruleOf);
  const layerColumns = layers.map((name) => columns.get(name));
  const allLayers = layers.length > 0 && layerColumns.every((column) => column !== undefined);
  let capacity = columns.get("capacity");
  if (capacity === undefined) {
    if (!allLayers) {
      const near = didYouMean("capacity", written);
      const missing = layers.filter((_, l) => layerColumns[l] === undefined);
      throw new InstanceError(
        { file: path, field: "capacity" },
        layers.length > 0 ? `a capacity column, or every seniority layer column (${layers.join(", ")}) to sum` : "a capacity column",
        `${listed(written)}${missing.length > 0 && layers.length > 0 ? ` (no ${missing.join(", ")})` : ""}`,
        near ? `did you mean "${near}"?` : undefined,
      );
    }
    capacity = layerSum(layerColumns as Float64Array[], rows);
    columns.set("capacity", capacity);
  } else if (allLayers) {
    const mismatch = layerMismatch(capacity, layerColumns as Float64Array[], rows);
    if (mismatch !== undefined) {
      throw rowError(
        path,
        { row: mismatch.row + 1 },
        written[names.indexOf("capacity")] ?? "capacity",
        `the sum of the layers ${layers.join(" + ")} = ${mismatch.sum} (within 1e-9 relative)`,
        `${capacity[mismatch.row]}`,
        `id ${clip(JSON.stringify(ids[mismatch.row]))}`,
      );
    }
  }
  return { file: path, ids, capacity, columns };
}

/** Sum of the layer columns, row by row. */
export function layerSum(layers: readonly Float64Array[], rows: number): Float64Array {
  const sum = new Float64Array(rows);
  for (const layer of layers) for (let i = 0; i < rows; i++) sum[i] = sum[i]! + layer[i]!;
  return sum;
}

/**
 * The first row (0-based) whose capacity differs from the sum of its layers by more than
 * LAYER_SUM_TOLERANCE, or undefined. O(rows * layers).
 */
export function layerMismatch(capacity: Float64Array, layers: readonly Float64Array[], rows: number): { row: number; sum: number } | undefined {
  const sum = layerSum(layers, rows);
  for (let i = 0; i < rows; i++) {
    const c = capacity[i]!;
    const s = sum[i]!;
    if (!(Math.abs(c - s) <= LAYER_SUM_TOLERANCE.relative * Math.max(Math.abs(c), Math.abs(s)) + LAYER_SUM_TOLERANCE.absolute)) {
      return { row: i, sum: s };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------------------------

/**
 * Reads a positions table (CSV or JSON, same shapes as loadAccounts) with columns `account_id`
 * (an id of `accounts`), optional `market` (any string), `lot_value` (> 0) and `lots` (a whole
 * number >= 0, at most 2^31 - 1); other columns are ignored. An account may have any number of
 * positions, including none. Throws InstanceError naming the file, data row, column, expected and
 * found; an unknown account id names the accounts file too.
 */
export function loadPositions(path: string, accounts: AccountTable, mapping?: ColumnMapping): PositionTable {
  const indexOf = new Map<string, number>();
  accounts.ids.forEach((id, i) => indexOf.set(id, i));
  let account = new Int32Array(0);
  let lotValue = new Float64Array(0);
  let lots = new Int32Array(0);
  const market: string[] = [];

  const rows = readTable(path, "positions", (header, rowsAtMost) => {
    const rename = mapping ? positionRenames(mapping, header.map((name) => String(name).trim()), path) : undefined;
    const { names, written } = checkHeader(path, header, rename);
    const accountIndex = requireColumn(path, names, written, "account_id", `an id of ${accounts.file}`);
    const lotValueIndex = requireColumn(path, names, written, "lot_value", "wealth moved per lot closed, > 0");
    const lotsIndex = requireColumn(path, names, written, "lots", "whole lots held, >= 0");
    const marketIndex = names.indexOf("market");
    account = new Int32Array(rowsAtMost);
    lotValue = new Float64Array(rowsAtMost);
    lots = new Int32Array(rowsAtMost);
    return (cells, at) => {
      const id = idOf(path, cells[accountIndex], at, written[accountIndex]!);
      const index = indexOf.get(id);
      if (index === undefined) {
        const near = accounts.ids.length <= 5_000 ? didYouMean(id, accounts.ids) : undefined;
        throw rowError(path, at, written[accountIndex], `an id of ${accounts.file}`, clip(JSON.stringify(id)), near ? `did you mean "${near}"?` : undefined);
      }
      const k = market.length;
      if (k >= account.length) {
        account = room(account, k);
        lotValue = room(lotValue, k);
        lots = room(lots, k);
      }
      account[k] = index;
      const v = numberOf(cells[lotValueIndex]);
      if (!POSITIVE.accepts(v)) throw rowError(path, at, written[lotValueIndex], POSITIVE.expected, shown(cells[lotValueIndex]));
      lotValue[k] = v;
      const q = numberOf(cells[lotsIndex]);
      if (!LOT_COUNT.accepts(q)) throw rowError(path, at, written[lotsIndex], LOT_COUNT.expected, shown(cells[lotsIndex]));
      lots[k] = q;
      const name = marketIndex === -1 ? "" : cells[marketIndex];
      if (name !== null && name !== undefined && typeof name !== "string") {
        throw rowError(path, at, written[marketIndex], "a market name (a string)", shown(name));
      }
      market.push(name ?? "");
    };
  });
  return { file: path, account: trimmed(account, rows), market, lotValue: trimmed(lotValue, rows), lots: trimmed(lots, rows) };
}
