/** `adl rounds [TABLE] [--scenario FILE]`: repeated ADL against the Proposition 1 bound. */
import type { Argv } from "yargs";
import { nonNegative, numberOption, stringOption, usage, type Command } from "../options.js";

const DESCRIPTION = "repeated ADL: score a per-round table against the Proposition 1 bound (Table 2), or run online policies over a multi-round scenario";

function builder(yargs: Argv) {
  return yargs
    .usage(usage("rounds [table] [options]", DESCRIPTION))
    .positional("table", { describe: "per-round table (CSV): deficit_usd, budget_needed, budget_<p> and max_pct_<p> per policy p", type: "string" })
    .option("scenario", stringOption("a multi-round scenario (YAML): rounds from files or the market simulator, and the policies to run", "--scenario"))
    .option("lambda", numberOption("fairness weight lambda (default 1; with --scenario it replaces the scenario's)", nonNegative("--lambda")))
    .option("reference", stringOption("the table's fairness reference policy (default fixed_point_ilp_integer)", "--reference"))
    .option("charts", stringOption("also write the charts (SVG) and the numbers behind them into this folder", "--charts"))
    .option("json", { describe: "print one JSON object", type: "boolean" });
}

/** Exactly one of TABLE or --scenario; the exit code is the rounds command's. */
export const roundsCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "rounds [table]",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const { roundsCommand: rounds } = await import("../rounds.js");
    setExit(
      await rounds(
        argv.table,
        {
          ...(argv.scenario !== undefined ? { scenario: argv.scenario } : {}),
          ...(argv.lambda !== undefined ? { lambda: argv.lambda } : {}),
          ...(argv.reference !== undefined ? { reference: argv.reference } : {}),
          ...(argv.charts !== undefined ? { charts: argv.charts } : {}),
          ...(argv.json ? { json: true } : {}),
        },
        out,
      ),
    );
  },
});
