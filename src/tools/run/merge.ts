/**
 * `adl merge`: joins the run folders of the shards of one sweep into one run folder. Refuses folders
 * whose manifests disagree on the experiment, its inputs, the settings or the tool and solver
 * versions (their rows would not be comparable), shards that repeat, and an incomplete set; and a
 * shard whose rows are not the ones its run wrote: each shard's digest is computed again from its
 * files and must equal the one its manifest records, and its rows must name exactly as many jobs
 * as the manifest says were done, none of them also in another shard.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../../errors.js";
import type { ExposureRow, FrontierRow, JobRow, RoundsRow, RunManifest, SimulationRow } from "../../floor/records/row.js";
import { resultsDigest } from "./digest.js";
import { digestFields } from "./runner.js";
import { placeFrontiers } from "./placements.js";
import { APPENDED_FILES, RUN_FILES } from "../../floor/records/folder.js";
import { RunFolderError, acquireRunLock, appendRows, readRows, writeAtomic, writeFailure } from "./store.js";

function readManifest(dir: string): RunManifest {
  const file = join(dir, RUN_FILES.manifest);
  if (!existsSync(file)) throw new UsageError({ file: dir }, "a run folder written by adl run (with manifest.json)", "no manifest.json");
  try {
    return JSON.parse(readFileSync(file, "utf8")) as RunManifest;
  } catch (error) {
    throw new UsageError({ file }, "a JSON manifest", error instanceof Error ? error.message : String(error));
  }
}

/** The parts of a manifest that must agree for rows to be joined. */
function identity(manifest: RunManifest): string {
  return JSON.stringify({
    experiment: manifest.experiment.sha256,
    inputs: manifest.inputs,
    settings: manifest.settings,
    version: manifest.version,
    solvers: manifest.solvers,
    count: manifest.shard?.count ?? 1,
  });
}

function byKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const row of rows) seen.set(key(row), row);
  return [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, row]) => row);
}

export interface MergeSummary {
  readonly dir: string;
  readonly shards: number;
  readonly jobs: number;
  /** Unfinished shards (--partial) whose rows could not be checked against a digest. */
  readonly unverified: readonly string[];
}

/** Every job id a run folder's rows name (the resume keys). */
function jobsIn(dir: string): Set<string> {
  const jobs = new Set<string>();
  for (const name of APPENDED_FILES) {
    for (const row of readRows<{ job?: string }>(join(dir, name))) if (row.job) jobs.add(row.job);
  }
  return jobs;
}

/**
 * Checks that a shard's files are what its run wrote: the digest recomputed from them equals the
 * manifest's, and the jobs its rows name are as many as the manifest counts as done. A shard that
 * never finished (accepted only with --partial) has neither a digest nor a final count: it is not
 * checked, and the summary says so.
 */
function checkShard(dir: string, manifest: RunManifest): { jobs: Set<string>; verified: boolean } {
  const file = join(dir, RUN_FILES.manifest);
  const jobs = jobsIn(dir);
  const recorded = manifest.resultsDigest;
  if (manifest.finishedAt !== null) {
    if (typeof recorded !== "string") throw new UsageError({ file }, "a finished shard's manifest with its resultsDigest", "none (written by an older adl run?)", "run the shard again with this version");
    const actual = resultsDigest(dir);
    if (actual !== recorded) {
      throw new UsageError(
        { file: dir },
        `result rows whose digest is the one the shard's manifest records (${recorded.slice(0, 12)}…)`,
        `rows with digest ${actual.slice(0, 12)}… (a row was edited, added or removed after the run)`,
        "run the shard again into a new folder",
      );
    }
  }
  if (manifest.finishedAt === null) return { jobs, verified: false };
  if (jobs.size !== manifest.jobs.done) {
    throw new UsageError({ file: dir }, `rows for the ${manifest.jobs.done} jobs its manifest counts as done`, `rows naming ${jobs.size} jobs`, "a row was added or removed after the run");
  }
  return { jobs, verified: true };
}

export function mergeRuns(dirs: readonly string[], out: string, options: { partial?: boolean } = {}): MergeSummary {
  if (dirs.length === 0) throw new UsageError({ path: "DIRS" }, "at least one run folder", "none");
  const target = resolve(out);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new UsageError({ path: "--out" }, "a new or empty folder for the merged run", `${out} exists and is not empty`);
  }
  const manifests = dirs.map((dir) => ({ dir, manifest: readManifest(dir) }));
  const first = manifests[0]!;
  for (const { dir, manifest } of manifests.slice(1)) {
    if (identity(manifest) !== identity(first.manifest)) {
      const what =
        manifest.experiment.sha256 !== first.manifest.experiment.sha256 ? "a different experiment file"
        : JSON.stringify(manifest.inputs) !== JSON.stringify(first.manifest.inputs) ? "different input files"
        : JSON.stringify(manifest.settings) !== JSON.stringify(first.manifest.settings) ? "different settings"
        : manifest.version !== first.manifest.version || JSON.stringify(manifest.solvers) !== JSON.stringify(first.manifest.solvers) ? "different tool or solver versions"
        : "a different shard count";
      throw new UsageError({ file: join(dir, RUN_FILES.manifest) }, `a shard of the same run as ${first.dir}`, what);
    }
  }
  const count = first.manifest.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { dir, manifest } of manifests) {
    const index = manifest.shard?.index ?? 1;
    const other = seen.get(index);
    if (other !== undefined) throw new UsageError({ file: dir }, "each shard once", `shard ${index}/${count} again (also in ${other})`);
    seen.set(index, dir);
    if (manifest.finishedAt === null && !options.partial) {
      throw new UsageError({ file: dir }, "finished shards (or --partial)", `shard ${index}/${count} did not finish (${manifest.jobs.done}/${manifest.jobs.total} jobs); run it again to resume it`);
    }
  }
  const owner = new Map<string, string>();
  const unverified: string[] = [];
  for (const { dir, manifest } of manifests) {
    const { jobs, verified } = checkShard(dir, manifest);
    if (!verified) unverified.push(dir);
    for (const job of jobs) {
      const other = owner.get(job);
      if (other !== undefined) throw new UsageError({ file: dir }, "each job in one shard", `job ${JSON.stringify(job)} also in ${other}`);
      owner.set(job, dir);
    }
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !seen.has(k));
  if (missing.length > 0 && !options.partial) {
    throw new UsageError({ path: "DIRS" }, `all ${count} shards (or --partial)`, `shards ${missing.join(", ")} missing`);
  }

  try {
    mkdirSync(target, { recursive: true });
  } catch (error) {
    throw writeFailure(error, target, "a folder for the merged run that this process may create and write", "choose another --out");
  }
  const lock = acquireRunLock(target, "adl merge", { path: "--out" });
  try {
    return { ...writeMerged(manifests, target, missing.length === 0), unverified };
  } catch (error) {
    if (!(error instanceof RunFolderError)) throw error;
    // A half-written merge is worth nothing and would make the folder "not empty": remove it.
    for (const name of Object.values(RUN_FILES)) {
      try {
        rmSync(join(target, name), { force: true });
      } catch {
        // Left for the user: the message names the folder.
      }
    }
    throw new RunFolderError(error.place, error.expected, error.found, "nothing was merged (the partial output is removed); make room and run adl merge again");
  } finally {
    lock.release();
  }
}

/** Writes the merged rows, the placed frontier and the manifest into `target` (locked, empty). */
function writeMerged(manifests: readonly { dir: string; manifest: RunManifest }[], target: string, allShards: boolean): Omit<MergeSummary, "unverified"> {
  const first = manifests[0]!;
  const read = <T>(name: string): T[] => manifests.flatMap(({ dir }) => readRows<T>(join(dir, name)));
  const results = byKey(read<JobRow>(RUN_FILES.results), (row) => row.job);
  appendRows(join(target, RUN_FILES.results), results);
  appendRows(join(target, RUN_FILES.frontierPoints), byKey(read<FrontierRow>(RUN_FILES.frontierPoints), (row) => `${row.wave}|${row.frontier}|${row.region ?? ""}`));
  appendRows(join(target, RUN_FILES.exposure), byKey(read<ExposureRow>(RUN_FILES.exposure), (row) => `${row.job ?? row.wave}|${row.mechanism}|${row.account}`));
  appendRows(join(target, RUN_FILES.simulations), byKey(read<SimulationRow>(RUN_FILES.simulations), (row) => `${row.scenario}|${row.mechanism}|${row.seed}`));
  appendRows(join(target, RUN_FILES.rounds), byKey(read<RoundsRow>(RUN_FILES.rounds), (row) => row.job ?? `${row.scenario}|rounds|${row.policy}`));
  placeFrontiers(target);
  const total = manifests.reduce((sum, { manifest }) => sum + manifest.jobs.total, 0);
  const done = manifests.reduce((sum, { manifest }) => sum + manifest.jobs.done, 0);
  const failures = manifests.flatMap(({ manifest }) => manifest.failures);
  const merged: RunManifest = {
    ...first.manifest,
    shard: null,
    jobs: { total, done, failed: failures.length },
    failures,
    startedAt: manifests.map(({ manifest }) => manifest.startedAt).sort()[0]!,
    finishedAt: allShards && manifests.every(({ manifest }) => manifest.finishedAt !== null) ? manifests.map(({ manifest }) => manifest.finishedAt!).sort().at(-1)! : null,
  };
  writeAtomic(join(target, RUN_FILES.manifest), JSON.stringify({ ...merged, ...digestFields(target, merged.finishedAt !== null), mergedFrom: manifests.map(({ dir }) => dir) }, null, 2) + "\n");
  return { dir: target, shards: manifests.length, jobs: results.length };
}
