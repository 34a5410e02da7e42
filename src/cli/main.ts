/**
 * The `adl` program: yargs with one command module per file under src/cli/commands/, strict options
 * (an unknown flag or a missing argument is exit 2 with the command's help), `adl completion` for the
 * shell, and every error printed for people without a stack (src/errors.ts gives the exit codes).
 *
 * Each command imports what it needs inside its handler (`await import(...)`): `adl --help` loads
 * yargs and the command modules and nothing heavy, and `adl solve` never loads the report's Vega or
 * the runner's pool.
 */
import yargs, { type Argv, type CommandModule } from "yargs";
import { ExitCode, SolverError, WorkbenchError } from "../errors.js";
import { allocateCommand } from "./commands/allocate.js";
import { compareCommand } from "./commands/compare.js";
import { exportCommand } from "./commands/export.js";
import { exposureCommand } from "./commands/exposure.js";
import { generateCommand } from "./commands/generate.js";
import { heuristicsCommand } from "./commands/heuristics.js";
import { mapCommand } from "./commands/map.js";
import { mergeCommand } from "./commands/merge.js";
import { reportCommand } from "./commands/report.js";
import { roundsCommand } from "./commands/rounds.js";
import { runCommand } from "./commands/run.js";
import { simulateCommand } from "./commands/simulate.js";
import { solveCommand } from "./commands/solve.js";
import { tourCommand } from "./commands/tour.js";
import { validateCommand } from "./commands/validate.js";
import { flagErrorFor, type CliContext } from "./options.js";

/** The commands in the order `adl --help` lists them. */
const COMMANDS = [
  solveCommand,
  exportCommand,
  compareCommand,
  validateCommand,
  allocateCommand,
  mapCommand,
  exposureCommand,
  generateCommand,
  runCommand,
  mergeCommand,
  reportCommand,
  simulateCommand,
  roundsCommand,
  tourCommand,
  heuristicsCommand,
] as const;

/** Commands that never start a solver worker, so main need not close the backends after them. */
const NO_SOLVERS = new Set(["generate", "heuristics", "completion", "help", "map"]);

/** A usage error found by yargs itself (unknown flag, missing argument, bad choice): exit 2 with the help. */
class CommandLineError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

const DESCRIPTION = "ADL workbench: solve, verify and compare auto-deleveraging allocations";

/**
 * The `adl` parser for one run. `context.out` writes to stdout (returning false when the reader is
 * behind, as stream.write does) and `context.drain` waits until it has caught up: `--json` answers
 * are streamed in chunks through them (src/cli/json-stream.ts), never built as one string.
 * `onCommand` hears the command's name before its handler runs.
 */
export function buildCli(argv: readonly string[], context: CliContext, onCommand: (name: string) => void = () => {}): Argv {
  const cli = yargs([...argv])
    .scriptName("adl")
    .usage(`Usage: adl <command> [options]\n\n${DESCRIPTION}`)
    .parserConfiguration({ "parse-numbers": false, "parse-positional-numbers": false, "strip-dashed": true, "duplicate-arguments-array": true })
    .strict()
    .exitProcess(false)
    .version(false)
    .help("help")
    .alias("h", "help")
    .wrap(Math.min(100, process.stdout.columns || 80))
    .demandCommand(1, "a command (see adl --help)")
    .recommendCommands()
    // A help request runs no handler (yargs prints and stops), so it starts no solver either.
    .middleware((parsed) => onCommand(parsed["help"] === true ? "help" : String(parsed._[0] ?? "")))
    .fail((message, error, parser) => {
      // Our own typed errors (a flag's number parser, a handler) pass through to main's printer.
      if (error) throw error;
      // yargs says only "Did you mean tour?" for `adl foo`; name what was not understood first.
      const first = argv.find((word) => !word.startsWith("-"));
      if (/^Did you mean/.test(message) && first !== undefined) message = `unknown command ${JSON.stringify(first)}. ${message}`;
      let help = "";
      parser.showHelp((text: string) => (help = text));
      throw new CommandLineError(message, help);
    });
  for (const command of COMMANDS) cli.command(command(context) as unknown as CommandModule);
  cli.command({
    command: "help [command]",
    describe: "display help for a command",
    builder: (inner: Argv) => inner.positional("command", { describe: "a command", type: "string" }),
    handler: async (parsed: { command?: string }) => {
      const words = parsed.command ? [parsed.command, "--help"] : ["--help"];
      await parseInto(buildCli(words, context), words, context.out);
    },
  });
  cli.completion("completion", "print a bash/zsh completion script (e.g. adl completion >> ~/.bashrc)");
  return cli;
}

/**
 * Parses `argv` and runs its command. What yargs prints itself (help, completion scripts) goes
 * through `out` like everything else, not to the console: given a callback, yargs hands it over.
 */
export function parseInto(cli: Argv, argv: readonly string[], out: CliContext["out"]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const result = cli.parse([...argv], {}, (error, _parsed, output) => {
      if (output) out(output.endsWith("\n") ? output : `${output}\n`);
      if (error) reject(error);
    });
    Promise.resolve(result).then(() => resolve(), reject);
  });
}

/** Runs the CLI; returns the exit code. Errors for people are printed without a stack. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let solversMayRun = false;
  const context: CliContext = {
    out: (text) => process.stdout.write(text),
    drain: () => new Promise<void>((resolve) => process.stdout.once("drain", resolve)),
    setExit: (code) => {
      exitCode = code;
    },
  };
  try {
    const cli = buildCli(argv, context, (name) => {
      if (!NO_SOLVERS.has(name)) solversMayRun = true;
    });
    await parseInto(cli, argv, context.out);
  } catch (error) {
    exitCode = reportError(error);
  } finally {
    if (solversMayRun) await (await import("../pipeline/backends/robust.js")).closeBackends();
  }
  return exitCode;
}

function reportError(error: unknown): number {
  // The reader of our stdout went away (`adl generate … | head`): nothing left to say to anyone.
  if ((error as NodeJS.ErrnoException | undefined)?.code === "EPIPE") return ExitCode.ok;
  if (error instanceof CommandLineError) {
    process.stderr.write(`error: ${error.message}\n\n${error.help}\n`);
    return ExitCode.badInput;
  }
  // yargs' own error for a flag (a missing value, a flag parser's typed error rewrapped).
  if (error instanceof Error && error.name === "YError") {
    const typed = flagErrorFor(error.message);
    if (typed) return reportError(typed);
    process.stderr.write(`error: ${error.message} (see adl --help)\n`);
    return ExitCode.badInput;
  }
  if (error instanceof WorkbenchError) {
    process.stderr.write(`adl: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof SolverError) {
    process.stderr.write(`adl: ${error.message}\n${error.attempts.map((a) => `  - ${a}`).join("\n")}\n`);
    return error.exitCode;
  }
  process.stderr.write(`adl: internal error (a bug; please report it with the command line):\n${error instanceof Error ? error.stack : String(error)}\n`);
  return ExitCode.internal;
}
