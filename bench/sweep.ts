/**
 * `npm run bench` (part 5): the experiment runner on a 1,000-wave × 8-mechanism sweep, wall time with
 * 1 and with 2 worker threads (the speed-up is the figure: same jobs, same machine, same run), and
 * the rows of both runs compared (they must be identical but for wall times).
 * Writes results/bench/sweep-<timestamp>.json.
 *
 * Environment: BENCH_SWEEP_SEEDS (default 250 seeds × 4 budget levels = 1,000 waves),
 * BENCH_SWEEP_ACCOUNTS (default 1,000 accounts per wave).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RUN_FILES, runExperiment } from "../src/tools/run/runner.js";

// The speed-up needs idle cores: the load averages before and after say whether it had them.
const loadBefore = loadavg();
const seeds = Number(process.env.BENCH_SWEEP_SEEDS ?? 250);
const accounts = Number(process.env.BENCH_SWEEP_ACCOUNTS ?? 1000);
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
for (const workers of [1, 2]) {
  const out = join(scratch, `w${workers}`);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const started = performance.now();
  const summary = await runExperiment(experimentFile, { out, workers, progress: process.env.CI ? "none" : "auto" });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const rows = readFileSync(join(out, RUN_FILES.results), "utf8").trim().split("\n");
  contents.push(rows.map((line) => JSON.stringify({ ...JSON.parse(line), seconds: 0 })).sort());
  runs.push({ workers, jobs: summary.total, failed: summary.failed, seconds, jobsPerSecond: summary.total / seconds, mainThreadPeakRssMiB: peakRss / 2 ** 20 });
  console.log(`sweep: ${summary.total} jobs with ${workers} worker(s): ${seconds.toFixed(1)} s (${(summary.total / seconds).toFixed(0)} jobs/s)`);
}
const identical = JSON.stringify(contents[0]) === JSON.stringify(contents[1]);
const speedup = (runs[0]!["seconds"] as number) / (runs[1]!["seconds"] as number);
console.log(`sweep: 2 workers vs 1: ${speedup.toFixed(2)}x; rows identical: ${identical}`);
rmSync(scratch, { recursive: true, force: true });
mkdirSync("results/bench", { recursive: true });
const file = `results/bench/sweep-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ waves: seeds * 4, accountsPerWave: accounts, mechanisms: 8, runs, speedup2over1: speedup, rowsIdentical: identical, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadavg() }, null, 2) + "\n");
console.log(`wrote ${file}`);
if (!identical) process.exitCode = 1;
