/**
 * Rounds jobs through the runner: one row per multi-round scenario and policy, the same rows and
 * digest with one or two workers, across a stop and resume, and across shards joined by merge; the
 * numbers are the ones an independent run of every policy at once gives, and the table's are the
 * paper's Table 2 to the cent.
 */
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExperiment } from "../../src/tools/experiments/experiment.js";
import { resultsDigest } from "../../src/tools/run/digest.js";
import { mergeRuns } from "../../src/tools/run/merge.js";
import { RUN_FILES, runExperiment } from "../../src/tools/run/runner.js";
import { readRows } from "../../src/tools/run/store.js";
import type { RoundsRow, RunManifest } from "../../src/floor/records/row.js";
import { runRounds } from "../../src/tools/rounds/run.js";
import { loadRoundsScenario } from "../../src/tools/rounds/scenario.js";

const ROUNDS = "test/fixtures/experiments/rounds.yaml";
const scratch = mkdtempSync(join(tmpdir(), "adl-rounds-run-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const quiet = { progress: "none" as const, log: () => undefined };

/** The rounds rows as a run's content: sorted by job, without wall time. */
function content(dir: string): string[] {
  return readRows<RoundsRow>(join(dir, RUN_FILES.rounds))
    .map(({ seconds: _seconds, ...row }) => JSON.stringify(row))
    .sort();
}

function manifestOf(dir: string): RunManifest {
  return JSON.parse(readFileSync(join(dir, RUN_FILES.manifest), "utf8")) as RunManifest;
}

const one = join(scratch, "one");
let rows: RoundsRow[];

beforeAll(async () => {
  const summary = await runExperiment(ROUNDS, { out: one, workers: 1, ...quiet });
  expect(summary.failed).toBe(0);
  rows = readRows<RoundsRow>(join(one, RUN_FILES.rounds));
});

describe("rounds jobs in adl run", () => {
  it("write one row per scenario and policy, every allocation verified", () => {
    const experiment = loadExperiment(ROUNDS);
    const expected = experiment.rounds.flatMap((spec) => spec.policies.map((p) => `${spec.name}|rounds|${typeof p === "string" ? p : p.name}`));
    expect(rows.map((r) => r.job).sort()).toEqual([...expected].sort());
    expect(manifestOf(one).jobs).toMatchObject({ total: expected.length, done: expected.length, failed: 0 });
    expect(manifestOf(one).resultsDigest).toBe(resultsDigest(one));
    for (const row of rows) {
      expect(row.series).toHaveLength(row.rounds);
      expect(row.series.at(-1)!.cumulativeLoss).toBe(row.loss);
      if (row.source === "table") continue;
      // Every rule but the recorded production keeps every promise; production breaks only what it declares.
      expect(row.verified!.rounds).toBe(row.rounds);
      if (row.policy !== "production") expect(row.verified!.accepted, row.job).toBe(row.rounds);
      else expect(row.verified!.declared.every((c) => c === "coverage")).toBe(true);
      expect(row.series.every((p) => p.verified !== null)).toBe(true);
    }
  });

  it("equal an independent run of every policy of the scenario at once", async () => {
    const experiment = loadExperiment(ROUNDS);
    for (const spec of experiment.rounds) {
      if (spec.kind !== "scenario") continue;
      const scenario = loadRoundsScenario(spec.file);
      const result = await runRounds(await scenario.load(), spec.policies, { weights: spec.weights, seed: spec.seed });
      for (const policy of result.policies) {
        const row = rows.find((r) => r.scenario === spec.name && r.policy === policy.name)!;
        expect(row.loss, row.job).toBe(policy.loss);
        expect(row.regret).toEqual({ static: policy.regret.static, dynamic: policy.regret.dynamic, allocation: policy.regret.allocation });
        expect(row.undershoot).toBe(policy.undershoot);
        expect(row.severityRegret).toBe(policy.severityRegret);
        expect(row.bound).toBe(result.bound);
        expect(row.stability).toEqual(policy.stability);
        expect(row.series.map((p) => p.cumulativeRegret)).toEqual(result.rows.filter((r) => r.policy === policy.name).map((r) => r.cumulativeDynamicRegret));
      }
    }
  });

  it("score the 10 October table as the paper's Table 2, to the cent", () => {
    const table = new Map(rows.filter((r) => r.source === "table").map((r) => [r.policy, r]));
    const cents = (x: number): string => x.toFixed(2);
    expect(cents(table.get("prod")!.tracking)).toBe("53782490.53");
    expect(cents(table.get("prod")!.fairness)).toBe("11077031.68");
    expect(cents(table.get("contract_pr")!.loss)).toBe("3404185.00");
    expect(cents(table.get("vector")!.loss)).toBe("4413367.61");
    expect(cents(table.get("pr")!.loss)).toBe("2732437.29");
    expect(table.get("prod")!.severityVariation.toFixed(4)).toBe("7.0595");
    expect(cents(table.get("prod")!.bound)).toBe("129699802.43");
    expect(table.get("prod")!.shareOfBound!).toBeCloseTo(0.5001, 4);
  });

  it("give the same rows and digest with two workers", async () => {
    const two = join(scratch, "two");
    await runExperiment(ROUNDS, { out: two, workers: 2, ...quiet });
    expect(content(two)).toEqual(content(one));
    expect(manifestOf(two).resultsDigest).toBe(manifestOf(one).resultsDigest);
  });

  it("resume a stopped run without losing or repeating a job", async () => {
    const dir = join(scratch, "resumed");
    const first = await runExperiment(ROUNDS, { out: dir, workers: 1, stopAfter: 5, ...quiet });
    expect(first.done).toBe(5);
    expect(manifestOf(dir).resultsDigest).toBeNull();
    const second = await runExperiment(ROUNDS, { out: dir, workers: 2, ...quiet });
    expect(second.skipped).toBe(5);
    expect(second.done).toBe(rows.length - 5);
    expect(content(dir)).toEqual(content(one));
    expect(manifestOf(dir).resultsDigest).toBe(manifestOf(one).resultsDigest);
  });

  it("shards joined by merge equal one run", async () => {
    const shards = [1, 2].map((index) => join(scratch, `shard${index}`));
    for (const [k, dir] of shards.entries()) await runExperiment(ROUNDS, { out: dir, workers: 1, shard: { index: k + 1, count: 2 }, ...quiet });
    const merged = join(scratch, "merged");
    mergeRuns(shards, merged);
    expect(content(merged)).toEqual(content(one));
    expect(manifestOf(merged).resultsDigest).toBe(manifestOf(one).resultsDigest);
  });

  it("the digest covers the rounds rows but not wall time, and leaves out an empty rounds file", () => {
    const dir = join(scratch, "edited");
    cpSync(one, dir, { recursive: true });
    const lines = readFileSync(join(one, RUN_FILES.rounds), "utf8").trimEnd().split("\n");
    const first = JSON.parse(lines[0]!) as RoundsRow;
    const digestWith = (head: RoundsRow | null): string => {
      writeFileSync(join(dir, RUN_FILES.rounds), head === null ? "" : [JSON.stringify(head), ...lines.slice(1)].join("\n") + "\n");
      return resultsDigest(dir);
    };
    expect(digestWith(first)).toBe(resultsDigest(one));
    expect(digestWith({ ...first, loss: first.loss + 0.01 })).not.toBe(resultsDigest(one));
    expect(digestWith({ ...first, series: first.series.slice(1) })).not.toBe(resultsDigest(one));
    expect(digestWith({ ...first, seconds: first.seconds + 99 })).toBe(resultsDigest(one));
    // This run has no wave rows: with no rounds rows either, the digest is the one of four empty
    // result files, exactly as before rounds.jsonl existed (so older manifests still verify).
    const empty = createHash("sha256").update("results.jsonl\nfrontier.jsonl\nexposure.jsonl\nsimulations.jsonl\n").digest("hex");
    expect(digestWith(null)).toBe(empty);
  });
});
