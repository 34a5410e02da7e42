/**
 * `npm run bench` (part 4): peak memory of a 10^6-account wave through `adl solve` (exact path) and
 * `adl compare` (the exact optimum beside heuristics), each in a fresh process, beside the same
 * commands at 10^4 accounts (the peer: how memory grows with n). Writes results/bench/memory-<timestamp>.json.
 *
 * Environment: BENCH_MEMORY_N (default 1000000).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeGeneratedCsv } from "../src/tools/scenarios/csv.js";

const big = Number(process.env.BENCH_MEMORY_N ?? 1_000_000);
const scratch = mkdtempSync(join(tmpdir(), "adl-bench-memory-"));
const rows: Record<string, unknown>[] = [];
for (const n of [10_000, big]) {
  const accounts = join(scratch, `accounts-${n}.csv`);
  writeGeneratedCsv({ n, seed: 3, law: "pareto" }, { accounts });
  const commands: [string, string[]][] = [
    ["solve pro-rata", ["solve", "models/pro-rata.yaml", "--accounts", accounts, "--deficit", String(n * 50), "--json"]],
    ["solve profits-first", ["solve", "models/profits-first.yaml", "--accounts", accounts, "--deficit", String(n * 50), "--json"]],
    ["compare pro-rata", ["compare", "models/pro-rata.yaml", "--accounts", accounts, "--deficit", String(n * 50), "--heuristics", "queue:bitmex,pro-rata:wealth,risk-weighted", "--json"]],
  ];
  for (const [label, argv] of commands) {
    const peakFile = join(scratch, "peak.json");
    const child = spawnSync(process.execPath, ["--import", "tsx", "--import", "./scripts/use-dist.mjs", "bench/peak-rss.ts", ...argv], { env: { ...process.env, ADL_PEAK_FILE: peakFile }, stdio: ["ignore", "ignore", "inherit"], maxBuffer: 1 << 30 });
    const peak = JSON.parse(readFileSync(peakFile, "utf8")) as { exitCode: number; seconds: number; maxRssMiB: number };
    rows.push({ command: label, n, exitCode: child.status, seconds: peak.seconds, peakRssMiB: peak.maxRssMiB });
    console.log(`${label} at n = ${n}: exit ${child.status}, ${peak.seconds.toFixed(2)} s, peak RSS ${peak.maxRssMiB.toFixed(0)} MiB`);
  }
}
rmSync(scratch, { recursive: true, force: true });
mkdirSync("results/bench", { recursive: true });
const file = `results/bench/memory-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ rows, node: process.version }, null, 2) + "\n");
console.log(`wrote ${file}`);
