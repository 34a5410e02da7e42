import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { loadExperiment } from "../../src/tools/experiments/experiment.js";
import { expandJobs, shardOf } from "../../src/tools/run/jobs.js";
import { resultsDigest } from "../../src/tools/run/digest.js";
import { mergeRuns } from "../../src/tools/run/merge.js";
import { RUN_FILES, runExperiment } from "../../src/tools/run/runner.js";
import { readRows } from "../../src/tools/run/store.js";
import { backendVersions } from "../../src/pipeline/backends/registry.js";
import type { FrontierRow, JobRow, RunManifest, SimulationRow } from "../../src/floor/records/row.js";

const TINY = "test/fixtures/experiments/tiny.yaml";
const scratch = mkdtempSync(join(tmpdir(), "adl-run-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const quiet = { progress: "none" as const, log: () => undefined };

/** Rows as a run's content: sorted by job, without wall times (the only thing allowed to differ). */
function content(dir: string): string[] {
  return readRows<JobRow>(join(dir, RUN_FILES.results))
    .map(({ seconds: _seconds, ...row }) => JSON.stringify(row))
    .sort();
}

function digestOf(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, RUN_FILES.manifest), "utf8")) as RunManifest).resultsDigest!;
}

function frontierContent(dir: string): string[] {
  return readRows<FrontierRow>(join(dir, RUN_FILES.frontier))
    .map(({ seconds: _seconds, ...row }) => JSON.stringify(row))
    .sort();
}

describe("the job grid", () => {
  const experiment = loadExperiment(TINY);
  const jobs = expandJobs(experiment);

  it("is scenario waves × mechanisms × sweep points, plus frontier and exposure jobs", () => {
    // waves: pareto 2 seeds × 2 budgets + worked 1 = 5; mechanism grid points: 1 + 2 + 1 + 2 = 6
    expect(jobs.filter((j) => j.kind === "mechanism")).toHaveLength(30);
    // frontier: first wave of each scenario; exposure: first wave of scenario 0, 4 mechanisms
    expect(jobs.filter((j) => j.kind === "frontier")).toHaveLength(2);
    expect(jobs.filter((j) => j.kind === "exposure")).toHaveLength(4);
    // one simulator run per mechanism the scenario file lists
    expect(jobs.filter((j) => j.kind === "simulation").map((j) => j.id)).toEqual(["two-wave|simulate|ladder(pro-rata:wealth)"]);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(jobs.map((j) => j.id)).toContain("pareto-40/s2/share1.05|hybrid:3");
    expect(jobs.map((j) => j.id)).toContain("pareto-40/s1/share0.2|alpha-capped[alpha=0.3]");
  });

  it("is the same list every time, and shards partition it", () => {
    expect(expandJobs(loadExperiment(TINY)).map((j) => j.id)).toEqual(jobs.map((j) => j.id));
    const shards = [1, 2, 3].map((index) => shardOf(jobs, { index, count: 3 }).map((j) => j.id));
    expect(shards.flat().sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(new Set(shards.flat()).size).toBe(jobs.length);
  });
});

describe("adl run", () => {
  const whole = join(scratch, "whole");

  it("writes one verified row per mechanism job, the frontier with placements and a manifest", async () => {
    const summary = await runExperiment(TINY, { out: whole, workers: 1, ...quiet });
    expect(summary.total).toBe(37);
    const rows = readRows<JobRow>(join(whole, RUN_FILES.results));
    expect(rows).toHaveLength(30);
    // A job that cannot run is a row that says why, not a lost run: the worked example has no PnL
    // columns, which the venue scores read.
    const errors = rows.filter((r) => r.status === "error");
    expect(errors.map((r) => r.job).sort()).toEqual(["worked/s1/budget7.5|hybrid:2", "worked/s1/budget7.5|hybrid:3", "worked/s1/budget7.5|queue:binance"]);
    for (const row of errors) expect(row.message).toMatch(/expected a column "upnl"/);
    for (const row of rows) {
      // Every allocation went through the verifier; nothing broke a promise it makes.
      if (row.status !== "infeasible" && row.status !== "error") expect(row.verified, row.job).not.toBeNull();
      expect(row.unexpected, row.job).toEqual([]);
      if (row.kind === "model" && row.status === "optimal") expect(row.verified!.ok, row.job).toBe(true);
    }
    // Over capacity (share 1.05): the models answer with a certificate, the heuristics take everything.
    const over = rows.filter((r) => r.wave.includes("share1.05"));
    expect(over.filter((r) => r.kind === "model").every((r) => r.status === "infeasible" && r.certificate.broken.some((b) => b.promise === "capacity"))).toBe(true);
    expect(over.filter((r) => r.kind === "heuristic").every((r) => r.metrics!.coverage < 1 && r.metrics!.residualInsolvency > 0)).toBe(true);
    // The worked example at B = 7.5: pro-rata takes half of every capacity (10, 5, 1 → 0.46875 each).
    const worked = rows.find((r) => r.job === "worked/s1/budget7.5|pro-rata")!;
    expect(worked.metrics!.maxFraction).toBeCloseTo(7.5 / 16, 12);
    const frontier = readRows<FrontierRow>(join(whole, RUN_FILES.frontier));
    // One curve per frontier kind and feasible region (alpha 1 is the caps region), on each of the 2 frontier waves.
    expect([...new Set(frontier.map((f) => `${f.frontier} ${f.region}`))].sort()).toEqual(["coverage→touched alpha 0.3", "coverage→touched caps", "maxAccounts→maxFraction alpha 0.3", "maxAccounts→maxFraction caps"]);
    expect(frontier).toHaveLength(8);
    for (const f of frontier) {
      if (f.region === "caps") expect(f.placements.length).toBeGreaterThan(0);
      // Nothing beats the exact frontier of a region the mechanism lies in.
      for (const p of f.placements) {
        expect(p.belowBy, `${f.wave} ${p.mechanism}`).toBeUndefined();
        if (p.distance !== null) expect(p.distance, `${f.wave} ${p.mechanism}`).toBeGreaterThanOrEqual(0);
      }
    }
    const manifest = JSON.parse(readFileSync(join(whole, RUN_FILES.manifest), "utf8")) as RunManifest;
    expect(manifest.jobs).toEqual({ total: 37, done: 37, failed: 3 });
    const simulations = readRows<SimulationRow>(join(whole, RUN_FILES.simulations));
    expect(simulations).toHaveLength(1);
    // The hand-checked two-wave scenario (test/simulate/two-wave.test.ts): two waves, every horizon reported.
    expect(simulations[0]!.waves).toBe(2);
    expect(simulations[0]!.overshootByHorizon.map((o) => o.horizon)).toEqual([0, 1]);
    expect(manifest.failures.map((f) => f.job)).toEqual(errors.map((r) => r.job).sort());
    expect(manifest.finishedAt).not.toBeNull();
    expect(manifest.inputs.map((i) => i.file)).toContain("models/pro-rata.yaml");
    expect(manifest.experiment.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Every backend the registry knows, binaries included, with the version it reports.
    expect(Object.keys(manifest.solvers).sort()).toEqual(Object.keys(backendVersions()).sort());
    expect(manifest.solvers).toHaveProperty("cbc");
  });

  it("resumes a stopped run without losing or repeating a job, and ignores a torn last line", async () => {
    const dir = join(scratch, "resumed");
    await runExperiment(TINY, { out: dir, workers: 1, stopAfter: 7, ...quiet });
    expect(readRows<JobRow>(join(dir, RUN_FILES.results)).length).toBeLessThan(30);
    // What a writer killed mid-line leaves behind.
    appendFileSync(join(dir, RUN_FILES.results), '{"wave":"pareto-40/s9","job":"torn');
    const summary = await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(summary.skipped).toBeGreaterThan(0);
    expect(content(dir)).toEqual(content(whole));
    expect(frontierContent(dir)).toEqual(frontierContent(whole));
    expect(digestOf(dir)).toBe(digestOf(whole));
  });

  it("gives the same rows, and the same results digest, with two worker threads", async () => {
    const dir = join(scratch, "two-workers");
    await runExperiment(TINY, { out: dir, workers: 2, ...quiet });
    expect(content(dir)).toEqual(content(whole));
    expect(digestOf(whole)).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf(dir)).toBe(digestOf(whole));
  });

  it("the digest ignores wall times and nothing else", () => {
    const copy = join(scratch, "digest-copy");
    cpSync(whole, copy, { recursive: true });
    const file = join(copy, RUN_FILES.results);
    const rows = readFileSync(file, "utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as JobRow);
    writeFileSync(file, rows.map((row) => JSON.stringify({ ...row, seconds: row.seconds + 1 })).join("\n") + "\n");
    expect(resultsDigest(copy)).toBe(digestOf(whole));
    const target = rows.findIndex((row) => row.metrics !== null);
    const changed = rows.map((row, k) => (k === target ? { ...row, metrics: { ...row.metrics!, maxFraction: row.metrics!.maxFraction + 1e-12 } } : row));
    writeFileSync(file, changed.map((row) => JSON.stringify(row)).join("\n") + "\n");
    expect(resultsDigest(copy)).not.toBe(digestOf(whole));
  });

  it("shards joined by merge equal one run", async () => {
    const dirs = [1, 2, 3].map((index) => join(scratch, `shard${index}`));
    for (const [k, dir] of dirs.entries()) await runExperiment(TINY, { out: dir, workers: 1, shard: { index: k + 1, count: 3 }, ...quiet });
    const merged = join(scratch, "merged");
    const summary = mergeRuns(dirs, merged);
    expect(summary.jobs).toBe(30);
    expect(content(merged)).toEqual(content(whole));
    expect(frontierContent(merged)).toEqual(frontierContent(whole));
    expect(digestOf(merged)).toBe(digestOf(whole));
    // An incomplete set is refused unless asked for.
    expect(() => mergeRuns(dirs.slice(0, 2), join(scratch, "merged-partial"))).toThrow(/shards 3 missing/);
  });

  it("refuses to write into another run's folder, and merge refuses mismatched manifests", async () => {
    const other = join(scratch, "other.yaml");
    writeFileSync(other, readFileSync(TINY, "utf8").replace("seed: 3", "seed: 4").replaceAll("../../../", `${process.cwd()}/`).replace("../../simulate/", `${process.cwd()}/test/simulate/`));
    await expect(runExperiment(other, { out: whole, workers: 1, ...quiet })).rejects.toThrow(/a run never writes into another run's folder/);
    const otherDir = join(scratch, "other-run");
    await runExperiment(other, { out: otherDir, workers: 1, stopAfter: 1, ...quiet });
    expect(() => mergeRuns([whole, otherDir], join(scratch, "merged-bad"))).toThrow(/a different experiment file/);
  });

  it("loses no finished job and leaves no corrupt file when killed with SIGKILL at several points", async () => {
    const dir = join(scratch, "killed");
    // Kill after 4, 13 and 22 finished jobs (three different places in the grid), then let it finish.
    const start = (afterRows: number): Promise<number | null> =>
      new Promise((resolveExit) => {
        const child = spawn(process.execPath, ["bin/adl.js", "run", TINY, "--out", dir, "--workers", "1", "--no-report"], { stdio: "ignore", env: { ...process.env, CI: "true" } });
        const timer = setInterval(() => {
          let lines = 0;
          try {
            lines = readFileSync(join(dir, RUN_FILES.results), "utf8").split("\n").length - 1;
          } catch {
            /* not yet */
          }
          if (lines >= afterRows) {
            clearInterval(timer);
            child.kill("SIGKILL");
          }
        }, 2);
        child.on("exit", (code) => {
          clearInterval(timer);
          resolveExit(code);
        });
      });
    let finished = 0;
    for (const afterRows of [4, 13, 22]) {
      await start(afterRows);
      // Whatever the kill interrupted, every complete line parses and no job is there twice.
      const rows = readRows<JobRow>(join(dir, RUN_FILES.results));
      expect(new Set(rows.map((r) => r.job)).size).toBe(rows.length);
      expect(rows.length).toBeGreaterThanOrEqual(finished);
      finished = rows.length;
    }
    const summary = await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(summary.skipped).toBeGreaterThanOrEqual(finished);
    expect(content(dir)).toEqual(content(whole));
    expect(frontierContent(dir)).toEqual(frontierContent(whole));
  }, 120_000);
});
