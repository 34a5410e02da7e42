/**
 * The loader's fast path: CSV records with nothing unusual in them, scanned and parsed in one pass
 * over the bytes straight into typed columns.
 *
 * A record is *plain* when no field is quoted, it has exactly the header's number of fields and
 * ends in a line break inside the buffer, its id is ASCII-printable at both ends, and every number
 * cell is bare decimal notation (sign, digits, point, exponent; no spaces) whose value the column's
 * rule admits; for positions, its account id (ASCII, no space at either end) is one the accounts
 * table has, and its market is ASCII. Anything else — a quote, a blank line, a space before a number, a bad or missing
 * cell, a record cut by the buffer's end — stops the scan before that record, and the general
 * reader (load.ts) reads it with all its checks and its placed errors, then hands back. So the fast
 * path never decides an error about a cell, and what it takes is exactly what the general reader
 * would have taken (test/instance/plain-records.test.ts holds both to csv-parse on fuzzed files).
 *
 * Numbers: significant digits m < 2^53 with a power of ten within ±22 are Clinger's fast path
 * (m and 10^k exact in binary64, one correctly rounded operation: the double Number() gives);
 * longer ones (17 digits, as floating-point sums print) are rounded and then proven nearest with
 * exact double-double arithmetic (longDecimal), else parseFloat on the same ASCII text decides.
 * Ids: an ASCII id's bytes are copied into the table's id column (id-column.ts) as they are
 * scanned, and their FNV-1a hash computed on the way (the id index reads them again only on an
 * equal hash); no string is made.
 */

import { IdColumn } from "./id-column.js";

/** What the scan does with a file column. */
export const SKIP = 0;
export const NUMBER = 1;
export const ID = 2;
/** An id of another table, looked up by its bytes (a position's account_id). */
export const KEY = 3;
/** A short text kept as a string, one string per distinct value (a position's market). */
export const TEXT = 4;

/** Finds a row of another table by the bytes of its id and their FNV-1a hash (IdIndex.lookup); -1 if none. */
export interface KeyLookup {
  lookup(hash: number, bytes: Uint8Array, from: number, to: number): number;
}

/** Distinct TEXT values kept at most; past it, every further value is a string of its own. */
const INTERNED_MAX = 4_096;

/** 10^0 … 10^22: every one is exact in binary64, so m * 10^k with m < 2^53 rounds once, correctly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const INT32_MAX = 2_147_483_647;
/** Bytes decoded at a time for substring (see PlainRecords.text). */
const TEXT_WINDOW = 1 << 14;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** The id column of a table without ids (positions): never written. */
const NO_IDS = new IdColumn(0);

/** Buffer's own decoder (what toString calls after its argument checks). */
interface Latin1 {
  latin1Slice(from: number, to: number): string;
  utf8Slice(from: number, to: number): string;
}

/**
 * Told once per scan that `count` plain records were taken, the first of them row k (0-based) of
 * the table on file line `line`, one line each: for placed errors later.
 */
export type PlainRowsTaken = (k: number, line: number, count: number) => void;

/** A table's fast path: what each file column is, and what admits each number column's values. */
export class PlainRecords {
  /**
   * A window of the current buffer as latin1 text, bytes [textStart, textStart + text.length), for
   * substring. A window of 16 KiB, not the whole 4 MiB buffer: strings that large live in V8's
   * large-object space until a full collection, ~60 MB of them at 10^6 rows.
   */
  private text = "";
  private textOf: Buffer | undefined;
  private textStart = 0;
  /** Records taken by the last scan. */
  taken = 0;
  /** The table's column for each file column (an empty array for a column that is not a number). */
  private columns: Float64Array[];
  /** Rows the columns have room for: a record beyond it is the general reader's, which grows them. */
  private room = 0;
  /** The KEY column's rows (the other table's row of each record) and the TEXT column's strings. */
  private keys: Int32Array = new Int32Array(0);
  private texts: string[] = [];
  /** TEXT values by hash, so that 10^6 records of 3 markets make 3 strings. */
  private readonly interned = new Map<number, string>();

  /**
   * `roles[c]` is SKIP, NUMBER, ID, KEY or TEXT for file column c (at most one of ID, KEY and TEXT
   * each; ID needs `ids`, KEY needs `keyLookup`); `rules[c]` for a NUMBER column is the admits kind
   * of load.ts (0 finite, 1 finite >= 0, 2 finite > 0, 3 whole lots).
   */
  constructor(
    private readonly roles: Uint8Array,
    private readonly rules: Uint8Array,
    private readonly ids: IdColumn | undefined,
    private readonly taken_: PlainRowsTaken,
    private readonly keyLookup?: KeyLookup,
  ) {
    this.columns = Array.from(roles, () => new Float64Array(0));
    this.hasText = roles.includes(TEXT);
  }

  private readonly hasText: boolean;

  /**
   * Where cells go, at the record's row (its 0-based data row): `columns[c]` for file column c of
   * role NUMBER, `keys` for the KEY column; TEXT values are pushed onto `texts` (which has one
   * entry per row before). Called again whenever the loader grows its columns.
   */
  into(columns: readonly Float64Array[], keys?: Int32Array, texts?: string[]): void {
    this.columns = [...columns];
    let room = Number.POSITIVE_INFINITY;
    this.roles.forEach((role, c) => {
      if (role === NUMBER) room = Math.min(room, columns[c]!.length);
    });
    if (keys !== undefined) {
      this.keys = keys;
      room = Math.min(room, keys.length);
    }
    if (texts !== undefined) this.texts = texts;
    this.room = room;
  }

  /** The string of TEXT bytes [from, to) (ASCII), the same string for the same bytes while few are distinct. */
  private intern(hash: number, bytes: Buffer, from: number, to: number): string {
    const known = this.interned.get(hash);
    if (known !== undefined && known.length === to - from) {
      let same = true;
      for (let p = from; p < to && same; p++) same = known.charCodeAt(p - from) === bytes[p];
      if (same) return known;
    }
    const text = (bytes as unknown as Latin1).latin1Slice(from, to);
    if (known === undefined && this.interned.size < INTERNED_MAX) this.interned.set(hash, text);
    return text;
  }

  /**
   * Takes plain records from `bytes[p, end)` (the file's `delimiter`), the first on file line
   * `line` and table row `first` (0-based), into the id column and the other columns; stops before the first record that is not
   * plain (or not whole before `end`, or beyond the columns' room). Returns the offset where it
   * stopped; `taken` says how many records it took (each one line).
   */
  scan(bytes: Buffer, p: number, end: number, delimiter: number, line: number, first: number): number {
    const roles = this.roles;
    const rules = this.rules;
    const columns = this.columns;
    const room = this.room;
    const keys = this.keys;
    const keyLookup = this.keyLookup;
    const width = roles.length;
    const last = width - 1;
    // An accounts table's ids, or (positions) none: an empty column stands in.
    const ids = this.ids ?? NO_IDS;
    // The ids of this buffer's records fit in its bytes: one check per scan, none per byte.
    if (this.ids !== undefined) ids.reserve(end - p);
    const heap = ids.bytes;
    let taken = 0;
    records: while (p < end) {
      // Number cells are written at row k as they are parsed: a record handed back is written again
      // whole by the general reader.
      const k = first + taken;
      if (k >= room) break;
      let q = p;
      // The id's bytes go to the heap at once; they count only once the record is taken whole.
      let idEnd = ids.length;
      let hash = 0;
      let lowerAscii = true;
      let key = -1;
      let text = "";
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
          // Every step of mantissa * 10 + d is exact while the mantissa stays below 2^53, and the
          // mantissa only grows: one ending below 2^53 is exact, one at or above it goes the long way.
          let mantissa = 0;
          let exponent = 0;
          const integerAt = q;
          for (; q < end; q++) {
            const d = bytes[q]! - 48;
            if (d < 0 || d > 9) break;
            mantissa = mantissa * 10 + d;
          }
          let digits = q - integerAt;
          if (q < end && bytes[q] === 46) {
            const fractionAt = ++q;
            for (; q < end; q++) {
              const d = bytes[q]! - 48;
              if (d < 0 || d > 9) break;
              mantissa = mantissa * 10 + d;
            }
            exponent = fractionAt - q;
            digits -= exponent;
          }
          if (digits === 0 || q >= end) break records;
          const mantissaEnd = q;
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
          if (mantissa >= 9007199254740992 || (mantissa !== 0 && (exponent > 22 || exponent < -22))) {
            value = longDecimal(bytes, integerAt, mantissaEnd, exponent, negative);
            if (value !== value) value = Number.parseFloat(this.slice(bytes, end, start, q));
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
          columns[c]![k] = value;
        } else {
          // An id or a skipped cell: any byte but a quote up to the delimiter (or the line break).
          const start = q;
          let b = 0;
          if (role === ID) {
            let w = idEnd;
            let all = 0;
            let h = 0x811c9dc5;
            for (; q < end; q++) {
              b = bytes[q]!;
              if (b === delimiter || b === LF || b === CR || b === QUOTE) break;
              heap[w++] = b;
              h = Math.imul(h ^ b, 0x01000193);
              all |= b;
              if (b >= 65 && b <= 90) lowerAscii = false;
            }
            idEnd = w;
            hash = h;
            // Empty, spaced or non-ASCII ids: the general reader's checks.
            if (all > 127 || q === start || bytes[start]! <= 32 || bytes[q - 1]! <= 32) break records;
          } else if (role === KEY || role === TEXT) {
            let all = 0;
            let h = 0x811c9dc5;
            for (; q < end; q++) {
              b = bytes[q]!;
              if (b === delimiter || b === LF || b === CR || b === QUOTE) break;
              h = Math.imul(h ^ b, 0x01000193);
              all |= b;
            }
            // Non-ASCII text is the general reader's (its UTF-8 decoding decides what the bytes say).
            if (all > 127 || q >= end) break records;
            if (role === KEY) {
              // An empty or spaced key, or one the other table lacks: the general reader's error to place.
              if (q === start || bytes[start]! <= 32 || bytes[q - 1]! <= 32) break records;
              key = keyLookup!.lookup(h, bytes, start, q);
              if (key === -1) break records;
            } else text = this.intern(h, bytes, start, q);
          } else {
            for (; q < end; q++) {
              b = bytes[q]!;
              if (b === delimiter || b === LF || b === CR || b === QUOTE) break;
            }
          }
          if (q >= end || b === QUOTE || (stop === -1 ? b !== LF && b !== CR : b !== stop)) break records;
        }
        // Past the delimiter, or past the line break after the last field.
        if (c !== last) q++;
        else if (bytes[q] === CR) {
          if (q + 1 >= end) break records;
          q += bytes[q + 1] === LF ? 2 : 1;
        } else q++;
      }
      if (this.ids !== undefined) ids.close(idEnd, hash, lowerAscii);
      if (keyLookup !== undefined) keys[k] = key;
      if (this.hasText) this.texts.push(text);
      taken++;
      p = q;
    }
    this.taken = taken;
    if (taken > 0) this.taken_(first, line, taken);
    return p;
  }

  /** Bytes [from, to) as text, by substring of a latin1 window of the buffer (ASCII bytes only). */
  private slice(bytes: Buffer, end: number, from: number, to: number): string {
    if (this.textOf !== bytes || from < this.textStart || to > this.textStart + this.text.length) {
      this.text = (bytes as unknown as Latin1).latin1Slice(from, Math.min(end, Math.max(to, from + TEXT_WINDOW)));
      this.textOf = bytes;
      this.textStart = from;
    }
    return this.text.substring(from - this.textStart, to - this.textStart);
  }

  /** Forgets the buffer's text: the reader moved or refilled the bytes. */
  refilled(): void {
    this.textOf = undefined;
    this.text = "";
  }
}

// ---------------------------------------------------------------------------------------------
// Long decimals: a candidate double proven to be the nearest one, in exact arithmetic
// ---------------------------------------------------------------------------------------------

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** The index of the high word of a double in `words` (the machine's byte order). */
const HIGH = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0;
/** Veltkamp's splitter for binary64: 2^27 + 1. */
const SPLITTER = 134217729;

/** a * b as p + e exactly (Dekker's product, no fused multiply-add needed), when nothing overflows. */
function productError(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The rounding error of s = a + b (Knuth's two-sum): 0 exactly when the sum is exact. */
function sumError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/**
 * The double nearest to (-1 if `negative`) × m × 10^exponent, where m is the integer of the digits in
 * bytes [from, to) (a mantissa as the callers scanned it: digits and at most one point, which is
 * skipped; `exponent` already counts the digits after it), for 17 to 24 significant digits and
 * -22 <= exponent <= 0; NaN when it cannot prove the answer (a tie, a power of two, other shapes),
 * and the caller asks parseFloat. The candidate x = m / 10^j in doubles is within a few units in
 * the last place; the remainder r = m - x * 10^j is computed exactly (each step's error checked to
 * be zero) and x is the nearest double when |r| < ulp(x) / 2 * 10^j; otherwise one step of ulp(x)
 * is tried.
 */
export function longDecimal(bytes: Buffer, from: number, to: number, exponent: number, negative: boolean): number {
  // m = high * 10^lowDigits + low: the first 15 significant digits, then up to 9 more; both exact.
  let high = 0;
  let low = 0;
  let lowDigits = 0;
  let digits = 0;
  for (let p = from; p < to; p++) {
    const d = bytes[p]! - 48;
    if (d < 0 || d > 9) continue;
    if (digits === 0 && d === 0) continue;
    digits++;
    if (digits <= 15) high = high * 10 + d;
    else if (digits <= 24) {
      low = low * 10 + d;
      lowDigits++;
    } else return NaN;
  }
  if (digits < 17 || exponent > 0 || exponent < -22) return NaN;
  const scale = POWERS_OF_TEN[-exponent]!;
  const shift = POWERS_OF_TEN[lowDigits]!;
  const mHigh = high * shift;
  const mLow = productError(high, shift, mHigh);
  let x = (mHigh + mLow + low) / scale;
  bits[0] = x;
  const top = words[HIGH]!;
  const biased = (top >>> 20) & 0x7ff;
  // Subnormal-ish or a power of two (the spacing below it is half the spacing above): not here.
  if (biased < 60 || biased > 2000 || ((top & 0xfffff) === 0 && words[1 - HIGH] === 0)) return NaN;
  bits[0] = 0;
  words[HIGH] = (biased - 52) << 20;
  const ulp = bits[0];
  // r = m - x * scale, exactly.
  const xHigh = x * scale;
  const xLow = productError(x, scale, xHigh);
  if (!(mHigh <= 2 * xHigh && xHigh <= 2 * mHigh)) return NaN;
  // The integer terms first (m >= 10^16 > 2^53, so mHigh, mLow and xHigh are integers and cancel
  // to a small one), the fraction last; each sum is checked exact.
  const d1 = mHigh - xHigh; // exact (Sterbenz)
  const d2 = d1 + low;
  if (sumError(d1, low, d2) !== 0) return NaN;
  const d3 = d2 + mLow;
  if (sumError(d2, mLow, d3) !== 0) return NaN;
  const r = d3 - xLow;
  if (sumError(d3, -xLow, r) !== 0) return NaN;
  const step = ulp * scale; // exact: a power of two times 10^j
  const half = 0.5 * step;
  if (!(Math.abs(r) < half)) {
    // One unit in the last place up (r > 0: x is below m / 10^j) or down, if that lands within half a unit.
    const up = r > 0;
    const towards = up ? step : -step;
    const next = r - towards;
    if (sumError(r, -towards, next) !== 0 || !(Math.abs(next) < half)) return NaN;
    x += up ? ulp : -ulp;
    // The neighbour must keep the spacing: same binade, not a power of two.
    bits[0] = x;
    const moved = words[HIGH]!;
    if (((moved >>> 20) & 0x7ff) !== biased || ((moved & 0xfffff) === 0 && words[1 - HIGH] === 0)) return NaN;
  }
  return negative ? -x : x;
}
