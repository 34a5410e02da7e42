/**
 * `npm run bench` (part 2): every heuristic and every dedicated exact algorithm at n = 10^3 … 10^6,
 * time and heap growth, beside the MIP on the same waves where it finishes (n <= 10^4). The target
 * is the exact path at n = 10^6 in under 1 s. Writes results/bench/mechanisms-<timestamp>.json.
 *
 * Environment: BENCH_MAX_N (default 1000000), BENCH_TIME_LIMIT seconds per MIP (default 30).
 * Run with --expose-gc for heap figures that are not polluted by earlier garbage.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { bindWave } from "../src/pipeline/bind/bind.js";
import { getHeuristic, heuristicNames } from "../src/heuristics/index.js";
import { loadModel } from "../src/pipeline/model/parse.js";
import { generatePopulation } from "../src/tools/scenarios/population.js";
import { solveWave } from "../src/pipeline/solve/solve.js";
import { closeBackends } from "../src/pipeline/backends/robust.js";
import { verifyAllocation } from "../src/pipeline/verify/verify.js";

const maxN = Number(process.env.BENCH_MAX_N ?? 1_000_000);
const timeLimit = Number(process.env.BENCH_TIME_LIMIT ?? 30);
const sizes = [1_000, 10_000, 100_000, 1_000_000].filter((n) => n <= maxN);
const exactModels = ["queue-l0", "pro-rata", "risk-weighted", "profits-first", "alpha-capped", "lots-minmax", "convex-quadratic"];
const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = (): number => process.memoryUsage().heapUsed / 2 ** 20;
const quiet = process.env.CI === "true";

async function measure<T>(work: () => T | Promise<T>): Promise<{ value: T; seconds: number; heapGrowthMiB: number }> {
  gc?.();
  const before = heapMiB();
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  return { value, seconds, heapGrowthMiB: heapMiB() - before };
}

const rows: Record<string, unknown>[] = [];
for (const n of sizes) {
  const accounts = generatePopulation({ n, seed: 11 });
  let total = 0;
  for (const c of accounts.capacity) total += c;
  const budget = Math.round(total * 0.05);
  for (const name of exactModels) {
    const model = loadModel(`models/${name}.yaml`);
    const wave = bindWave(model, { accounts }, { budget });
    const exact = await measure(() => solveWave(wave, { path: "auto" }));
    const row: Record<string, unknown> = {
      n,
      mechanism: `model:${name}`,
      path: exact.value.path,
      status: exact.value.status,
      seconds: exact.seconds,
      heapGrowthMiB: exact.heapGrowthMiB,
      verified: exact.value.verified?.ok ?? null,
      objective: exact.value.objective,
    };
    if (n <= 10_000) {
      const mip = await measure(() => solveWave(wave, { path: "mip", timeLimitSeconds: timeLimit }));
      row.mip = { status: mip.value.status, seconds: mip.seconds, objective: mip.value.objective, gap: mip.value.solver.gap };
      row.ratioMipToExact = mip.seconds / exact.seconds;
    }
    rows.push(row);
    if (!quiet) process.stderr.write(`n=${n} model:${name} ${exact.value.path} ${exact.seconds.toFixed(3)} s\n`);
  }
  const plain = bindWave(loadModel("models/pro-rata.yaml"), { accounts }, { budget });
  const layered = bindWave(loadModel("models/profits-first.yaml"), { accounts }, { budget });
  const lotted = bindWave(loadModel("models/lots-minmax.yaml"), { accounts }, { budget });
  const names = [
    ...heuristicNames(),
    "ladder(pro-rata:wealth)",
    "lots-floor-lr(pro-rata:wealth)",
    "lots-floor-topup(risk-weighted)",
    "lots-ceil(queue:bitmex)",
  ];
  for (const name of names) {
    const heuristic = getHeuristic(name);
    const wave = name.startsWith("ladder") ? layered : name.startsWith("lots-") ? lotted : plain;
    const run = await measure(() => heuristic.allocate(wave, { seed: 1 }));
    const verdict = verifyAllocation(wave, run.value);
    rows.push({ n, mechanism: `heuristic:${name}`, seconds: run.seconds, heapGrowthMiB: run.heapGrowthMiB, verified: verdict.ok, violations: verdict.violations.length });
    if (!quiet) process.stderr.write(`n=${n} heuristic:${name} ${run.seconds.toFixed(3)} s\n`);
  }
}
await closeBackends();

mkdirSync("results/bench", { recursive: true });
const file = `results/bench/mechanisms-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ node: process.version, sizes, timeLimit, peakRssMiB: process.resourceUsage().maxRSS / 1024, rows }, null, 2));
process.stdout.write(`wrote ${file}\n`);
