/**
 * `adl merge`: joins the run folders of the shards of one sweep into one run folder. Refuses folders
 * whose manifests disagree on the experiment, its inputs, the settings or the tool and solver
 * versions (their rows would not be comparable), shards that repeat, and an incomplete set.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { ExposureRow, FrontierRow, JobRow, RunManifest, SimulationRow } from "../results/row.js";
import { resultsDigest } from "./digest.js";
import { placeFrontiers } from "./placements.js";
import { RUN_FILES } from "./runner.js";
import { appendRows, readRows, writeAtomic } from "./store.js";

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
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !seen.has(k));
  if (missing.length > 0 && !options.partial) {
    throw new UsageError({ path: "DIRS" }, `all ${count} shards (or --partial)`, `shards ${missing.join(", ")} missing`);
  }

  mkdirSync(target, { recursive: true });
  const read = <T>(name: string): T[] => manifests.flatMap(({ dir }) => readRows<T>(join(dir, name)));
  const results = byKey(read<JobRow>(RUN_FILES.results), (row) => row.job);
  appendRows(join(target, RUN_FILES.results), results);
  appendRows(join(target, RUN_FILES.frontierPoints), byKey(read<FrontierRow>(RUN_FILES.frontierPoints), (row) => `${row.wave}|${row.frontier}|${row.region ?? ""}`));
  appendRows(join(target, RUN_FILES.exposure), byKey(read<ExposureRow>(RUN_FILES.exposure), (row) => `${row.job ?? row.wave}|${row.mechanism}|${row.account}`));
  appendRows(join(target, RUN_FILES.simulations), byKey(read<SimulationRow>(RUN_FILES.simulations), (row) => `${row.scenario}|${row.mechanism}|${row.seed}`));
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
    finishedAt: missing.length === 0 && manifests.every(({ manifest }) => manifest.finishedAt !== null) ? manifests.map(({ manifest }) => manifest.finishedAt!).sort().at(-1)! : null,
  };
  writeAtomic(join(target, RUN_FILES.manifest), JSON.stringify({ ...merged, resultsDigest: merged.finishedAt !== null ? resultsDigest(target) : null, mergedFrom: manifests.map(({ dir }) => dir) }, null, 2) + "\n");
  return { dir: target, shards: manifests.length, jobs: results.length };
}
