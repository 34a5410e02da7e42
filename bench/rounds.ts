/**
 * Rounds benchmark: runRounds on T rounds of n accounts under 6 policies (default T = 1,000,
 * n = 10^4: the size). Accounts are drawn from a pool of 2n ids (so rank stability compares
 * real overlaps), Pareto capacities (tail index 1.5), deficits lognormal, needs 5-150 % of them.
 * Every allocation passes the verifier inside runRounds. The peer in the same process: each policy's
 * CPU time is reported as a ratio to the capped pro-rata policy's (wall time too, but on a shared
 * machine it mostly measures the neighbours).
 * Writes results/bench/rounds-<timestamp>.json.
 *
 * Environment: BENCH_ROUNDS_T, BENCH_ROUNDS_N.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { seededGenerator } from "../src/random.js";
import { roundWave, type Round } from "../src/tools/rounds/round.js";
import { runRounds, type PolicySpec } from "../src/tools/rounds/run.js";

const T = Number(process.env.BENCH_ROUNDS_T ?? 1000);
const n = Number(process.env.BENCH_ROUNDS_N ?? 10_000);
const rng = seededGenerator(20251010);
const uniform = (): number => (rng.next() >>> 0) / 2 ** 32 + 2 ** -33;
const pool = Array.from({ length: 2 * n }, (_, k) => `acct-${k}`);

function buildRounds(): Round[] {
  const rounds: Round[] = [];
  for (let t = 0; t < T; t++) {
    const start = Math.floor(uniform() * n);
    const ids = pool.slice(start, start + n);
    const capacity = Float64Array.from({ length: n }, () => 100 * uniform() ** (-1 / 1.5));
    const deficit = Math.exp(12 + 1.5 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
    const total = capacity.reduce((s, c) => s + c, 0);
    const scaled = Math.min(deficit, 0.8 * total);
    const needed = scaled * (0.05 + 1.45 * uniform());
    rounds.push({ label: String(t + 1), deficit: scaled, needed, wave: roundWave({ accounts: { file: "bench", ids, capacity, columns: new Map([["capacity", capacity]]) } }, "bench") });
  }
  return rounds;
}

const policies: PolicySpec[] = [
  { name: "ogd + pro-rata", severity: { kind: "ogd" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
  { name: "ogd + vector-md", severity: { kind: "ogd" }, allocation: { kind: "vector-md" } },
  { name: "ogd + queue", severity: { kind: "ogd" }, allocation: { kind: "heuristic", name: "queue:capacity" } },
  { name: "cover-all + pro-rata", severity: { kind: "cover-all" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
  { name: "fixed 0.5 + walk", severity: { kind: "fixed", theta: 0.5 }, allocation: { kind: "heuristic", name: "walk:dydx" } },
  { name: "ex post min-max", severity: { kind: "needed" }, allocation: { kind: "minmax" } },
];

const built = performance.now();
const rounds = buildRounds();
const buildSeconds = (performance.now() - built) / 1000;
const started = performance.now();
const cpu = process.cpuUsage();
const result = await runRounds({ name: "bench", source: "bench", rounds }, policies);
const seconds = (performance.now() - started) / 1000;
const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
// CPU time is the measure: on a shared machine wall time mostly says how busy the neighbours were.
const peer = result.policies[0]!.cpuSeconds;
const perPolicy = result.policies.map((p) => ({
  name: p.name,
  seconds: p.seconds,
  cpuSeconds: p.cpuSeconds,
  ratioToProRata: p.cpuSeconds / peer,
  microsecondsPerAccountRound: (1e6 * p.cpuSeconds) / (T * n),
  loss: p.loss,
  shareOfBound: p.shareOfBound,
  withinBound: p.withinBound,
  verifiedRounds: p.verified.accepted,
}));
for (const p of perPolicy) console.log(`${p.name.padEnd(22)} ${p.cpuSeconds.toFixed(2)} s CPU (${p.seconds.toFixed(2)} s wall)  x${p.ratioToProRata.toFixed(2)} of pro-rata  ${p.microsecondsPerAccountRound.toFixed(3)} µs CPU per account-round  verified ${p.verifiedRounds}/${T}`);
console.log(`${T} rounds x ${n} accounts x ${policies.length} policies: ${seconds.toFixed(1)} s wall (${cpuSeconds.toFixed(1)} s CPU), comparators and bound included; building the rounds ${buildSeconds.toFixed(1)} s; peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB at the end`);
mkdirSync("results/bench", { recursive: true });
const file = `results/bench/rounds-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ rounds: T, accounts: n, policies: policies.length, seconds, cpuSeconds, buildSeconds, rssMiB: process.memoryUsage().rss / 2 ** 20, node: process.version, perPolicy }, null, 2) + "\n");
console.log(`wrote ${file}`);
