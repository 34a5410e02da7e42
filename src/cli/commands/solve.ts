/** `adl solve MODEL --accounts FILE (--deficit D | --budget B)`: one wave, solved and verified. */
import type { Argv } from "yargs";
import { ExitCode } from "../../errors.js";
import type { SolvePath } from "../../pipeline/solve/solve.js";
import type { Wave } from "../../domain.js";
import { nonNegative, numberOption, positive, solverOption, usage, waveFiles, withModel, withWaveOptions, type Command } from "../options.js";

const DESCRIPTION = "solve one wave under a model file; every answer is checked by the independent verifier";

function builder(yargs: Argv) {
  return withWaveOptions(withModel(yargs.usage(usage("solve <model> [options]", DESCRIPTION))))
    .option("solver", solverOption())
    .option("time-limit", numberOption("wall-clock limit for the whole solve, seconds", positive("--time-limit")))
    .option("gap", numberOption("relative MIP gap accepted as optimal (default 0: proven)", nonNegative("--gap")))
    .option("path", { describe: "dedicated exact algorithm or general MIP", choices: ["auto", "dedicated", "mip"] as SolvePath[], default: "auto" as SolvePath, requiresArg: true })
    .option("money-unit", numberOption("round haircuts to whole units of U dollars (e.g. 0.01), keeping coverage and caps exactly", positive("--money-unit")))
    .option("json", { describe: "print one JSON object on stdout", type: "boolean" });
}

/** Exit 0 for a verified answer, 3 for an infeasible wave (with its certificate), 1 when the verifier rejects. */
export const solveCommand: Command<typeof builder> = ({ out, drain, setExit }) => ({
  command: "solve <model>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const [{ loadWaveFromFiles }, { solveWave }, { toAnswer }, { renderAnswer }] = await Promise.all([
      import("../../pipeline/solve/inputs.js"),
      import("../../pipeline/solve/solve.js"),
      import("../../pipeline/solve/answer.js"),
      import("../render.js"),
    ]);
    // A solve reads the bound arrays (capacity, bounds, weights, lots), never the raw columns: those
    // are for heuristics' scores and metrics (compare, run), and a MIP's warm start ranks by capacity
    // alone. Kept, the unused ones were 8 MB each at 10^6 accounts (lots-minmax peaked at the 400 MiB line).
    const wave = withoutRawColumns(loadWaveFromFiles(waveFiles(argv.model, argv)));
    const result = await solveWave(wave, {
      backend: argv.solver,
      path: argv.path,
      ...(argv.timeLimit !== undefined ? { timeLimitSeconds: argv.timeLimit } : {}),
      ...(argv.gap !== undefined ? { mipRelativeGap: argv.gap } : {}),
      ...(argv.moneyUnit !== undefined ? { moneyUnit: argv.moneyUnit } : {}),
    });
    const answer = toAnswer(wave, result);
    if (argv.json) await (await import("../json-stream.js")).writeJson(answer, out, drain, "\n");
    else out(renderAnswer(wave, answer));
    setExit(answer.status === "infeasible" ? ExitCode.infeasible : answer.status === "error" || (answer.verified && !answer.verified.ok) ? ExitCode.violation : ExitCode.ok);
  },
});

/** The wave with only the capacity among its raw columns (see the solve handler). O(1). */
function withoutRawColumns(wave: Wave): Wave {
  return { ...wave, columns: new Map([["capacity", wave.capacity]]) };
}
