import { writeFileSync } from "node:fs";
import { Argument, Command, CommanderError, Option } from "commander";
import { ExitCode, SolverError, UsageError, WorkbenchError } from "../errors.js";
import type { WaveFiles } from "../solve/inputs.js";
import type { SolvePath } from "../solve/solve.js";
import { backendChoices } from "../solvers/registry.js";
import type { BackendName } from "../solvers/backend.js";
import { registerRunCommands } from "./run.js";
import type { CapacityLaw } from "../scenarios/population.js";

// Each command imports what it needs when it runs (`await import(...)` in its action): `adl --help`
// loads commander and nothing heavy, and `adl solve` never loads the report's Vega or the runner's pool.

/** Set once a command that may start solver workers has begun; main then closes them. */
let solversMayRun = false;

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
  strictIds?: boolean;
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
    ...(options.strictIds ? { strictIds: true } : {}),
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
    .option("--column <TARGET=SOURCE>", "take column TARGET from the file's column SOURCE (repeatable)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--strict-ids", "ids that differ only by case, surrounding spaces or Unicode normalization are an error (default: a warning)");
}

function addWaveOptions(command: Command): Command {
  return addMappingOptions(command)
    .requiredOption("--accounts <file>", "accounts CSV or JSON")
    .option("--positions <file>", "positions CSV or JSON (several lot-bearing positions per account)")
    .option("--deficit <D>", "realized deficit; budget B = D * (1 + margin)", nonNegative("--deficit"))
    .option("--budget <B>", "budget B directly", nonNegative("--budget"));
}

/**
 * The `adl` program. `out` writes to stdout (returning false when the reader is behind, as
 * stream.write does) and `drain` waits until it has caught up: `--json` answers are streamed in
 * chunks through them (src/cli/json-stream.ts), never built as one string.
 */
export function buildProgram(out: (text: string) => boolean | void, setExit: (code: number) => void, drain: () => Promise<void> = async () => {}): Command {
  const program = new Command("adl")
    .description("ADL workbench: solve, verify and compare auto-deleveraging allocations")
    .showHelpAfterError()
    .exitOverride()
    .hook("preAction", (_program, command) => {
      if (command.name() !== "generate") solversMayRun = true;
    });

  addWaveOptions(
    program
      .command("solve")
      .description("solve one wave under a model file; every answer is checked by the independent verifier")
      .argument("<model>", "model file (YAML or JSON)"),
  )
    .addOption(new Option("--solver <name>", "backend").choices([...backendChoices]).default("auto"))
    .option("--time-limit <seconds>", "wall-clock limit for the whole solve", positive("--time-limit"))
    .option("--gap <G>", "relative MIP gap accepted as optimal (default 0: proven)", nonNegative("--gap"))
    .addOption(new Option("--path <path>", "dedicated exact algorithm or general MIP").choices(["auto", "dedicated", "mip"]).default("auto"))
    .option("--money-unit <U>", "round haircuts to whole units of U dollars (e.g. 0.01), keeping coverage and caps exactly", positive("--money-unit"))
    .option("--json", "print one JSON object on stdout")
    .action(async (model: string, options: WaveOptions & { solver: BackendName; timeLimit?: number; gap?: number; path: SolvePath; json?: boolean; moneyUnit?: number }) => {
      const [{ loadWaveFromFiles }, { solveWave }, { toAnswer }, { renderAnswer }] = await Promise.all([
        import("../solve/inputs.js"),
        import("../solve/solve.js"),
        import("../solve/answer.js"),
        import("./render.js"),
      ]);
      const wave = loadWaveFromFiles(waveFiles(model, options));
      const result = await solveWave(wave, {
        backend: options.solver,
        path: options.path,
        ...(options.timeLimit !== undefined ? { timeLimitSeconds: options.timeLimit } : {}),
        ...(options.gap !== undefined ? { mipRelativeGap: options.gap } : {}),
        ...(options.moneyUnit !== undefined ? { moneyUnit: options.moneyUnit } : {}),
      });
      const answer = toAnswer(wave, result);
      if (options.json) await (await import("./json-stream.js")).writeJson(answer, out, drain, "\n");
      else out(renderAnswer(wave, answer));
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
    .addOption(new Option("--solver <name>", "backend that solves the earlier stages").choices([...backendChoices]).default("auto"))
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (model: string, options: WaveOptions & { format: "lp" | "mps"; stage?: number; solver: BackendName; out?: string }) => {
      const [{ loadWaveFromFiles }, { exportWave }] = await Promise.all([import("../solve/inputs.js"), import("../solve/export.js")]);
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
    .addOption(new Option("--solver <name>", "backend").choices([...backendChoices]).default("auto"))
    .option("--time-limit <seconds>", "wall-clock limit for the exact solve", positive("--time-limit"))
    .option("--seed <S>", "seed for randomized heuristics (e.g. walk:dydx)", nonNegative("--seed"), 1)
    .option("--allocations <dir>", "also write each mechanism's allocation as CSV (id,haircut[,lots][,layers]) into DIR, with index.csv")
    .option("--json", "print one JSON object on stdout")
    .action(async (model: string, options: WaveOptions & { heuristics: string; solver: BackendName; timeLimit?: number; seed: number; json?: boolean }) => {
      const [{ loadWaveFromFiles }, { resolveHeuristics }, { compareWave }, { renderComparison }] = await Promise.all([
        import("../solve/inputs.js"),
        import("./heuristic-list.js"),
        import("../compare/compare.js"),
        import("./render-compare.js"),
      ]);
      const wave = loadWaveFromFiles(waveFiles(model, options));
      const heuristics = await resolveHeuristics(options.heuristics);
      const comparison = await compareWave(wave, heuristics, { backend: options.solver, ...(options.timeLimit !== undefined ? { timeLimitSeconds: options.timeLimit } : {}) }, options.seed);
      const allocations = (options as { allocations?: string }).allocations;
      if (allocations !== undefined) {
        const { writeComparisonAllocations } = await import("./allocate.js");
        const files = await writeComparisonAllocations(allocations, wave, comparison.rows);
        process.stderr.write(`allocations: ${files.length} CSV files and index.csv in ${allocations}\n`);
      }
      if (options.json) {
        const { writeJson } = await import("./json-stream.js");
        const rows = comparison.rows.map(({ allocation: _allocation, ...row }) => row);
        await writeJson({ budget: wave.budget, stages: comparison.stageNames, certificate: comparison.optimum.certificate, rows }, out, drain, "\n");
      } else out(renderComparison(comparison));
      setExit(comparison.optimum.status === "infeasible" ? ExitCode.infeasible : ExitCode.ok);
    });

  addWaveOptions(
    program
      .command("validate")
      .description("check a production allocation against every constraint of the model and the proven optimum; exit 1 on a violation or a gap above --max-gap, 5 when something could not be decided")
      .argument("<model>", "model file (YAML or JSON)"),
  )
    .requiredOption("--allocation <file>", "CSV with id and haircut and/or lots (and any of the seniority layer columns)")
    .option("--max-gap <G>", "largest accepted relative gap to the optimum, per stage (e.g. 0.05)", nonNegative("--max-gap"))
    .addOption(new Option("--solver <name>", "backend").choices([...backendChoices]).default("auto"))
    .option("--time-limit <seconds>", "wall-clock limit for each solve of the wave", positive("--time-limit"))
    .option("--json", "print one JSON object on stdout")
    .action(async (model: string, options: WaveOptions & { allocation: string; maxGap?: number; solver: BackendName; timeLimit?: number; json?: boolean }) => {
      const [{ loadWaveFromFiles }, { readAllocationCsv, validateAllocation, validationJson }, { renderValidation }] = await Promise.all([
        import("../solve/inputs.js"),
        import("../compare/validate.js"),
        import("./render-compare.js"),
      ]);
      const wave = loadWaveFromFiles(waveFiles(model, options));
      const allocation = readAllocationCsv(options.allocation, wave);
      const validation = await validateAllocation(wave, allocation, options.maxGap ?? Infinity, {
        backend: options.solver,
        ...(options.timeLimit !== undefined ? { timeLimitSeconds: options.timeLimit } : {}),
      });
      out(options.json ? JSON.stringify(validationJson(validation, allocation)) + "\n" : renderValidation(validation, 50, allocation));
      setExit(validation.outcome === "pass" ? ExitCode.ok : validation.outcome === "fail" ? ExitCode.violation : ExitCode.undecided);
    });

  addWaveOptions(
    program
      .command("allocate")
      .description("one mechanism's verified allocation of a wave as CSV (id,haircut[,lots][,layers]) that adl validate reads back")
      .argument("<mechanism>", "model file (solved exactly) or heuristic name / user module"),
  )
    .option("--model <file>", "for a heuristic: the model whose budget, eligibility and ladder bind the wave (default: caps and coverage)")
    .option("--seed <S>", "seed for randomized heuristics", nonNegative("--seed"), 1)
    .addOption(new Option("--solver <name>", "backend").choices([...backendChoices]).default("auto"))
    .option("--time-limit <seconds>", "wall-clock limit for a model's solve", positive("--time-limit"))
    .option("--out <file>", "write the CSV to a file (default stdout; the summary then goes to stderr)")
    .option("--json", "print the summary as one JSON object")
    .action(async (mechanism: string, options: WaveOptions & { model?: string; seed: number; solver: BackendName; timeLimit?: number; out?: string; json?: boolean }) => {
      const { allocateCommand } = await import("./allocate.js");
      setExit(await allocateCommand(mechanism, options, out));
    });

  addMappingOptions(program.command("map"))
    .description("write an exchange export as the accounts CSV the workbench reads, through a column mapping")
    .requiredOption("--accounts <file>", "accounts CSV or JSON (the export)")
    .option("--layers <list>", "seniority layer columns, junior first, whose sum is capacity when there is no capacity column")
    .option("--positions <file>", "a positions file to map too (the mapping's positions section)")
    .option("--positions-out <file>", "where the mapped positions go")
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (options: { accounts: string; map?: string; column?: string[]; layers?: string; positions?: string; positionsOut?: string; out?: string }) => {
      const { mapCommand } = await import("./map.js");
      setExit(await mapCommand(options, out, (text) => process.stderr.write(text)));
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
    .action(async (model: string, options: { accounts: string; positions?: string; map?: string; column?: string[]; strictIds?: boolean; account?: string; all?: boolean; heuristic?: string; seed: number; budgets?: string; csv?: string; json?: boolean }) => {
      if (!options.account === !options.all) throw new UsageError({ path: "--account/--all" }, "exactly one of --account ID or --all", options.account ? "both" : "neither");
      const [{ loadWaveFromFiles }, { resolveHeuristics }, exposure, { exactMechanism, heuristicMechanism }] = await Promise.all([
        import("../solve/inputs.js"),
        import("./heuristic-list.js"),
        import("../exposure/index.js"),
        import("../mechanism/mechanism.js"),
      ]);
      const { accountIndexOf, exposureCurve, exposureFamily, exposureJson, exposureSummaries, parseBudgetRange, renderExposure, writeExposureCsv } = exposure;
      const wave = loadWaveFromFiles({ model, accounts: options.accounts, ...(options.positions ? { positions: options.positions } : {}), ...mappingFlags(options), ...(options.strictIds ? { strictIds: true } : {}), budget: 0 });
      const mechanism = options.heuristic ? heuristicMechanism((await resolveHeuristics(options.heuristic))[0]!) : exactMechanism();
      const exposureOptions = { seed: options.seed, ...(options.budgets ? { budgets: parseBudgetRange(options.budgets) } : {}) };
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
    .action(async (kind: CapacityLaw, options: { n: number; seed: number; out?: string; positions?: string; markets?: number }) => {
      if (!Number.isInteger(options.n) || options.n > MAX_GENERATED_ACCOUNTS) {
        throw new UsageError({ path: "--n" }, `a whole number of accounts from 1 to ${MAX_GENERATED_ACCOUNTS.toExponential(0).replace("e+", "e")}`, String(options.n));
      }
      if (!Number.isInteger(options.seed)) throw new UsageError({ path: "--seed" }, "an integer seed", String(options.seed));
      if (options.markets !== undefined && !Number.isInteger(options.markets)) throw new UsageError({ path: "--markets" }, "a whole number of markets >= 1", String(options.markets));
      if (options.markets !== undefined && options.positions === undefined) throw new UsageError({ path: "--markets" }, "--markets together with --positions FILE", "no --positions");
      const { writeGeneratedCsv } = await import("../scenarios/csv.js");
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
      const { tour } = await import("./tour.js");
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
    () => new Promise<void>((resolve) => process.stdout.once("drain", resolve)),
  );
  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch (error) {
    exitCode = reportError(error);
  } finally {
    if (solversMayRun) await (await import("../solvers/robust.js")).closeBackends();
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
