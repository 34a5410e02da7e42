/**
 * The run folder's contract besides the row types (src/floor/records/row.ts): the names of its files and
 * how a JSON-lines file of it parses. The runner writes these files (src/tools/run), the merge joins them,
 * and the report reads them (src/tools/report) — all through these names, so a file is renamed here once.
 */
import { InstanceError } from "../../errors.js";

/** The files of a run folder, by role. */
export const RUN_FILES = {
  manifest: "manifest.json",
  results: "results.jsonl",
  frontierPoints: "frontier-points.jsonl",
  frontier: "frontier.jsonl",
  exposure: "exposure.jsonl",
  simulations: "simulations.jsonl",
  rounds: "rounds.jsonl",
} as const;

/** The files that hold results, as the digest covers them (the derived frontier.jsonl rather than its unplaced points). */
export const RESULT_FILES = [RUN_FILES.results, RUN_FILES.frontier, RUN_FILES.exposure, RUN_FILES.simulations] as const;
/** Result files digested only when they have rows, so that a run without them keeps the digest it had before they existed. */
export const OPTIONAL_RESULT_FILES = [RUN_FILES.rounds] as const;

/** The append-only JSON-lines files (a killed writer may leave a torn last line in any of them). */
export const APPENDED_FILES = [RUN_FILES.results, RUN_FILES.frontierPoints, RUN_FILES.exposure, RUN_FILES.simulations, RUN_FILES.rounds] as const;

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
