/**
 * The outside solvers (CBC and glpsol) that exported LP/MPS files are cross-checked with.
 * Missing binaries: the tests that need them are skipped locally and fail under CI.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { it } from "vitest";

function available(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 10_000 });
  return !result.error;
}

export const haveCbc = available("cbc", ["-quit"]);
export const haveGlpsol = available("glpsol", ["--version"]);
export const ci = Boolean(process.env.CI);
for (const [tool, have] of [
  ["cbc (apt-get install coinor-cbc)", haveCbc],
  ["glpsol (apt-get install glpk-utils)", haveGlpsol],
] as const) {
  if (!have) console.warn(`${tool} is not installed: its round-trip tests ${ci ? "FAIL (CI is set)" : "are skipped"}`);
}
/** Present: run. Missing: skip locally, but run (and fail) under CI. */
export const withTool = (have: boolean) => (have || ci ? it : it.skip);

/** One scratch folder per test file process, removed at exit. */
const directory = mkdtempSync(path.join(tmpdir(), "adl-external-"));
process.on("exit", () => rmSync(directory, { recursive: true, force: true }));

export interface External {
  status: "optimal" | "infeasible" | "other";
  objective?: number;
  log: string;
}

export function runCbc(text: string, format: "lp" | "mps", label: string): External {
  const file = path.join(directory, `${label}.${format}`);
  const out = path.join(directory, `${label}.cbc.txt`);
  writeFileSync(file, text);
  rmSync(out, { force: true });
  const args = format === "lp" ? [file, "solve", "solu", out] : ["-import", file, "-solve", "-solu", out];
  const run = spawnSync("cbc", args, { encoding: "utf8", timeout: 30_000 });
  const log = `${run.stdout}${run.stderr}`;
  if (/errors? on input|error/i.test(log.replace(/0 errors/gi, ""))) return { status: "other", log };
  const first = readFileSync(out, "utf8").split("\n")[0] ?? "";
  const objective = Number(/objective value\s+(\S+)/.exec(first)?.[1]);
  if (/^Optimal/.test(first)) return { status: "optimal", objective, log: first };
  if (/infeasible/i.test(first)) return { status: "infeasible", log: first };
  return { status: "other", log: `${first}\n${log}` };
}

export function runGlpsol(text: string, format: "lp" | "mps", label: string): External {
  const file = path.join(directory, `${label}.${format}`);
  const out = path.join(directory, `${label}.glpsol.txt`);
  writeFileSync(file, text);
  rmSync(out, { force: true });
  const run = spawnSync("glpsol", [format === "lp" ? "--lp" : "--freemps", file, "-o", out], { encoding: "utf8", timeout: 30_000 });
  const log = `${run.stdout}${run.stderr}`;
  if (run.status !== 0 || /error/i.test(log)) return { status: "other", log };
  const report = readFileSync(out, "utf8");
  const status = /^Status:\s+(.*)$/m.exec(report)?.[1] ?? "";
  const objective = Number(/^Objective:\s+\S+ = (\S+)/m.exec(report)?.[1]);
  if (/OPTIMAL/.test(status)) return { status: "optimal", objective, log: status };
  if (/INFEASIBLE|EMPTY/.test(status) || /NO (PRIMAL|INTEGER) FEASIBLE/.test(log)) return { status: "infeasible", log: status };
  return { status: "other", log: `${status}\n${log}` };
}

