import { writeFileSync } from "node:fs";
import { Argument, Command, CommanderError, Option } from "commander";
import { ExitCode, SolverError, UsageError, WorkbenchError } from "../errors.js";
import { loadWaveFromFiles, type WaveFiles } from "../solve/inputs.js";
import { exportWave } from "../solve/export.js";
import { solveWave, type SolvePath } from "../solve/solve.js";
import { toAnswer } from "../solve/answer.js";
import { closeBackends } from "../solvers/robust.js";
import { backendNames, type BackendName } from "../solvers/backend.js";
import { renderAnswer } from "./render.js";
import { tour } from "./tour.js";
import { registerRunCommands } from "./run.js";
import { compareWave } from "../compare/compare.js";
import { readAllocationCsv, validateAllocation } from "../compare/validate.js";
import { renderComparison, renderValidation } from "./render-compare.js";
import { resolveHeuristics } from "./heuristic-list.js";
import {
  accountIndexOf,
  exposureCurve,
  exposureFamily,
  exposureJson,
  exposureSummaries,
  parseBudgetRange,
  renderExposure,
  writeExposureCsv,
  type ExposureMechanism,
} from "../exposure/index.js";
import type { CapacityLaw } from "../scenarios/population.js";
import { writeGeneratedCsv } from "../scenarios/csv.js";

/** Beyond this a population would stream for hours and fill the disk (10^6 rows are 164 MB). */
const MAX_GENERATED_ACCOUNTS = 1e8;

/** Parses a non-negative finite number given on the command line. */
function nonNegative(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
      throw new UsageError({ path: flag }, "a finite number >= 0", JSON.stringify(text));
    }
    return value;
  };
}

function positive(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
      throw new UsageError({ path: flag }, "a finite number > 0", JSON.stringify(text));
    }
    return value;
  };
}

interface WaveOptions {
  accounts: string;
  positions?: string;
  map?: string;
  column?: string[];
  deficit?: number;
  budget?: number;
}

function waveFiles(model: string, options: WaveOptions): WaveFiles {
  if (options.deficit !== undefined && options.budget !== undefined) {
    throw new UsageError({ path: "--deficit/--budget" }, "one of --deficit or --budget", "both");
  }
  return {
    model,
    accounts: options.accounts,
    ...(options.positions ? { positions: options.positions } : {}),
    ...mappingFlags(options),
    ...(options.deficit !== undefined ? { deficit: options.deficit } : {}),
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
  };
}

/** --map and --column as WaveFiles fields. */
function mappingFlags(options: { map?: string; column?: string[] }): Pick<WaveFiles, "map" | "columns"> {
  return { ...(options.map !== undefined ? { map: options.map } : {}), ...(options.column && options.column.length > 0 ? { columns: options.column } : {}) };
}

/** --map FILE and repeatable --column TARGET=SOURCE: load exchange exports as they are. */
function addMappingOptions(command: Command): Command {
  return command
    .option("--map <file>", "column mapping file (YAML): accounts renames, derive, scale, keep, positions renames")
    .option("--column <TARGET=SOURCE>", "take column TARGET from the file's column SOURCE (repeatable)", (value: string, previous: string[] = []) => [...previous, value]);
}

function addWaveOptions(command: Command): Command {
  return addMappingOptions(command)
    .requiredOption("--accounts <file>", "accounts CSV or JSON")
    .option("--positions <file>", "positions CSV or JSON (several lot-bearing positions per account)")
    .option("--deficit <D>", "realized deficit; budget B = D * (1 + margin)", nonNegative("--deficit"))
    .option("--budget <B>", "budget B directly", nonNegative("--budget"));
}

export function buildProgram(out: (text: string) => void, setExit: (code: number) => void): Command {
  const program = new Command("adl")
    .description("ADL workbench: solve, verify and compare auto-deleveraging allocations")
    .showHelpAfterError()
    .exitOverride();

  addWaveOptions(
    program
      .command("solve")
      .description("solve one wave under a model file; every answer is checked by the independent verifier")
      .argument("<model>", "model file (YAML or JSON)"),
  )
    .addOption(new Option("--solver <name>", "backend").choices([...backendNames]).default("highs"))
    .option("--time-limit <seconds>", "wall-clock limit for the whole solve", positive("--time-limit"))
    .option("--gap <G>", "relative MIP gap accepted as optimal (default 0: proven)", nonNegative("--gap"))
    .addOption(new Option("--path <path>", "dedicated exact algorithm or general MIP").choices(["auto", "dedicated", "mip"]).default("auto"))
    .option("--json", "print one JSON object on stdout")
    .action(async (model: string, options: WaveOptions & { solver: BackendName; timeLimit?: number; gap?: number; path: SolvePath; json?: boolean }) => {
      const wave = loadWaveFromFiles(waveFiles(model, options));
      const result = await solveWave(wave, {
        backend: options.solver,
        path: options.path,
        ...(options.timeLimit !== undefined ? { timeLimitSeconds: options.timeLimit } : {}),
        ...(options.gap !== undefined ? { mipRelativeGap: options.gap } : {}),
      });
      const answer = toAnswer(wave, result);
      out(options.json ? JSON.stringify(answer) + "\n" : renderAnswer(wave, answer));
      setExit(
        answer.status === "infeasible" ? ExitCode.infeasible : answer.status === "error" || (answer.verified && !answer.verified.ok) ? ExitCode.violation : ExitCode.ok,
      );
    });

  addWaveOptions(
    program
      .command("export")
      .description("write the wave's LP/MIP in CPLEX LP or free MPS format for an outside solver")
      .argument("<model>", "model file (YAML or JSON)"),
  )
    .addOption(new Option("--format <format>", "file format").choices(["lp", "mps"]).makeOptionMandatory())
    .option("--stage <k>", "lexicographic stage to export (1-based); earlier stages are solved and fixed first", positive("--stage"))
    .addOption(new Option("--solver <name>", "backend that solves the earlier stages").choices([...backendNames]).default("highs"))
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (model: string, options: WaveOptions & { format: "lp" | "mps"; stage?: number; solver: BackendName; out?: string }) => {
      const wave = loadWaveFromFiles(waveFiles(model, options));
      const text = await exportWave(wave, { format: options.format, stage: options.stage ?? 1, backend: options.solver });
      if (options.out) writeFileSync(options.out, text);
      else out(text);
    });

  addWaveOptions(
    program
      .command("compare")
      .description("the exact optimum and each heuristic on the same wave: metrics, objectives, gaps, verdicts")
      .argument("<model>", "model file (YAML or JSON)"),
  )
    .option("--heuristics <list>", "comma-separated heuristic names, user modules (.ts/.js), or all", "all")
    .addOption(new Option("--solver <name>", "backend").choices([...backendNames]).default("highs"))
    .option("--time-limit <seconds>", "wall-clock limit for the exact solve", positive("--time-limit"))
    .option("--seed <S>", "seed for randomized heuristics (e.g. walk:dydx)", nonNegative("--seed"), 1)
    .option("--json", "print one JSON object on stdout")
    .action(async (model: string, options: WaveOptions & { heuristics: string; solver: BackendName; timeLimit?: number; seed: number; json?: boolean }) => {
      const wave = loadWaveFromFiles(waveFiles(model, options));
      const heuristics = await resolveHeuristics(options.heuristics);
      const comparison = await compareWave(wave, heuristics, { backend: options.solver, ...(options.timeLimit !== undefined ? { timeLimitSeconds: options.timeLimit } : {}) }, options.seed);
      if (options.json) {
        out(JSON.stringify({
          budget: wave.budget,
          stages: comparison.stageNames,
          certificate: comparison.optimum.certificate,
          rows: comparison.rows.map(({ allocation: _allocation, ...row }) => row),
        }) + "\n");
      } else out(renderComparison(comparison));
      setExit(comparison.optimum.status === "infeasible" ? ExitCode.infeasible : ExitCode.ok);
    });

  addWaveOptions(
    program
      .command("validate")
      .description("check a production allocation against every constraint of the model and the optimum; exit 1 on a violation or a gap above --max-gap")
      .argument("<model>", "model file (YAML or JSON)"),
  )
    .requiredOption("--allocation <file>", "CSV with id and haircut and/or lots (and optionally one column per seniority layer)")
    .option("--max-gap <G>", "largest accepted relative gap to the optimum, per stage (e.g. 0.05)", nonNegative("--max-gap"))
    .addOption(new Option("--solver <name>", "backend").choices([...backendNames]).default("highs"))
    .option("--json", "print one JSON object on stdout")
    .action(async (model: string, options: WaveOptions & { allocation: string; maxGap?: number; solver: BackendName; json?: boolean }) => {
      const wave = loadWaveFromFiles(waveFiles(model, options));
      const allocation = readAllocationCsv(options.allocation, wave);
      const validation = await validateAllocation(wave, allocation, options.maxGap ?? Infinity, { backend: options.solver });
      if (options.json) {
        out(JSON.stringify({
          pass: validation.pass,
          violations: validation.verdict.violations,
          tolerance: validation.verdict.tolerance,
          gaps: validation.gaps,
          optimum: { status: validation.optimum.status, path: validation.optimum.path },
        }) + "\n");
      } else out(renderValidation(validation));
      setExit(validation.pass ? ExitCode.ok : ExitCode.violation);
    });

  addMappingOptions(program
    .command("exposure"))
    .description("an account's haircut as a function of the budget (worst case, first touched, steepest slope, jumps)")
    .argument("<model>", "model file (YAML or JSON)")
    .requiredOption("--accounts <file>", "accounts CSV or JSON")
    .option("--positions <file>", "positions CSV or JSON")
    .option("--account <id>", "the account (or --all)")
    .option("--all", "every account (compact: shared breakpoints where the structure gives them)")
    .option("--heuristic <name>", "a heuristic instead of the model's optimum")
    .option("--seed <S>", "seed for randomized heuristics", nonNegative("--seed"), 1)
    .option("--budgets <FROM:TO:STEPS>", "budget range to sample (default 0 to everything the mechanism can take)")
    .option("--csv <file>", "write budget,account,haircut,fraction rows for charts")
    .option("--json", "print one JSON object on stdout")
    .action(async (model: string, options: { accounts: string; positions?: string; map?: string; column?: string[]; account?: string; all?: boolean; heuristic?: string; seed: number; budgets?: string; csv?: string; json?: boolean }) => {
      if (!options.account === !options.all) throw new UsageError({ path: "--account/--all" }, "exactly one of --account ID or --all", options.account ? "both" : "neither");
      const wave = loadWaveFromFiles({ model, accounts: options.accounts, ...(options.positions ? { positions: options.positions } : {}), ...mappingFlags(options), budget: 0 });
      const mechanism: ExposureMechanism = options.heuristic
        ? { kind: "heuristic", heuristic: (await resolveHeuristics(options.heuristic))[0]!, seed: options.seed }
        : { kind: "model" };
      const exposureOptions = options.budgets ? { budgets: parseBudgetRange(options.budgets) } : {};
      const source = options.all
        ? await exposureFamily(wave, mechanism, exposureOptions)
        : await exposureCurve(wave, accountIndexOf(wave, options.account!), mechanism, exposureOptions);
      if (options.csv) writeExposureCsv(options.csv, source);
      if (options.json) out(JSON.stringify(exposureJson(source)) + "\n");
      else if ("points" in source) out(renderExposure(source).replace(/\n?$/, "\n"));
      else out(exposureSummaries(source).map((row) => JSON.stringify(row)).join("\n") + "\n");
    });

  program
    .command("generate")
    .description("write a seeded heavy-tailed account population as CSV (streamed; optionally a positions table)")
    .addArgument(new Argument("<kind>", "capacity law").choices(["pareto", "lognormal"]))
    .requiredOption("--n <N>", "number of accounts", positive("--n"))
    .requiredOption("--seed <S>", "seed (integer)", nonNegative("--seed"))
    .option("--out <file>", "write to a file instead of stdout")
    .option("--positions <file>", "also write a positions table: each account holds 1..M positions in M markets")
    .option("--markets <M>", "markets for --positions (default 3)", positive("--markets"))
    .action((kind: CapacityLaw, options: { n: number; seed: number; out?: string; positions?: string; markets?: number }) => {
      if (!Number.isInteger(options.n) || options.n > MAX_GENERATED_ACCOUNTS) {
        throw new UsageError({ path: "--n" }, `a whole number of accounts from 1 to ${MAX_GENERATED_ACCOUNTS.toExponential(0).replace("e+", "e")}`, String(options.n));
      }
      if (!Number.isInteger(options.seed)) throw new UsageError({ path: "--seed" }, "an integer seed", String(options.seed));
      if (options.markets !== undefined && !Number.isInteger(options.markets)) throw new UsageError({ path: "--markets" }, "a whole number of markets >= 1", String(options.markets));
      if (options.markets !== undefined && options.positions === undefined) throw new UsageError({ path: "--markets" }, "--markets together with --positions FILE", "no --positions");
      writeGeneratedCsv(
        { n: options.n, seed: options.seed, law: kind },
        { accounts: options.out ?? process.stdout.fd, ...(options.positions !== undefined ? { positions: { target: options.positions, markets: options.markets ?? 3 } } : {}) },
      );
    });

  registerRunCommands(program, out, setExit);

  program
    .command("rounds")
    .description("repeated ADL: score a per-round table against the Proposition 1 bound (Table 2), or run online policies over a multi-round scenario")
    .argument("[table]", "per-round table (CSV): deficit_usd, budget_needed, budget_<p> and max_pct_<p> per policy p")
    .option("--scenario <file>", "a multi-round scenario (YAML): rounds from files or the market simulator, and the policies to run")
    .option("--lambda <L>", "fairness weight lambda (default 1; with --scenario it replaces the scenario's)", nonNegative("--lambda"))
    .option("--reference <policy>", "the table's fairness reference policy (default fixed_point_ilp_integer)")
    .option("--charts <dir>", "also write the charts (SVG) and the numbers behind them into this folder")
    .option("--json", "print one JSON object")
    .action(async (table: string | undefined, options: { scenario?: string; lambda?: number; reference?: string; charts?: string; json?: boolean }) => {
      const { roundsCommand } = await import("./rounds.js");
      setExit(await roundsCommand(table, options, out));
    });

  program
    .command("tour")
    .description("solve every bundled model on the bundled example wave and print one line each")
    .option("--accounts <file>", "accounts file", "examples/wave-200.csv")
    .option("--share <s>", "budget as a share of the eligible capacity", nonNegative("--share"), 0.05)
    .action(async (options: { accounts: string; share: number }) => {
      out(await tour(options.accounts, options.share));
    });

  return program;
}

/** Runs the CLI; returns the exit code. Errors for people are printed without a stack. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(
    (text) => process.stdout.write(text),
    (code) => {
      exitCode = code;
    },
  );
  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch (error) {
    exitCode = reportError(error);
  } finally {
    await closeBackends();
  }
  return exitCode;
}

function reportError(error: unknown): number {
  // The reader of our stdout went away (`adl generate … | head`): nothing left to say to anyone.
  if ((error as NodeJS.ErrnoException | undefined)?.code === "EPIPE") return ExitCode.ok;
  if (error instanceof CommanderError) {
    // Commander already printed its message (help, unknown option, missing argument).
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
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
