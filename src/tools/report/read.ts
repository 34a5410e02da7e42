/**
 * Reading a run folder (the layout documented in src/floor/records/row.ts). The runner appends one JSON
 * object per line and may be killed mid-write, so a torn last line is ignored (and said so); a
 * line that does not parse anywhere else is damage, reported with the file and line.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InstanceError, UsageError, describeReadError } from "../../errors.js";
import type { ExposureRow, FrontierRow, JobRow, RoundsRow, RunManifest, SimulationRow } from "../../floor/records/row.js";
import { RUN_FILES, parseRows } from "../../floor/records/folder.js";

/** Everything a report reads from one run folder. */
export interface RunFolder {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly jobs: readonly JobRow[];
  readonly frontier: readonly FrontierRow[];
  readonly exposure: readonly ExposureRow[];
  readonly simulations: readonly SimulationRow[];
  /** One row per multi-round scenario and policy (rounds.jsonl; absent, without a note, when the experiment has no rounds). */
  readonly rounds: readonly RoundsRow[];
  /** What the reader noticed and skipped: missing files, torn last lines. */
  readonly notes: readonly string[];
}

type FieldKind = "string" | "number" | "array" | "object" | "boolean";

/** The fields each row kind must carry for the report to read it (a subset of the contract). */
const REQUIRED: Readonly<Record<string, Readonly<Record<string, FieldKind>>>> = {
  [RUN_FILES.results]: {
    wave: "string",
    n: "number",
    budget: "number",
    budgetShare: "number",
    job: "string",
    mechanism: "string",
    kind: "string",
    model: "string",
    params: "object",
    status: "string",
    path: "string",
    seconds: "number",
    unexpected: "array",
    certificate: "object",
    lorenz: "array",
    fractionByCapacity: "array",
  },
  [RUN_FILES.frontier]: { wave: "string", budgetShare: "number", frontier: "string", xLabel: "string", yLabel: "string", points: "array", placements: "array" },
  [RUN_FILES.frontierPoints]: { wave: "string", budgetShare: "number", frontier: "string", xLabel: "string", yLabel: "string", points: "array", placements: "array" },
  [RUN_FILES.exposure]: { wave: "string", mechanism: "string", account: "string", capacity: "number", points: "array" },
  [RUN_FILES.simulations]: { scenario: "string", mechanism: "string", seed: "number", overshootByHorizon: "array" },
  [RUN_FILES.rounds]: { scenario: "string", source: "string", policy: "string", rounds: "number", loss: "number", bound: "number", severityVariation: "number", regret: "object", stability: "object", series: "array" },
};

function kindOf(value: unknown): FieldKind | "null" | "undefined" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as FieldKind | "undefined";
}

/** Throws InstanceError naming file, line and the first missing or mistyped field. */
function checkRow(value: unknown, fields: Readonly<Record<string, FieldKind>>, file: string, line: number): void {
  if (kindOf(value) !== "object") throw new InstanceError({ file, line }, "a JSON object per line", kindOf(value));
  const row = value as Record<string, unknown>;
  for (const [name, kind] of Object.entries(fields)) {
    const found = kindOf(row[name]);
    if (found !== kind) throw new InstanceError({ file, line, path: name }, `a ${kind}`, found === "undefined" ? "nothing (the field is missing)" : `a ${found}`);
  }
}

/**
 * Parses JSON Lines text as the run-folder contract says (src/floor/records/folder.ts parseRows: blank lines skipped, a
 * torn last line ignored, any other bad line an InstanceError naming file and line) and checks each
 * row has the fields the report reads.
 */
export function parseJsonLines(text: string, file: string, fields: Readonly<Record<string, FieldKind>> = {}): { rows: unknown[]; tornLine: number | null } {
  const { rows, tornLine } = parseRows(text, file);
  for (const { value, line } of rows) checkRow(value, fields, file, line);
  return { rows: rows.map((row) => row.value), tornLine };
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new InstanceError({ file }, "a readable file", describeReadError(error));
  }
}

/**
 * Reads a run folder: manifest.json (required) and the four JSON Lines files (each optional; a
 * missing or empty file gives no rows and a note). Throws UsageError when `dir` is not a folder and
 * InstanceError for a missing or malformed manifest or a corrupt line (file and line named).
 */
export function readRunFolder(dir: string): RunFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError({ path: "DIR" }, "a run folder (written by adl run)", `${JSON.stringify(dir)}: ${existsSync(dir) ? "not a folder" : "no such folder"}`);
  const manifestFile = join(dir, RUN_FILES.manifest);
  if (!existsSync(manifestFile)) throw new InstanceError({ file: manifestFile }, "the run's manifest.json (adl run writes it when it starts)", "no such file");
  let manifest: unknown;
  try {
    manifest = JSON.parse(readText(manifestFile));
  } catch (error) {
    if (error instanceof InstanceError) throw error;
    throw new InstanceError({ file: manifestFile }, "a JSON RunManifest", (error as Error).message);
  }
  checkManifest(manifest, manifestFile);

  const notes: string[] = [];
  const read = <T>(name: string): T[] => {
    const file = join(dir, name);
    if (!existsSync(file)) {
      notes.push(`${name}: not present`);
      return [];
    }
    const { rows, tornLine } = parseJsonLines(readText(file), file, REQUIRED[name]);
    if (tornLine !== null) notes.push(`${name}: line ${tornLine} is incomplete (a torn last write) and was ignored`);
    if (rows.length === 0) notes.push(`${name}: no rows`);
    return rows as T[];
  };
  // frontier.jsonl is written when the run ends; an interrupted run has only the curves, unplaced.
  const readFrontier = (): FrontierRow[] => {
    if (existsSync(join(dir, RUN_FILES.frontier)) || !existsSync(join(dir, RUN_FILES.frontierPoints))) return read<FrontierRow>(RUN_FILES.frontier);
    notes.push("frontier.jsonl: not present (the run did not finish); frontier curves read from frontier-points.jsonl, without mechanism placements");
    return read<FrontierRow>(RUN_FILES.frontierPoints);
  };
  return {
    dir,
    manifest: manifest as RunManifest,
    jobs: read<JobRow>(RUN_FILES.results),
    frontier: readFrontier(),
    exposure: read<ExposureRow>(RUN_FILES.exposure),
    simulations: read<SimulationRow>(RUN_FILES.simulations),
    rounds: existsSync(join(dir, RUN_FILES.rounds)) ? read<RoundsRow>(RUN_FILES.rounds) : [],
    notes,
  };
}

function checkManifest(value: unknown, file: string): void {
  const fields: Record<string, FieldKind> = { version: "string", experiment: "object", jobs: "object", startedAt: "string" };
  if (kindOf(value) !== "object") throw new InstanceError({ file }, "a JSON object (RunManifest)", kindOf(value));
  const row = value as Record<string, unknown>;
  for (const [name, kind] of Object.entries(fields)) {
    const found = kindOf(row[name]);
    if (found !== kind) throw new InstanceError({ file, path: name }, `a ${kind}`, found === "undefined" ? "nothing (the field is missing)" : `a ${found}`);
  }
}
