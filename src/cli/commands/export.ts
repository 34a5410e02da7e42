/** `adl export MODEL --format lp|mps`: the wave's LP/MIP for an outside solver. */
import { writeFileSync } from "node:fs";
import type { Argv } from "yargs";
import { positive, numberOption, solverOption, stringOption, usage, waveFiles, withModel, withWaveOptions, type Command } from "../options.js";

const DESCRIPTION = "write the wave's LP/MIP in CPLEX LP or free MPS format for an outside solver";

function builder(yargs: Argv) {
  return withWaveOptions(withModel(yargs.usage(usage("export <model> --format lp|mps [options]", DESCRIPTION))))
    .option("format", { describe: "file format", choices: ["lp", "mps"] as ("lp" | "mps")[], demandOption: true, requiresArg: true })
    .option("stage", numberOption("lexicographic stage to export (1-based); earlier stages are solved and fixed first", positive("--stage")))
    .option("solver", solverOption("backend that solves the earlier stages"))
    .option("out", stringOption("write to a file instead of stdout", "--out"));
}

/** Writes the LP/MPS text to stdout or --out; earlier lexicographic stages are solved and fixed first. */
export const exportCommand: Command<typeof builder> = ({ out }) => ({
  command: "export <model>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const [{ loadWaveFromFiles }, { exportWave }] = await Promise.all([import("../../pipeline/solve/inputs.js"), import("../../pipeline/solve/export.js")]);
    const wave = loadWaveFromFiles(waveFiles(argv.model, argv));
    const text = await exportWave(wave, { format: argv.format, stage: argv.stage ?? 1, backend: argv.solver });
    if (argv.out) writeFileSync(argv.out, text);
    else out(text);
  },
});
