/**
 * A run's results as one SHA-256: every row of results, frontier, exposure and simulation files with
 * the machine-dependent fields removed, the rows sorted. Two runs of the same experiment, inputs and
 * seeds have the same digest whatever the worker count, the order jobs finished in, the kills and
 * resumes, or the shard split joined by merge; the manifest records it so that "did anything
 * change?" is one comparison.
 *
 * Machine-dependent, hence left out: wall times (`seconds`) and the solver's search statistics
 * (`gap`, `nodes`: a proven optimum reached by a different search on a busier machine reports a
 * different residual gap and node count). A result the solver did not prove (status `feasible`: it
 * stopped at the time limit) depends on how far the search got, so only its identity and status are
 * digested, not its numbers; the same holds for an unproven frontier point. What stays machine-
 * dependent is whether a job finishes within its limit at all: the manifest lists such jobs.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { OPTIONAL_RESULT_FILES, RESULT_FILES, RUN_FILES } from "../../floor/records/folder.js";
import { readRows, type RowReader } from "./store.js";

/** Fields that measure the machine or the search, not the result (left out everywhere). */
export const DIGEST_OMITS = ["seconds", "gap", "nodes"] as const;

const OMITTED = new Set<string>(DIGEST_OMITS);

/** Fields of an unproven (time-limited) result row that are digested: who it is and that it is unproven. */
const UNPROVEN_KEPT = ["job", "wave", "mechanism", "status"] as const;

type Row = Record<string, unknown>;

/**
 * A row as the digest sees it: an unproven result reduced to its identity; in a frontier row, an
 * unproven point reduced to its x, and the placements that depend on unproven numbers (an unproven
 * mechanism's point; distances to a curve with an unproven point) reduced to what is proven.
 */
function digestView(row: Row, unproven: ReadonlySet<string>): Row {
  if (row["status"] === "feasible" && typeof row["job"] === "string") {
    return Object.fromEntries(UNPROVEN_KEPT.map((key) => [key, row[key]]));
  }
  const points = row["points"];
  const placements = row["placements"];
  if (!Array.isArray(points) || !Array.isArray(placements)) return row;
  const curveUnproven = points.some((p: Row) => p["status"] === "feasible");
  const placedUnproven = placements.some((p: Row) => unproven.has(`${String(row["wave"])}|${String(p["mechanism"])}`));
  if (!curveUnproven && !placedUnproven) return row;
  return {
    ...row,
    points: points.map((p: Row) => (p["status"] === "feasible" ? { x: p["x"], status: p["status"] } : p)),
    placements: placements.map((p: Row) =>
      unproven.has(`${String(row["wave"])}|${String(p["mechanism"])}`) ? { mechanism: p["mechanism"], status: "feasible" }
      : curveUnproven ? { mechanism: p["mechanism"], x: p["x"], y: p["y"] }
      : p,
    ),
  };
}

/**
 * A parsed row without the OMITTED fields, at any depth: what JSON.stringify(row, replacer dropping
 * them) writes, byte for byte (an object keeps its key order; an array's elements are never dropped,
 * their keys being indices), built as data so that the stringify takes V8's fast path. A replacer
 * is a call per value: at 8,000 jobs that was ~1.3 s of the run's serial end. O(size of the row).
 */
export function withoutOmitted(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  // A value with no omitted key inside is its own view (stringify writes the same bytes): no copy.
  if (!holdsOmitted(value)) return value;
  if (Array.isArray(value)) return value.map(withoutOmitted);
  // No prototype, so that a "__proto__" key of a parsed row stays a key, as the replacer kept it.
  const kept = Object.create(null) as Row;
  for (const [key, inner] of Object.entries(value as Row)) if (!OMITTED.has(key)) kept[key] = withoutOmitted(inner);
  return kept;
}

/** Whether an OMITTED key occurs anywhere inside `value` (a walk without allocation). */
function holdsOmitted(value: object): boolean {
  if (Array.isArray(value)) {
    for (const inner of value) if (inner !== null && typeof inner === "object" && holdsOmitted(inner as object)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (OMITTED.has(key)) return true;
    const inner = (value as Row)[key];
    if (inner !== null && typeof inner === "object" && holdsOmitted(inner as object)) return true;
  }
  return false;
}

/**
 * What the digest reads of one results.jsonl row: its line (the row as the digest sees it) and, for
 * an unproven row, the keys the digest and the manifest's unproven list need. A result row's view
 * depends on that row alone (only frontier rows look at other rows), so it can be computed where
 * the job ran, from the row before it is written: JSON text parses back to an equal row (finite
 * doubles print exactly; -0, NaN and undefined print as what they parse back to), so this line is
 * the one resultsDigest makes from the file (test/run/digest.test.ts holds the two equal).
 */
export interface ResultDigest {
  readonly line: string;
  /** `wave|mechanism` of an unproven row (status "feasible"). */
  readonly unproven?: string;
  /** Its job id, for the manifest's unproven list. */
  readonly unprovenJob?: string;
}

/** A results.jsonl row's ResultDigest. O(size of the row). */
export function resultDigest(row: Row): ResultDigest {
  const line = JSON.stringify(withoutOmitted(digestView(row, NONE)));
  if (row["status"] !== "feasible") return { line };
  return { line, unproven: `${String(row["wave"])}|${String(row["mechanism"])}`, ...(typeof row["job"] === "string" && row["job"] ? { unprovenJob: row["job"] } : {}) };
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The results.jsonl rows of a run as the digest sees them, when the run holds them already (every
 * row of the file was written by this call, and each one's ResultDigest kept as it was written):
 * the end of a run then neither parses the file (~0.6 s at 8,000 jobs) nor builds the views again.
 */
export interface KnownResults {
  readonly digests: readonly ResultDigest[];
}

/** The digest of the rows of a run folder's result files (see the module comment). O(rows log rows). */
export function resultsDigest(dir: string, read: RowReader = readRows, known?: KnownResults): string {
  const unproven = new Set<string>();
  if (known) {
    for (const digest of known.digests) if (digest.unproven !== undefined) unproven.add(digest.unproven);
  } else {
    for (const row of read<Row>(join(dir, RUN_FILES.results))) if (row["status"] === "feasible") unproven.add(`${String(row["wave"])}|${String(row["mechanism"])}`);
  }
  const hash = createHash("sha256");
  for (const file of [...RESULT_FILES, ...OPTIONAL_RESULT_FILES]) {
    if (known && file === RUN_FILES.results) {
      hash.update(`${file}\n`);
      for (const line of known.digests.map((digest) => digest.line).sort()) hash.update(`${line}\n`);
      continue;
    }
    const rows = read<Row>(join(dir, file));
    if (rows.length === 0 && (OPTIONAL_RESULT_FILES as readonly string[]).includes(file)) continue;
    const lines = rows.map((row) => JSON.stringify(withoutOmitted(digestView(row, unproven)))).sort();
    hash.update(`${file}\n`);
    for (const line of lines) hash.update(`${line}\n`);
  }
  return hash.digest("hex");
}

/** Result rows the solver did not prove (stopped at a limit): their numbers are not in the digest. */
export function unprovenJobs(dir: string, read: RowReader = readRows, known?: KnownResults): string[] {
  const jobs = new Set<string>();
  if (known) {
    for (const digest of known.digests) if (digest.unprovenJob !== undefined) jobs.add(digest.unprovenJob);
  } else {
    for (const row of read<{ job?: string; status?: string; points?: { status?: string }[] }>(join(dir, RUN_FILES.results))) {
      if (row.status === "feasible" && row.job) jobs.add(row.job);
    }
  }
  for (const row of read<{ job?: string; wave?: string; points?: { status?: string }[] }>(join(dir, RUN_FILES.frontier))) {
    if (row.points?.some((p) => p.status === "feasible")) jobs.add(row.job ?? `${row.wave}|frontier`);
  }
  return [...jobs].sort();
}
