/**
 * `npm run bench` (part 5): the experiment runner on a 1,000-wave × 8-mechanism sweep, as a user
 * runs it: the whole `adl run` process (bin/adl.js, compiled dist/, start-up and worker start
 * included, no report), with 1 and with 2 worker threads one after the other in the same run (the
 * speed-up is the figure: same jobs, same machine, same minutes), and the rows of both runs compared
 * (they must be identical but for wall times). Wall time and peak RSS from /usr/bin/time; the load
 * averages before and after each run are recorded beside it (the speed-up needs idle cores).
 * Writes results/bench/sweep-<timestamp>.json.
 *
 * Environment: BENCH_SWEEP_SEEDS (default 250 seeds × 4 budget levels = 1,000 waves),
 * BENCH_SWEEP_ACCOUNTS (default 1,000 accounts per wave), BENCH_SWEEP_WORKERS (default "1,2"),
 * BENCH_SWEEP_REPEATS (default 1): rounds of the worker counts, alternating (1, 2, 1, 2, …), the
 * speed-up taken from the medians. User + system CPU seconds of each run are recorded beside its
 * wall time (the figure a shared machine disturbs least).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RUN_FILES } from "../src/floor/records/folder.js";

const loadBefore = loadavg();
const seeds = Number(process.env.BENCH_SWEEP_SEEDS ?? 250);
const accounts = Number(process.env.BENCH_SWEEP_ACCOUNTS ?? 1000);
const workerCounts = (process.env.BENCH_SWEEP_WORKERS ?? "1,2").split(",").map(Number);
const repeats = Math.max(1, Number(process.env.BENCH_SWEEP_REPEATS ?? 1));
const root = resolve(".");
const scratch = mkdtempSync(join(tmpdir(), "adl-bench-sweep-"));
const experimentFile = join(scratch, "sweep.yaml");
writeFileSync(
  experimentFile,
  `name: bench-sweep
seed: 1
scenarios:
  - name: pareto-${accounts}
    generate: { law: pareto, n: ${accounts} }
    seeds: ${seeds}
    budget: { share: [0.05, 0.3, 0.97, 1.1] }
mechanisms:
  - model: ${root}/models/pro-rata.yaml
  - model: ${root}/models/risk-weighted.yaml
  - model: ${root}/models/queue-l0.yaml
  - model: ${root}/models/alpha-capped.yaml
  - heuristic: queue:binance
  - heuristic: queue:bitmex
  - heuristic: pro-rata:wealth
  - heuristic: hybrid:4
metrics: { brittleness: { perturbations: 2 }, gameability: { accounts: 3 } }
exposure: { waves: 0 }
`,
);

const runs: Record<string, unknown>[] = [];
const contents: string[][] = [];
for (let round = 0; round < repeats; round++) for (const workers of workerCounts) {
  const out = join(scratch, `w${workers}-${round}`);
  const report = join(scratch, `time-w${workers}-${round}.txt`);
  const command = [process.execPath, join(root, "bin/adl.js"), "run", experimentFile, "--out", out, "--workers", String(workers), "--no-report"];
  const loadAtStart = loadavg();
  const child = spawnSync("/usr/bin/time", ["-f", "%e %M %U %S", "-o", report, ...command], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 1 << 26 });
  if (child.status !== 0) throw new Error(`adl run --workers ${workers} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const [seconds, kib, user, system] = readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  // The runner's own line: "ran N jobs in S s (...)", its time without the process start and end.
  const ran = /ran (\d+) jobs in ([\d.]+) s/.exec(child.stdout);
  const jobs = ran ? Number(ran[1]) : NaN;
  const rows = readFileSync(join(out, RUN_FILES.results), "utf8").trim().split("\n");
  contents.push(rows.map((line) => JSON.stringify({ ...JSON.parse(line), seconds: 0 })).sort());
  rmSync(out, { recursive: true, force: true });
  runs.push({
    workers,
    command: command.join(" ").replaceAll(scratch, "$SCRATCH").replaceAll(root, "."),
    jobs,
    rows: rows.length,
    round,
    seconds: seconds!,
    cpuSeconds: user! + system!,
    runnerSeconds: ran ? Number(ran[2]) : null,
    jobsPerSecond: jobs / seconds!,
    peakRssMiB: kib! / 1024,
    loadavgAtStart: loadAtStart,
    loadavgAtEnd: loadavg(),
  });
  console.log(`sweep: ${jobs} jobs with ${workers} worker(s): ${seconds!.toFixed(1)} s whole process (runner ${ran?.[2] ?? "?"} s, CPU ${(user! + system!).toFixed(1)} s), peak ${(kib! / 1024).toFixed(0)} MiB, load ${loadAtStart[0]!.toFixed(2)} at start`);
}
const identical = contents.every((rows) => JSON.stringify(rows) === JSON.stringify(contents[0]));
/** The median wall seconds of the runs with `workers` threads (null if none). */
function medianSeconds(workers: number): number | null {
  const values = runs.filter((run) => run["workers"] === workers).map((run) => run["seconds"] as number).sort((a, b) => a - b);
  if (values.length === 0) return null;
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}
const one = medianSeconds(1);
const two = medianSeconds(2);
const speedup = one !== null && two !== null ? one / two : null;
if (speedup !== null) console.log(`sweep: 2 workers vs 1: ${speedup.toFixed(2)}x (medians of ${repeats}: ${one!.toFixed(1)} s / ${two!.toFixed(1)} s); rows identical: ${identical}`);
rmSync(scratch, { recursive: true, force: true });
mkdirSync("results/bench", { recursive: true });
const file = `results/bench/sweep-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ waves: seeds * 4, accountsPerWave: accounts, mechanisms: 8, wholeProcess: true, repeats, runs, medianSeconds: { 1: one, 2: two }, speedup2over1: speedup, rowsIdentical: identical, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadavg() }, null, 2) + "\n");
console.log(`wrote ${file}`);
if (!identical) process.exitCode = 1;
