/**
 * `adl --help` and a small `adl solve` load only what they use: every command imports its
 * implementation inside its handler (src/cli/commands/*.ts), and the shell (main, the command
 * modules, yargs) is one bundled file, dist/cli/main.js (scripts/build.mjs). A module-resolution
 * hook records every package and project module the compiled CLI asks for; the heavy ones must not
 * be among them, and the bundle must not hide one (its inputs are listed in dist/build.json).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
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
  it("`adl --help` loads the bundled shell and no package, solver, chart, parser, pool or worker", () => {
    const { status, specifiers } = loadedBy(["--help"]);
    expect(status).toBe(0);
    expect(specifiers.some((s) => s.endsWith("/dist/cli/main.js"))).toBe(true);
    // yargs is inside the bundle: no package is resolved at all, heavy or not.
    expect(specifiers.filter((s) => !s.startsWith(".") && !s.startsWith("/") && !s.startsWith("file:") && !isBuiltin(s))).toEqual([]);
    expect(heavyIn(specifiers)).toEqual([]);
    // No stage of the pipeline either, and no solver worker to close: the help needs none of them.
    expect(specifiers.filter((s) => /\/(solve|bind|verify|exact|report|run|exposure|simulate|compare)\/[^/]+\.js$/.test(s))).toEqual([]);
    expect(specifiers.filter((s) => /robust\.js$|worker-host\.js$|^node:worker_threads$/.test(s))).toEqual([]);
  });

  it("the bundle holds the CLI's shell and yargs' packages only (a heavy package cannot hide in it)", () => {
    const { shell } = JSON.parse(readFileSync("dist/build.json", "utf8")) as { shell: { sources: string[]; packages: string[] } };
    expect(shell.sources).toContain("src/cli/main.ts");
    expect(shell.sources.filter((file) => !/^src\/cli\/(main|options|run)\.ts$|^src\/cli\/commands\/[^/]+\.ts$/.test(file))).toEqual([]);
    expect(shell.packages).toContain("yargs");
    expect(shell.packages.filter((name) => HEAVY.includes(name))).toEqual([]);
    // yargs' own dependency tree, nothing else (a new dependency of the shell shows up here).
    const yargsTree = ["ansi-regex", "ansi-styles", "cliui", "emoji-regex", "escalade", "get-caller-file", "is-fullwidth-code-point", "string-width", "strip-ansi", "wrap-ansi", "y18n", "yargs", "yargs-parser"];
    expect(shell.packages.filter((name) => !yargsTree.includes(name))).toEqual([]);
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

describe("the bundled shell says what the unbundled sources say", () => {
  // The oracle: src/cli/main.ts under tsx, yargs loaded from node_modules file by file.
  const fromSources = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `const { main } = await import("./src/cli/main.ts"); process.exitCode = await main(${JSON.stringify(args)});`], { encoding: "utf8", env });
  const fromBundle = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ["bin/adl.js", ...args], { encoding: "utf8", env });
  const cases = [["--help"], ["solve", "--help"], ["help", "run"], ["completion"], ["--get-yargs-completions", "adl", "so"], ["frobnicate"], ["solve"], ["solve", "models/pro-rata.yaml", "--accounts", "x.csv", "--bogus"], ["run", "x.yaml", "--workers", "0"]];

  it("help, completion and usage errors: the same stdout, stderr and exit code, in English and in German", () => {
    for (const lang of ["C", "de_DE.UTF-8"]) {
      const env = { ...process.env, LANG: lang, LC_ALL: lang };
      for (const args of lang === "C" ? cases : [["--help"], ["frobnicate"]]) {
        const bundled = fromBundle(args, env);
        const source = fromSources(args, env);
        const label = `LANG=${lang} adl ${args.join(" ")}`;
        expect(bundled.stdout, label).toBe(source.stdout);
        expect(bundled.stderr, label).toBe(source.stderr);
        expect(bundled.status, label).toBe(source.status);
      }
    }
    // The German run did read yargs' locale files (the bundle finds them where yargs is installed).
    expect(fromBundle(["--help"], { ...process.env, LANG: "de_DE.UTF-8", LC_ALL: "de_DE.UTF-8" }).stdout).toContain("Hilfe anzeigen");
  });
});
