/** `adl generate pareto|lognormal --n N --seed S`: a seeded heavy-tailed account population as CSV. */
import type { Argv } from "yargs";
import { UsageError } from "../../errors.js";
import type { CapacityLaw } from "../../tools/scenarios/population.js";
import { nonNegative, numberOption, positive, stringOption, usage, type Command } from "../options.js";

const DESCRIPTION = "write a seeded heavy-tailed account population as CSV (streamed; optionally a positions table)";

/** Beyond this a population would stream for hours and fill the disk (10^6 rows are 164 MB). */
const MAX_GENERATED_ACCOUNTS = 1e8;

function builder(yargs: Argv) {
  return yargs
    .usage(usage("generate <kind> --n N --seed S [options]", DESCRIPTION))
    .positional("kind", { describe: "capacity law", choices: ["pareto", "lognormal"] as CapacityLaw[], demandOption: true })
    .option("n", { ...numberOption("number of accounts", positive("--n")), demandOption: true })
    .option("seed", { ...numberOption("seed (integer)", nonNegative("--seed")), demandOption: true })
    .option("out", stringOption("write to a file instead of stdout", "--out"))
    .option("positions", stringOption("also write a positions table: each account holds 1..M positions in M markets", "--positions"))
    .option("markets", numberOption("markets for --positions (default 3)", positive("--markets")));
}

/** Streams the population (and positions) CSV; the same seed gives the same bytes. At most 1e8 accounts. */
export const generateCommand: Command<typeof builder> = () => ({
  command: "generate <kind>",
  describe: DESCRIPTION,
  builder,
  handler: async (argv) => {
    if (!Number.isInteger(argv.n) || argv.n > MAX_GENERATED_ACCOUNTS) {
      throw new UsageError({ path: "--n" }, `a whole number of accounts from 1 to ${MAX_GENERATED_ACCOUNTS.toExponential(0).replace("e+", "e")}`, String(argv.n));
    }
    if (!Number.isInteger(argv.seed)) throw new UsageError({ path: "--seed" }, "an integer seed", String(argv.seed));
    if (argv.markets !== undefined && !Number.isInteger(argv.markets)) throw new UsageError({ path: "--markets" }, "a whole number of markets >= 1", String(argv.markets));
    if (argv.markets !== undefined && argv.positions === undefined) throw new UsageError({ path: "--markets" }, "--markets together with --positions FILE", "no --positions");
    const { writeGeneratedCsv } = await import("../../tools/scenarios/csv.js");
    writeGeneratedCsv(
      { n: argv.n, seed: argv.seed, law: argv.kind },
      { accounts: argv.out ?? process.stdout.fd, ...(argv.positions !== undefined ? { positions: { target: argv.positions, markets: argv.markets ?? 3 } } : {}) },
    );
  },
});
