/** `adl merge DIRS... --out DIR`: the shards of one experiment joined into one run folder. */
import type { Argv } from "yargs";
import { ExitCode } from "../../errors.js";
import { stringOption, usage, type Command } from "../options.js";
import { lockedReport } from "../run.js";

const DESCRIPTION = "join the run folders of the shards of one experiment (refuses mismatched manifests)";

function builder(yargs: Argv) {
  return yargs
    .usage(usage("merge <dirs...> --out DIR [options]", DESCRIPTION))
    .positional("dirs", { describe: "shard run folders", type: "string", array: true, demandOption: true })
    .option("out", { ...stringOption("new folder for the merged run", "--out"), demandOption: true })
    .option("partial", { describe: "accept missing or unfinished shards", type: "boolean" })
    .option("report", { describe: "write the report (--no-report: do not)", type: "boolean", default: true });
}

/** Refuses shards of different runs (exit 2); writes the report unless --no-report. */
export const mergeCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "merge <dirs...>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const [{ mergeRuns }, { displayPath }] = await Promise.all([import("../../tools/run/merge.js"), import("../../tools/experiments/experiment.js")]);
    const summary = mergeRuns(argv.dirs, argv.out, { partial: argv.partial === true });
    out(`merged ${summary.shards} shards, ${summary.jobs} result rows: ${displayPath(summary.dir)}\n`);
    for (const dir of summary.unverified) out(`  note: ${displayPath(dir)} did not finish, so its rows were not checked against a digest\n`);
    if (argv.report) {
      const code = await lockedReport(summary.dir, out);
      if (code !== ExitCode.ok) setExit(code);
    }
  },
});
