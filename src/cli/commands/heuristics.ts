/** `adl heuristics`: the heuristic names compare, allocate, exposure and simulate accept. */
import type { Argv } from "yargs";
import { usage, type Command } from "../options.js";

const DESCRIPTION = "list the heuristic names that compare, allocate, exposure and simulate accept, and the parameterized forms";

function builder(yargs: Argv) {
  return yargs.usage(usage("heuristics [options]", DESCRIPTION)).option("json", { describe: "print one JSON object on stdout", type: "boolean" });
}

/** The registry's names (what `all` runs) and its parameterized forms. */
export const heuristicsCommand: Command<typeof builder> = ({ out }) => ({
  command: "heuristics",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const { heuristicForms, heuristicNames } = await import("../../heuristics/index.js");
    const names = heuristicNames();
    const forms = heuristicForms();
    if (argv.json) out(JSON.stringify({ names, forms }) + "\n");
    else out(`${names.join("\n")}\n\nforms (wrap any name above):\n${forms.map((form) => `  ${form}`).join("\n")}\n`);
  },
});
