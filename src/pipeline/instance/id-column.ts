/**
 * Account ids as a column: their bytes one after another in one growing heap, with an end offset
 * per row, instead of a JS string per id. At 10^6 rows the strings (and the garbage collector
 * promoting them to the old generation) were a third of loading a file; a consumer that reads
 * `AccountTable.ids` gets the strings, made once on first access (see `lazyIds`).
 *
 * Bytes: the fast path (plain-records.ts) copies an ASCII id's bytes as they are; the general
 * reader's ids go in as UTF-8 (WTF-8 for a lone surrogate from JSON, so that two different strings
 * never share bytes), and a non-ASCII one keeps its string beside, since latin1 decoding of the heap
 * cannot give it back. Equal ids are equal bytes, so the id index (IdIndex) compares bytes.
 */

import { InstanceError } from "../../errors.js";

/** Buffer's own decoders and encoder (what toString and write call after their argument checks). */
interface BufferSlices {
  latin1Slice(from: number, to: number): string;
  utf8Write(text: string, at: number, length: number): number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Bytes decoded at a time when the strings are made: windows small enough to stay out of V8's large-object space. */
const DECODE_WINDOW = 1 << 14;
const SURROGATE = /[\ud800-\udfff]/;
/** The id heap's first allocation at most (it grows by half as needed). */
const INITIAL_BYTES_MAX = 1 << 26;

/**
 * Writes `id` as UTF-8 at `target[at..]` (room for 3 bytes per code unit is the caller's), with a
 * lone surrogate as its own three bytes (WTF-8: no valid UTF-8 has them, so the encoding stays one
 * to one). Returns the offset after the last byte.
 */
function writeWtf8(id: string, target: Buffer, at: number): number {
  if (!SURROGATE.test(id)) return at + (target as unknown as BufferSlices).utf8Write(id, at, target.length - at);
  let w = at;
  for (let i = 0; i < id.length; i++) {
    let c = id.charCodeAt(i);
    if (c < 0x80) target[w++] = c;
    else if (c < 0x800) {
      target[w++] = 0xc0 | (c >> 6);
      target[w++] = 0x80 | (c & 63);
    } else {
      const next = i + 1 < id.length ? id.charCodeAt(i + 1) : 0;
      if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        target[w++] = 0xf0 | (c >> 18);
        target[w++] = 0x80 | ((c >> 12) & 63);
        target[w++] = 0x80 | ((c >> 6) & 63);
        target[w++] = 0x80 | (c & 63);
      } else {
        target[w++] = 0xe0 | (c >> 12);
        target[w++] = 0x80 | ((c >> 6) & 63);
        target[w++] = 0x80 | (c & 63);
      }
    }
  }
  return w;
}

/** FNV-1a over bytes [from, to): the hash the fast path computes while it scans an id. */
export function idHash(bytes: Uint8Array, from: number, to: number): number {
  let hash = FNV_OFFSET;
  for (let p = from; p < to; p++) hash = Math.imul(hash ^ bytes[p]!, FNV_PRIME);
  return hash;
}

/**
 * Whether the id in bytes [from, to) is its own idKey for sure: no upper-case ASCII, nothing beyond
 * ASCII, no space or control character at either end. From UTF-8 bytes the answer is the string's:
 * a multi-byte sequence has no byte below 128.
 */
export function ownKey(bytes: Uint8Array, from: number, to: number): boolean {
  for (let p = from; p < to; p++) {
    const b = bytes[p]!;
    if (b > 127 || (b >= 65 && b <= 90)) return false;
  }
  return !(to > from && (bytes[from]! <= 32 || bytes[to - 1]! <= 32));
}

/** The ids of a table being read: bytes in a heap, row by row. */
export class IdColumn {
  /** Id k is bytes [k === 0 ? 0 : ends[k - 1], ends[k]). Grown by `reserve` (by the fast path before a scan). */
  bytes: Buffer;
  ends: Int32Array;
  /** Id k's FNV-1a hash over its bytes (idHash), and 1 when it is its own near-duplicate key for sure (see ownKey). */
  hashes: Int32Array;
  plain: Uint8Array;
  /** Rows and bytes used. */
  count = 0;
  length = 0;
  /** Non-ASCII ids by row: latin1 decoding of the bytes cannot give them back. */
  private readonly texts = new Map<number, string>();

  /**
   * Room for `rows` ids of `bytesPerRow` bytes (estimates: both grow; the bytes start at 64 MiB at
   * most, so a loose estimate of rows costs no more than that). `file` names the table in errors.
   */
  constructor(rows: number, bytesPerRow = 16, private readonly file = "") {
    this.ends = new Int32Array(Math.max(16, rows));
    this.hashes = new Int32Array(this.ends.length);
    this.plain = new Uint8Array(this.ends.length);
    this.bytes = Buffer.allocUnsafeSlow(Math.min(INITIAL_BYTES_MAX, Math.max(256, rows * bytesPerRow)));
  }

  /** Room for `more` bytes after `length`. */
  reserve(more: number): void {
    const need = this.length + more;
    if (need <= this.bytes.length) return;
    // Offsets are Int32: 2 GiB of ids is beyond any file the loader accepts by default (1 GiB).
    if (need > 0x7fffffff) throw new InstanceError({ file: this.file, field: "id" }, "account ids of at most 2 GiB in all", `more than ${need.toLocaleString("en-US")} bytes of them`);
    const bigger = Buffer.allocUnsafeSlow(Math.min(0x7fffffff, Math.max(need, Math.ceil(1.5 * this.bytes.length))));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }

  /** Room for row `count`. */
  reserveRow(): void {
    if (this.count < this.ends.length) return;
    const size = Math.ceil(1.25 * this.ends.length) + 16;
    const ends = new Int32Array(size);
    ends.set(this.ends);
    this.ends = ends;
    const hashes = new Int32Array(size);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const plain = new Uint8Array(size);
    plain.set(this.plain);
    this.plain = plain;
  }

  /**
   * Ends row `count` at byte `end` (its bytes already written at [length, end)), with its hash and
   * own-key flag as the fast path computed them while it copied the bytes; returns the row.
   */
  close(end: number, hash: number, plain: boolean): number {
    this.reserveRow();
    const row = this.count++;
    this.ends[row] = end;
    this.hashes[row] = hash;
    this.plain[row] = plain ? 1 : 0;
    this.length = end;
    return row;
  }

  /** Appends an id read as a string (the general reader's, or a table's for lookups); returns its row. */
  pushString(id: string): number {
    this.reserve(3 * id.length);
    const bytes = this.bytes;
    const start = this.length;
    // ASCII, the common id: its bytes, hash and own-key flag in one pass over the code units.
    let w = start;
    let hash = FNV_OFFSET;
    let plain = true;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      if (c > 127) {
        const end = writeWtf8(id, bytes, start);
        const row = this.close(end, idHash(bytes, start, end), ownKey(bytes, start, end));
        this.texts.set(row, id);
        return row;
      }
      bytes[w++] = c;
      hash = Math.imul(hash ^ c, FNV_PRIME);
      if (c >= 65 && c <= 90) plain = false;
    }
    if (w > start && (bytes[start]! <= 32 || bytes[w - 1]! <= 32)) plain = false;
    return this.close(w, hash, plain);
  }

  /** Lets go of the hashes and own-key flags once the index has read them (the table keeps the bytes only). */
  releaseHashes(): void {
    this.hashes = new Int32Array(0);
    this.plain = new Uint8Array(0);
  }

  /** First byte of id k. */
  start(k: number): number {
    return k === 0 ? 0 : this.ends[k - 1]!;
  }

  /** Whether id k's bytes are `source[from, to)`. */
  equals(k: number, source: Uint8Array, from: number, to: number): boolean {
    const start = this.start(k);
    const end = this.ends[k]!;
    if (end - start !== to - from) return false;
    const bytes = this.bytes;
    for (let p = start, q = from; p < end; p++, q++) if (bytes[p] !== source[q]) return false;
    return true;
  }

  /** Id k as a string (for messages, and for the few ids whose near-duplicate key is asked for). */
  idAt(k: number): string {
    return this.texts.get(k) ?? (this.bytes as unknown as BufferSlices).latin1Slice(this.start(k), this.ends[k]!);
  }

  /**
   * Every id as a string, in row order: latin1 windows of the heap cut by substring (one decoding
   * call per 16 KiB, not per id), then the non-ASCII ids put back from their own strings.
   */
  strings(): string[] {
    // Sized at once (growing by push cost a fifth of the time at 10^6 ids); every slot is filled below.
    const ids = new Array<string>(this.count);
    const ends = this.ends;
    const count = this.count;
    const bytes = this.bytes as unknown as BufferSlices;
    let text = "";
    let textStart = 0;
    let textEnd = 0;
    let from = 0;
    for (let k = 0; k < count; k++) {
      const to = ends[k]!;
      if (to > textEnd) {
        textStart = from;
        textEnd = Math.min(this.length, Math.max(to, from + DECODE_WINDOW));
        text = bytes.latin1Slice(textStart, textEnd);
      }
      ids[k] = text.substring(from - textStart, to - textStart);
      from = to;
    }
    for (const [k, id] of this.texts) ids[k] = id;
    return ids;
  }
}

/**
 * Gives `table` an `ids` property that makes the strings of `column` on first access and then is a
 * plain value (the heap is let go). Enumerable, so a spread or structured clone of the table carries
 * the ids (by making them: correct, just not lazy).
 */
export function lazyIds<T extends object>(table: T, column: IdColumn): T & { readonly ids: readonly string[] } {
  let source: IdColumn | undefined = column;
  let made: string[] | undefined;
  Object.defineProperty(table, "ids", {
    enumerable: true,
    configurable: true,
    get(this: unknown): readonly string[] {
      if (made === undefined) {
        made = source!.strings();
        source = undefined;
      }
      // Replaced by the value itself, unless the table was frozen meanwhile (then the getter keeps it).
      if (this === table && Object.getOwnPropertyDescriptor(table, "ids")?.configurable) {
        Object.defineProperty(table, "ids", { value: made, enumerable: true, writable: false, configurable: false });
      }
      return made;
    },
  });
  return table as T & { readonly ids: readonly string[] };
}

// ---------------------------------------------------------------------------------------------
// Unique ids, and near-duplicates (case, surrounding spaces, Unicode normalization)
// ---------------------------------------------------------------------------------------------

/** An id's comparison key: what "the same trader" means for near-duplicates. */
export function idKey(id: string): string {
  return id.trim().normalize("NFC").toLowerCase();
}

/** The id index's largest share of used slots (linear probing stays short below it). */
const MAX_LOAD = 0.7;
/**
 * Rows from which IdIndex.prepare places a batch region by region: every CSV of two rows or more
 * (one batch after the read, so the small files of the tests take the path the large ones take);
 * JSON rows are indexed one by one as they are read.
 */
const BATCH_MIN = 2;
/** log2 of the slots in one region of the table prepare fills at a time (4,096 slots of 8 bytes). */
const REGION_BITS = 12;

/**
 * Ids → first row, in an open-addressing table of Int32Array slots over the ids' bytes (V8's Set
 * spent ~0.5 µs per insert at 10^6 ids). Also finds near-duplicates: ids whose idKey is equal. Only
 * ids that are not their own key go into a small Map of keys (and only they become strings here),
 * so the common lower-case ASCII id costs one hash probe, plus one Set lookup of its hash once any
 * key is known.
 */
export class IdIndex {
  /**
   * Linear probing over slots of two words: entries[2s] = row + 1 (0: empty), entries[2s + 1] = the
   * id's hash, so a probe reads one cache line; bytes are compared only on equal hashes. At most
   * 0.7 full: 134 MB at 10^7 ids.
   */
  private entries: Int32Array;
  private mask: number;
  private size = 0;
  /** idKey → first row, for ids that differ from their key. */
  private readonly keyed = new Map<string, number>();
  /** The hashes of the keys in `keyed` (of their bytes): a plain id is looked up there only on a hit. */
  private readonly keyHashes = new Set<number>();
  /** Pairs of rows (0-based) whose ids differ only by case, surrounding spaces or normalization. */
  readonly near: [number, number][] = [];
  private scratch = Buffer.alloc(64);
  private scratchLength = 0;

  constructor(
    private readonly ids: IdColumn,
    expected: number,
  ) {
    let size = 16;
    while (size * MAX_LOAD < expected) size *= 2;
    this.entries = new Int32Array(2 * size);
    this.mask = size - 1;
  }

  /**
   * Rows indexed so far. The index takes the column's rows in order when the loader asks: a CSV's
   * after the read (probing a 16 MB table at random while the scan streams the file cost twice as
   * much), or at its first error, so the error of the earliest row is still the one reported.
   */
  indexed = 0;
  /** Rows [batchFrom, batchTo) were placed by `prepare`. */
  private batchFrom = 0;
  private batchTo = 0;
  /** The batch's first row (in row order) whose id an earlier row has, and that row; -1 if none. */
  private duplicate = -1;
  private duplicateOf = -1;

  /**
   * Places rows [indexed, upTo) in the table before addNext walks them: in order of their slots'
   * region (a stable counting sort by the slot's top bits), so each region of 32 KiB is filled
   * while it is in cache, not 10^6 random probes into 16 MB. Equal ids have equal slots, so the
   * earliest row of an id is still the one placed and a later one is its duplicate. A batch of one
   * row is left to addNext.
   */
  prepare(upTo: number, fewest = BATCH_MIN): void {
    const from = this.indexed;
    const n = upTo - from;
    this.batchFrom = this.batchTo = from;
    if (n < Math.max(1, fewest)) return;
    while (this.size + n > MAX_LOAD * (this.mask + 1)) this.rehash();
    const ids = this.ids;
    const bytes = ids.bytes;
    const ends = ids.ends;
    const hashes = ids.hashes.subarray(from, upTo);
    const mask = this.mask;
    const slotBits = 31 - Math.clz32(mask + 1);
    const shift = Math.min(slotBits, REGION_BITS);
    const counts = new Int32Array((1 << (slotBits - shift)) + 1);
    for (let i = 0; i < n; i++) counts[((hashes[i]! & mask) >>> shift) + 1]!++;
    for (let r = 1; r < counts.length; r++) counts[r]! += counts[r - 1]!;
    // Rows and their hashes side by side in region order: the loop below reads them in sequence.
    const order = new Int32Array(n);
    const ordered = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const at = counts[(hashes[i]! & mask) >>> shift]!++;
      order[at] = i;
      ordered[at] = hashes[i]!;
    }
    let duplicate = -1;
    let duplicateOf = -1;
    const entries = this.entries;
    for (let j = 0; j < n; j++) {
      const hash = ordered[j]!;
      const k = from + order[j]!;
      let earlier = -1;
      let slot = hash & mask;
      for (; ; slot = (slot + 1) & mask) {
        const entry = entries[2 * slot]!;
        if (entry === 0) break;
        // The bytes are read only for an equal hash (rare): the row's offsets are a random access.
        if (entries[2 * slot + 1] === hash && ids.equals(entry - 1, bytes, ids.start(k), ends[k]!)) {
          earlier = entry - 1;
          break;
        }
      }
      if (earlier === -1) {
        this.size++;
        entries[2 * slot] = k + 1;
        entries[2 * slot + 1] = hash;
      } else if (duplicate === -1 || k < duplicate) {
        duplicate = k;
        duplicateOf = earlier;
      }
    }
    this.batchTo = upTo;
    this.duplicate = duplicate;
    this.duplicateOf = duplicateOf;
  }

  /** Records the next row of the column (row `indexed`). Returns the row of an earlier equal id, or -1. O(length of id) expected. */
  addNext(): number {
    const ids = this.ids;
    const k = this.indexed++;
    const hash = ids.hashes[k]!;
    const plain = ids.plain[k] === 1;
    if (k < this.batchTo && k >= this.batchFrom) {
      // Placed by prepare already.
      if (k === this.duplicate) return this.duplicateOf;
    } else {
      const earlier = this.find(hash, ids.bytes, ids.start(k), ids.ends[k]!);
      if (earlier !== -1) return earlier;
      this.size++;
      if (this.size > MAX_LOAD * (this.mask + 1)) this.rehash();
      this.place(hash, k);
    }
    if (plain) {
      // Its own key: a near-duplicate only of an earlier id whose key it is.
      if (this.keyHashes.size > 0 && this.keyHashes.has(hash)) {
        const first = this.keyed.get(ids.idAt(k));
        if (first !== undefined) this.near.push([first, k]);
      }
    } else {
      const id = ids.idAt(k);
      const key = idKey(id);
      if (key === id) {
        const first = this.keyed.get(key);
        if (first !== undefined) this.near.push([first, k]);
        else this.remember(key, k);
      } else {
        // An earlier row only: a batch has later rows placed too.
        const found = this.keyed.get(key) ?? this.findKey(key);
        const first = found < k ? found : -1;
        if (first !== -1) this.near.push([first, k]);
        if (!this.keyed.has(key)) this.remember(key, first === -1 ? k : first);
      }
    }
    return -1;
  }

  /**
   * Places every row of the column for lookups only (no near-duplicate keys); true when the ids are
   * unique, so that each id has one row.
   */
  placeAll(): boolean {
    this.prepare(this.ids.count, 1);
    this.indexed = this.ids.count;
    return this.duplicate === -1;
  }

  /** The row of the placed id whose bytes are source[from, to) with FNV-1a hash `hash` (idHash), or -1. */
  lookup(hash: number, source: Uint8Array, from: number, to: number): number {
    return this.find(hash, source, from, to);
  }

  /** The row of the placed id `id`, or -1. */
  rowOf(id: string): number {
    return this.findKey(id);
  }

  private remember(key: string, row: number): void {
    this.keyed.set(key, row);
    const bytes = this.encoded(key);
    this.keyHashes.add(idHash(bytes, 0, this.scratchLength));
  }

  /** `key`'s bytes as the column would hold them, in a scratch buffer (valid until the next call). */
  private encoded(key: string): Buffer {
    if (this.scratch.length < 3 * key.length) this.scratch = Buffer.alloc(3 * key.length);
    this.scratchLength = writeWtf8(key, this.scratch, 0);
    return this.scratch;
  }

  /** The row of an id equal to `key`, or -1. */
  private findKey(key: string): number {
    const bytes = this.encoded(key);
    return this.find(idHash(bytes, 0, this.scratchLength), bytes, 0, this.scratchLength);
  }

  /** The row of an indexed id whose bytes are source[from, to), or -1. */
  private find(hash: number, source: Uint8Array, from: number, to: number): number {
    const entries = this.entries;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = entries[2 * slot]!;
      if (entry === 0) return -1;
      if (entries[2 * slot + 1] === hash && this.ids.equals(entry - 1, source, from, to)) return entry - 1;
    }
  }

  private place(hash: number, row: number): void {
    const entries = this.entries;
    let slot = hash & this.mask;
    while (entries[2 * slot] !== 0) slot = (slot + 1) & this.mask;
    entries[2 * slot] = row + 1;
    entries[2 * slot + 1] = hash;
  }

  private rehash(): void {
    const old = this.entries;
    this.entries = new Int32Array(2 * old.length);
    this.mask = old.length - 1;
    for (let s = 0; s < old.length; s += 2) if (old[s] !== 0) this.place(old[s + 1]!, old[s]! - 1);
  }
}
