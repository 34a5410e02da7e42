/**
 * Start-up as a user feels it: `adl --help` and a 1-account `adl solve` as whole processes beside
 * `node -e` printing the same help text (the floor of any Node CLI on this machine), alternating,
 * BENCH_REPEATS (default 20) of each. Wall and CPU seconds per run from bench/peers/cpu_time.py
 * (getrusage of the child: CPU time is the figure a shared machine disturbs least); medians and the
 * workbench's CPU above the peer's (its own start-up work) go to results/bench/startup-<time>.json
 * with the load averages before and after.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const repeats = Number(process.env.BENCH_REPEATS ?? 20);
const loadBefore = loadavg();
const scratch = mkdtempSync(join(tmpdir(), "adl-bench-startup-"));
const oneAccount = join(scratch, "one.csv");
writeFileSync(oneAccount, "id,capacity\nA,10\n");
const help = execFileSync(process.execPath, ["bin/adl.js", "--help"], { encoding: "utf8" });
const peer = [process.execPath, "-e", `process.stdout.write(${JSON.stringify(help)})`];

interface Run {
  wall: number;
  cpu: number;
  exitCode: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The workbench command and the peer, alternating; medians of wall and CPU seconds for each. */
function pair(what: string, workbench: string[]) {
  const out = execFileSync("python3", ["bench/peers/cpu_time.py", String(repeats), "--", ...workbench, "--", ...peer], { encoding: "utf8", maxBuffer: 1 << 26 });
  const [ours, theirs] = JSON.parse(out) as [Run[], Run[]];
  const summary = (runs: Run[], command: string[]) => ({
    command: command.map((word) => (word.length > 60 ? `${word.slice(0, 57)}...` : word)).join(" ").replaceAll(scratch, "$SCRATCH"),
    wallSeconds: median(runs.map((run) => run.wall)),
    cpuSeconds: median(runs.map((run) => run.cpu)),
    exitCodes: [...new Set(runs.map((run) => run.exitCode))],
    runs,
  });
  const row = { what, workbench: summary(ours, workbench), peer: summary(theirs, peer) };
  const ratio = row.workbench.wallSeconds / row.peer.wallSeconds;
  const own = row.workbench.cpuSeconds - row.peer.cpuSeconds;
  console.log(`${what}: wall ${row.workbench.wallSeconds.toFixed(3)} s vs peer ${row.peer.wallSeconds.toFixed(3)} s (${ratio.toFixed(2)}); CPU ${row.workbench.cpuSeconds.toFixed(3)} s vs ${row.peer.cpuSeconds.toFixed(3)} s: ${(own * 1000).toFixed(0)} ms of its own`);
  return { ...row, wallRatio: ratio, cpuRatio: row.workbench.cpuSeconds / row.peer.cpuSeconds, ownCpuSeconds: own };
}

const rows = [
  pair("adl --help", [process.execPath, "bin/adl.js", "--help"]),
  pair("adl solve, 1-account wave (pro-rata)", [process.execPath, "bin/adl.js", "solve", "models/pro-rata.yaml", "--accounts", oneAccount, "--budget", "1", "--json"]),
];
rmSync(scratch, { recursive: true, force: true });
mkdirSync("results/bench", { recursive: true });
const file = `results/bench/startup-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify({ repeats, rows, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadavg() }, null, 2) + "\n");
console.log(`wrote ${file}`);
