/**
 * `npm run bench`: lowering time and solve time per backend for n = 10^2 … 10^5 on the bundled
 * models, the dedicated exact path beside the MIP, and CBC on the exported LP file as the outside
 * peer in the same run (ratios reported). Writes results/bench/core-<timestamp>.json.
 *
 * Environment: BENCH_MAX_N (default 100000), BENCH_TIME_LIMIT seconds per solve (default 60).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindWave } from "../src/pipeline/bind/bind.js";
import { lowerWave } from "../src/pipeline/lower/compile.js";
import { loadModel } from "../src/pipeline/model/parse.js";
import { generatePopulation } from "../src/tools/scenarios/population.js";
import { solveWave } from "../src/pipeline/solve/solve.js";
import { stageProblem } from "../src/pipeline/solve/solve.js";
import { toCplexLp } from "../src/pipeline/backends/formats.js";
import { closeBackends, solveRobustly } from "../src/pipeline/backends/robust.js";
import { backendInstalled, backendNames, type BackendName } from "../src/pipeline/backends/registry.js";

const maxN = Number(process.env.BENCH_MAX_N ?? 100_000);
const timeLimit = Number(process.env.BENCH_TIME_LIMIT ?? 60);
const sizes = [100, 1_000, 10_000, 100_000].filter((n) => n <= maxN);
const models = ["queue-l0", "pro-rata", "risk-weighted", "profits-first", "alpha-capped", "lots-minmax", "lots-sparsity-overshoot", "convex-quadratic"];
/** Largest n each backend is asked to solve (the weak ones are not run where they would only time out). */
const backendLimit: Record<BackendName, number> = { highs: 100_000, glpk: 10_000, jslp: 1_000, cbc: 100_000 };

function hasCbc(): boolean {
  try {
    execFileSync("cbc", ["-quit"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Solves an LP file with CBC and returns its wall time and objective. */
function cbcSolve(lpText: string): { seconds: number; objective: number | null; status: string } {
  const dir = mkdtempSync(join(tmpdir(), "adl-bench-"));
  const file = join(dir, "stage.lp");
  const solution = join(dir, "solution.txt");
  writeFileSync(file, lpText);
  const started = performance.now();
  execFileSync("cbc", [file, "sec", String(timeLimit), "solve", "solu", solution], { stdio: "ignore" });
  const seconds = (performance.now() - started) / 1000;
  const text = readFileSync(solution, "utf8").split("\n")[0] ?? "";
  const match = /objective value\s+(-?[\d.eE+-]+)/.exec(text);
  return { seconds, objective: match ? Number(match[1]) : null, status: text.split(/\s+-\s+/)[0]?.trim() ?? "" };
}

const rows: Record<string, unknown>[] = [];
const cbc = hasCbc();
const log = (line: string): void => {
  if (process.stderr.isTTY || process.env.CI !== "true") process.stderr.write(line + "\n");
};

for (const n of sizes) {
  const accounts = generatePopulation({ n, seed: 7 });
  let total = 0;
  for (const c of accounts.capacity) total += c;
  for (const name of models) {
    const model = loadModel(`models/${name}.yaml`);
    const bindStarted = performance.now();
    // A tight wave: 30% of the population's capacity.
    const wave = bindWave(model, { accounts }, { budget: Math.round(total * 0.3 * 0.2) });
    const bindSeconds = (performance.now() - bindStarted) / 1000;
    const lowerStarted = performance.now();
    const lowered = lowerWave(wave);
    const lowerSeconds = (performance.now() - lowerStarted) / 1000;
    const row: Record<string, unknown> = {
      n,
      model: name,
      budget: wave.budget,
      bindSeconds,
      lowerSeconds,
      columns: lowered.base.columnLower.length,
      rows: lowered.base.rowLower.length,
      stages: lowered.stages.map((s) => s.name),
    };
    const dedicated = await solveWave(wave, { path: "auto" });
    if (dedicated.path.startsWith("dedicated")) {
      row.dedicated = { path: dedicated.path, seconds: dedicated.solver.seconds, status: dedicated.status, objective: dedicated.objective, verified: dedicated.verified?.ok };
    }
    const solves: Record<string, unknown> = {};
    for (const backend of backendNames) {
      if (n > backendLimit[backend] || !backendInstalled(backend)) continue;
      const solveStarted = performance.now();
      try {
        // No fallbacks: each backend is measured on its own, and its failures are recorded as such.
        const result = await solveWave(wave, { backend, fallbacks: [], path: "mip", timeLimitSeconds: timeLimit });
        solves[backend] = {
          status: result.status,
          seconds: result.solver.seconds,
          firstStage: result.stages[0]?.value ?? null,
          objective: result.objective,
          gap: result.solver.gap,
          verified: result.verified?.ok ?? null,
        };
      } catch (error) {
        solves[backend] = { status: "failed", seconds: (performance.now() - solveStarted) / 1000, message: error instanceof Error ? error.message : String(error) };
      }
      log(`n=${n} ${name} ${backend}: ${JSON.stringify(solves[backend]).slice(0, 120)}`);
    }
    row.mip = solves;
    if (cbc) {
      try {
        const stage1 = stageProblem(lowered.base, [], lowered.stages[0]!);
        const writeStarted = performance.now();
        const text = toCplexLp(stage1);
        const writeSeconds = (performance.now() - writeStarted) / 1000;
        const highsStarted = performance.now();
        const highsStage1 = await solveRobustly(stage1, { backend: "highs", fallbacks: [], timeLimitSeconds: timeLimit });
        const highsSeconds = (performance.now() - highsStarted) / 1000;
        const highsObjective = highsStage1.solution.objective ?? NaN;
        const peer = cbcSolve(text);
        row.peer = {
          solver: "cbc (exported LP, stage 1)",
          writeSeconds,
          ...peer,
          highsStage1Seconds: highsSeconds,
          highsStage1Status: highsStage1.solution.status,
          ratioHighsToCbc: highsSeconds / peer.seconds,
          agree: peer.objective !== null && Math.abs(peer.objective - highsObjective) <= 1e-6 * Math.max(1, Math.abs(peer.objective)),
        };
        log(`n=${n} ${name} cbc stage 1: ${peer.seconds.toFixed(3)} s`);
      } catch (error) {
        row.peer = { solver: "cbc (exported LP, stage 1)", failed: error instanceof Error ? error.message : String(error) };
      }
    }
    if (row.dedicated && solves.highs) {
      row.ratioMipToDedicated = (solves.highs as { seconds: number }).seconds / (row.dedicated as { seconds: number }).seconds;
    }
    rows.push(row);
  }
}
await closeBackends();

mkdirSync("results/bench", { recursive: true });
const file = `results/bench/core-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ node: process.version, sizes, timeLimit, cbc, rows }, null, 2));
process.stdout.write(`wrote ${file}\n`);
