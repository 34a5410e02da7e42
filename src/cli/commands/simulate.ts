/** `adl simulate SCENARIO`: the market stress simulator. */
import type { Argv } from "yargs";
import { ExitCode } from "../../errors.js";
import { repeated, usage, type Command } from "../options.js";

const DESCRIPTION = "market stress simulator: correlated fat-tailed shocks, liquidations, insurance fund, ADL waves, two-pass counterfactual";

function builder(yargs: Argv) {
  return yargs
    .usage(usage("simulate <scenario> [options]", DESCRIPTION))
    .positional("scenario", { describe: "scenario file (YAML), e.g. scenarios/stress.yaml", type: "string", demandOption: true })
    .option("mechanism", { describe: "heuristic name or model file (repeatable; default: the scenario's mechanisms)", type: "string", requiresArg: true, coerce: repeated })
    .option("json", { describe: "print one JSON object on stdout", type: "boolean" });
}

/** Runs the scenario's (or --mechanism's) mechanisms; the exit code is the simulator's. */
export const simulateCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "simulate <scenario>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const { simulateCommand: simulate } = await import("../simulate.js");
    const code = await simulate(argv.scenario, { ...(argv.mechanism ? { mechanisms: argv.mechanism } : {}), json: argv.json === true, out });
    if (code !== ExitCode.ok) setExit(code);
  },
});
