/**
 * `adl run`: expands an experiment into jobs, runs them on a worker-thread pool, writes each finished
 * job at once, and resumes a killed run without losing or repeating a finished job.
 *
 * The run folder defaults to results/runs/<experiment>-<hash>, the hash over the experiment's text,
 * its inputs' hashes and the shard: the same experiment started again resumes in its own folder, a
 * changed one gets a new folder, and no run ever writes into another run's folder (a manifest that
 * does not match is refused). A run holds the folder's lock (store.ts) from before it reads the
 * manifest until it has written the last one, so a second run of the same folder is refused with
 * who holds it, and a lock left by a killed run is taken over.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import cliProgress from "cli-progress";
import { Piscina } from "piscina";
import { UsageError } from "../../errors.js";
import { displayPath, loadExperiment, type Experiment } from "../experiments/experiment.js";
import type { ExposureRow, FrontierRow, JobRow, RoundsRow, RunManifest, SimulationRow } from "../../floor/records/row.js";
import { APPENDED_FILES, RUN_FILES } from "../../floor/records/folder.js";
import type { executeJob as ExecuteJob } from "./execute.js";
import { DIGEST_OMITS, resultsDigest, unprovenJobs, type KnownResults, type ResultDigest } from "./digest.js";
import { placeFrontiers } from "./placements.js";
import { expandJobs, shardOf, type Job } from "./jobs.js";
import type { Task, TaskResult } from "./job-worker.js";
import { recordOf, type Recorded } from "./record.js";
import { LOCK_FILE, acquireRunLock, appendText, cachedRowReader, readRows, type RowReader, removeStaleTemporaries, repairTail, writeAtomic, writeFailure } from "./store.js";
import { backendVersions } from "../../pipeline/backends/registry.js";

/** The run folder's file names live in the results contract; re-exported for the runner's callers. */
export { RUN_FILES };

/** Jobs per message to a worker thread. */
const BATCH_JOBS = 16;

export interface RunOptions {
  readonly out?: string;
  /** Worker threads; default all cores. 1 runs in this thread. */
  readonly workers?: number;
  readonly shard?: { readonly index: number; readonly count: number } | null;
  /** "bar" on a terminal, "lines" otherwise (CI, pipes); "none" for tests. Default auto. */
  readonly progress?: "auto" | "bar" | "lines" | "none";
  /** Where progress lines and notes go (default stderr). */
  readonly log?: (line: string) => void;
  /** Stop after this many jobs finished in this call (tests of resume). */
  readonly stopAfter?: number;
}

export interface RunSummary {
  readonly dir: string;
  readonly total: number;
  readonly skipped: number;
  readonly done: number;
  readonly failed: number;
  readonly seconds: number;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}



/** The inputs' identity: the experiment text and every file it reads, by content. */
function fingerprint(experiment: Experiment): { experimentSha: string; inputs: { file: string; sha256: string }[] } {
  return {
    experimentSha: sha256(readFileSync(experiment.file)),
    inputs: experiment.inputs.map((file) => ({ file: displayPath(file), sha256: sha256(readFileSync(file)) })),
  };
}

function settingsOf(experiment: Experiment): Record<string, unknown> {
  // Rounds only when there are any, so that the manifests of experiments without them stay as they were.
  const rounds = experiment.rounds.map((r) => ({ name: r.name, kind: r.kind, policies: r.policies.map((p) => (typeof p === "string" ? p : p.name)), ...(r.kind === "scenario" ? { weights: r.weights, seed: r.seed } : { lambda: r.lambda, reference: r.reference }) }));
  return { seed: experiment.seed, solver: experiment.solver, metrics: experiment.metrics, frontier: experiment.frontier, exposure: experiment.exposure, baseline: experiment.baseline, report: experiment.report, ...(rounds.length > 0 ? { rounds } : {}) };
}

/**
 * Done job ids from the rows already written (each job's rows are one append, so a row means done).
 * `resultJobs`, when given, stands for results.jsonl's rows (the run holds them: see KnownResults).
 */
function finishedJobs(dir: string, read: RowReader = readRows, resultJobs?: Iterable<string>): Set<string> {
  const done = new Set<string>(resultJobs);
  if (resultJobs === undefined) for (const row of read<JobRow>(join(dir, RUN_FILES.results))) done.add(row.job);
  for (const row of read<FrontierRow>(join(dir, RUN_FILES.frontierPoints))) if (row.job) done.add(row.job);
  for (const row of read<ExposureRow>(join(dir, RUN_FILES.exposure))) if (row.job) done.add(row.job);
  for (const row of read<SimulationRow>(join(dir, RUN_FILES.simulations))) if (row.job) done.add(row.job);
  for (const row of read<RoundsRow>(join(dir, RUN_FILES.rounds))) if (row.job) done.add(row.job);
  return done;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

interface Progress {
  tick(failed: boolean): void;
  stop(): void;
}

function progressOf(mode: RunOptions["progress"], total: number, log: (line: string) => void): Progress {
  const chosen = mode === undefined || mode === "auto" ? (process.stderr.isTTY && !process.env["CI"] ? "bar" : "lines") : mode;
  const started = performance.now();
  let done = 0;
  let failed = 0;
  if (chosen === "none" || total === 0) return { tick: () => undefined, stop: () => undefined };
  if (chosen === "bar") {
    const bar = new cliProgress.SingleBar(
      { format: "adl run |{bar}| {value}/{total} jobs  {rate} jobs/s  ETA {eta_formatted}  failed {failed}", hideCursor: true, etaBuffer: 50, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: "0.0", failed: 0 });
    return {
      tick(f) {
        done++;
        if (f) failed++;
        const rate = done / ((performance.now() - started) / 1000);
        bar.update(done, { rate: rate.toFixed(1), failed });
      },
      stop: () => bar.stop(),
    };
  }
  // Plain lines for logs and CI: at most one every 10 s, and the last one.
  let lastLine = started;
  const line = (): void => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    log(`adl run: ${done}/${total} jobs (${Math.floor((100 * done) / total)}%), ${rate.toFixed(1)} jobs/s, ETA ${formatSeconds((total - done) / rate)}, failed ${failed}`);
  };
  return {
    tick(f) {
      done++;
      if (f) failed++;
      if (performance.now() - lastLine >= 10_000) {
        lastLine = performance.now();
        line();
      }
    },
    stop: () => {
      if (done > 0) line();
    },
  };
}

/**
 * Writes the rows of finished jobs (one job in-process; a batch from a worker, which comes back at
 * once), one append per file in job order, so a row on disk means its job is done. An open, write
 * and close per job (4 system calls) was most of the main thread's time in a pool run, taken from
 * the workers' two cores. A failed append is cut back (appendText), so none of its rows count as done.
 */
function record(dir: string, batch: readonly Recorded[]): void {
  const texts = new Map<string, string[]>();
  for (const recorded of batch) {
    for (const { file, text } of recorded.appends) {
      const list = texts.get(file);
      if (list) list.push(text);
      else texts.set(file, [text]);
    }
  }
  for (const [file, list] of texts) appendText(join(dir, file), list.join(""));
}

export function defaultRunDir(experiment: Experiment, shard: RunOptions["shard"]): string {
  const { experimentSha, inputs } = fingerprint(experiment);
  const key = sha256(JSON.stringify({ experimentSha, inputs, shard: shard ?? null })).slice(0, 10);
  return join("results", "runs", `${experiment.name}-${key}${shard ? `-shard${shard.index}of${shard.count}` : ""}`);
}

/** Runs (or resumes) an experiment; returns where and what. */
export async function runExperiment(file: string, options: RunOptions = {}): Promise<RunSummary> {
  const experiment = loadExperiment(file);
  const shard = options.shard ?? null;
  if (shard && (!Number.isInteger(shard.index) || !Number.isInteger(shard.count) || shard.count < 1 || shard.index < 1 || shard.index > shard.count)) {
    throw new UsageError({ path: "--shard" }, "i/n with whole numbers 1 <= i <= n", `${shard.index}/${shard.count}`);
  }
  const dir = resolve(options.out ?? defaultRunDir(experiment, shard));
  const created = !existsSync(dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw writeFailure(error, dir, "a folder for the run that this process may create and write", "choose another --out, or make the folder writable");
  }
  const lock = acquireRunLock(dir, `adl run ${displayPath(experiment.file)}${shard ? ` --shard ${shard.index}/${shard.count}` : ""}`, { path: "--out" });
  try {
    return await runLocked(experiment, dir, shard, options);
  } catch (error) {
    // A refused folder that this call created is not left behind empty.
    if (created && error instanceof UsageError) {
      lock.release();
      rmEmpty(dir);
    }
    throw error;
  } finally {
    lock.release();
  }
}

/** The run proper, with the folder's lock held. */
async function runLocked(experiment: Experiment, dir: string, shard: { readonly index: number; readonly count: number } | null, options: RunOptions): Promise<RunSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const { experimentSha, inputs } = fingerprint(experiment);
  const manifestFile = join(dir, RUN_FILES.manifest);
  const allJobs = expandJobs(experiment);
  const jobs = shardOf(allJobs, shard);

  // What a killed writeAtomic leaves (the lock says no live process is writing it); before the
  // emptiness check, so that a run killed while writing its first manifest can start again.
  removeStaleTemporaries(dir, Object.values(RUN_FILES));
  let startedAt = new Date().toISOString();
  let previousFailures: RunManifest["failures"] = [];
  if (existsSync(manifestFile)) {
    const previous = JSON.parse(readFileSync(manifestFile, "utf8")) as RunManifest;
    const sameShard = JSON.stringify(previous.shard) === JSON.stringify(shard);
    if (previous.experiment.sha256 !== experimentSha || JSON.stringify(previous.inputs) !== JSON.stringify(inputs) || !sameShard) {
      throw new UsageError(
        { path: "--out" },
        "a new folder, or the folder of an earlier run of the same experiment, inputs and shard (to resume it)",
        `${displayPath(dir)} holds a run of ${previous.experiment.file} (sha256 ${previous.experiment.sha256.slice(0, 12)}…${previous.shard ? `, shard ${previous.shard.index}/${previous.shard.count}` : ""})`,
        "a run never writes into another run's folder",
      );
    }
    startedAt = previous.startedAt;
    previousFailures = previous.failures;
  } else if (readdirNonEmpty(dir)) {
    throw new UsageError({ path: "--out" }, "a new or empty folder (or an earlier run's folder, to resume it)", `${displayPath(dir)} exists and holds no run manifest`);
  }
  for (const name of APPENDED_FILES) repairTail(join(dir, name));
  const resultsFile = join(dir, RUN_FILES.results);
  // Whether results.jsonl starts empty: then every row of it at the end is one this call wrote, and
  // the end of the run uses the digests kept as they were written (KnownResults) instead of a parse.
  const resultsStartEmpty = rowCount(resultsFile) === 0;
  const done = finishedJobs(dir);
  const pending = jobs.filter((job) => !done.has(job.id));
  const skipped = jobs.length - pending.length;

  // Every registered backend's version (a binary's as it reports it, or "not installed"): read once, from the registry.
  const solvers = backendVersions();
  const manifest = (finishedAt: string | null, failures: { job: string; message: string }[], doneCount: number): RunManifest => ({
    tool: "adl-workbench",
    version: readPackageVersion(),
    experiment: { name: experiment.name, file: displayPath(experiment.file), sha256: experimentSha },
    inputs,
    solvers,
    settings: settingsOf(experiment),
    shard,
    jobs: { total: jobs.length, done: doneCount, failed: failures.length },
    failures,
    startedAt,
    finishedAt,
    node: process.version,
  });
  writeAtomic(manifestFile, JSON.stringify(manifest(null, [...previousFailures], skipped), null, 2) + "\n");
  if (skipped > 0) log(`adl run: resuming ${displayPath(dir)}: ${skipped} of ${jobs.length} jobs already done`);

  const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const limit = options.stopAfter ?? Infinity;
  const todo = pending.slice(0, Math.min(pending.length, limit));
  const progress = progressOf(options.progress, todo.length, log);
  // Earlier failures stand until their job runs again: a job that now succeeds is forgotten
  // (onOutput), a failed mechanism job is a row and so is not run again.
  const failedNow = new Map(previousFailures.map((f) => [f.job, f.message]));
  let finished = 0;
  // The first write that fails (full disk, read-only folder) stops the run: later outputs are
  // dropped (they run again on resume) and the error is thrown once the pool is down.
  let writeError: unknown;
  const started = performance.now();
  const written: { jobs: string[]; digests: ResultDigest[] } = { jobs: [], digests: [] };
  /** Writes finished jobs' rows; false (and the run stops) once a write has failed. */
  const write = (batch: readonly Recorded[]): boolean => {
    if (writeError !== undefined) return false;
    try {
      record(dir, batch);
      return true;
    } catch (error) {
      writeError = error;
      return false;
    }
  };
  /** Counts a finished job whose rows are written. */
  const onOutput = (job: Job, recorded: Recorded): void => {
    if (recorded.digest !== undefined) {
      written.jobs.push(job.id);
      written.digests.push(recorded.digest);
    }
    const message = recorded.failed;
    if (message !== undefined) failedNow.set(job.id, message);
    else failedNow.delete(job.id);
    finished++;
    progress.tick(message !== undefined);
  };
  const onError = (job: Job, error: unknown): void => {
    if (writeError !== undefined) return;
    // Not written: the job is not done and runs again on resume.
    failedNow.set(job.id, error instanceof Error ? error.message : String(error));
    progress.tick(true);
  };

  try {
    if (workers === 1) {
      // The jobs' code (every mechanism, metric and solver layer) loads here only when this thread
      // runs them: with a pool, each worker loads it and the main thread need not.
      const executeJob: typeof ExecuteJob = (await import("./execute.js")).executeJob;
      for (const job of todo) {
        if (writeError !== undefined) break;
        let recorded: Recorded;
        try {
          recorded = recordOf(job, await executeJob(experiment, job));
        } catch (error) {
          onError(job, error);
          continue;
        }
        if (!write([recorded])) break;
        onOutput(job, recorded);
      }
    } else {
      const pool = new Piscina({
        filename: fileURLToPath(new URL("./job-worker-bootstrap.mjs", import.meta.url)),
        minThreads: workers,
        maxThreads: workers,
        idleTimeout: 1000,
      });
      try {
        const absolute = resolve(experiment.file);
        // Batches small enough that a killed run loses little and the pool stays balanced.
        const size = Math.max(1, Math.min(BATCH_JOBS, Math.ceil(todo.length / (workers * 8))));
        const batches: Job[][] = [];
        for (let k = 0; k < todo.length; k += size) batches.push(todo.slice(k, k + size));
        // Batches are handed out from here, two per worker in flight, and none after a failed write:
        // aborting a batch a worker is already running races piscina (its late answer is an
        // uncaught "Unexpected message from Worker"), so the pool is only ever destroyed idle.
        let next = 0;
        const lane = async (): Promise<void> => {
          while (writeError === undefined && next < batches.length) {
            const batch = batches[next++]!;
            try {
              const results: TaskResult = await pool.run({ file: absolute, jobs: batch } satisfies Task);
              if (!write(results.flatMap((result) => (result.ok ? [result.recorded] : [])))) break;
              results.forEach((result, k) => (result.ok ? onOutput(batch[k]!, result.recorded) : onError(batch[k]!, result.message)));
            } catch (error) {
              batch.forEach((job) => onError(job, error));
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(batches.length, workers * 2) }, lane));
      } finally {
        await pool.destroy();
      }
    }
  } finally {
    progress.stop();
  }
  if (writeError !== undefined) throw writeFailure(writeError, dir);

  // The appended files are final now: each is parsed once for the done check, the digest and the unproven list.
  const read = cachedRowReader(APPENDED_FILES.map((name) => join(dir, name)));
  // The kept digests stand for the file only if they are all of its rows (a count of its lines: ~20 ms at 8,000 jobs).
  const known: KnownResults | undefined = resultsStartEmpty && rowCount(resultsFile) === written.digests.length ? { digests: written.digests } : undefined;
  const allDone = finishedJobs(dir, read, known ? written.jobs : undefined);
  const complete = jobs.every((job) => allDone.has(job.id));
  const failureList = [...failedNow].map(([job, message]) => ({ job, message })).sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
  if (complete) placeFrontiers(dir);
  const final = manifest(complete ? new Date().toISOString() : null, failureList, jobs.filter((job) => allDone.has(job.id)).length);
  writeAtomic(manifestFile, JSON.stringify({ ...final, ...digestFields(dir, complete, read, known) }, null, 2) + "\n");
  return { dir, total: jobs.length, skipped, done: finished, failed: failureList.length, seconds: (performance.now() - started) / 1000 };
}

/**
 * The manifest's digest fields: the digest of the rows on disk (null until the run is complete),
 * the fields it leaves out, and the jobs whose numbers it leaves out (unproven, stopped at a limit).
 */
export function digestFields(dir: string, complete: boolean, read: RowReader = readRows, known?: KnownResults): { resultsDigest: string | null; resultsDigestOmits: readonly string[]; unproven: string[] } {
  return { resultsDigest: complete ? resultsDigest(dir, read, known) : null, resultsDigestOmits: DIGEST_OMITS, unproven: complete ? unprovenJobs(dir, read, known) : [] };
}

/** The rows of a JSON-lines file: its non-blank lines (0 if it does not exist). O(bytes). */
function rowCount(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file);
  let rows = 0;
  let start = 0;
  for (let end = text.indexOf(0x0a); start < text.length; end = text.indexOf(0x0a, start)) {
    const stop = end === -1 ? text.length : end;
    for (let k = start; k < stop; k++) {
      const b = text[k]!;
      if (b !== 0x20 && b !== 0x09 && b !== 0x0d) {
        rows++;
        break;
      }
    }
    start = stop + 1;
  }
  return rows;
}

/** Removes a folder if it holds nothing (best effort). */
function rmEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, or gone.
  }
}

/** Whether a folder holds anything but its lock. */
function readdirNonEmpty(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => name !== LOCK_FILE);
  } catch {
    return false;
  }
}

function readPackageVersion(): string {
  try {
    const file = fileURLToPath(new URL("../../../package.json", import.meta.url));
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
