/**
 * The command line's shell (src/cli/main.ts, one module per command in src/cli/commands/): every
 * command listed and documented, strict flags, usage errors as exit 2 with a message that names what
 * was wrong, the flag parsers' typed errors kept through yargs, and shell completion.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { main } from "../../src/cli/main.js";
import { heuristicNames } from "../../src/heuristics/index.js";
import { adl } from "../support/adl.js";

/** main(argv) in this process, stdout and stderr captured (console.log writes through process.stdout.write). */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [writeOut, writeErr] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

/** Every command module's file name is the command's name. */
const COMMAND_FILES = readdirSync("src/cli/commands").filter((file) => file.endsWith(".ts")).map((file) => file.replace(/\.ts$/, ""));
const WAVE = ["models/pro-rata.yaml", "--accounts", "examples/worked-example.csv"];

describe("adl's commands", () => {
  it("`adl --help` lists every command module, plus help and completion, and exits 0", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(ExitCode.ok);
    expect(stdout).toMatch(/^Usage: adl <command> \[options\]/);
    expect(COMMAND_FILES.length).toBeGreaterThanOrEqual(15);
    for (const name of [...COMMAND_FILES, "help", "completion"]) expect(stdout, name).toMatch(new RegExp(`^  adl ${name}\\b`, "m"));
  });

  it.each(COMMAND_FILES)("`adl %s --help` has its usage line, its description and exits 0", async (name) => {
    const { code, stdout, stderr } = await run([name, "--help"]);
    expect(stderr).toBe("");
    expect(code).toBe(ExitCode.ok);
    expect(stdout).toMatch(new RegExp(`^Usage: adl ${name}\\b`));
    // The description, as `adl --help` lists it, follows the usage line.
    expect(stdout.split("\n\n")[1]!.length).toBeGreaterThan(20);
  });

  it("`adl help solve` is `adl solve --help`", async () => {
    expect((await run(["help", "solve"])).stdout).toBe((await run(["solve", "--help"])).stdout);
  });
});

describe("usage errors are exit 2 with a message that names what was wrong", () => {
  it("an unknown flag: yargs' message, then the command's help, on stderr", async () => {
    const { code, stdout, stderr } = await run(["solve", ...WAVE, "--budget", "1", "--bogus"]);
    expect(code).toBe(ExitCode.badInput);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: Unknown argument: bogus\n\nUsage: adl solve <model>/);
  });

  it("a bad number keeps the flag parser's typed error: flag, expectation, finding", async () => {
    const { code, stderr } = await run(["solve", ...WAVE, "--budget", "-1"]);
    expect(code).toBe(ExitCode.badInput);
    expect(stderr).toBe('adl: --budget: expected a finite number >= 0; found "-1"\n');
    expect((await run(["run", "experiments/trilemma.yaml", "--shard", "3/2"])).stderr).toMatch(/^adl: --shard: expected i\/n with whole numbers/);
  });

  it("a flag without its value, a missing required flag, a choice not offered, an unknown command", async () => {
    const missingValue = await run(["solve", ...WAVE, "--budget"]);
    expect([missingValue.code, missingValue.stderr]).toEqual([ExitCode.badInput, expect.stringMatching(/^error: Not enough arguments following: budget/)]);
    const missingFlag = await run(["validate", ...WAVE, "--budget", "1"]);
    expect([missingFlag.code, missingFlag.stderr]).toEqual([ExitCode.badInput, expect.stringMatching(/^error: Missing required argument: allocation/)]);
    const choice = await run(["solve", ...WAVE, "--budget", "1", "--solver", "cplex"]);
    expect([choice.code, choice.stderr]).toEqual([ExitCode.badInput, expect.stringMatching(/^error: Invalid values:\n\s+Argument: solver, Given: "cplex", Choices: "auto", "highs"/)]);
    const typo = await run(["sovle"]);
    expect([typo.code, typo.stderr]).toEqual([ExitCode.badInput, expect.stringMatching(/^error: unknown command "sovle". Did you mean solve\?/)]);
    const none = await run([]);
    expect([none.code, none.stderr]).toEqual([ExitCode.badInput, expect.stringMatching(/^error: a command \(see adl --help\)/)]);
  });

  it("a flag given twice keeps the last value, as before", async () => {
    const { code, stdout } = await run(["solve", ...WAVE, "--budget", "100", "--budget", "2.5", "--json"]);
    expect(code).toBe(ExitCode.ok);
    expect(JSON.parse(stdout)).toMatchObject({ budget: 2.5, status: "optimal" });
  });
});

describe("adl heuristics and shell completion", () => {
  it("`adl heuristics --json` is the registry's names and forms", async () => {
    const { code, stdout } = await run(["heuristics", "--json"]);
    expect(code).toBe(ExitCode.ok);
    const listed = JSON.parse(stdout) as { names: string[]; forms: string[] };
    expect(listed.names).toEqual(heuristicNames());
    expect(listed.forms).toContain("ladder(<inner>)");
  });

  it("`adl completion` prints a bash script, and the script's query completes commands and flags", async () => {
    const script = await adl(["completion"]);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain("###-begin-adl-completions-###");
    expect(script.stdout).toContain("--get-yargs-completions");
    const commands = await adl(["--get-yargs-completions", "adl", ""]);
    expect(commands.stdout.split("\n")).toEqual(expect.arrayContaining(["solve", "compare", "completion"]));
    const flags = await adl(["--get-yargs-completions", "adl", "solve", "--"]);
    expect(flags.stdout.split("\n")).toEqual(expect.arrayContaining(["--accounts", "--money-unit", "--solver"]));
  });
});
