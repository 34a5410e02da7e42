/** `adl allocate MECHANISM`: one mechanism's verified allocation as CSV that `adl validate` reads back. */
import type { Argv } from "yargs";
import { nonNegative, numberOption, positive, solverOption, stringOption, usage, withWaveOptions, type Command } from "../options.js";

const DESCRIPTION = "one mechanism's verified allocation of a wave as CSV (id,haircut[,lots][,layers]) that adl validate reads back";

function builder(yargs: Argv) {
  return withWaveOptions(
    yargs
      .usage(usage("allocate <mechanism> [options]", DESCRIPTION))
      .positional("mechanism", { describe: "model file (solved exactly) or heuristic name / user module", type: "string", demandOption: true }),
  )
    .option("model", stringOption("for a heuristic: the model whose budget, eligibility and ladder bind the wave (default: caps and coverage)", "--model"))
    .option("seed", { ...numberOption("seed for randomized heuristics", nonNegative("--seed")), default: 1 })
    .option("solver", solverOption())
    .option("time-limit", numberOption("wall-clock limit for a model's solve, seconds", positive("--time-limit")))
    .option("out", stringOption("write the CSV to a file (default stdout; the summary then goes to stderr)", "--out"))
    .option("json", { describe: "print the summary as one JSON object", type: "boolean" });
}

/** Exit 0 with the CSV written, 1 when the verifier rejects it (nothing written), 3 on an infeasible model wave. */
export const allocateCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "allocate <mechanism>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const { allocateCommand: allocate } = await import("../allocate.js");
    setExit(await allocate(argv.mechanism, argv, out));
  },
});
