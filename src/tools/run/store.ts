/**
 * The run folder on disk: append-only JSON-lines files, an atomically replaced manifest, and an
 * exclusive lock.
 *
 * Crash safety: each finished job is one write(2) of complete lines with O_APPEND, so a run killed at
 * any point leaves every earlier job intact and at most one torn line at the end of a file. Readers
 * ignore a torn last line; before a resumed run appends, the torn tail is cut off. Whole files
 * (manifest, frontier.jsonl) are written to a temporary name and renamed over the old one.
 *
 * Write failures (a full disk, a read-only or missing folder) are RunFolderErrors (exit 2) naming the
 * file and the cause; an append that fails half-way is cut back to the last complete line and a
 * temporary file that cannot be completed is removed, so the folder stays resumable.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, fstatSync, openSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { WorkbenchError, type Place } from "../../errors.js";
import { parseRows } from "../../floor/records/folder.js";

/** A run folder that cannot be written, or that another process is using. Exit 2, like bad input. */
export class RunFolderError extends WorkbenchError {
  readonly exitCode = 2;
}

/**
 * The file-system calls that write a run folder. A seam for tests: a full disk (ENOSPC) or a
 * read-only file system (EROFS) cannot be made on demand by a process running as root, so tests
 * replace these with failing versions and run the real runner against them.
 */
export const storeIo = {
  openSync,
  writeSync: (fd: number, buffer: Buffer, offset: number, length: number): number => writeSync(fd, buffer, offset, length),
  fsyncSync,
  renameSync,
};

/** What a failed write found, in words a user can act on. */
export function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOSPC":
      return "no space left on the device (ENOSPC)";
    case "EDQUOT":
      return "the disk quota is used up (EDQUOT)";
    case "EROFS":
      return "a read-only file system (EROFS)";
    case "EACCES":
    case "EPERM":
      return `a folder this process may not write (${code})`;
    case "ENOTDIR":
      return "a file where a folder is expected (ENOTDIR)";
    case "EEXIST":
      return "a file where a folder is expected (EEXIST)";
    case "EISDIR":
      return "a folder where a file is expected (EISDIR)";
    case "ENOENT":
      return "a folder that does not exist (ENOENT)";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

const RESUME_HINT = "make room or make the folder writable, then run the same command again: finished jobs are kept and the run resumes";

/**
 * A failed write as a RunFolderError naming the file and the cause; an error that already is a
 * WorkbenchError passes through, and anything without an errno code (a bug) is rethrown as it is.
 */
export function writeFailure(error: unknown, file: string, what = "a writable run folder with room for the results", hint = RESUME_HINT): WorkbenchError {
  if (error instanceof WorkbenchError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) throw error;
  return new RunFolderError({ file }, what, describeWriteError(error), hint);
}

/** Writes all of `data` to `fd` (write(2) may write less than asked). */
function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += storeIo.writeSync(fd, data, offset, data.length - offset);
}

/**
 * Appends rows as complete lines in one write. On a failure the file is cut back to its length
 * before the call (no half line stays behind) and a RunFolderError is thrown.
 */
export function appendRows(file: string, rows: readonly unknown[]): void {
  if (rows.length === 0) return;
  appendText(file, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
}

/** appendRows for rows already serialized: `text` is whole JSON lines, each ending in a newline (src/tools/run/record.ts). */
export function appendText(file: string, text: string): void {
  if (text === "") return;
  const data = Buffer.from(text, "utf8");
  let fd: number;
  try {
    fd = storeIo.openSync(file, "a");
  } catch (error) {
    throw writeFailure(error, file);
  }
  let before = -1;
  try {
    before = fstatSync(fd).size;
    writeAll(fd, data);
  } catch (error) {
    if (before >= 0) {
      try {
        ftruncateSync(fd, before);
      } catch {
        // The device refuses even that: resume cuts the torn tail (repairTail).
      }
    }
    throw writeFailure(error, file);
  } finally {
    closeSync(fd);
  }
}

/** The temporary name writeAtomic uses for `file` in this process. */
export function temporaryName(file: string): string {
  return `${file}.${process.pid}.tmp`;
}

/**
 * Replaces a file's content atomically (write a temporary file, fsync, rename). On a failure the
 * temporary file is removed, the old content stays, and a RunFolderError is thrown (`what` and
 * `hint`: what the file needed and what to do, for its message).
 */
export function writeAtomic(file: string, text: string, what?: string, hint?: string): void {
  const temporary = temporaryName(file);
  try {
    const fd = storeIo.openSync(temporary, "w");
    try {
      writeAll(fd, Buffer.from(text, "utf8"));
      storeIo.fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    storeIo.renameSync(temporary, file);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created (read-only folder), or already renamed.
    }
    throw writeFailure(error, file, what, hint);
  }
}

/**
 * Removes the temporary files (`NAME.<pid>.tmp`, NAME one of `files`) that a killed writeAtomic left
 * in `dir`; returns their names. Only under the folder's lock: then no live writer owns them.
 */
export function removeStaleTemporaries(dir: string, files: readonly string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const ours = new Set(files);
  const stale = names.filter((name) => {
    const match = /^(.*)\.\d+\.tmp$/.exec(name);
    return match !== null && ours.has(match[1]!);
  });
  for (const name of stale) {
    try {
      unlinkSync(join(dir, name));
    } catch (error) {
      throw writeFailure(error, join(dir, name));
    }
  }
  return stale;
}

/** Every complete row of a JSON-lines file (none when it does not exist); see parseRows (src/floor/records/folder.ts). */
export function readRows<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return parseRows(readFileSync(file, "utf8"), file).rows.map((row) => row.value as T);
}

/** How the end of a run reads row files: readRows, or a cachedRowReader. */
export type RowReader = <T>(file: string) => T[];

/**
 * readRows that parses each of `files` (full paths) at most once and hands every later caller the
 * same rows (callers must not change them); other files are read afresh each time. For the end of a
 * run, when the appended files no longer change (the lock is held and the pool is down) but the done
 * check, the digest and the unproven list each read results.jsonl: ~0.4 s a parse at 8,000 jobs.
 */
export function cachedRowReader(files: readonly string[]): RowReader {
  const listed = new Set(files);
  const cache = new Map<string, unknown[]>();
  return <T>(file: string): T[] => {
    if (!listed.has(file)) return readRows<T>(file);
    let rows = cache.get(file);
    if (rows === undefined) cache.set(file, (rows = readRows<unknown>(file)));
    return rows as T[];
  };
}

/** Cuts a torn last line off (what a killed writer leaves), so that the next append starts a line. */
export function repairTail(file: string): boolean {
  if (!existsSync(file)) return false;
  const size = statSync(file).size;
  if (size === 0) return false;
  const text = readFileSync(file);
  if (text[size - 1] === 0x0a) return false;
  const lastNewline = text.lastIndexOf(0x0a);
  try {
    truncateSync(file, lastNewline + 1);
  } catch (error) {
    throw writeFailure(error, file);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The lock
// ---------------------------------------------------------------------------------------------

/** The lock file's name inside a run folder. */
export const LOCK_FILE = "run.lock";

/** What a lock file holds: who holds the folder. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    return typeof owner.pid === "number" && typeof owner.host === "string" ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this id runs on this machine (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A held lock; release() removes it (idempotent). */
export interface RunLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the exclusive lock of a run folder (which must exist): creates `run.lock` with O_EXCL,
 * holding this process's pid, host and command. A lock left by a process that is gone (same host,
 * pid not running) is taken over; a live holder, or one on another host, is a RunFolderError
 * saying who holds it and since when. Two processes racing for one stale lock: each re-reads the
 * lock just before removing it, so only the stale one is removed.
 */
export function acquireRunLock(dir: string, command: string, place: Place = {}): RunLock {
  const file = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = storeIo.openSync(file, "wx");
      try {
        writeAll(fd, Buffer.from(JSON.stringify(me) + "\n", "utf8"));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (readOwner(file)?.pid === me.pid) unlinkSync(file);
          } catch {
            // Gone already.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw writeFailure(error, file, "a run folder this process may write (to lock it)");
    }
    const owner = readOwner(file);
    if (owner === undefined) {
      // Created a moment ago and not yet written, or garbage: look again shortly, then judge it by age.
      const age = Date.now() - statMtime(file);
      if (age < 2000) {
        sleep(50);
        continue;
      }
    } else if (owner.host !== hostname() || alive(owner.pid)) {
      const where = owner.host === hostname() ? `process ${owner.pid}` : `process ${owner.pid} on host ${owner.host}`;
      throw new RunFolderError(
        { ...place, file: dir },
        "a run folder no other adl process is using",
        `a lock held by ${where} (${owner.command}) since ${owner.since}`,
        owner.host === hostname()
          ? "wait for that run to finish, or stop it; then run again to resume"
          : `if that process is gone, delete ${file} and run again`,
      );
    }
    // Stale: its process is gone. Remove it only if it is still the same lock.
    const again = readOwner(file);
    if (JSON.stringify(again) === JSON.stringify(owner)) {
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw writeFailure(error, file, "a run folder this process may write (to lock it)");
      }
    }
  }
  throw new RunFolderError({ ...place, file: dir }, "a run folder no other adl process is using", `the lock ${file} keeps changing hands`, "another run is starting on the same folder");
}

function statMtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** Blocks the thread for `ms` (lock contention only: a few tens of milliseconds). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
