/** `adl run EXPERIMENT`: every scenario wave × mechanism × sweep point, the exact frontier, then the report. */
import type { Argv } from "yargs";
import { ExitCode } from "../../errors.js";
import { parsedOption, stringOption, usage, type Command } from "../options.js";
import { lockedReport, parseShard, workerCount } from "../run.js";

const DESCRIPTION = "run an experiment: every scenario wave × mechanism × sweep point, the exact frontier, then the report";

function builder(yargs: Argv) {
  return yargs
    .usage(usage("run <experiment> [options]", DESCRIPTION))
    .positional("experiment", { describe: "experiment file (YAML), e.g. experiments/trilemma.yaml", type: "string", demandOption: true })
    .option("out", stringOption("run folder (default results/runs/<name>-<hash>; an earlier run's folder resumes it)", "--out"))
    .option("workers", parsedOption("worker threads (default: all cores)", workerCount))
    .option("shard", parsedOption("run only slice i/n (for a batch scheduler; join with adl merge)", parseShard))
    .option("report", { describe: "write the report at the end (--no-report: do not)", type: "boolean", default: true });
}

/** Exit 0, or 1 when a job failed (the manifest says which), or the report's own code. */
export const runCommand: Command<typeof builder> = ({ out, setExit }) => ({
  command: "run <experiment>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    const [{ runExperiment }, { displayPath }] = await Promise.all([import("../../tools/run/runner.js"), import("../../tools/experiments/experiment.js")]);
    const summary = await runExperiment(argv.experiment, {
      ...(argv.out !== undefined ? { out: argv.out } : {}),
      ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
      shard: argv.shard ?? null,
    });
    const failed = summary.failed > 0 ? `, ${summary.failed} failed (see manifest.json)` : "";
    out(`ran ${summary.done} jobs in ${summary.seconds.toFixed(1)} s (${summary.skipped} already done, ${summary.total} in all)${failed}\n`);
    out(`results: ${displayPath(summary.dir)}\n`);
    if (argv.report && !argv.shard) {
      const code = await lockedReport(summary.dir, out);
      if (code !== ExitCode.ok) setExit(code);
    } else if (argv.shard) {
      out(`shard ${argv.shard.index}/${argv.shard.count} done; join the shards with: adl merge <dirs...> --out <dir>\n`);
    }
    if (summary.failed > 0) setExit(ExitCode.violation);
  },
});
