/** `adl exposure MODEL (--account ID | --all)`: an account's haircut as a function of the budget. */
import type { Argv } from "yargs";
import { UsageError } from "../../errors.js";
import { mappingFlags, nonNegative, numberOption, stringOption, usage, withMappingOptions, withModel, type Command } from "../options.js";

const DESCRIPTION = "an account's haircut as a function of the budget (worst case, first touched, steepest slope, jumps)";

function builder(yargs: Argv) {
  return withMappingOptions(withModel(yargs.usage(usage("exposure <model> --accounts FILE (--account ID | --all) [options]", DESCRIPTION))))
    .option("accounts", { ...stringOption("accounts CSV or JSON", "--accounts"), demandOption: true })
    .option("positions", stringOption("positions CSV or JSON", "--positions"))
    .option("account", stringOption("the account (or --all)", "--account"))
    .option("all", { describe: "every account (compact: shared breakpoints where the structure gives them)", type: "boolean" })
    .option("heuristic", stringOption("a heuristic instead of the model's optimum", "--heuristic"))
    .option("seed", { ...numberOption("seed for randomized heuristics", nonNegative("--seed")), default: 1 })
    .option("budgets", stringOption("budget range FROM:TO:STEPS to sample (default 0 to everything the mechanism can take)", "--budgets"))
    .option("csv", stringOption("write budget,account,haircut,fraction rows for charts", "--csv"))
    .option("json", { describe: "print one JSON object on stdout", type: "boolean" });
}

/** Exactly one of --account and --all; prints the curve (or one summary row per account), --csv writes the points. */
export const exposureCommand: Command<typeof builder> = ({ out }) => ({
  command: "exposure <model>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    if (!argv.account === !argv.all) throw new UsageError({ path: "--account/--all" }, "exactly one of --account ID or --all", argv.account ? "both" : "neither");
    const [{ loadWaveFromFiles }, { resolveHeuristics }, exposure, { exactMechanism, heuristicMechanism }] = await Promise.all([
      import("../../pipeline/solve/inputs.js"),
      import("../heuristic-list.js"),
      import("../../tools/exposure/index.js"),
      import("../../mechanism/mechanism.js"),
    ]);
    const { accountIndexOf, exposureCurve, exposureFamily, exposureJson, exposureSummaries, parseBudgetRange, renderExposure, writeExposureCsv } = exposure;
    const wave = loadWaveFromFiles({ model: argv.model, accounts: argv.accounts, ...(argv.positions ? { positions: argv.positions } : {}), ...mappingFlags(argv), ...(argv.strictIds ? { strictIds: true } : {}), budget: 0 });
    const mechanism = argv.heuristic ? heuristicMechanism((await resolveHeuristics(argv.heuristic))[0]!) : exactMechanism();
    const options = { seed: argv.seed, ...(argv.budgets ? { budgets: parseBudgetRange(argv.budgets) } : {}) };
    const source = argv.all ? await exposureFamily(wave, mechanism, options) : await exposureCurve(wave, accountIndexOf(wave, argv.account!), mechanism, options);
    if (argv.csv) writeExposureCsv(argv.csv, source);
    if (argv.json) out(JSON.stringify(exposureJson(source)) + "\n");
    else if ("points" in source) out(renderExposure(source).replace(/\n?$/, "\n"));
    else out(exposureSummaries(source).map((row) => JSON.stringify(row)).join("\n") + "\n");
  },
});
