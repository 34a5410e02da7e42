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
 * CSV is read in one pass, 4 MiB at a time, by a byte-level RFC 4180 scanner (quotes, "" escapes,
 * \n, \r\n or \r line breaks, a UTF-8 BOM): each field is a byte range, numbers are parsed from
 * the bytes into Float64Array/Int32Array columns. Account ids are bytes in one heap (id-column.ts)
 * until `table.ids` is first read; a position's account id is looked up by its bytes, and markets
 * are one string per distinct name. Accounts and positions files take a fused fast path for plain
 * records (plain-records.ts: scan and parse in one pass, no per-cell call); any record it cannot
 * take whole comes back here, so every error is this reader's. Ids are checked for duplicates
 * after the read, or at its first error, whichever comes first: the error reported is still the
 * one of the earliest row (a duplicate id before a bad cell of the same row). Files are regular files of at most ADL_MAX_INPUT_BYTES (default 1 GiB): devices, FIFOs
 * and directories are refused before anything is read.
 *
 * Ids that differ only by case, surrounding spaces or Unicode normalization (NFC) are one trader
 * written two ways: a one-line warning naming the rows, or an error under `strictIds`.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { extname } from "node:path";
import type { AccountTable, PositionTable } from "../../domain.js";
import { InstanceError, describeReadError, didYouMean } from "../../errors.js";
import { DEFAULT_TABLE_LIMIT_BYTES, INPUT_LIMIT_ENV, describeBytes, inputLimit, kindOf } from "../../floor/io/bounded-read.js";
import { applyDeriveAndScale, planAccountColumns, positionRenames, type AccountColumnPlan, type ColumnMapping } from "./mapping.js";
import { IdColumn, IdIndex, idKey, lazyIds } from "./id-column.js";
import { ID, KEY, NUMBER, PlainRecords, SKIP, TEXT, longDecimal } from "./plain-records.js";

export { idKey };

/** Options of every table reader. */
export interface TableOptions {
  /** Largest accepted file in bytes; default ADL_MAX_INPUT_BYTES, else DEFAULT_TABLE_LIMIT_BYTES. */
  readonly maxBytes?: number;
  /** Bytes read at a time (default 4 MiB); tests use a few bytes to cut records at every place. */
  readonly chunkBytes?: number;
  /**
   * false reads every CSV record through the general reader, without the fused fast path for plain
   * records (plain-records.ts): the reference the fast path is tested against. Default true.
   */
  readonly fastPath?: boolean;
}

/** Options for loadAccounts. */
export interface AccountOptions extends TableOptions {
  /**
   * Seniority layer columns (the model's `constraints.seniority`), junior first. Present layer
   * columns are checked >= 0; when the file has no `capacity` column, capacity is their sum; when it
   * has both, they must agree within 1e-9 relative + 1e-12 absolute.
   */
  readonly layers?: readonly string[];
  /** Renames file columns to table columns, e.g. `{ "Account": "id", "cap_usd": "capacity" }`. */
  readonly rename?: Readonly<Record<string, string>>;
  /**
   * A column mapping (src/pipeline/instance/mapping.ts): renames, derived columns and scale factors. Cell
   * errors still name the file's own (source) column; derived and scaled values are checked after.
   */
  readonly mapping?: ColumnMapping;
  /**
   * Ids that differ only by case, surrounding spaces or Unicode normalization (NFC) — one trader
   * written two ways, e.g. an address in checksum and in lower case — are an InstanceError naming
   * both rows, instead of a warning.
   */
  readonly strictIds?: boolean;
  /** Receives the near-duplicate warning (one line); default: written to stderr as `adl: warning: …`. */
  readonly onWarning?: (message: string) => void;
}

/** Relative and absolute tolerance with which capacity must equal the sum of its layers. */
export const LAYER_SUM_TOLERANCE = { relative: 1e-9, absolute: 1e-12 } as const;

const INT32_MAX = 2_147_483_647;

/** What a numeric column's values must be, by column name. */
interface Rule {
  readonly accepts: (value: number) => boolean;
  readonly expected: string;
  /** The same test as a code for the CSV loop (one call site per rule kind, see admits). */
  readonly kind: 0 | 1 | 2 | 3;
}

const FINITE: Rule = { accepts: Number.isFinite, expected: "a finite number", kind: 0 };
const NON_NEGATIVE: Rule = { accepts: (v) => Number.isFinite(v) && v >= 0, expected: "a finite number >= 0", kind: 1 };
const POSITIVE: Rule = { accepts: (v) => Number.isFinite(v) && v > 0, expected: "a finite number > 0", kind: 2 };
const LOT_COUNT: Rule = {
  accepts: (v) => Number.isInteger(v) && v >= 0 && v <= INT32_MAX,
  expected: "a whole number of lots from 0 to 2,147,483,647",
  kind: 3,
};

/** Rule.accepts by kind, without a call through a function value per cell. */
function admits(kind: number, v: number): boolean {
  switch (kind) {
    case 0:
      return v - v === 0;
    case 1:
      return v - v === 0 && v >= 0;
    case 2:
      return v - v === 0 && v > 0;
    default:
      return Number.isInteger(v) && v >= 0 && v <= INT32_MAX;
  }
}

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

// ---------------------------------------------------------------------------------------------
// Reading files: regular files only, with a size limit
// ---------------------------------------------------------------------------------------------

/** The byte limit: options, else ADL_MAX_INPUT_BYTES, else DEFAULT_TABLE_LIMIT_BYTES (src/floor/io/bounded-read.ts). */
function tableLimit(explicit: number | undefined): number {
  return explicit ?? inputLimit(DEFAULT_TABLE_LIMIT_BYTES);
}

/**
 * An open table file, read in chunks. Opened non-blocking (a FIFO would otherwise wait for a writer
 * forever) and checked with fstat on the descriptor: a regular file of at most `limit` bytes. A file
 * that grows past the limit while it is read is refused too.
 */
class TableFile {
  readonly fd: number;
  readonly size: number;
  private read = 0;

  constructor(
    readonly path: string,
    readonly what: string,
    readonly limit: number,
  ) {
    try {
      this.fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw new InstanceError({ file: path }, `a readable ${what} file (CSV or JSON)`, describeReadError(error));
    }
    const info = fstatSync(this.fd);
    if (!info.isFile()) {
      this.close();
      throw new InstanceError({ file: path }, `a regular ${what} file (CSV or JSON)`, kindOf(info));
    }
    if (info.size > limit) {
      this.close();
      throw this.tooLarge(describeBytes(info.size));
    }
    this.size = info.size;
  }

  private tooLarge(found: string): InstanceError {
    return new InstanceError({ file: this.path }, `${/^[aeiou]/.test(this.what) ? "an" : "a"} ${this.what} file of at most ${describeBytes(this.limit)}`, found, `set ${INPUT_LIMIT_ENV} to raise the limit`);
  }

  /** Reads into buffer[at..]; returns the bytes read (0 at the end). */
  fill(buffer: Buffer, at: number): number {
    let got: number;
    try {
      got = readSync(this.fd, buffer, at, buffer.length - at, null);
    } catch (error) {
      throw new InstanceError({ file: this.path }, `a readable ${this.what} file (CSV or JSON)`, describeReadError(error));
    }
    this.read += got;
    if (this.read > this.limit) throw this.tooLarge(`more than ${describeBytes(this.limit)} (the file grew while it was read)`);
    return got;
  }

  /** The whole rest of the file (JSON input is parsed as one text). */
  rest(first: Buffer, length: number): Buffer {
    let buffer = first;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(Math.min(this.limit + 1, Math.max(2 * buffer.length, this.size + 1)));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const got = this.fill(buffer, length);
      if (got === 0) return buffer.subarray(0, length);
      length += got;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Tables: CSV or JSON into a header plus rows of cells
// ---------------------------------------------------------------------------------------------

/** A data row's cells, aligned with the header; CSV cells are decoded only when asked for. */
interface Cells {
  /** The cell as the file has it: a string (CSV), or any JSON value. */
  value(c: number): unknown;
  /** The cell's number in decimal notation, or NaN (see numberOf). */
  number(c: number): number;
}

/** Receives a data row. `at` is reused: read it, never keep it. */
type RowSink = (cells: Cells, at: RowAt) => void;

/** What receives a table's rows: every row through `row`, or plain CSV records through `plain`, the fast path (plain-records.ts). */
interface TableSink {
  readonly row: RowSink;
  readonly plain?: PlainRecords;
}

/** Receives the header once, and returns what receives the data rows. */
type HeaderSink = (header: readonly string[], rowsAtMost: number) => TableSink;

function isJson(path: string, text: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === ".json") return true;
  if (extension === ".csv" || extension === ".tsv") return false;
  return /^\s*[[{]/.test(text.slice(0, 256));
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** First chunk read, and the unit the buffer grows by when a record is longer than it. */
const CSV_CHUNK_BYTES = 1 << 22;

/** 10^0 … 10^22: every one is exact in binary64, so m * 10^k with m < 2^53 rounds once, correctly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Buffer's own decoders (what toString calls after its argument checks), when this Node has them. */
interface BufferSlices {
  latin1Slice(from: number, to: number): string;
  utf8Slice(from: number, to: number): string;
}

/**
 * The number in bytes [from, to) when it is plain decimal notation (optional spaces, sign, digits,
 * point, exponent); undefined otherwise, and the caller asks numberOf, which decides as Number()
 * with its exceptions. With significant digits m < 2^53 and a power of ten within ±22 this is
 * Clinger's fast path: m * 10^k with both exact in binary64, one correctly rounded operation, the
 * same double as Number(). Longer plain numbers (17 digits, as floating-point sums print) are
 * proven nearest by longDecimal (plain-records.ts), else Number() on the same ASCII text decides:
 * correctly rounded, without the checks numberOf needs for other text.
 */
function fastDecimal(bytes: Buffer, from: number, to: number): number | undefined {
  let p = from;
  let end = to;
  while (p < end && (bytes[p] === 32 || bytes[p] === 9)) p++;
  while (end > p && (bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
  if (p === end) return undefined;
  const start = p;
  let negative = false;
  if (bytes[p] === 45) {
    negative = true;
    p++;
  } else if (bytes[p] === 43) p++;
  const digitsAt = p;
  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  let sawDigit = false;
  let c: number;
  while (p < end) {
    c = bytes[p]! - 48;
    if (c < 0 || c > 9) break;
    sawDigit = true;
    if (mantissa !== 0 || c !== 0) {
      digits++;
      mantissa = mantissa * 10 + c;
    }
    p++;
  }
  if (p < end && bytes[p] === 46) {
    p++;
    while (p < end) {
      c = bytes[p]! - 48;
      if (c < 0 || c > 9) break;
      sawDigit = true;
      if (mantissa !== 0 || c !== 0) {
        digits++;
        mantissa = mantissa * 10 + c;
      }
      exponent--;
      p++;
    }
  }
  if (!sawDigit) return undefined;
  const digitsEnd = p;
  if (p < end && (bytes[p] === 101 || bytes[p] === 69)) {
    p++;
    let negativeExponent = false;
    if (bytes[p] === 45) {
      negativeExponent = true;
      p++;
    } else if (bytes[p] === 43) p++;
    let e = 0;
    let expDigits = 0;
    while (p < end) {
      c = bytes[p]! - 48;
      if (c < 0 || c > 9) break;
      expDigits++;
      if (e < 1e6) e = e * 10 + c;
      p++;
    }
    if (expDigits === 0) return undefined;
    exponent += negativeExponent ? -e : e;
  }
  if (p !== end) return undefined;
  let value: number;
  // Below 2^53 every digit was accumulated exactly (and a value at or above it computes at or above it).
  if (digits > 16 || mantissa >= 9007199254740992) {
    const long = longDecimal(bytes, digitsAt, digitsEnd, exponent, negative);
    return long === long ? long : Number((bytes as unknown as BufferSlices).latin1Slice(start, end));
  }
  if (mantissa === 0) value = 0;
  else if (exponent === 0) value = mantissa;
  else if (exponent > 0 && exponent <= 22) value = mantissa * POWERS_OF_TEN[exponent]!;
  else if (exponent < 0 && exponent >= -22) value = mantissa / POWERS_OF_TEN[-exponent]!;
  else return Number((bytes as unknown as BufferSlices).latin1Slice(start, end));
  return negative ? -value : value;
}

/** Line breaks in bytes [from, to): \n, or \r alone in old Mac files (\r\n counts once). */
function countNewlines(bytes: Buffer, from: number, to: number): number {
  let lf = 0;
  let cr = 0;
  for (let at = bytes.indexOf(LF, from); at !== -1 && at < to; at = bytes.indexOf(LF, at + 1)) lf++;
  for (let at = bytes.indexOf(CR, from); at !== -1 && at < to; at = bytes.indexOf(CR, at + 1)) cr++;
  return Math.max(lf, cr);
}

/**
 * The current CSV record: field k is bytes [starts[k], ends[k]) of the buffer; kinds[k] is 0 plain,
 * 1 quoted, 2 quoted with "" escapes (decoded on request).
 */
class CsvRecord implements Cells {
  bytes: Buffer = Buffer.alloc(0);
  fields = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  kinds = new Uint8Array(64);

  value(c: number): string {
    const text = (this.bytes as unknown as BufferSlices).utf8Slice(this.starts[c]!, this.ends[c]!);
    return this.kinds[c] === 2 ? text.replaceAll('""', '"') : text;
  }

  number(c: number): number {
    if (this.kinds[c] !== 2) {
      const fast = fastDecimal(this.bytes, this.starts[c]!, this.ends[c]!);
      if (fast !== undefined) return fast;
    }
    return numberOf(this.value(c));
  }

  /** Makes room for one more field. */
  grow(): void {
    const size = 2 * this.starts.length;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const kinds = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    kinds.set(this.kinds);
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
  }
}

/** A CSV problem in the quoting, thrown while scanning and placed by the reader. */
class CsvSyntax extends Error {
  constructor(
    readonly found: string,
    /** Offset of the byte it is about, for its line. */
    readonly offset: number,
  ) {
    super(found);
  }
}

/** scanRecord's answer when the buffer ends inside a record and more bytes may follow. */
const INCOMPLETE = -1;

/**
 * Scans one record starting at `from` into `record` (RFC 4180: fields separated by `delimiter`,
 * `"…"` quoting with `""` for a quote, \n, \r\n or \r ending the record). Returns the offset after
 * its line break, or INCOMPLETE when `end` comes first and the file has more (`last` false).
 * Throws CsvSyntax for a quote left open, text after a closing quote, or a quote inside an
 * unquoted field (as csv-parse did).
 */
function scanRecord(bytes: Buffer, from: number, end: number, last: boolean, delimiter: number, record: CsvRecord): number {
  let p = from;
  let fields = 0;
  for (;;) {
    if (fields === record.starts.length) record.grow();
    if (p < end && bytes[p] === QUOTE) {
      let q = p + 1;
      let kind = 1;
      let close: number;
      for (;;) {
        close = bytes.indexOf(QUOTE, q);
        if (close === -1 || close >= end) {
          if (!last) return INCOMPLETE;
          throw new CsvSyntax("Quote Not Closed: the parsing is finished with an opening quote", p);
        }
        if (close + 1 >= end && !last) return INCOMPLETE;
        if (close + 1 < end && bytes[close + 1] === QUOTE) {
          kind = 2;
          q = close + 2;
          continue;
        }
        break;
      }
      record.starts[fields] = p + 1;
      record.ends[fields] = close;
      record.kinds[fields] = kind;
      fields++;
      p = close + 1;
      if (p >= end) break;
      const c = bytes[p]!;
      if (c === delimiter) {
        p++;
        continue;
      }
      if (c !== LF && c !== CR) {
        throw new CsvSyntax(`Invalid Closing Quote: got ${JSON.stringify(String.fromCharCode(c))} after a closing quote instead of a delimiter or the end of the line`, p);
      }
      break;
    }
    let q = p;
    let c = 0;
    while (q < end) {
      c = bytes[q]!;
      if (c === delimiter || c === LF || c === CR) break;
      if (c === QUOTE) throw new CsvSyntax(`Invalid Opening Quote: a quote inside the unquoted field ${fields + 1}`, q);
      q++;
    }
    if (q >= end && !last) return INCOMPLETE;
    record.starts[fields] = p;
    record.ends[fields] = q;
    record.kinds[fields] = 0;
    fields++;
    p = q;
    if (q < end && c === delimiter) {
      p++;
      continue;
    }
    break;
  }
  record.fields = fields;
  if (p >= end) return end;
  if (bytes[p] === CR) {
    if (p + 1 >= end) return last ? end : INCOMPLETE;
    return bytes[p + 1] === LF ? p + 2 : p + 1;
  }
  return p + 1;
}

/** Where a CSV row is; one object reused for every row (sinks read it at once or not at all). */
class CsvRowAt implements RowAt {
  row = 0;
  line = 1;
}

/**
 * CSV bytes to the sink in one pass over the file, a few MB at a time: the buffer holds the
 * records not yet handed over, each field is a byte range, numbers are parsed from the bytes and
 * only the cells a sink asks for as text (ids, market names) become strings. Memory: the buffer
 * (4 MiB, more only for a longer record) plus what the sink keeps.
 */
function readCsv(input: TableFile, first: Buffer, firstLength: number, delimiterText: string, chunk: number, sink: HeaderSink): number {
  const file = input.path;
  const delimiter = delimiterText.charCodeAt(0);
  const record = new CsvRecord();
  const at = new CsvRowAt();
  let bytes = first;
  let end = firstLength;
  let last = firstLength < first.length && input.size <= firstLength;
  let p = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let line = 1;
  let rows = 0;
  let width = 0;
  let onRow: RowSink | undefined;
  let plain: PlainRecords | undefined;
  const place = (offset: number): number => line + countNewlines(bytes, p, offset);
  for (;;) {
    if (plain !== undefined && p < end) {
      // The fast path takes what it can; the record it stops before is read below, with every check.
      p = plain.scan(bytes, p, end, delimiter, line, rows);
      rows += plain.taken;
      line += plain.taken;
    }
    if (p >= end && last) break;
    let next: number;
    try {
      next = p < end || last ? scanRecord(bytes, p, end, last, delimiter, record) : INCOMPLETE;
    } catch (error) {
      if (!(error instanceof CsvSyntax)) throw error;
      throw new InstanceError({ file }, "well-formed CSV (quotes closed, fields separated by commas)", error.found, `line ${place(error.offset).toLocaleString("en-US")} of the file`);
    }
    if (next === INCOMPLETE) {
      if (last) break;
      // Keep the unfinished record, read more behind it (a bigger buffer only for a longer record).
      const kept = end - p;
      if (kept > 0 && p === 0 && kept === bytes.length) {
        const bigger = Buffer.allocUnsafe(bytes.length + chunk);
        bytes.copy(bigger, 0, 0, kept);
        bytes = bigger;
      } else if (p > 0) bytes.copy(bytes, 0, p, end);
      p = 0;
      end = kept;
      const got = input.fill(bytes, end);
      end += got;
      if (got === 0) last = true;
      plain?.refilled();
      continue;
    }
    record.bytes = bytes;
    const newlines = countQuotedNewlines(bytes, record);
    if (record.fields === 1 && record.kinds[0] === 0 && record.starts[0] === record.ends[0]) {
      // An empty line: skipped, not counted as a row.
    } else if (onRow === undefined) {
      width = record.fields;
      const header = Array.from({ length: width }, (_, c) => record.value(c));
      ({ row: onRow, plain } = sink(header, rowEstimate(input.size, bytes, next, end, last, width)));
    } else {
      rows++;
      at.row = rows;
      at.line = line + newlines;
      if (record.fields !== width) {
        throw rowError(file, at, undefined, `${width} fields, as in the header`, `${record.fields} field${record.fields === 1 ? "" : "s"}`);
      }
      onRow(record, at);
    }
    line += newlines + 1;
    p = next;
  }
  if (onRow === undefined) throw new InstanceError({ file }, "a header row and at least one data row", "an empty file");
  return rows;
}

/** Line breaks inside the quoted fields of a record (a quoted id may span lines). */
function countQuotedNewlines(bytes: Buffer, record: CsvRecord): number {
  let count = 0;
  for (let k = 0; k < record.fields; k++) if (record.kinds[k] !== 0) count += countNewlines(bytes, record.starts[k]!, record.ends[k]!);
  return count;
}

/**
 * Data rows to allocate for, from the records per byte in the buffer after the header: exact for a
 * file read whole, a 2% margin otherwise (columns grow by a quarter if it is short; never trusted
 * for memory safety).
 */
function rowEstimate(size: number, bytes: Buffer, from: number, end: number, last: boolean, width: number): number {
  const lines = countNewlines(bytes, from, end) + 1;
  if (last) return Math.max(1, lines);
  // A record of `width` fields takes at least `width` bytes (separators and its line break).
  const most = Math.ceil((size - from) / Math.max(1, width)) + 1;
  return Math.max(16, Math.min(most, Math.ceil(((size - from) / Math.max(1, end - from)) * lines * 1.02)));
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

/** JSON cells: the parsed values of one row. */
class JsonCells implements Cells {
  cells: unknown[] = [];

  value(c: number): unknown {
    return this.cells[c];
  }

  number(c: number): number {
    return numberOf(this.cells[c]);
  }
}

function readJson(file: string, text: string, sink: HeaderSink): number {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(file, text, error);
  }
  const shape = "an array of row objects, or an object of equally long column arrays";
  const view = new JsonCells();
  if (Array.isArray(data)) {
    if (data.length === 0) throw new InstanceError({ file }, "at least one row", "an empty array");
    const first = data[0] as unknown;
    if (first === null || typeof first !== "object" || Array.isArray(first)) {
      throw rowError(file, { row: 1, element: "element [0]" }, undefined, "a row object such as {\"id\": …, \"capacity\": …}", shown(first));
    }
    const header = Object.keys(first);
    const onRow = sink(header, data.length).row;
    const cells = new Array<unknown>(header.length);
    view.cells = cells;
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
      onRow(view, at);
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
    const onRow = sink(header, length).row;
    const cells = new Array<unknown>(header.length);
    view.cells = cells;
    for (let k = 0; k < length; k++) {
      for (let c = 0; c < arrays.length; c++) cells[c] = arrays[c]![k];
      onRow(view, { row: k + 1, element: `index [${k}]` });
    }
    return length;
  }
  throw new InstanceError({ file }, shape, shown(data));
}

/**
 * Reads a CSV/TSV/JSON table and feeds it to `sink`; returns the number of data rows (>= 1).
 * The file must be a regular file of at most `limit` bytes (see TableFile).
 */
function readTable(path: string, what: string, options: TableOptions, sink: HeaderSink): number {
  const input = new TableFile(path, what, tableLimit(options.maxBytes));
  try {
    const chunk = Math.max(1, options.chunkBytes ?? CSV_CHUNK_BYTES);
    // At least 256 bytes: enough to tell JSON from CSV and an empty file from a header.
    const first = Buffer.allocUnsafe(Math.min(Math.max(chunk, 256), input.size + 1));
    let length = 0;
    // Fill the first chunk (or the whole of a small file) before deciding what the file is.
    for (let got = -1; got !== 0 && length < first.length; ) {
      got = input.fill(first, length);
      length += got;
    }
    const text = first.toString("utf8", 0, Math.min(length, 256));
    if (/^\uFEFF?\s*$/.test(text) && length <= 256 && length < first.length) {
      throw new InstanceError({ file: path }, "a header row and at least one data row", "an empty file");
    }
    if (isJson(path, text)) {
      const bytes = length < first.length ? first.subarray(0, length) : input.rest(first, length);
      let json: string;
      try {
        json = bytes.toString("utf8");
      } catch (error) {
        throw new InstanceError({ file: path }, `a JSON ${what} file small enough to read as one text (or CSV)`, `${describeBytes(bytes.length)} (${error instanceof Error ? error.message : String(error)})`);
      }
      return readJson(path, json.replace(/^\uFEFF/, ""), sink);
    }
    const rows = readCsv(input, first, length, extname(path).toLowerCase() === ".tsv" ? "\t" : ",", chunk, sink);
    if (rows === 0) throw new InstanceError({ file: path }, "at least one data row after the header", "only the header");
    return rows;
  } finally {
    input.close();
  }
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
  // A quarter more at a time: estimates are close, and doubling a 10^7-row column would cost 80 MB for nothing.
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(16, k + 1, Math.ceil(1.25 * array.length)));
  bigger.set(array);
  return bigger;
}

/**
 * Typed arrays are sized by an estimate; cut to the rows actually read. A view when the estimate was
 * close (it is within 2% for a file read in chunks): a copy would hold every column twice at the
 * peak (480 MB of doubles at 10^7 rows); a copy when most of the array would be slack.
 */
function trimmed<T extends Float64Array | Int32Array>(array: T, rows: number): T {
  if (array.length === rows) return array;
  return (8 * rows >= 7 * array.length ? array.subarray(0, rows) : array.slice(0, rows)) as T;
}

/** The near-duplicate pairs in one line: `rows 3 and 7 ("0xAb", "0xab"), …`. */
function describeNear(ids: IdColumn, near: readonly [number, number][]): string {
  const shownPairs = near.slice(0, 5).map(([a, b]) => `rows ${(a + 1).toLocaleString("en-US")} and ${(b + 1).toLocaleString("en-US")} (${clip(JSON.stringify(ids.idAt(a)), 40)}, ${clip(JSON.stringify(ids.idAt(b)), 40)})`);
  return `${shownPairs.join(", ")}${near.length > 5 ? ` and ${(near.length - 5).toLocaleString("en-US")} more` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

/**
 * The file line of each CSV data row, kept as the points where `line - row` changes (blank lines,
 * records spanning lines): a plain file has one.
 */
class RowLines {
  private readonly rows: number[] = [];
  private readonly offsets: number[] = [];
  private offset = Number.NaN;

  /** Row k (0-based) is on file line `line`; rows are noted in order. */
  note(k: number, line: number): void {
    if (line - k !== this.offset) {
      this.offset = line - k;
      this.rows.push(k);
      this.offsets.push(this.offset);
    }
  }

  /** The file line of a noted row. */
  lineOf(k: number): number {
    // The last change point at or before k.
    let low = 0;
    let high = this.rows.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.rows[middle]! <= k) low = middle;
      else high = middle - 1;
    }
    return k + this.offsets[low]!;
  }
}

/**
 * Reads an accounts table from CSV (header row; `.tsv` is tab-separated) or JSON (an array of
 * row objects, or `{ "id": [...], "capacity": [...], ... }`). Requires a unique, non-empty `id` per
 * row; every other column must be numeric and finite; `capacity` and layer columns >= 0,
 * `risk_weight` and `lot_value` > 0, `lots` a whole number >= 0. Capacity comes from the
 * `capacity` column or, when absent, from the sum of `options.layers` (see AccountOptions).
 * Throws InstanceError naming the file, the data row (see the module comment), the column, what
 * was expected and what was found. Time O(rows * columns); memory: a 4 MiB buffer, one
 * Float64Array per column, the ids' bytes and an index of 8 bytes per row / 0.7. `ids` is a
 * getter that makes the id strings on first read (then a plain value; see lazyIds).
 */
export function loadAccounts(path: string, options: AccountOptions = {}): AccountTable {
  const layers = options.layers ?? [];
  let names: string[] = [];
  let written: string[] = [];
  let idIndex = -1;
  let numeric: number[] = [];
  let rules: Rule[] = [];
  let arrays: Float64Array[] = [];
  let ids = new IdColumn(0);
  let index: IdIndex | undefined;
  let catchUp: ((placeOf: (k: number) => RowAt) => void) | undefined;
  const lines = new RowLines();
  const placeOf = (k: number): RowAt => ({ row: k + 1, line: lines.lineOf(k) });

  const mapping = options.mapping;
  let plan: AccountColumnPlan | undefined;
  // Own keys only: a column named `constructor` or `__proto__` must not find Object.prototype's.
  const ruleOf = (name: string): Rule => (Object.hasOwn(KNOWN_RULES, name) ? KNOWN_RULES[name]! : layers.includes(name) ? NON_NEGATIVE : FINITE);

  let rows: number;
  try {
    rows = readTable(path, "accounts", options, (header, rowsAtMost) => {
      plan = mapping ? planAccountColumns(mapping, header.map((name) => String(name).trim()), path) : undefined;
      ({ names, written } = checkHeader(path, header, plan ? plan.nameOf : options.rename));
      idIndex = requireColumn(path, names, written, "id", "one unique account id per row");
      // Loaded: every named column but the id, and (under a mapping) the columns a derive reads.
      numeric = names.map((_, c) => c).filter((c) => c !== idIndex && (names[c] !== undefined || plan?.derivedFrom.has(written[c]!)));
      rules = numeric.map((c) => (names[c] === undefined ? FINITE : ruleOf(names[c]!)));
      const kinds = Int32Array.from(rules, (rule) => rule.kind);
      const cellOf = Int32Array.from(numeric);
      arrays = numeric.map(() => new Float64Array(rowsAtMost));
      ids = new IdColumn(rowsAtMost, 16, path);
      const idsAt = new IdIndex(ids, rowsAtMost);
      index = idsAt;
      /**
       * Indexes the ids read so far that are not yet (see IdIndex.indexed), in row order, and throws
       * the first one's error: a duplicate, or under strictIds a near-duplicate. `placeOf` says where
       * a row is.
       */
      const indexIds = (placeOf: (k: number) => RowAt): void => {
        idsAt.prepare(ids.count);
        while (idsAt.indexed < ids.count) {
          const k = idsAt.indexed;
          const earlier = idsAt.addNext();
          if (earlier !== -1) {
            throw rowError(path, placeOf(k), written[idIndex], "a unique id", `${clip(JSON.stringify(ids.idAt(k)))}, already the id of row ${(earlier + 1).toLocaleString("en-US")}`);
          }
          if (options.strictIds && idsAt.near.length > 0) {
            const [first] = idsAt.near[0]!;
            throw rowError(
              path,
              placeOf(k),
              written[idIndex],
              "ids that differ in more than case, surrounding spaces or Unicode normalization (--strict-ids)",
              `${clip(JSON.stringify(ids.idAt(k)))}, the same trader as row ${(first + 1).toLocaleString("en-US")} (${clip(JSON.stringify(ids.idAt(first)), 40)})`,
            );
          }
        }
      };
      catchUp = indexIds;
      /** The fast path writes straight into the columns: file column c's, or an empty one. */
      const columnsByFileColumn = (): Float64Array[] => {
        const byFile: Float64Array[] = names.map(() => new Float64Array(0));
        numeric.forEach((c, j) => (byFile[c] = arrays[j]!));
        return byFile;
      };
      const row: RowSink = (cells, at) => {
        // The id goes in before the cells are checked: a duplicate id is this row's first error.
        const k = ids.pushString(idOf(path, cells.value(idIndex), at, written[idIndex]!));
        if (arrays.length > 0 && k >= arrays[0]!.length) {
          arrays = arrays.map((array) => room(array, k));
          fast.into(columnsByFileColumn());
        }
        if (at.line === undefined) indexIds(() => at);
        else lines.note(k, at.line);
        for (let j = 0; j < cellOf.length; j++) {
          const value = cells.number(cellOf[j]!);
          if (!admits(kinds[j]!, value)) throw rowError(path, at, written[numeric[j]!], rules[j]!.expected, shown(cells.value(numeric[j]!)), plan?.hintOf(written[numeric[j]!]!));
          arrays[j]![k] = value;
        }
      };
      // The fast path checks the numbers by the same rules before it hands a record over.
      const roles = Uint8Array.from(names, (_, c) => (c === idIndex ? ID : SKIP));
      const ruleKinds = new Uint8Array(names.length);
      numeric.forEach((c, j) => {
        roles[c] = NUMBER;
        ruleKinds[c] = kinds[j]!;
    });
    const fast = new PlainRecords(roles, ruleKinds, ids, (k, line) => lines.note(k, line));
    fast.into(columnsByFileColumn());
    return options.fastPath === false ? { row } : { row, plain: fast };
    });
  } catch (error) {
    // A duplicate id before the row that failed is the file's first error.
    if (error instanceof InstanceError) catchUp?.(placeOf);
    throw error;
  }
  catchUp?.(placeOf);
  ids.releaseHashes();

  if (index !== undefined && index.near.length > 0) {
    const warn = options.onWarning ?? ((message: string) => void process.stderr.write(`adl: warning: ${message}\n`));
    warn(`${path}: ${index.near.length.toLocaleString("en-US")} ${index.near.length === 1 ? "id differs" : "ids differ"} from an earlier one only by case, surrounding spaces or Unicode normalization: ${describeNear(ids, index.near)} (--strict-ids makes this an error)`);
  }
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
        `id ${clip(JSON.stringify(ids.idAt(mismatch.row)))}`,
      );
    }
  }
  // The ids stay bytes until a consumer reads them (most of a 10^6-row load was making 10^6 strings).
  const table = lazyIds({ file: path }, ids);
  return Object.assign(table, { capacity, columns });
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
 * found; an unknown account id names the accounts file too. Reads `accounts.ids` (making them, if
 * they are not yet) to index their bytes: O(accounts + positions) time.
 */
export function loadPositions(path: string, accounts: AccountTable, mapping?: ColumnMapping, options: TableOptions = {}): PositionTable {
  // Account ids by their bytes when they are unique (a loaded table's are): one probe per position
  // and no Map of 10^6 strings. A table built in code with a repeated id keeps the Map (last row wins).
  const byBytes = accountIndex(accounts.ids);
  const indexOf = byBytes === undefined ? new Map(accounts.ids.map((id, i) => [id, i])) : undefined;
  const rowOf = (id: string): number | undefined => {
    if (indexOf !== undefined) return indexOf.get(id);
    const row = byBytes!.rowOf(id);
    return row === -1 ? undefined : row;
  };
  let account = new Int32Array(0);
  let lotValue = new Float64Array(0);
  // Lots are read as doubles (the fast path's columns are Float64Array) and checked whole, then made Int32.
  let lots = new Float64Array(0);
  let market: string[] = [];
  let marketIndex = -1;

  const rows = readTable(path, "positions", options, (header, rowsAtMost) => {
    const rename = mapping ? positionRenames(mapping, header.map((name) => String(name).trim()), path) : undefined;
    const { names, written } = checkHeader(path, header, rename);
    const accountIndex = requireColumn(path, names, written, "account_id", `an id of ${accounts.file}`);
    const lotValueIndex = requireColumn(path, names, written, "lot_value", "wealth moved per lot closed, > 0");
    const lotsIndex = requireColumn(path, names, written, "lots", "whole lots held, >= 0");
    marketIndex = names.indexOf("market");
    account = new Int32Array(rowsAtMost);
    lotValue = new Float64Array(rowsAtMost);
    lots = new Float64Array(rowsAtMost);
    // The fast path (plain-records.ts) for plain records: the account looked up by its bytes, the
    // numbers by the same rules, one string per distinct market.
    const roles = new Uint8Array(names.length);
    roles[accountIndex] = KEY;
    roles[lotValueIndex] = NUMBER;
    roles[lotsIndex] = NUMBER;
    if (marketIndex !== -1) roles[marketIndex] = TEXT;
    const ruleKinds = new Uint8Array(names.length);
    ruleKinds[lotValueIndex] = POSITIVE.kind;
    ruleKinds[lotsIndex] = LOT_COUNT.kind;
    const fast = byBytes === undefined ? undefined : new PlainRecords(roles, ruleKinds, undefined, () => undefined, byBytes);
    const target = (): void => {
      const byFile: Float64Array[] = names.map(() => new Float64Array(0));
      byFile[lotValueIndex] = lotValue;
      byFile[lotsIndex] = lots;
      fast?.into(byFile, account, market);
    };
    target();
    const row: RowSink = (cells, at) => {
      const id = idOf(path, cells.value(accountIndex), at, written[accountIndex]!);
      const index = rowOf(id);
      if (index === undefined) {
        const near = accounts.ids.length <= 5_000 ? didYouMean(id, accounts.ids) : undefined;
        throw rowError(path, at, written[accountIndex], `an id of ${accounts.file}`, clip(JSON.stringify(id)), near ? `did you mean "${near}"?` : undefined);
      }
      const k = at.row - 1;
      if (k >= account.length) {
        account = room(account, k);
        lotValue = room(lotValue, k);
        lots = room(lots, k);
        target();
      }
      account[k] = index;
      const v = cells.number(lotValueIndex);
      if (!POSITIVE.accepts(v)) throw rowError(path, at, written[lotValueIndex], POSITIVE.expected, shown(cells.value(lotValueIndex)));
      lotValue[k] = v;
      const q = cells.number(lotsIndex);
      if (!LOT_COUNT.accepts(q)) throw rowError(path, at, written[lotsIndex], LOT_COUNT.expected, shown(cells.value(lotsIndex)));
      lots[k] = q;
      if (marketIndex === -1) return;
      const name = cells.value(marketIndex);
      if (name !== null && name !== undefined && typeof name !== "string") {
        throw rowError(path, at, written[marketIndex], "a market name (a string)", shown(name));
      }
      market.push(name ?? "");
    };
    return fast === undefined || options.fastPath === false ? { row } : { row, plain: fast };
  });
  if (marketIndex === -1) market = new Array<string>(rows).fill("");
  return { file: path, account: trimmed(account, rows), market, lotValue: trimmed(lotValue, rows), lots: Int32Array.from(lots.subarray(0, rows)) };
}

/** The accounts' ids placed for lookups by their bytes (id-column.ts), or undefined when an id repeats. */
function accountIndex(ids: readonly string[]): IdIndex | undefined {
  const column = new IdColumn(ids.length, 12);
  for (const id of ids) column.pushString(id);
  const index = new IdIndex(column, ids.length);
  return index.placeAll() ? index : undefined;
}

