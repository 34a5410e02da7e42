/**
 * Runs that cannot be corrupted: the run folder's lock (a live holder refuses, a dead one is taken
 * over, two concurrent `adl run`s leave one run's rows), the digest's omissions, merge refusing a
 * tampered shard, and write failures (full disk, read-only folder) ending in exit 2 with no temp file
 * or half line left and a resume that finishes with the uninterrupted run's digest.
 *
 * Tests run as root here, where chmod does not stop a write and no file system can be mounted. So:
 * the kernel's own ENOSPC comes from /dev/full (a real device that refuses every write) behind the
 * store's real write path; the kernel's own refusal to create a folder from /sys (sysfs: even root
 * may not mkdir there) and from a file standing where a folder is expected; and a failure in the
 * middle of a run (the n-th write of a run, ENOSPC or EROFS) is injected at the store's fs seam
 * (`storeIo`), which every run-folder write goes through.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { DIGEST_OMITS, resultDigest, resultsDigest, unprovenJobs, withoutOmitted } from "../../src/tools/run/digest.js";
import fc from "fast-check";
import { mergeRuns } from "../../src/tools/run/merge.js";
import { RUN_FILES, runExperiment } from "../../src/tools/run/runner.js";
import { LOCK_FILE, RunFolderError, acquireRunLock, appendRows, appendText, cachedRowReader, readRows, storeIo, temporaryName, writeAtomic } from "../../src/tools/run/store.js";
import type { JobRow, RunManifest } from "../../src/floor/records/row.js";

const TINY = "test/fixtures/experiments/tiny.yaml";
const scratch = mkdtempSync(join(tmpdir(), "adl-integrity-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const quiet = { progress: "none" as const, log: () => undefined };
const original = { ...storeIo };
afterEach(() => Object.assign(storeIo, original));

function manifestOf(dir: string): RunManifest & { unproven: string[]; resultsDigestOmits: string[] } {
  return JSON.parse(readFileSync(join(dir, RUN_FILES.manifest), "utf8")) as RunManifest & { unproven: string[]; resultsDigestOmits: string[] };
}

/** Files a writer would leave half-done: temporaries and a lock. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".tmp") || name === LOCK_FILE);
}

/** An fs error as the kernel reports it. */
function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** A heuristic-only experiment of a few hundred jobs (long enough for two processes to overlap). */
function slowExperiment(seeds: number): string {
  const file = join(scratch, `slow-${seeds}.yaml`);
  writeFileSync(
    file,
    `name: lock-test
scenarios:
  - name: pareto-300
    generate: { law: pareto, n: 300 }
    seeds: ${seeds}
    budget: { share: [0.1, 0.5] }
mechanisms:
  - heuristic: pro-rata:wealth
  - heuristic: queue:binance
metrics: { brittleness: { perturbations: 1 }, gameability: { accounts: 2 } }
exposure: { accounts: 1, steps: 2, waves: 1 }
`,
  );
  return file;
}

function adl(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, ["bin/adl.js", ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CI: "true" } });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, done: new Promise((resolveExit) => child.on("exit", (code) => resolveExit({ code, stderr }))) };
}

const whole = join(scratch, "whole");
let wholeDigest = "";

describe("the reference run", () => {
  it("finishes with a digest and names the fields the digest leaves out", async () => {
    await runExperiment(TINY, { out: whole, workers: 1, ...quiet });
    const manifest = manifestOf(whole);
    wholeDigest = manifest.resultsDigest!;
    expect(wholeDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.resultsDigestOmits).toEqual(["seconds", "gap", "nodes"]);
    expect(leftovers(whole)).toEqual([]);
  });
});

describe("the run folder's lock", () => {
  it("refuses a run while another live process holds the folder, and takes over once that process is gone", async () => {
    const dir = join(scratch, "held");
    mkdirSync(dir);
    // A real second process holding the real lock until it is killed.
    const holder = spawn(process.execPath, ["--import", "tsx", "-e", `import { acquireRunLock } from "./src/tools/run/store.ts"; acquireRunLock(${JSON.stringify(dir)}, "holder"); console.log("held"); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolveHeld) => holder.stdout!.once("data", () => resolveHeld()));
    const error = await runExperiment(TINY, { out: dir, workers: 1, ...quiet }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunFolderError);
    expect((error as RunFolderError).exitCode).toBe(2);
    expect((error as Error).message).toContain(`a lock held by process ${holder.pid} (holder)`);
    expect((error as Error).message).toMatch(/wait for that run to finish, or stop it/);
    // Nothing was written by the refused run.
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);

    holder.kill("SIGKILL");
    await new Promise((resolveExit) => holder.on("exit", resolveExit));
    // The lock is still there, but its process is gone: stale, taken over.
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(manifestOf(dir).resultsDigest).toBe(wholeDigest);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it("a run killed while writing its first manifest starts again: its stale lock and temp file go, other files stay", async () => {
    const dir = join(scratch, "killed-at-start");
    mkdirSync(dir);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), command: "adl run tiny", since: "2026-01-01T00:00:00.000Z" }));
    writeFileSync(join(dir, `manifest.json.${dead}.tmp`), '{"tool": "adl-wor');
    await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(manifestOf(dir).resultsDigest).toBe(wholeDigest);
    expect(leftovers(dir)).toEqual([]);
    // A temp-looking file that is not one of the run's own is not the runner's to delete.
    const other = join(scratch, "not-a-run");
    mkdirSync(other);
    writeFileSync(join(other, "notes.123.tmp"), "mine");
    await expect(runExperiment(TINY, { out: other, workers: 1, ...quiet })).rejects.toThrow(/exists and holds no run manifest/);
    expect(readdirSync(other)).toEqual(["notes.123.tmp"]);
  });

  it("a lock from another host is not judged by pid: refused, with how to clear it", () => {
    const dir = join(scratch, "foreign");
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: `${hostname()}-elsewhere`, command: "adl run x", since: "2026-01-01T00:00:00.000Z" }));
    expect(() => acquireRunLock(dir, "test")).toThrow(/a lock held by process 1 on host .*-elsewhere .*delete .*run\.lock/);
  });

  it("two adl runs of one folder at once: whichever way they interleave, the folder holds one run's rows", async () => {
    const experiment = slowExperiment(60);
    const reference = join(scratch, "slow-reference");
    await runExperiment(experiment, { out: reference, workers: 1, ...quiet });
    const dir = join(scratch, "concurrent");
    const args = ["run", experiment, "--out", dir, "--workers", "1", "--no-report"];
    const [a, b] = await Promise.all([adl(args).done, adl(args).done]);
    for (const outcome of [a, b]) {
      // Each either ran (or resumed a finished run) or was refused by the lock, with exit 2 and no stack.
      if (outcome.code !== 0) {
        expect(outcome.code, outcome.stderr).toBe(2);
        expect(outcome.stderr).toMatch(/^adl: .*a lock held by process \d+ \(adl run .*\) since/);
        expect(outcome.stderr).not.toMatch(/\n\s+at /);
      }
    }
    expect([a.code, b.code]).toContain(0);
    const rows = readRows<JobRow>(join(dir, RUN_FILES.results));
    expect(new Set(rows.map((row) => row.job)).size).toBe(rows.length);
    expect(rows).toHaveLength(readRows(join(reference, RUN_FILES.results)).length);
    expect(manifestOf(dir).resultsDigest).toBe(manifestOf(reference).resultsDigest);
    expect(leftovers(dir)).toEqual([]);
  }, 120_000);
});

describe("the results digest", () => {
  it("leaves out search statistics and an unproven result's numbers, and nothing else", () => {
    const copy = join(scratch, "digest-omits");
    cpSync(whole, copy, { recursive: true });
    const file = join(copy, RUN_FILES.results);
    const rows = readRows<JobRow>(file);
    const rewrite = (changed: JobRow[]): void => writeFileSync(file, changed.map((row) => JSON.stringify(row)).join("\n") + "\n");
    // What a busier machine changes about a proven optimum: time, residual gap, nodes.
    rewrite(rows.map((row) => ({ ...row, seconds: row.seconds * 3, gap: row.kind === "model" ? 1e-12 : row.gap, nodes: row.kind === "model" ? 17 : row.nodes })));
    expect(resultsDigest(copy)).toBe(wholeDigest);
    // A job stopped at its time limit: its numbers depend on how far the search got, its identity does not.
    const target = rows.findIndex((row) => row.kind === "model" && row.status === "optimal");
    const unproven = (maxFraction: number): JobRow[] => rows.map((row, k) => (k === target ? { ...row, status: "feasible" as const, metrics: { ...row.metrics!, maxFraction } } : row));
    rewrite(unproven(0.5));
    const first = resultsDigest(copy);
    rewrite(unproven(0.75));
    expect(resultsDigest(copy)).toBe(first);
    expect(first).not.toBe(wholeDigest);
    // A proven number is in the digest.
    rewrite(rows.map((row, k) => (k === target ? { ...row, metrics: { ...row.metrics!, maxFraction: row.metrics!.maxFraction + 1e-12 } } : row)));
    expect(resultsDigest(copy)).not.toBe(wholeDigest);
  });

  it("a row without the omitted fields stringifies as JSON.stringify with a replacer dropping them", () => {
    // The oracle is the replacer the digest used before: any parsed JSON, the omitted names at any
    // depth (in objects and as array positions' neighbours), and a "__proto__" key.
    const omitted = new Set<string>(DIGEST_OMITS);
    const key = fc.oneof(fc.constantFrom(...DIGEST_OMITS, "__proto__", "points", "x"), fc.string({ maxLength: 4 }));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 5 }), fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(key, tie("value"), { maxKeys: 5 })),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const parsed = JSON.parse(JSON.stringify(value)) as unknown;
        expect(JSON.stringify(withoutOmitted(parsed))).toBe(JSON.stringify(parsed, (name, inner: unknown) => (omitted.has(name) ? undefined : inner)));
      }),
      { numRuns: 500 },
    );
  });
});

describe("the end of a run reads each appended file once", () => {
  it("a cached reader parses a listed file once and gives what readRows gives; other files are read afresh", () => {
    const dir = mkdtempSync(join(scratch, "reader-"));
    const listed = join(dir, "results.jsonl");
    const other = join(dir, "frontier.jsonl");
    appendRows(listed, [{ job: "a", x: 1 }]);
    appendText(listed, '{"job":"b","x":2}\n');
    appendRows(other, [{ wave: "w" }]);
    const read = cachedRowReader([listed]);
    const first = read(listed);
    expect(first).toEqual(readRows(listed));
    expect(first).toEqual([{ job: "a", x: 1 }, { job: "b", x: 2 }]);
    // A listed file is not read again (the run no longer appends to it): the same rows come back.
    appendRows(listed, [{ job: "c", x: 3 }]);
    expect(read(listed)).toBe(first);
    // An unlisted file (frontier.jsonl is rewritten by placeFrontiers) is read each time.
    expect(read(other)).toEqual([{ wave: "w" }]);
    writeFileSync(other, '{"wave":"v"}\n');
    expect(read(other)).toEqual([{ wave: "v" }]);
  });
});

describe("adl merge checks every shard's rows against its own digest", () => {
  const shards = [1, 2].map((index) => join(scratch, `shard${index}`));

  it("each shard's manifest records its digest, and untouched shards merge to the whole run's digest", async () => {
    for (const [k, dir] of shards.entries()) await runExperiment(TINY, { out: dir, workers: 1, shard: { index: k + 1, count: 2 }, ...quiet });
    for (const dir of shards) expect(manifestOf(dir).resultsDigest).toBe(resultsDigest(dir));
    const summary = mergeRuns(shards, join(scratch, "merged-ok"));
    expect(summary.unverified).toEqual([]);
    expect(manifestOf(join(scratch, "merged-ok")).resultsDigest).toBe(wholeDigest);
  });

  it("refuses a shard with an edited row", () => {
    const copy = join(scratch, "shard1-edited");
    cpSync(shards[0]!, copy, { recursive: true });
    const file = join(copy, RUN_FILES.results);
    const rows = readRows<JobRow>(file);
    const k = rows.findIndex((row) => row.metrics !== null);
    rows[k] = { ...rows[k]!, metrics: { ...rows[k]!.metrics!, touched: rows[k]!.metrics!.touched + 1 } };
    writeFileSync(file, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
    const out = join(scratch, "merged-edited");
    expect(() => mergeRuns([copy, shards[1]!], out)).toThrow(/shard1-edited: expected result rows whose digest is the one the shard's manifest records .*a row was edited, added or removed/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a shard with an invented job", () => {
    const copy = join(scratch, "shard2-invented");
    cpSync(shards[1]!, copy, { recursive: true });
    const file = join(copy, RUN_FILES.results);
    const row = readRows<JobRow>(file)[0]!;
    appendRows(file, [{ ...row, job: `${row.wave}|invented`, mechanism: "invented" }]);
    expect(() => mergeRuns([shards[0]!, copy], join(scratch, "merged-invented"))).toThrow(/shard2-invented: expected result rows whose digest/);
  });

  it("refuses a job found in two shards, even when each shard's digest was forged to match", () => {
    const copy = join(scratch, "shard2-forged");
    cpSync(shards[1]!, copy, { recursive: true });
    const file = join(copy, RUN_FILES.results);
    const stolen = readRows<JobRow>(join(shards[0]!, RUN_FILES.results))[0]!;
    const rows = readRows<JobRow>(file);
    rows[0] = stolen;
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const manifest = manifestOf(copy);
    writeFileSync(join(copy, RUN_FILES.manifest), JSON.stringify({ ...manifest, resultsDigest: resultsDigest(copy) }));
    expect(() => mergeRuns([shards[0]!, copy], join(scratch, "merged-forged"))).toThrow(/expected each job in one shard; found job .* also in/);
  });
});

describe("a full disk or a read-only folder ends in exit 2 and leaves a resumable folder", () => {
  it("the kernel's ENOSPC (/dev/full) through the store's append and atomic write", () => {
    const append = (() => {
      try {
        appendRows("/dev/full", [{ job: "x" }]);
      } catch (error) {
        return error;
      }
    })();
    expect(append).toBeInstanceOf(RunFolderError);
    expect((append as Error).message).toBe("/dev/full: expected a writable run folder with room for the results; found no space left on the device (ENOSPC) (make room or make the folder writable, then run the same command again: finished jobs are kept and the run resumes)");
    const dir = join(scratch, "devfull");
    mkdirSync(dir);
    const file = join(dir, "manifest.json");
    writeFileSync(file, "old\n");
    // The temporary file writeAtomic writes is the full device.
    symlinkSync("/dev/full", temporaryName(file));
    expect(() => writeAtomic(file, "new\n")).toThrow(/manifest\.json: expected .*found no space left on the device \(ENOSPC\)/);
    expect(readFileSync(file, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["manifest.json"]);
  });

  it("the kernel refusing the folder: /sys (not even root may create a folder there) and a file where a folder is expected", async () => {
    const errors: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((text: string | Uint8Array) => (errors.push(String(text)), true));
    try {
      expect(await main(["run", TINY, "--out", "/sys/adl-workbench-test-run", "--workers", "1", "--no-report"])).toBe(2);
      const blocker = join(scratch, "a-file");
      writeFileSync(blocker, "");
      expect(await main(["run", TINY, "--out", join(blocker, "run"), "--workers", "1", "--no-report"])).toBe(2);
    } finally {
      stderr.mockRestore();
    }
    expect(errors[0]).toMatch(/^adl: \/sys\/adl-workbench-test-run: expected a folder for the run that this process may create and write; found a folder this process may not write \((EPERM|EACCES)\)/);
    expect(errors[1]).toMatch(/a-file\/run: expected a folder for the run .*; found a file where a folder is expected \(ENOTDIR\)/);
    for (const text of errors) expect(text).not.toMatch(/\n\s+at /);
  });

  // chmod stops a write only for a process that is not root; as root (this machine) the kernel
  // ignores it, and the /sys and injected cases above stand in.
  it.skipIf(process.getuid?.() === 0)("a folder made read-only with chmod between two calls: exit 2, then resume once writable", async () => {
    const dir = join(scratch, "chmod");
    await runExperiment(TINY, { out: dir, workers: 1, stopAfter: 5, ...quiet });
    chmodSync(dir, 0o555);
    try {
      await expect(runExperiment(TINY, { out: dir, workers: 1, ...quiet })).rejects.toThrow(/expected a run folder this process may write \(to lock it\); found a folder this process may not write \(EACCES\)/);
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(leftovers(dir)).toEqual([]);
    await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(manifestOf(dir).resultsDigest).toBe(wholeDigest);
  });

  /** Fails the n-th append of job rows (after half its bytes went out) or a later manifest write. */
  function failNthWrite(n: number, code: string, partial: boolean): void {
    let writes = 0;
    storeIo.writeSync = (fd, buffer, offset, length) => {
      writes++;
      if (writes < n) return original.writeSync(fd, buffer, offset, length);
      // Half a line on disk first, as a device that fills up mid-write leaves.
      if (partial && writes === n && length > 1) return original.writeSync(fd, buffer, offset, Math.floor(length / 2));
      throw errno(code);
    };
  }

  it.each([
    ["ENOSPC", "no space left on the device (ENOSPC)", 9],
    ["EROFS", "a read-only file system (EROFS)", 20],
  ])("%s in the middle of a run: exit 2, a clear message, no temp file or half line, and resume finishes the same run", async (code, words, n) => {
    const dir = join(scratch, `mid-${code}`);
    failNthWrite(n, code, true);
    const errors: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((text: string | Uint8Array) => (errors.push(String(text)), true));
    let exit: number;
    try {
      exit = await main(["run", TINY, "--out", dir, "--workers", "1", "--no-report"]);
    } finally {
      stderr.mockRestore();
    }
    Object.assign(storeIo, original);
    expect(exit).toBe(2);
    expect(errors.join("")).toContain(`found ${words} (make room or make the folder writable, then run the same command again`);
    expect(errors.join("")).not.toMatch(/\n\s+at /);
    expect(leftovers(dir)).toEqual([]);
    // Every line on disk is complete: the failed append was cut back.
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".jsonl"))) {
      const text = readFileSync(join(dir, name), "utf8");
      expect(text === "" || text.endsWith("\n"), name).toBe(true);
    }
    const done = readRows(join(dir, RUN_FILES.results)).length;
    expect(done).toBeGreaterThan(0);
    expect(manifestOf(dir).finishedAt).toBeNull();
    const summary = await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(summary.skipped).toBeGreaterThanOrEqual(done);
    expect(manifestOf(dir).resultsDigest).toBe(wholeDigest);
    expect(leftovers(dir)).toEqual([]);
  });

  it("a read-only folder when the last manifest is written: the old manifest stays, no temp file, and resume finishes", async () => {
    const dir = join(scratch, "final-manifest");
    let renames = 0;
    // The start manifest is renamed into place; the final one is refused.
    storeIo.renameSync = (from, to) => {
      if (String(to).endsWith(RUN_FILES.manifest) && ++renames === 2) throw errno("EROFS");
      original.renameSync(from, to);
    };
    const error = await runExperiment(TINY, { out: dir, workers: 1, ...quiet }).then(() => undefined, (e: unknown) => e);
    Object.assign(storeIo, original);
    expect(error).toBeInstanceOf(RunFolderError);
    expect((error as Error).message).toMatch(/manifest\.json: expected .*found a read-only file system \(EROFS\)/);
    expect(leftovers(dir)).toEqual([]);
    expect(manifestOf(dir).finishedAt).toBeNull();
    const summary = await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(summary.done).toBe(0);
    expect(manifestOf(dir).resultsDigest).toBe(wholeDigest);
  });
  it("with two worker threads: the first failed write stops the pool, and resume finishes the same run", async () => {
    const dir = join(scratch, "mid-workers");
    failNthWrite(12, "ENOSPC", false);
    const error = await runExperiment(TINY, { out: dir, workers: 2, ...quiet }).then(() => undefined, (e: unknown) => e);
    Object.assign(storeIo, original);
    expect(error).toBeInstanceOf(RunFolderError);
    expect((error as Error).message).toMatch(/found no space left on the device \(ENOSPC\)/);
    expect(leftovers(dir)).toEqual([]);
    const rows = readRows<JobRow>(join(dir, RUN_FILES.results));
    expect(new Set(rows.map((row) => row.job)).size).toBe(rows.length);
    await runExperiment(TINY, { out: dir, workers: 1, ...quiet });
    expect(manifestOf(dir).resultsDigest).toBe(wholeDigest);
  }, 120_000);

  it("merge on a full disk removes its half-written output, and merging again succeeds", async () => {
    const shards = [1, 2].map((index) => join(scratch, `shard${index}`));
    const out = join(scratch, "merged-full");
    failNthWrite(3, "ENOSPC", true);
    expect(() => mergeRuns(shards, out)).toThrow(/found no space left on the device \(ENOSPC\) \(nothing was merged \(the partial output is removed\); make room and run adl merge again\)/);
    Object.assign(storeIo, original);
    expect(readdirSync(out)).toEqual([]);
    mergeRuns(shards, out);
    expect(manifestOf(out).resultsDigest).toBe(wholeDigest);
  });

  it("the report on a folder it cannot write: exit 2 naming the file, no stack", async () => {
    const dir = join(scratch, "report-blocked");
    cpSync(whole, dir, { recursive: true });
    rmSync(join(dir, "report"), { recursive: true, force: true });
    writeFileSync(join(dir, "report"), "");
    const errors: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((text: string | Uint8Array) => (errors.push(String(text)), true));
    let exit: number;
    try {
      exit = await main(["report", dir]);
    } finally {
      stderr.mockRestore();
    }
    expect(exit).toBe(2);
    expect(errors.join("")).toMatch(/report-blocked\/report: expected a writable folder with room for the report; found a file where a folder is expected \((EEXIST|ENOTDIR)\) \(make room or make it writable, then run adl report on the run folder again\)/);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);
});

describe("the digest a run keeps as it writes its results", () => {
  // The end of a run that wrote every results.jsonl row uses each row's ResultDigest, made from the
  // row before it was written, instead of parsing the file: the two must give the same digest and
  // the same unproven list. The oracle is the file path (parse, then the view), on the same rows.
  const numberish = fc.oneof(fc.double(), fc.constant(-0), fc.constant(Number.NaN), fc.integer());
  const leaf = fc.oneof(fc.constant(null), fc.constant(undefined), fc.boolean(), numberish, fc.string({ maxLength: 5 }));
  const key = fc.oneof(fc.constantFrom(...DIGEST_OMITS, "__proto__", "status", "points", "job"), fc.string({ maxLength: 4 }));
  const value = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(key, tie("value"), { maxKeys: 4 }), fc.float64Array({ maxLength: 3 })),
  })).value;
  const row = fc.record({
    wave: fc.constantFrom("w1", "w2"),
    job: fc.string({ maxLength: 6 }),
    mechanism: fc.constantFrom("pro-rata", "queue", "lots"),
    status: fc.constantFrom("optimal", "feasible", "error", "infeasible"),
    seconds: numberish,
    gap: fc.oneof(numberish, fc.constant(null)),
    nodes: fc.oneof(fc.integer(), fc.constant(null)),
    metrics: fc.dictionary(key, value, { maxKeys: 4 }),
    extra: value,
  });

  it("gives the file's digest and unproven list for any rows, in memory or parsed back", () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (rows) => {
        const dir = mkdtempSync(join(scratch, "known-"));
        writeFileSync(join(dir, RUN_FILES.results), rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
        // A frontier row whose placements name each mechanism: its view depends on which results are unproven.
        const frontier = { wave: "w1", points: [{ x: 0.1, y: 0.2, status: "optimal" }], placements: ["pro-rata", "queue", "lots"].map((mechanism) => ({ mechanism, x: 0.1, y: 0.3, seconds: 1 })) };
        writeFileSync(join(dir, RUN_FILES.frontier), `${JSON.stringify(frontier)}\n`);
        const known = { digests: rows.map((r) => resultDigest(r as unknown as Record<string, unknown>)) };
        expect(resultsDigest(dir, readRows, known)).toBe(resultsDigest(dir));
        expect(unprovenJobs(dir, readRows, known)).toEqual(unprovenJobs(dir));
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 200 },
    );
  });

  it("a fresh run's manifest holds the digest and unproven list of the rows on disk, and so does a resumed one", async () => {
    const fresh = join(scratch, "known-fresh");
    await runExperiment(TINY, { out: fresh, workers: 2, ...quiet });
    expect(manifestOf(fresh).resultsDigest).toBe(resultsDigest(fresh));
    expect(manifestOf(fresh).unproven).toEqual(unprovenJobs(fresh));
    // Stopped and resumed: results.jsonl holds earlier rows, so the end reads the file.
    const resumed = join(scratch, "known-resumed");
    await runExperiment(TINY, { out: resumed, workers: 1, stopAfter: 3, ...quiet });
    await runExperiment(TINY, { out: resumed, workers: 2, ...quiet });
    expect(manifestOf(resumed).resultsDigest).toBe(manifestOf(fresh).resultsDigest);
  }, 120_000);
});
