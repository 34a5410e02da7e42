/** `adl validate MODEL --allocation FILE`: a production allocation against the model and the optimum. */
import type { Argv } from "yargs";
import { ExitCode } from "../../errors.js";
import { nonNegative, numberOption, positive, solverOption, stringOption, usage, waveFiles, withModel, withWaveOptions, type Command } from "../options.js";

const DESCRIPTION = "check a production allocation against every constraint of the model and the proven optimum; exit 1 on a violation or a gap above --max-gap, 5 when something could not be decided";

function builder(yargs: Argv) {
  return withWaveOptions(withModel(yargs.usage(usage("validate <model> --allocation FILE [options]", DESCRIPTION))))
    .option("allocation", { ...stringOption("CSV with id and haircut and/or lots (and any of the seniority layer columns)", "--allocation"), demandOption: true })
    .option("max-gap", numberOption("largest accepted relative gap to the optimum, per stage (e.g. 0.05)", nonNegative("--max-gap")))
    .option("solver", solverOption())
    .option("time-limit", numberOption("wall-clock limit for each solve of the wave, seconds", positive("--time-limit")))
    .option("json", { describe: "print one JSON object on stdout", type: "boolean" });
}

/** Exit 0 on a pass, 1 on a violation or a gap above --max-gap, 5 when something could not be decided. */
export const validateCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "validate <model>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const [{ loadWaveFromFiles }, { readAllocationCsv, validateAllocation, validationJson }, { renderValidation }] = await Promise.all([
      import("../../pipeline/solve/inputs.js"),
      import("../../tools/compare/validate.js"),
      import("../render-compare.js"),
    ]);
    const wave = loadWaveFromFiles(waveFiles(argv.model, argv));
    const allocation = readAllocationCsv(argv.allocation, wave);
    const validation = await validateAllocation(wave, allocation, argv.maxGap ?? Infinity, {
      backend: argv.solver,
      ...(argv.timeLimit !== undefined ? { timeLimitSeconds: argv.timeLimit } : {}),
    });
    out(argv.json ? JSON.stringify(validationJson(validation, allocation)) + "\n" : renderValidation(validation, 50, allocation));
    setExit(validation.outcome === "pass" ? ExitCode.ok : validation.outcome === "fail" ? ExitCode.violation : ExitCode.undecided);
  },
});
