/**
 * `adl run`, `adl merge`, `adl report`, `adl simulate`: the experiment runner's and the simulator's command line. The report is written at the end of
 * a complete run (and of a merge), and the last line says where it is.
 */
import type { Command } from "commander";
import { ExitCode, UsageError } from "../errors.js";

// The modules behind each command load when it runs (see main.ts): the runner's pool, the report's
// Vega and resvg, and the simulator are not part of `adl --help` or `adl solve`.

/** "2/4" → {index: 2, count: 4}. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) throw new UsageError({ path: "--shard" }, "i/n with whole numbers 1 <= i <= n, e.g. 2/8", JSON.stringify(text));
  return { index, count };
}

function workerCount(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 256) throw new UsageError({ path: "--workers" }, "a whole number of worker threads from 1 to 256", JSON.stringify(text));
  return value;
}

/** Writes a run folder's report holding the folder's lock, so that no run appends while it reads. */
async function lockedReport(dir: string, out: (text: string) => void): Promise<number> {
  const [{ existsSync }, { acquireRunLock, writeFailure }, { reportCommand: report }] = await Promise.all([import("node:fs"), import("../run/store.js"), import("./report.js")]);
  // A folder that is not there: the report says what it expected.
  if (!existsSync(dir)) return report(dir, { out });
  const lock = acquireRunLock(dir, `adl report ${dir}`);
  try {
    return await report(dir, { out });
  } catch (error) {
    // A full disk or a read-only folder while the report is written: exit 2 naming the file, not a stack.
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const file = (error as NodeJS.ErrnoException | undefined)?.path;
    throw typeof code === "string" && /^E[A-Z]+$/.test(code) ? writeFailure(error, file ?? `${dir}/report`, "a writable folder with room for the report", "make room or make it writable, then run adl report on the run folder again") : error;
  } finally {
    lock.release();
  }
}

export function registerRunCommands(program: Command, out: (text: string) => void, setExit: (code: number) => void): void {
  program
    .command("run")
    .description("run an experiment: every scenario wave × mechanism × sweep point, the exact frontier, then the report")
    .argument("<experiment>", "experiment file (YAML), e.g. experiments/trilemma.yaml")
    .option("--out <dir>", "run folder (default results/runs/<name>-<hash>; an earlier run's folder resumes it)")
    .option("--workers <N>", "worker threads (default: all cores)", workerCount)
    .option("--shard <i/n>", "run only slice i of n (for a batch scheduler; join with adl merge)", parseShard)
    .option("--no-report", "do not write the report at the end")
    .action(async (file: string, options: { out?: string; workers?: number; shard?: { index: number; count: number }; report: boolean }) => {
      const [{ runExperiment }, { displayPath }] = await Promise.all([import("../run/runner.js"), import("../experiments/experiment.js")]);
      const summary = await runExperiment(file, {
        ...(options.out !== undefined ? { out: options.out } : {}),
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        shard: options.shard ?? null,
      });
      const failed = summary.failed > 0 ? `, ${summary.failed} failed (see manifest.json)` : "";
      out(`ran ${summary.done} jobs in ${summary.seconds.toFixed(1)} s (${summary.skipped} already done, ${summary.total} in all)${failed}\n`);
      out(`results: ${displayPath(summary.dir)}\n`);
      if (options.report && !options.shard) {
        const code = await lockedReport(summary.dir, out);
        if (code !== ExitCode.ok) setExit(code);
      } else if (options.shard) {
        out(`shard ${options.shard.index}/${options.shard.count} done; join the shards with: adl merge <dirs...> --out <dir>\n`);
      }
      if (summary.failed > 0) setExit(ExitCode.violation);
    });

  program
    .command("merge")
    .description("join the run folders of the shards of one experiment (refuses mismatched manifests)")
    .argument("<dirs...>", "shard run folders")
    .requiredOption("--out <dir>", "new folder for the merged run")
    .option("--partial", "accept missing or unfinished shards")
    .option("--no-report", "do not write the report")
    .action(async (dirs: string[], options: { out: string; partial?: boolean; report: boolean }) => {
      const [{ mergeRuns }, { displayPath }] = await Promise.all([import("../run/merge.js"), import("../experiments/experiment.js")]);
      const summary = mergeRuns(dirs, options.out, { partial: options.partial === true });
      out(`merged ${summary.shards} shards, ${summary.jobs} result rows: ${displayPath(summary.dir)}\n`);
      for (const dir of summary.unverified) out(`  note: ${displayPath(dir)} did not finish, so its rows were not checked against a digest\n`);
      if (options.report) {
        const code = await lockedReport(summary.dir, out);
        if (code !== ExitCode.ok) setExit(code);
      }
    });

  program
    .command("report")
    .description("write the report of a run folder: HTML, Markdown, charts (SVG/PNG) and the data behind them")
    .argument("<dir>", "run folder (from adl run or adl merge)")
    .action(async (dir: string) => {
      const code = await lockedReport(dir, out);
      if (code !== ExitCode.ok) setExit(code);
    });

  program
    .command("simulate")
    .description("market stress simulator: correlated fat-tailed shocks, liquidations, insurance fund, ADL waves, two-pass counterfactual")
    .argument("<scenario>", "scenario file (YAML), e.g. scenarios/stress.yaml")
    .option("--mechanism <name>", "heuristic name or model file (repeatable; default: the scenario's mechanisms)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--json", "print one JSON object on stdout")
    .action(async (file: string, options: { mechanism?: string[]; json?: boolean }) => {
      const { simulateCommand } = await import("./simulate.js");
      const code = await simulateCommand(file, { ...(options.mechanism ? { mechanisms: options.mechanism } : {}), json: options.json === true, out });
      if (code !== ExitCode.ok) setExit(code);
    });
}
