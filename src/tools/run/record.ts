/**
 * What a finished job appends to its run folder: each file's JSON lines, already serialized, and
 * the job's failure message if it failed. Built where the job ran: in a worker thread, the lines
 * cross to the main thread as strings (a structured clone of a string is a copy; of a row object
 * it is a walk over every field, then garbage for the main thread to collect), so the main thread
 * only appends them. One rule for both paths, so 1 and N workers write the same bytes.
 */
import { RUN_FILES } from "../../floor/records/folder.js";
import { resultDigest, type ResultDigest } from "./digest.js";
import type { JobOutput } from "./execute.js";
import type { Job } from "./jobs.js";

/** A job's appends (one per file, at most one per file) and its failure, if any. */
export interface Recorded {
  readonly appends: readonly { readonly file: string; readonly text: string }[];
  /** The error message of a mechanism job that failed (its row has status "error"). */
  readonly failed?: string;
  /**
   * A mechanism job's results.jsonl row as the run's digest sees it, made here beside its text (in
   * the worker that ran the job), so that the end of a run that wrote every row need not parse them
   * back (digest.ts, KnownResults).
   */
  readonly digest?: ResultDigest;
}

/** Rows as the JSON-lines text one append writes: a line each, each ending in a newline. */
function lines(rows: readonly unknown[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join("");
}

/** The file names in `appends` are RUN_FILES values, relative to the run folder. O(size of the rows). */
export function recordOf(job: Job, output: JobOutput): Recorded {
  switch (output.kind) {
    case "mechanism":
      return {
        appends: [{ file: RUN_FILES.results, text: lines([output.row]) }],
        digest: resultDigest(output.row as unknown as Record<string, unknown>),
        ...(output.row.status === "error" ? { failed: output.row.message ?? "error" } : {}),
      };
    case "frontier":
      return { appends: output.rows.length > 0 ? [{ file: RUN_FILES.frontierPoints, text: lines(output.rows.map((row) => ({ ...row, job: job.id }))) }] : [] };
    case "exposure":
      // A mechanism with no eligible account has no curve; still mark the job done.
      return {
        appends: [
          {
            file: RUN_FILES.exposure,
            text: lines(output.rows.length > 0 ? output.rows.map((row) => ({ ...row, job: job.id })) : [{ job: job.id, wave: "wave" in job ? job.wave : "", mechanism: "", account: "", capacity: 0, points: [] }]),
          },
        ],
      };
    case "simulation":
      return { appends: output.rows.length > 0 ? [{ file: RUN_FILES.simulations, text: lines(output.rows.map((row) => ({ ...row, job: job.id }))) }] : [] };
    case "rounds":
      return { appends: output.rows.length > 0 ? [{ file: RUN_FILES.rounds, text: lines(output.rows.map((row) => ({ job: job.id, ...row }))) }] : [] };
  }
}
