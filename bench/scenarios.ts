/**
 * `npm run bench` (part 3): scenarios. Generating 10^6 accounts (and their positions) to CSV, and the
 * market stress simulator on scenarios/stress.yaml (1,000 accounts × 5 markets × 100 steps) under a
 * queue, a pro-rata heuristic and the exact pro-rata model, with time and peak memory. The peer in
 * the same run: the heuristic run is the baseline the model run is set against (ratio).
 * Writes results/bench/scenarios-<timestamp>.json.
 *
 * Environment: BENCH_GENERATE_N (default 1000000).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeGeneratedCsv } from "../src/tools/scenarios/csv.js";
import { loadScenario, simulate } from "../src/tools/simulate/index.js";
import { closeBackends } from "../src/pipeline/backends/robust.js";

const n = Number(process.env.BENCH_GENERATE_N ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;

/** Wall time and the peak RSS seen while `work` runs (sampled every 20 ms), after a GC. */
async function measure<T>(work: () => T | Promise<T>): Promise<{ value: T; seconds: number; peakRssMiB: number; rssBeforeMiB: number }> {
  gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { value, seconds, peakRssMiB: peak / 2 ** 20, rssBeforeMiB: before / 2 ** 20 };
}

const scratch = mkdtempSync(join(tmpdir(), "adl-bench-scenarios-"));
const generation: Record<string, unknown>[] = [];
for (const positions of [false, true]) {
  const accounts = join(scratch, "accounts.csv");
  const positionsFile = join(scratch, "positions.csv");
  const run = await measure(() =>
    writeGeneratedCsv({ n, seed: 1, law: "pareto" }, { accounts, ...(positions ? { positions: { target: positionsFile, markets: 4 } } : {}) }),
  );
  const bytes = statSync(accounts).size + (positions ? statSync(positionsFile).size : 0);
  generation.push({ n, positions, seconds: run.seconds, peakRssMiB: run.peakRssMiB, rssBeforeMiB: run.rssBeforeMiB, megabytes: bytes / 1e6 });
  console.log(`generate ${n} accounts${positions ? " + positions (4 markets)" : ""}: ${run.seconds.toFixed(2)} s, ${(bytes / 1e6).toFixed(0)} MB written, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
}
rmSync(scratch, { recursive: true, force: true });

const scenario = loadScenario("scenarios/stress.yaml");
const simulation: Record<string, unknown>[] = [];
for (const mechanism of ["queue:bitmex", "pro-rata:wealth", "models/pro-rata.yaml"]) {
  const run = await measure(() => simulate(scenario, mechanism, { accountDetail: false }));
  const result = run.value;
  simulation.push({
    mechanism,
    accounts: scenario.population?.n ?? null,
    markets: scenario.markets.length,
    steps: scenario.steps,
    waves: result.waves.length,
    seconds: run.seconds,
    peakRssMiB: run.peakRssMiB,
    rssBeforeMiB: run.rssBeforeMiB,
    conservationError: result.conservationError,
  });
  console.log(`simulate stress.yaml under ${mechanism}: ${result.waves.length} waves in ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB (before ${run.rssBeforeMiB.toFixed(0)})`);
}
const baseline = simulation[1]!["seconds"] as number;
for (const row of simulation) row["ratioToProRataHeuristic"] = (row["seconds"] as number) / baseline;
await closeBackends();
mkdirSync("results/bench", { recursive: true });
const file = `results/bench/scenarios-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ generation, simulation, node: process.version }, null, 2) + "\n");
console.log(`wrote ${file}`);
