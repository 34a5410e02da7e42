/**
 * The run folder on disk: append-only JSON-lines files and an atomically replaced manifest.
 *
 * Crash safety: each finished job is one write(2) of complete lines with O_APPEND, so a run killed at
 * any point leaves every earlier job intact and at most one torn line at the end of a file. Readers
 * ignore a torn last line; before a resumed run appends, the torn tail is cut off. Whole files
 * (manifest, frontier.jsonl) are written to a temporary name and renamed over the old one.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeSync } from "node:fs";
import { InstanceError } from "../errors.js";

/** Appends rows as complete lines in one write. */
export function appendRows(file: string, rows: readonly unknown[]): void {
  if (rows.length === 0) return;
  const text = rows.map((row) => JSON.stringify(row)).join("\n") + "\n";
  const fd = openSync(file, "a");
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Replaces a file's content atomically (write a temporary file, fsync, rename). */
export function writeAtomic(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

/**
 * Parses JSON-lines text as the runner writes it: blank lines are skipped; a last line without its
 * newline is torn (the writer was killed mid-append) and ignored, its 1-based number returned; a line
 * that does not parse anywhere else is an InstanceError naming the file and line, since that is not
 * what a crash leaves. O(size of the text).
 */
export function parseRows(text: string, file: string): { rows: { value: unknown; line: number }[]; tornLine: number | null } {
  const lines = text.split("\n");
  // The last element is "" after a final newline, or the torn tail.
  const tail = lines.pop()!;
  const tornLine = tail.trim() === "" ? null : lines.length + 1;
  const rows: { value: unknown; line: number }[] = [];
  lines.forEach((text, k) => {
    const source = text.trim();
    if (source === "") return;
    try {
      rows.push({ value: JSON.parse(source), line: k + 1 });
    } catch (error) {
      const found = source.length > 60 ? `${source.slice(0, 59)}…` : source;
      throw new InstanceError({ file, line: k + 1 }, "one complete JSON object per line", `${JSON.stringify(found)} (${(error as Error).message})`);
    }
  });
  return { rows, tornLine };
}

/** Every complete row of a JSON-lines file (none when it does not exist); see parseRows. */
export function readRows<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return parseRows(readFileSync(file, "utf8"), file).rows.map((row) => row.value as T);
}

/** Cuts a torn last line off (what a killed writer leaves), so that the next append starts a line. */
export function repairTail(file: string): boolean {
  if (!existsSync(file)) return false;
  const size = statSync(file).size;
  if (size === 0) return false;
  const text = readFileSync(file);
  if (text[size - 1] === 0x0a) return false;
  const lastNewline = text.lastIndexOf(0x0a);
  truncateSync(file, lastNewline + 1);
  return true;
}
