/** `adl tour`: every bundled model on the bundled example wave, one line each. */
import type { Argv } from "yargs";
import { nonNegative, numberOption, stringOption, usage, type Command } from "../options.js";

const DESCRIPTION = "solve every bundled model on the bundled example wave and print one line each";

function builder(yargs: Argv) {
  return yargs
    .usage(usage("tour [options]", DESCRIPTION))
    .option("accounts", { ...stringOption("accounts file", "--accounts"), default: "examples/wave-200.csv" })
    .option("share", { ...numberOption("budget as a share of the eligible capacity", nonNegative("--share")), default: 0.05 });
}

/** One line per bundled model at --share of the eligible capacity. */
export const tourCommand: Command<typeof builder> = ({ out }) => ({
  command: "tour",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const { tour } = await import("../tour.js");
    out(await tour(argv.accounts, argv.share));
  },
});
