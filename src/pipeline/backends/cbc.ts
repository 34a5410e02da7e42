/**
 * COIN-OR CBC (the native `cbc` binary, Debian package coinor-cbc) as a SolverBackend: a subprocess
 * on the problem written as free MPS by formats.ts.
 *
 * Why a subprocess: CBC is 10-25x faster than the WASM HiGHS on the large lots MIPs (issue 11), and a
 * process is isolated by the operating system (a crash or a hang is killed, never corrupts this one).
 * What is read back, and why from where:
 *  - the values from `-saveSolution` (a binary file of doubles: int rows, int columns, double
 *    objective, then row activities, row duals, column values, reduced costs): the text solution file
 *    prints 8 significant digits, which breaks rows at the 1e-9 relative tolerance the checks use;
 *  - the status from the first line of the `-solu` text file ("Optimal - …", "Infeasible - …",
 *    "Integer infeasible - …", "Unbounded - …", "Stopped on time - …");
 *  - the dual bound from the log's "Lower bound:" (a stopped search) or the objective (optimal).
 * The objective reported is cost·x of those values, not the file's objective field: when CBC's
 * preprocessing removes the whole model, that field (and the log's "Objective value:") holds the
 * presolved model's value, not the final point's (CBC 2.10.8: "Postprocessing changed objective from
 * -2 to -2.25", the file says -2, the values give -2.25). The field only tells "no incumbent" (≥ 1e50).
 * Columns and rows are written as x<j> / r<i> and the objective constant is added back here, so the
 * file's column order is the problem's. Anything else (a nonzero exit, a signal, a missing or short
 * solution file, an unknown status) throws: the fallback chain records it and moves on.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LinearProblem } from "../lower/standard-form.js";
import type { SolveOptions, SolverBackend, SolverSolution } from "./backend.js";
import { toFreeMps } from "./formats.js";
import { backendEntry, backendVersions } from "./registry.js";
import { BackendTimeoutError, WATCHDOG_LIMIT_FACTOR } from "./worker-host.js";

/** Fraction of the time limit given to CBC's own clock: writing the file, starting and reading back take the rest. */
const LIMIT_SHARE = 0.95;
/**
 * CBC checks its own clock only between phases (seen: a 2x10^4-column overshoot stage still in its
 * root at 10.5 s of a 7.7 s -sec), so at the limit it is interrupted (SIGINT: CBC stops as on
 * ctrl-c and still writes its incumbent), and at WATCHDOG_LIMIT_FACTOR × the limit plus this grace it is killed.
 */
const KILL_GRACE_SECONDS = 0.25;
/** Without a limit, a hung CBC is killed after this long. */
const NO_LIMIT_SECONDS = 3600;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly log: string;
  readonly killed: boolean;
}

function runCbc(command: string, args: readonly string[], killAfterSeconds: number, interruptAfterSeconds = Infinity): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (chunk: Buffer): void => {
      // The log's tail is what is parsed; keep at most ~4 MB of it.
      chunks.push(chunk);
      size += chunk.length;
      while (size > 4_000_000 && chunks.length > 1) size -= chunks.shift()!.length;
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, Math.min(2 ** 31 - 1, killAfterSeconds * 1000));
    const interrupt = Number.isFinite(interruptAfterSeconds) ? setTimeout(() => child.kill("SIGINT"), Math.min(2 ** 31 - 1, interruptAfterSeconds * 1000)) : undefined;
    const stop = (): void => {
      clearTimeout(timer);
      if (interrupt) clearTimeout(interrupt);
    };
    child.on("error", (error) => {
      stop();
      reject(new Error(`cbc: could not start ${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      stop();
      resolve({ code, signal, log: Buffer.concat(chunks).toString("utf8"), killed });
    });
  });
}

/** Column values from CBC's binary solution file (see the module comment for its layout). */
export function readCbcSolution(bytes: Buffer, columns: number): { objective: number; values: Float64Array } {
  if (bytes.length < 16) throw new Error(`cbc: the binary solution file has ${bytes.length} bytes`);
  const rows = bytes.readInt32LE(0);
  const written = bytes.readInt32LE(4);
  if (written !== columns || rows < 0) throw new Error(`cbc: the solution file has ${written} columns and ${rows} rows; the problem has ${columns} columns`);
  const expected = 16 + 8 * (2 * rows + 2 * columns);
  if (bytes.length < expected) throw new Error(`cbc: the solution file is ${bytes.length} bytes, expected ${expected}`);
  const objective = bytes.readDoubleLE(8);
  const values = new Float64Array(columns);
  const offset = 16 + 16 * rows;
  for (let j = 0; j < columns; j++) values[j] = bytes.readDoubleLE(offset + 8 * j);
  return { objective, values };
}

type CbcStatus = "optimal" | "infeasible" | "unbounded" | "stopped" | "unknown";

/** The status word of the text solution file's first line. */
export function parseCbcStatus(firstLine: string): CbcStatus {
  if (/^Optimal\b/.test(firstLine)) return "optimal";
  if (/^(Integer )?infeasible\b/i.test(firstLine)) return "infeasible";
  if (/^Unbounded\b/i.test(firstLine)) return "unbounded";
  if (/^Stopped\b/.test(firstLine)) return "stopped";
  return "unknown";
}

/** The dual bound ("Lower bound:") and node count ("Enumerated nodes:") from CBC's closing summary. */
export function parseCbcSummary(log: string): { bound?: number; nodes?: number; noSolution: boolean } {
  const bound = Number(/^Lower bound:\s+(\S+)/m.exec(log)?.[1]);
  const nodes = Number(/^Enumerated nodes:\s+(\d+)/m.exec(log)?.[1]);
  return {
    ...(Number.isFinite(bound) ? { bound } : {}),
    ...(Number.isFinite(nodes) ? { nodes } : {}),
    noSolution: /No feasible solution found|no integer solution/i.test(log),
  };
}

/** cost·x + constant of CBC's values (the backend rejects quadratic objectives), as the checks evaluate it. */
export function cbcObjective(problem: LinearProblem, values: ArrayLike<number>): number {
  let value = problem.objectiveConstant;
  for (let j = 0; j < problem.cost.length; j++) value += problem.cost[j]! * values[j]!;
  return value;
}

/** The problem as CBC reads it back in our column order: x<j>, r<i>, no constant column. */
function forFile(problem: LinearProblem, zeroObjective = false): LinearProblem {
  const n = problem.columnLower.length;
  const m = problem.rowLower.length;
  return {
    ...problem,
    columnNames: Array.from({ length: n }, (_, j) => `x${j}`),
    rowNames: Array.from({ length: m }, (_, i) => `r${i}`),
    cost: zeroObjective ? new Float64Array(n) : problem.cost,
    objectiveConstant: 0,
  };
}

/**
 * Creates the CBC backend if the binary starts (throws otherwise, with the package to install).
 * Options: `timeLimitSeconds` → `-sec` on the wall clock (`-timeMode elapsed`), 95% of the limit so
 * the answer is back within it; `mipRelativeGap` (default 0) → `-ratio`; `start` → `-mips` (a MIP
 * start file; CBC checks it and drops an infeasible one). One CBC process per solve, single-threaded
 * (the machine's cores are shared with other solves).
 */
export async function createCbcBackend(): Promise<SolverBackend & { fresh(): Promise<SolverBackend>; close(): Promise<void> }> {
  const entry = backendEntry("cbc")!;
  const command = entry.source.kind === "binary" ? entry.source.command : "cbc";
  const installed = backendVersions()[command];
  if (installed === undefined || installed === "not installed") {
    throw new Error(`cbc: the ${command} binary is not installed (Debian: apt-get install ${entry.source.kind === "binary" ? entry.source.debianPackage : "coinor-cbc"})`);
  }
  const version = `CBC ${installed} (native ${command})`;

  async function once(problem: LinearProblem, options: SolveOptions, extra: readonly string[], zeroObjective = false): Promise<{ status: CbcStatus; log: string; solution?: { objective: number; values: Float64Array } }> {
    const begun = performance.now();
    const directory = mkdtempSync(path.join(tmpdir(), "adl-cbc-"));
    try {
      const file = path.join(directory, "problem.mps");
      const text = path.join(directory, "solution.txt");
      const binary = path.join(directory, "solution.bin");
      writeFileSync(file, toFreeMps(forFile(problem, zeroObjective)));
      const args = [file, "-timeMode", "elapsed", "-threads", "0"];
      const limit = options.timeLimitSeconds;
      const limited = limit !== undefined && Number.isFinite(limit);
      // Writing the file counts against the limit: CBC's own clock starts after it.
      if (limited) args.push("-sec", String(Math.max(0.05, (limit - (performance.now() - begun) / 1000) * LIMIT_SHARE)));
      args.push("-ratio", String(options.mipRelativeGap ?? 0));
      if (options.mipAbsoluteGap !== undefined && options.mipAbsoluteGap > 0) args.push("-allow", String(options.mipAbsoluteGap));
      if (options.start && options.start.length === problem.columnLower.length && problem.integer.some((flag) => flag === 1) && !zeroObjective) {
        const start = path.join(directory, "start.txt");
        const lines = ["Stopped on time - objective value 0"];
        for (let j = 0; j < options.start.length; j++) lines.push(`${j} x${j} ${String(options.start[j])}`);
        writeFileSync(start, lines.join("\n") + "\n");
        args.push("-mips", start);
      }
      args.push(...extra, "-solve", "-saveSolution", binary, "-solu", text);
      const elapsed = (performance.now() - begun) / 1000;
      const killAfter = limited ? Math.max(0.1, limit * WATCHDOG_LIMIT_FACTOR - elapsed) + KILL_GRACE_SECONDS : NO_LIMIT_SECONDS;
      const run = await runCbc(command, args, killAfter, limited ? Math.max(0.05, limit - elapsed) : Infinity);
      // A kill at the limit is a timeout (not a fault to retry on a fresh process: it would take as long again).
      if (run.killed) throw new BackendTimeoutError(`cbc: no answer within ${limited ? `${limit} s (x${WATCHDOG_LIMIT_FACTOR} and ${KILL_GRACE_SECONDS} s)` : `${NO_LIMIT_SECONDS} s`}; the process was killed`);
      if (run.signal !== null && run.signal !== "SIGINT") throw new Error(`cbc: the process ended on signal ${run.signal}: ${run.log.slice(-400)}`);
      if (run.code !== 0) throw new Error(`cbc: exit code ${run.code}: ${run.log.slice(-400)}`);
      if (/errors? on input|Unable to open/i.test(run.log.replace(/\b0 errors\b/g, ""))) throw new Error(`cbc: could not read the problem: ${run.log.slice(-400)}`);
      let first: string;
      try {
        first = readFileSync(text, "utf8").split("\n", 1)[0] ?? "";
      } catch {
        throw new Error(`cbc: wrote no solution file: ${run.log.slice(-400)}`);
      }
      const status = parseCbcStatus(first);
      if (status === "unknown") throw new Error(`cbc: unknown solution status "${first.slice(0, 120)}"`);
      let solution: { objective: number; values: Float64Array } | undefined;
      if (status === "optimal" || status === "stopped") {
        try {
          solution = readCbcSolution(readFileSync(binary), problem.columnLower.length);
        } catch (error) {
          if (status === "optimal") throw error;
        }
      }
      return { status, log: run.log, ...(solution ? { solution } : {}) };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }

  const backend = {
    name: "cbc" as const,
    version,
    capabilities: { integer: true, quadratic: false, timeLimit: true, dualBound: true },

    async solve(problem: LinearProblem, options: SolveOptions): Promise<SolverSolution> {
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      const base = { backend: "cbc" as const, version };
      if (problem.quadratic && problem.quadratic.some((q) => q !== 0)) throw new Error("cbc: quadratic objectives are not supported here (only linear MPS is written)");
      const n = problem.columnLower.length;
      if (n === 0) {
        if (problem.rowLower.some((lower, i) => lower > 0 || problem.rowUpper[i]! < 0)) return { ...base, status: "infeasible", seconds: seconds() };
        return { ...base, status: "optimal", values: new Float64Array(0), objective: problem.objectiveConstant, bound: problem.objectiveConstant, gap: 0, seconds: seconds() };
      }
      for (let j = 0; j < n; j++) if (problem.columnLower[j]! > problem.columnUpper[j]!) return { ...base, status: "infeasible", seconds: seconds() };
      const integer = problem.integer.some((flag) => flag === 1);
      const left = (): SolveOptions =>
        options.timeLimitSeconds !== undefined && Number.isFinite(options.timeLimitSeconds) ? { ...options, timeLimitSeconds: Math.max(0.05, options.timeLimitSeconds - seconds()) } : options;

      const result = await once(problem, options, []);
      const constant = problem.objectiveConstant;
      switch (result.status) {
        case "optimal": {
          const { values } = result.solution!;
          const summary = parseCbcSummary(result.log);
          const value = cbcObjective(problem, values);
          return { ...base, status: "optimal", values, objective: value, bound: value, gap: 0, ...(integer && summary.nodes !== undefined ? { nodes: summary.nodes } : {}), seconds: seconds() };
        }
        case "stopped": {
          const summary = parseCbcSummary(result.log);
          // A simplex stopped early has no usable point; a stopped MIP search may have an incumbent.
          if (!integer || !result.solution || summary.noSolution || !(Math.abs(result.solution.objective) < 1e49)) return { ...base, status: "limitNoSolution", seconds: seconds() };
          const value = cbcObjective(problem, result.solution.values);
          const bound = summary.bound !== undefined ? Math.min(summary.bound + constant, value) : undefined;
          return {
            ...base,
            status: "feasible",
            values: result.solution.values,
            objective: value,
            ...(bound !== undefined ? { bound, gap: Math.abs(value - bound) / Math.max(1, Math.abs(value)) } : {}),
            ...(summary.nodes !== undefined ? { nodes: summary.nodes } : {}),
            seconds: seconds(),
          };
        }
        case "infeasible": {
          if (!integer) return { ...base, status: "infeasible", seconds: seconds() };
          // CBC's preprocessing says "infeasible or unbounded" for both; with a zero objective the
          // MIP cannot be unbounded, so a second "infeasible" settles it. (`-preprocess off` is no
          // way out: CBC 2.10.8 ends on SIGSEGV with it on a one-column infeasible MIP.)
          const again = await once(problem, left(), [], true);
          if (again.status === "infeasible") return { ...base, status: "infeasible", seconds: seconds() };
          if (again.status === "optimal") return { ...base, status: "unbounded", seconds: seconds() };
          if (again.status === "stopped") return { ...base, status: "limitNoSolution", seconds: seconds() };
          throw new Error(`cbc: "infeasible", but without preprocessing the feasibility probe ended "${again.status}"`);
        }
        case "unbounded": {
          if (!integer) return { ...base, status: "unbounded", seconds: seconds() };
          // An unbounded relaxation makes the MIP unbounded only if it has an integral point.
          const probe = await once(problem, left(), [], true);
          if (probe.status === "optimal") return { ...base, status: "unbounded", seconds: seconds() };
          if (probe.status === "infeasible") return { ...base, status: "infeasible", seconds: seconds() };
          return { ...base, status: "limitNoSolution", seconds: seconds() };
        }
        default:
          throw new Error(`cbc: unexpected status ${String(result.status)}`);
      }
    },

    fresh(): Promise<SolverBackend> {
      return createCbcBackend();
    },

    /** Nothing to stop: each solve is its own process. */
    async close(): Promise<void> {},
  };
  return backend;
}
