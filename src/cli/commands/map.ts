/** `adl map --accounts EXPORT --map FILE`: an exchange export as the accounts CSV the workbench reads. */
import type { Argv } from "yargs";
import { stringOption, usage, withMappingOptions, type Command } from "../options.js";

const DESCRIPTION = "write an exchange export as the accounts CSV the workbench reads, through a column mapping";

function builder(yargs: Argv) {
  return withMappingOptions(yargs.usage(usage("map --accounts FILE (--map FILE | --column TARGET=SOURCE...) [options]", DESCRIPTION)))
    .option("accounts", { ...stringOption("accounts CSV or JSON (the export)", "--accounts"), demandOption: true })
    .option("layers", stringOption("seniority layer columns, junior first, whose sum is capacity when there is no capacity column", "--layers"))
    .option("positions", stringOption("a positions file to map too (the mapping's positions section)", "--positions"))
    .option("positions-out", stringOption("where the mapped positions go", "--positions-out"))
    .option("out", stringOption("write to a file instead of stdout", "--out"));
}

/** Writes the mapped accounts (and positions) CSV; notes go to stderr. */
export const mapCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "map",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const { mapCommand: map } = await import("../map.js");
    setExit(await map(argv, out, (text) => process.stderr.write(text)));
  },
});
