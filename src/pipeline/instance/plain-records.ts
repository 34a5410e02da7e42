/**
 * The loader's fast path: CSV records with nothing unusual in them, scanned and parsed in one pass
 * over the bytes straight into typed columns.
 *
 * A record is *plain* when no field is quoted, it has exactly the header's number of fields and
 * ends in a line break inside the buffer, its id is ASCII-printable at both ends, and every number
 * cell is bare decimal notation (sign, digits, point, exponent; no spaces) whose value the column's
 * rule admits. Anything else — a quote, a blank line, a space before a number, a bad or missing
 * cell, a record cut by the buffer's end — stops the scan before that record, and the general
 * reader (load.ts) reads it with all its checks and its placed errors, then hands back. So the fast
 * path never decides an error about a cell, and what it takes is exactly what the general reader
 * would have taken (test/instance/plain-records.test.ts holds both to csv-parse on fuzzed files).
 *
 * Numbers: significant digits m < 2^53 with a power of ten within ±22 are Clinger's fast path
 * (m and 10^k exact in binary64, one correctly rounded operation: the double Number() gives);
 * longer ones (17 digits, as floating-point sums print) go to parseFloat on the same ASCII text,
 * correctly rounded. Ids: ASCII ids become strings by substring of the buffer's text (a copy,
 * below V8's 13-character sliced-string threshold) or latin1 decoding, and their FNV-1a hash is
 * computed on the way, so the id index does not read them again.
 */

/** What the scan does with a file column. */
export const SKIP = 0;
export const NUMBER = 1;
export const ID = 2;

/** 10^0 … 10^22: every one is exact in binary64, so m * 10^k with m < 2^53 rounds once, correctly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const INT32_MAX = 2_147_483_647;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Buffer's own decoder (what toString calls after its argument checks). */
interface Latin1 {
  latin1Slice(from: number, to: number): string;
  utf8Slice(from: number, to: number): string;
}

/**
 * Receives one plain record: its number cells in `values` (indexed by file column; other entries
 * are stale), its id, the id's FNV-1a hash over its characters and whether the id is its own
 * near-duplicate key (no upper case, no non-ASCII, no space at either end; see IdIndex in load.ts).
 * `row` is the record's 1-based data row and `line` the file line it is on, for placed errors.
 */
export type PlainRowSink = (values: Float64Array, id: string, hash: number, lowerAscii: boolean, row: number, line: number) => void;

/** A table's fast path: what each file column is, and what admits each number column's values. */
export class PlainRecords {
  /** Bytes [0, end) of the current buffer as latin1 text, made when first needed, for substring. */
  private text: string | undefined;
  private textOf: Buffer | undefined;
  private textEnd = 0;
  /** Records taken by the last scan. */
  taken = 0;
  private readonly values: Float64Array;

  /**
   * `roles[c]` is SKIP, NUMBER or ID for file column c (exactly one ID); `rules[c]` for a NUMBER
   * column is the admits kind of load.ts (0 finite, 1 finite >= 0, 2 finite > 0, 3 whole lots).
   */
  constructor(
    private readonly roles: Uint8Array,
    private readonly rules: Uint8Array,
    private readonly take: PlainRowSink,
  ) {
    this.values = new Float64Array(roles.length);
  }

  /**
   * Takes plain records from `bytes[p, end)` (the file's `delimiter`), the first on file line
   * `line` and data row `rows + 1`, each handed to the sink; stops before the first record that is
   * not plain (or not whole before `end`). Returns the offset where it stopped; `taken` says how
   * many records it took (each one line). The sink's errors propagate.
   */
  scan(bytes: Buffer, p: number, end: number, delimiter: number, line: number, rows: number): number {
    const roles = this.roles;
    const rules = this.rules;
    const values = this.values;
    const width = roles.length;
    const last = width - 1;
    let taken = 0;
    records: while (p < end) {
      let q = p;
      let id = "";
      let hash = 0;
      let lowerAscii = true;
      for (let c = 0; c < width; c++) {
        const stop = c === last ? -1 : delimiter;
        const role = roles[c]!;
        if (role === NUMBER) {
          const start = q;
          let negative = false;
          let b = q < end ? bytes[q]! : 0;
          if (b === 45) {
            negative = true;
            q++;
          } else if (b === 43) q++;
          let mantissa = 0;
          let digits = 0;
          let exponent = 0;
          let sawDigit = false;
          for (; q < end; q++) {
            const d = bytes[q]! - 48;
            if (d < 0 || d > 9) break;
            sawDigit = true;
            if (mantissa !== 0 || d !== 0) {
              digits++;
              mantissa = mantissa * 10 + d;
            }
          }
          if (q < end && bytes[q] === 46) {
            for (q++; q < end; q++) {
              const d = bytes[q]! - 48;
              if (d < 0 || d > 9) break;
              sawDigit = true;
              if (mantissa !== 0 || d !== 0) {
                digits++;
                mantissa = mantissa * 10 + d;
              }
              exponent--;
            }
          }
          if (!sawDigit || q >= end) break records;
          b = bytes[q]!;
          if (b === 101 || b === 69) {
            q++;
            let negativeExponent = false;
            if (q < end && bytes[q] === 45) {
              negativeExponent = true;
              q++;
            } else if (q < end && bytes[q] === 43) q++;
            let e = 0;
            let expDigits = 0;
            for (; q < end; q++) {
              const d = bytes[q]! - 48;
              if (d < 0 || d > 9) break;
              expDigits++;
              if (e < 1e6) e = e * 10 + d;
            }
            if (expDigits === 0 || q >= end) break records;
            exponent += negativeExponent ? -e : e;
            b = bytes[q]!;
          }
          // The cell must end here: the delimiter, or the line break after the last field.
          if (stop === -1 ? b !== LF && b !== CR : b !== stop) break records;
          let value: number;
          if (digits > 16 || mantissa >= 9007199254740992 || (mantissa !== 0 && (exponent > 22 || exponent < -22))) {
            value = Number.parseFloat(this.slice(bytes, end, start, q));
          } else {
            if (mantissa === 0) value = 0;
            else if (exponent === 0) value = mantissa;
            else if (exponent > 0) value = mantissa * POWERS_OF_TEN[exponent]!;
            else value = mantissa / POWERS_OF_TEN[-exponent]!;
            if (negative) value = -value;
          }
          // The column's rule (load.ts admits): a refused value is the general reader's error to place.
          const rule = rules[c]!;
          if (!(value - value === 0) || (rule === 1 && !(value >= 0)) || (rule === 2 && !(value > 0)) || (rule === 3 && !(Number.isInteger(value) && value >= 0 && value <= INT32_MAX))) {
            break records;
          }
          values[c] = value;
        } else {
          // An id or a skipped cell: any byte but a quote up to the delimiter (or the line break).
          const start = q;
          let h = 0x811c9dc5;
          let ascii = true;
          let b = 0;
          for (; q < end; q++) {
            b = bytes[q]!;
            if (b === delimiter || b === LF || b === CR || b === QUOTE) break;
            if (role === ID) {
              h = Math.imul(h ^ b, 0x01000193);
              if (b > 127) ascii = false;
              else if (b >= 65 && b <= 90) lowerAscii = false;
            }
          }
          if (q >= end || b === QUOTE || (stop === -1 ? b !== LF && b !== CR : b !== stop)) break records;
          if (role === ID) {
            // Empty, spaced or non-ASCII ids: the general reader's checks and the index's own hash.
            if (!ascii || q === start || bytes[start]! <= 32 || bytes[q - 1]! <= 32) break records;
            id = q - start < 13 ? this.slice(bytes, end, start, q) : (bytes as unknown as Latin1).latin1Slice(start, q);
            hash = h;
          }
        }
        // Past the delimiter, or past the line break after the last field.
        if (c !== last) q++;
        else if (bytes[q] === CR) {
          if (q + 1 >= end) break records;
          q += bytes[q + 1] === LF ? 2 : 1;
        } else q++;
      }
      this.take(values, id, hash, lowerAscii, rows + taken + 1, line + taken);
      taken++;
      p = q;
    }
    this.taken = taken;
    return p;
  }

  /** Bytes [from, to) as text, by substring of the buffer's latin1 text (ASCII bytes only). */
  private slice(bytes: Buffer, end: number, from: number, to: number): string {
    if (this.textOf !== bytes || this.textEnd < to) {
      // The buffer's content changes only when the reader refills it, which it does past `end`.
      this.text = (bytes as unknown as Latin1).latin1Slice(0, end);
      this.textOf = bytes;
      this.textEnd = end;
    }
    return this.text!.substring(from, to);
  }

  /** Forgets the buffer's text: the reader moved or refilled the bytes. */
  refilled(): void {
    this.textOf = undefined;
    this.text = undefined;
  }
}
