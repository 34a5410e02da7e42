/**
 * What `adl run`, `adl merge` and `adl report` share (src/cli/commands/): the shard and worker flags,
 * and the report written under the run folder's lock. The report is written at the end of a complete
 * run (and of a merge), and the last line says where it is.
 */
import { UsageError } from "../errors.js";

// The modules behind each command load when it runs: the runner's pool, the report's Vega and resvg
// are not part of `adl --help` or `adl solve`.

/** "2/4" → {index: 2, count: 4}. */
export function parseShard(text: unknown): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text));
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) throw new UsageError({ path: "--shard" }, "i/n with whole numbers 1 <= i <= n, e.g. 2/8", JSON.stringify(text));
  return { index, count };
}

/** --workers N: a whole number of worker threads from 1 to 256. */
export function workerCount(text: unknown): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 256) throw new UsageError({ path: "--workers" }, "a whole number of worker threads from 1 to 256", JSON.stringify(text));
  return value;
}

/** Writes a run folder's report holding the folder's lock, so that no run appends while it reads. */
export async function lockedReport(dir: string, out: (text: string) => void): Promise<number> {
  const [{ existsSync }, { acquireRunLock, writeFailure }, { reportCommand: report }] = await Promise.all([import("node:fs"), import("../tools/run/store.js"), import("./report.js")]);
  // A folder that is not there: the report says what it expected.
  if (!existsSync(dir)) return report(dir, { out });
  const lock = acquireRunLock(dir, `adl report ${dir}`);
  try {
    return await report(dir, { out });
  } catch (error) {
    // A full disk or a read-only folder while the report is written: exit 2 naming the file, not a stack.
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const file = (error as NodeJS.ErrnoException | undefined)?.path;
    throw typeof code === "string" && /^E[A-Z]+$/.test(code) ? writeFailure(error, file ?? `${dir}/report`, "a writable folder with room for the report", "make room or make it writable, then run adl report on the run folder again") : error;
  } finally {
    lock.release();
  }
}
