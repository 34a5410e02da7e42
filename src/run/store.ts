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
 * Every complete row of a JSON-lines file (none when it does not exist). A torn last line (no newline
 * at the end, from a killed writer) is ignored; a line that does not parse anywhere else is an error
 * naming the file and line, since that is not what a crash leaves.
 */
export function readRows<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  // The last element is "" after a final newline, or the torn tail.
  lines.pop();
  const rows: T[] = [];
  lines.forEach((line, k) => {
    if (line.trim() === "") return;
    try {
      rows.push(JSON.parse(line) as T);
    } catch {
      throw new InstanceError({ file, line: k + 1 }, "one JSON object per line (a results file written by adl run)", `${line.slice(0, 40)}${line.length > 40 ? "…" : ""}`);
    }
  });
  return rows;
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
