/**
 * `adl --help` and a small `adl solve` load only what they use: every command imports its
 * implementation inside its handler (src/cli/commands/*.ts). A module-resolution hook records every
 * package and project module the compiled CLI asks for; the heavy ones must not be among them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The packages a short command must not load: solvers, charts, the expression parser, the CSV parser, the pool. */
const HEAVY = ["highs", "glpk.js", "javascript-lp-solver", "vega", "vega-lite", "@resvg/resvg-js", "mathjs", "csv-parse", "piscina", "ml-matrix", "ajv"];

/** Runs bin/adl.js with a hook that appends each resolved specifier to a file; returns the run and the specifiers. */
function loadedBy(args: string[]): { status: number | null; stderr: string; specifiers: string[] } {
  const log = join(mkdtempSync(join(tmpdir(), "adl-startup-")), "resolved.txt");
  writeFileSync(log, "");
  const hook = `import { appendFileSync } from "node:fs"; export async function resolve(s, c, next) { appendFileSync(${JSON.stringify(log)}, s + "\\n"); return next(s, c); }`;
  const register = `import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));`;
  const run = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(register)}`, "bin/adl.js", ...args], { encoding: "utf8" });
  return { status: run.status, stderr: run.stderr, specifiers: readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

const heavyIn = (specifiers: string[]): string[] => specifiers.filter((s) => HEAVY.some((name) => s === name || s.startsWith(`${name}/`)));

describe("the CLI's start-up loads only what the command needs", () => {
  it("`adl --help` loads yargs and the command modules, no solver, chart, parser or pool", () => {
    const { status, specifiers } = loadedBy(["--help"]);
    expect(status).toBe(0);
    expect(specifiers).toContain("yargs");
    expect(specifiers.some((s) => s.endsWith("/commands/solve.js"))).toBe(true);
    expect(heavyIn(specifiers)).toEqual([]);
    // No stage of the pipeline either: the help needs none of them.
    expect(specifiers.filter((s) => /\/(solve|bind|verify|exact|report|run|exposure|simulate|compare)\/[^/]+\.js$/.test(s))).toEqual([]);
  });

  it("a 1-account `adl solve` on a dedicated model loads no chart, pool, MIP solver or CSV parser", () => {
    const dir = mkdtempSync(join(tmpdir(), "adl-startup-"));
    writeFileSync(join(dir, "one.csv"), "id,capacity\nA,10\n");
    const { status, stderr, specifiers } = loadedBy(["solve", "models/pro-rata.yaml", "--accounts", join(dir, "one.csv"), "--budget", "1", "--json"]);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(heavyIn(specifiers)).toEqual([]);
  });
});
