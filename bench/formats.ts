/**
 * Writing the solver-neutral standard form as CPLEX LP and free MPS text at 10^5 columns (what
 * `adl export` does on a 10^5-account wave), beside a peer in the same process: JSON.stringify of the
 * same problem's arrays (V8's native serializer), as a ratio. Moved here from a timed assertion in
 * test/solvers/formats.test.ts (tests assert what is written, not how fast).
 * Writes results/bench/formats-<timestamp>.json.
 *
 * Environment: BENCH_FORMAT_N (default 100000), BENCH_REPEAT (default 5; the median is reported).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toCplexLp, toFreeMps } from "../src/pipeline/backends/formats.js";
import { sumProblem } from "../test/solvers/problems.js";

const n = Number(process.env.BENCH_FORMAT_N ?? 100_000);
const repeat = Number(process.env.BENCH_REPEAT ?? 5);
const problem = sumProblem(n, n / 4 + 0.5);

/** Median wall time of `repeat` runs of `work`, and the size of what it returned. */
function median(work: () => string): { seconds: number; chars: number } {
  const times: number[] = [];
  let chars = 0;
  for (let k = 0; k < repeat; k++) {
    const started = performance.now();
    chars = work().length;
    times.push((performance.now() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)]!, chars };
}

const peer = median(() => JSON.stringify({ ...problem, cost: Array.from(problem.cost), columnUpper: Array.from(problem.columnUpper), rowIndex: Array.from(problem.rowIndex), rowValue: Array.from(problem.rowValue) }));
const lp = median(() => toCplexLp(problem));
const mps = median(() => toFreeMps(problem));
const result = {
  columns: n,
  repeat,
  node: process.version,
  peer: { name: "JSON.stringify", ...peer },
  lp: { ...lp, ratioToPeer: lp.seconds / peer.seconds },
  mps: { ...mps, ratioToPeer: mps.seconds / peer.seconds },
};
mkdirSync("results/bench", { recursive: true });
const out = join("results/bench", `formats-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
process.stderr.write(`formats: ${n} columns, LP ${lp.seconds.toFixed(3)} s (${result.lp.ratioToPeer.toFixed(2)}× JSON), MPS ${mps.seconds.toFixed(3)} s (${result.mps.ratioToPeer.toFixed(2)}× JSON) → ${out}\n`);
