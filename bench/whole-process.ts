/**
 * `npm run bench` (part 6): what a user waits for. Whole processes, start-up included, each beside a
 * peer in the same run, alternating workbench and peer, medians of BENCH_REPEATS (default 3):
 *
 *  - `adl --help` beside `node -e` printing the same text;
 *  - `adl solve` on a 1-account wave beside the same `node -e` help print (the floor of any Node CLI);
 *  - `adl solve --json` at BENCH_N (default 10^6) accounts for every model with a dedicated path
 *    (pro-rata, queue-l0, lots-minmax, profits-first, risk-weighted, convex-quadratic) beside the
 *    numpy peer bench/peers/closed_forms.py (np.loadtxt + the same closed form + json.dump) on the
 *    same CSV and budget; both write their JSON to a file, and their answers are compared (touched,
 *    max fraction, total).
 *
 * Time and peak RSS come from /usr/bin/time (elapsed, maximum resident set size) for both sides.
 * Writes results/bench/whole-process-<time>.json with the medians, every run, the ratios and the
 * machine's load averages before and after. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed
 * from the numpy peer's environment only (they pin OpenBLAS kernels for another machine).
 *
 * The CSV has the columns the models read: id, capacity, gains, principal, risk_weight,
 * lot_value, lots (a seeded Pareto population from `adl generate`, other columns dropped). The
 * budget is 5% of the total capacity.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { loadAccounts } from "../src/pipeline/instance/load.js";

const n = Number(process.env.BENCH_N ?? 1_000_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const models = (process.env.BENCH_MODELS ?? "pro-rata,queue-l0,lots-minmax,profits-first,risk-weighted,convex-quadratic").split(",");
const scratch = mkdtempSync(join(tmpdir(), "adl-bench-whole-"));
const loadBefore = loadavg();

interface Run {
  seconds: number;
  peakRssMiB: number;
  exitCode: number | null;
}

/** One process under /usr/bin/time; stdout to `stdout` (a file) or discarded. */
function timed(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdout?: string } = {}): Run {
  const report = join(scratch, "time.txt");
  const shell = `exec /usr/bin/time -f "%e %M" -o ${JSON.stringify(report)} ${[command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ")} > ${options.stdout ? JSON.stringify(options.stdout) : "/dev/null"}`;
  const child = spawnSync("/bin/sh", ["-c", shell], { env: options.env ?? process.env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 1 << 26 });
  if (child.status !== 0) process.stderr.write(`  (${command} ${args.slice(0, 3).join(" ")} … exited ${child.status}: ${child.stderr.slice(-400)})\n`);
  const [elapsed, kib] = readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { seconds: elapsed!, peakRssMiB: kib! / 1024, exitCode: child.status };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Row {
  what: string;
  workbench: { command: string; seconds: number; peakRssMiB: number; runs: Run[] };
  peer: { command: string; seconds: number; peakRssMiB: number; runs: Run[] };
  /** workbench seconds / peer seconds: below 1 the workbench is faster. */
  timeRatio: number;
  rssRatio: number;
  agreement?: Record<string, unknown>;
}

/** Alternates the two commands `repeats` times and keeps the medians. */
function pair(what: string, workbench: [string, string[], Parameters<typeof timed>[2]?], peer: [string, string[], Parameters<typeof timed>[2]?]): Row {
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let r = 0; r < repeats; r++) {
    ours.push(timed(...workbench));
    theirs.push(timed(...peer));
  }
  const summary = (runs: Run[], [command, args]: [string, string[], unknown?]) => ({
    command: [command, ...args].join(" ").replaceAll(scratch, "$SCRATCH"),
    seconds: median(runs.map((run) => run.seconds)),
    peakRssMiB: median(runs.map((run) => run.peakRssMiB)),
    runs,
  });
  const row: Row = {
    what,
    workbench: summary(ours, workbench),
    peer: summary(theirs, peer),
    timeRatio: 0,
    rssRatio: 0,
  };
  row.timeRatio = row.workbench.seconds / row.peer.seconds;
  row.rssRatio = row.workbench.peakRssMiB / row.peer.peakRssMiB;
  console.log(
    `${what}: workbench ${row.workbench.seconds.toFixed(2)} s, ${row.workbench.peakRssMiB.toFixed(0)} MiB; peer ${row.peer.seconds.toFixed(2)} s, ${row.peer.peakRssMiB.toFixed(0)} MiB; time ratio ${row.timeRatio.toFixed(2)}`,
  );
  return row;
}

/** The wave file: `adl generate` output cut to the columns the models read. */
async function waveFile(rows: number): Promise<string> {
  const full = join(scratch, "generated.csv");
  const generated = spawnSync(process.execPath, ["bin/adl.js", "generate", "pareto", "--n", String(rows), "--seed", "7", "--out", full], { stdio: "inherit" });
  if (generated.status !== 0) throw new Error("adl generate failed");
  const keep = ["id", "capacity", "gains", "principal", "risk_weight", "lot_value", "lots"];
  const path = join(scratch, `wave-${rows}.csv`);
  const out = createWriteStream(path);
  let picks: number[] | undefined;
  for await (const line of createInterface({ input: createReadStream(full) })) {
    const cells = line.split(",");
    picks ??= keep.map((name) => cells.indexOf(name));
    if (!out.write(`${picks.map((k) => cells[k]).join(",")}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  rmSync(full);
  return path;
}

/** The summary fields of a JSON answer, read from its first bytes (they come before the allocation). */
function summaryOf(file: string): Record<string, unknown> {
  const head = readFileSync(file).subarray(0, 4096).toString("utf8");
  const field = (name: string) => new RegExp(`"${name}":\\s*("[^"]*"|[-0-9.eE+]+)`).exec(head)?.[1];
  return Object.fromEntries(["status", "path", "total", "touched", "maxFraction"].map((name) => [name, field(name) === undefined ? null : JSON.parse(field(name)!)]));
}

const node = process.execPath;
const rows: Row[] = [];

// adl --help beside node printing the same text.
const helpText = spawnSync(node, ["bin/adl.js", "--help"], { encoding: "utf8" }).stdout;
const printHelp: [string, string[]] = [node, ["-e", `process.stdout.write(${JSON.stringify(helpText)})`]];
rows.push(pair("adl --help", [node, ["bin/adl.js", "--help"]], printHelp));

// A 1-account wave through the whole solve path.
const one = join(scratch, "one.csv");
writeFileSync(one, "id,capacity\na,100\n");
rows.push(pair("adl solve, 1-account wave (pro-rata)", [node, ["bin/adl.js", "solve", "models/pro-rata.yaml", "--accounts", one, "--budget", "1", "--json"]], printHelp));

// 10^6 accounts, every model with a dedicated path, beside numpy.
const peerEnv = { ...process.env };
delete peerEnv["OPENBLAS_CORETYPE"];
delete peerEnv["OPENBLAS_L2_SIZE"];
const wave = await waveFile(n);
let capacity = 0;
for (const c of loadAccounts(wave).capacity) capacity += c;
const budget = String(capacity * 0.05);
// The loader alone, in a fresh process each (module load excluded): loadAccounts beside np.loadtxt
// of the same file's numeric columns (numbers only: the peer's lower bound, no ids).
// The ids are kept as bytes until first read (src/pipeline/instance/id-column.ts): their strings are
// timed apart, in the same process, right after the load (what a solve pays on top when it binds).
const loadScript = `const { loadAccounts } = await import(${JSON.stringify(new URL("../dist/pipeline/instance/load.js", import.meta.url).href)}); const t = performance.now(); const table = loadAccounts(process.argv[1]); const loaded = performance.now(); const rows = table.ids.length; console.error("seconds " + (loaded - t) / 1000 + " ids " + (performance.now() - loaded) / 1000 + " rows " + rows);`;
const loadtxtScript = "import sys, time, numpy as np; t = time.perf_counter(); x = np.loadtxt(sys.argv[1], delimiter=',', skiprows=1, usecols=range(1, 7)); sys.stderr.write(f'seconds {time.perf_counter() - t} rows {x.shape[0]}\\n')";
const loaderRuns: { workbench: number[]; idsMaterialized: number[]; numpy: number[] } = { workbench: [], idsMaterialized: [], numpy: [] };
for (let r = 0; r < repeats; r++) {
  const ours = spawnSync(node, ["--input-type=module", "-e", loadScript, wave], { encoding: "utf8" });
  const theirs = spawnSync("python3", ["-c", loadtxtScript, wave], { encoding: "utf8", env: peerEnv });
  loaderRuns.workbench.push(Number(/seconds ([0-9.e-]+)/.exec(ours.stderr)?.[1]));
  loaderRuns.idsMaterialized.push(Number(/ids ([0-9.e-]+)/.exec(ours.stderr)?.[1]));
  loaderRuns.numpy.push(Number(/seconds ([0-9.e-]+)/.exec(theirs.stderr)?.[1]));
}
const loader = {
  what: `loadAccounts, ${n.toLocaleString("en-US")} rows x 7 columns (in-process, module load excluded) beside np.loadtxt of the 6 numeric columns`,
  workbenchSeconds: median(loaderRuns.workbench),
  /** Then reading table.ids the first time (10^6 strings made from the id bytes), same process. */
  idsMaterializedSeconds: median(loaderRuns.idsMaterialized),
  numpySeconds: median(loaderRuns.numpy),
  runs: loaderRuns,
  timeRatio: median(loaderRuns.workbench) / median(loaderRuns.numpy),
};
console.log(`${loader.what}: ${loader.workbenchSeconds.toFixed(3)} s (+ ids materialized ${loader.idsMaterializedSeconds.toFixed(3)} s) vs ${loader.numpySeconds.toFixed(3)} s, ratio ${loader.timeRatio.toFixed(2)}`);

const numpyVersion = spawnSync("python3", ["-c", "import numpy, sys; print(numpy.__version__, sys.version.split()[0])"], { encoding: "utf8", env: peerEnv }).stdout.trim();
for (const model of models) {
  const ours = join(scratch, `workbench-${model}.json`);
  const theirs = join(scratch, `numpy-${model}.json`);
  const row = pair(
    `adl solve --json, ${n.toLocaleString("en-US")} accounts, ${model}`,
    [node, ["bin/adl.js", "solve", `models/${model}.yaml`, "--accounts", wave, "--budget", budget, "--json"], { stdout: ours }],
    ["python3", ["bench/peers/closed_forms.py", model, wave, budget, theirs], { env: peerEnv }],
  );
  const a = summaryOf(ours);
  const b = summaryOf(theirs);
  const close = (x: unknown, y: unknown) => typeof x === "number" && typeof y === "number" && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  row.agreement = { workbench: a, numpy: b, touchedEqual: a["touched"] === b["touched"], maxFractionClose: close(a["maxFraction"], b["maxFraction"]), totalClose: close(a["total"], b["total"]) };
  console.log(`  agreement: touched ${a["touched"]} / ${b["touched"]}, max fraction ${a["maxFraction"]} / ${b["maxFraction"]}, total ${a["total"]} / ${b["total"]}`);
  rows.push(row);
  rmSync(ours, { force: true });
  rmSync(theirs, { force: true });
}

rmSync(scratch, { recursive: true, force: true });
mkdirSync("results/bench", { recursive: true });
const file = `results/bench/whole-process-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(
  file,
  JSON.stringify(
    {
      n,
      repeats,
      budget: Number(budget),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgBefore: loadBefore, loadavgAfter: loadavg(), node: process.version, numpy: numpyVersion },
      loader,
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${file}`);
