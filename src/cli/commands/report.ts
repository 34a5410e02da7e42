/** `adl report DIR`: a run folder's report (HTML, Markdown, charts and the data behind them). */
import type { Argv } from "yargs";
import { ExitCode } from "../../errors.js";
import { usage, type Command } from "../options.js";
import { lockedReport } from "../run.js";

const DESCRIPTION = "write the report of a run folder: HTML, Markdown, charts (SVG/PNG) and the data behind them";

function builder(yargs: Argv) {
  return yargs.usage(usage("report <dir>", DESCRIPTION)).positional("dir", { describe: "run folder (from adl run or adl merge)", type: "string", demandOption: true });
}

/** Writes the report under the run folder's lock; exit 2 naming the file when it cannot. */
export const reportCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "report <dir>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const code = await lockedReport(argv.dir, out);
    if (code !== ExitCode.ok) setExit(code);
  },
});
