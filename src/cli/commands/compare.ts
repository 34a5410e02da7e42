/** `adl compare MODEL`: the exact optimum and each heuristic on the same wave. */
import type { Argv } from "yargs";
import { ExitCode } from "../../errors.js";
import { nonNegative, numberOption, positive, solverOption, stringOption, usage, waveFiles, withModel, withWaveOptions, type Command } from "../options.js";

const DESCRIPTION = "the exact optimum and each heuristic on the same wave: metrics, objectives, gaps, verdicts";

function builder(yargs: Argv) {
  return withWaveOptions(withModel(yargs.usage(usage("compare <model> [options]", DESCRIPTION))))
    .option("heuristics", { ...stringOption("comma-separated heuristic names, user modules (.ts/.js), or all (see adl heuristics)", "--heuristics"), default: "all" })
    .option("solver", solverOption())
    .option("time-limit", numberOption("wall-clock limit for the exact solve, seconds", positive("--time-limit")))
    .option("seed", { ...numberOption("seed for randomized heuristics (e.g. walk:dydx)", nonNegative("--seed")), default: 1 })
    .option("allocations", stringOption("also write each mechanism's allocation as CSV (id,haircut[,lots][,layers]) into DIR, with index.csv", "--allocations"))
    .option("json", { describe: "print one JSON object on stdout", type: "boolean" });
}

/** Exit 0, or 3 when the wave is infeasible for the exact model. */
export const compareCommand: Command<typeof builder> = ({ out, drain, setExit }) => ({
  command: "compare <model>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const [{ loadWaveFromFiles }, { resolveHeuristics }, { compareWave }, { renderComparison }] = await Promise.all([
      import("../../pipeline/solve/inputs.js"),
      import("../heuristic-list.js"),
      import("../../tools/compare/compare.js"),
      import("../render-compare.js"),
    ]);
    const wave = loadWaveFromFiles(waveFiles(argv.model, argv));
    const heuristics = await resolveHeuristics(argv.heuristics);
    const comparison = await compareWave(wave, heuristics, { backend: argv.solver, ...(argv.timeLimit !== undefined ? { timeLimitSeconds: argv.timeLimit } : {}) }, argv.seed);
    if (argv.allocations !== undefined) {
      const { writeComparisonAllocations } = await import("../allocate.js");
      const files = await writeComparisonAllocations(argv.allocations, wave, comparison.rows);
      process.stderr.write(`allocations: ${files.length} CSV files and index.csv in ${argv.allocations}\n`);
    }
    if (argv.json) {
      const { writeJson } = await import("../json-stream.js");
      const rows = comparison.rows.map(({ allocation: _allocation, ...row }) => row);
      await writeJson({ budget: wave.budget, stages: comparison.stageNames, certificate: comparison.optimum.certificate, rows }, out, drain, "\n");
    } else out(renderComparison(comparison));
    setExit(comparison.optimum.status === "infeasible" ? ExitCode.infeasible : ExitCode.ok);
  },
});
