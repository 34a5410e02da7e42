/**
 * A run's results as one SHA-256: every row of results, frontier, exposure and simulation files with
 * wall times removed, the rows sorted. Two runs of the same experiment, inputs and seeds have the
 * same digest whatever the worker count, the order jobs finished in, the kills and resumes, or the
 * shard split joined by merge; the manifest records it so that "did anything change?" is one
 * comparison.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readRows } from "./store.js";

/** The files that hold results (the derived frontier.jsonl rather than its unplaced points). */
const RESULT_FILES = ["results.jsonl", "frontier.jsonl", "exposure.jsonl", "simulations.jsonl"] as const;

/** Fields that measure the machine, not the result. */
const TIMING_FIELDS = new Set(["seconds"]);

export function resultsDigest(dir: string): string {
  const hash = createHash("sha256");
  for (const file of RESULT_FILES) {
    const lines = readRows<Record<string, unknown>>(join(dir, file))
      .map((row) => JSON.stringify(row, (key, value: unknown) => (TIMING_FIELDS.has(key) ? undefined : value)))
      .sort();
    hash.update(`${file}\n`);
    for (const line of lines) hash.update(`${line}\n`);
  }
  return hash.digest("hex");
}
