/**
 * Input files read with a stated size limit. A path may name anything: `/dev/zero`, a FIFO, a
 * 450 MB file, a file that grows while it is read. Each is refused with an error naming the file,
 * in memory bounded by the limit (at most limit + 1 bytes are ever read), instead of growing past
 * gigabytes and ending in `Invalid string length` or blocking forever on a pipe.
 *
 * Limits: `ADL_MAX_INPUT_BYTES` (a whole number of bytes, optionally with a K, M or G suffix in
 * powers of 1024, e.g. `256M`), when set, replaces every default; without it each reader states its
 * own default (spec files: DEFAULT_SPEC_LIMIT_BYTES; tables: DEFAULT_TABLE_LIMIT_BYTES).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { InstanceError, UsageError, WorkbenchError, describeReadError, type Place } from "../../errors.js";

const MIB = 1024 * 1024;

/** Model, experiment, scenario and mapping files: YAML that large is a mistake, not a model. */
export const DEFAULT_SPEC_LIMIT_BYTES = 64 * MIB;

/**
 * Accounts, positions and allocation tables: 10^6 accounts with layers are ~200 MB; 1 GiB leaves
 * room and stays below V8's largest string (~512 MiB of text is what one string can hold; readers
 * of tables this large must parse bytes in chunks, not one string).
 */
export const DEFAULT_TABLE_LIMIT_BYTES = 1024 * MIB;

/** The environment variable that, when set, replaces every default input limit. */
export const INPUT_LIMIT_ENV = "ADL_MAX_INPUT_BYTES";

/** A typed error for a file problem (ModelError for spec files, InstanceError for tables). */
export type FileErrorType = new (place: Place, expected: string, found: string, hint?: string) => WorkbenchError;

export interface BoundedReadOptions {
  /** Largest accepted size in bytes; default `inputLimit(DEFAULT_TABLE_LIMIT_BYTES)`. */
  readonly limit?: number;
  /** What the file should be, for messages, e.g. "model file (YAML or JSON)", "allocation CSV file". */
  readonly what: string;
  /** The error raised; default InstanceError. */
  readonly error?: FileErrorType;
}

/**
 * The input limit in bytes: `ADL_MAX_INPUT_BYTES` when set (see the module comment), else
 * `fallback`. Throws UsageError naming the variable when its value is not a positive whole number
 * of bytes. O(1).
 */
export function inputLimit(fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[INPUT_LIMIT_ENV];
  if (text === undefined || text.trim() === "") return fallback;
  const match = /^\s*(\d+)\s*([kmg])?(?:i?b)?\s*$/i.exec(text);
  const unit = match?.[2] ? 1024 ** ("kmg".indexOf(match[2].toLowerCase()) + 1) : 1;
  const bytes = match ? Number(match[1]) * unit : NaN;
  if (!(Number.isSafeInteger(bytes) && bytes > 0)) {
    throw new UsageError({ path: INPUT_LIMIT_ENV }, "a positive whole number of bytes, optionally with a K, M or G suffix (e.g. 268435456 or 256M)", JSON.stringify(text));
  }
  return bytes;
}

/** A byte count for people: "64 MiB", "1.5 GiB", "812 bytes". O(1). */
export function describeBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let k = 0;
  while (value >= 1024 && k < units.length - 1) {
    value /= 1024;
    k++;
  }
  return `${Number(value.toFixed(value < 10 ? 2 : 1))} ${units[k]}`;
}

/** What a non-regular file is, in words. */
export function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Checks that `path` names a regular file (symbolic links followed) of at most `limit` bytes and
 * returns its size, without opening it: a FIFO is refused before anything could block on it. For
 * readers that stream the file themselves. Throws `options.error` (default InstanceError). O(1).
 */
export function checkRegularFile(path: string, options: BoundedReadOptions): number {
  const fail = options.error ?? InstanceError;
  let info: Stats;
  try {
    info = statSync(path);
  } catch (error) {
    throw new fail({ file: path }, `a readable ${options.what}`, describeReadError(error));
  }
  return checkStats(path, info, options);
}

function checkStats(path: string, info: Stats, options: BoundedReadOptions): number {
  const fail = options.error ?? InstanceError;
  if (!info.isFile()) throw new fail({ file: path }, `a regular ${options.what}`, kindOf(info));
  const limit = options.limit ?? inputLimit(DEFAULT_TABLE_LIMIT_BYTES);
  if (info.size > limit) throw tooLarge(path, options, limit, describeBytes(info.size));
  return info.size;
}

function tooLarge(path: string, options: BoundedReadOptions, limit: number, found: string): WorkbenchError {
  const fail = options.error ?? InstanceError;
  return new fail({ file: path }, `a ${options.what} of at most ${describeBytes(limit)}`, found, `set ${INPUT_LIMIT_ENV} to raise the limit`);
}

/**
 * The bytes of a regular file of at most `limit` bytes. The file is opened non-blocking and checked
 * with fstat on the open descriptor (no window between check and read); at most limit + 1 bytes
 * are read, so a file that grows while it is read is refused too. Memory O(min(size, limit)).
 * Throws `options.error` (default InstanceError) naming the file for a missing, unreadable,
 * non-regular or too large file.
 */
export function readBoundedBytes(path: string, options: BoundedReadOptions): Buffer {
  const fail = options.error ?? InstanceError;
  const limit = options.limit ?? inputLimit(DEFAULT_TABLE_LIMIT_BYTES);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new fail({ file: path }, `a readable ${options.what}`, describeReadError(error));
  }
  try {
    const size = checkStats(path, fstatSync(fd), { ...options, limit });
    let buffer = Buffer.allocUnsafe(Math.min(limit, size) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limit) break;
        const bigger = Buffer.allocUnsafe(Math.min(limit + 1, 2 * buffer.length + 65536));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > limit) throw tooLarge(path, options, limit, `more than ${describeBytes(limit)} (the file grew while it was read)`);
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof WorkbenchError) throw error;
    throw new fail({ file: path }, `a readable ${options.what}`, describeReadError(error));
  } finally {
    closeSync(fd);
  }
}

/**
 * The UTF-8 text of a regular file of at most `limit` bytes (see readBoundedBytes); a byte-order
 * mark is kept (callers strip it where their format allows one). Memory O(min(size, limit)).
 */
export function readBoundedText(path: string, options: BoundedReadOptions): string {
  const bytes = readBoundedBytes(path, options);
  try {
    return bytes.toString("utf8");
  } catch (error) {
    // Only past V8's largest string (~512 MiB), i.e. with ADL_MAX_INPUT_BYTES set that high.
    const fail = options.error ?? InstanceError;
    throw new fail({ file: path }, `a ${options.what} small enough to read as one text`, `${describeBytes(bytes.length)} (${error instanceof Error ? error.message : String(error)})`);
  }
}
