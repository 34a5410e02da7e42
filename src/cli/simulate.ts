/**
 * `adl simulate SCENARIO.yaml [--mechanism M ...] [--json]`: runs the market stress simulator under
 * each mechanism (the --mechanism list, else the scenario's `mechanisms`) and prints a summary per
 * mechanism, or with --json one object {scenario, rows: SimulationRow[], runs: [...]} on stdout.
 */
import { ExitCode, UsageError, WorkbenchError } from "../errors.js";
import { loadScenario, simulate, simulationRow, type SimulationResult } from "../tools/simulate/index.js";

function money(x: number): string {
  return x.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function renderRun(result: SimulationResult): string {
  const row = simulationRow(result);
  const t = result.totals;
  const lines = [
    `${result.mechanism} (${result.kind}): ${row.waves} wave${row.waves === 1 ? "" : "s"}, ${t.liquidations} liquidations, ${t.bankruptcies} bankruptcies, ${result.seconds.toFixed(2)} s`,
    `  deficit ${money(t.deficit)}  fund paid ${money(t.fundPaid)}  ADL needed ${money(row.budgetNeeded)}  executed ${money(t.executed)}  unfunded ${money(t.unfunded)}`,
    `  two-pass: taken ${money(row.taken)} at horizon ${result.horizons[0] ?? 0}; overshoot by horizon: ${row.overshootByHorizon
      .map((o) => `${o.horizon}: ${money(o.overshoot)} (${percent(o.overshootShare)})`)
      .join(", ")}`,
    `  gameability ${row.gameability === null ? "not measured" : row.gameability.toPrecision(4)}; conservation error ${result.conservationError.toExponential(1)}; every wave verified: ${result.waves.every((w) => w.verified.ok || w.verified.declared.length > 0) ? "yes" : "NO"}`,
  ];
  return lines.join("\n") + "\n";
}

/**
 * Runs the command; returns the exit code (0 ok, 2 bad input with the message on stderr, 1 when a
 * wave's allocation failed verification). Errors for people never show a stack.
 */
export async function simulateCommand(file: string, options: { mechanisms?: string[]; json?: boolean; out?: (text: string) => void }): Promise<number> {
  const out = options.out ?? ((text: string) => void process.stdout.write(text));
  try {
    const scenario = loadScenario(file);
    const mechanisms = options.mechanisms !== undefined && options.mechanisms.length > 0 ? options.mechanisms : scenario.mechanisms;
    if (mechanisms.length === 0) {
      throw new UsageError({ path: "--mechanism" }, "a mechanism: --mechanism NAME|MODEL.yaml, or a mechanisms list in the scenario", "none");
    }
    const results: SimulationResult[] = [];
    for (const mechanism of mechanisms) results.push(await simulate(scenario, mechanism));
    const failed = results.some((r) => r.waves.some((w) => w.status === "error"));
    if (options.json) {
      out(
        JSON.stringify({
          scenario: scenario.name,
          file,
          seed: scenario.seed,
          rows: results.map(simulationRow),
          runs: results.map((r) => ({
            mechanism: r.mechanism,
            kind: r.kind,
            totals: r.totals,
            conservationError: r.conservationError,
            seconds: r.seconds,
            waves: r.waves,
            accounts: r.accounts,
          })),
        }) + "\n",
      );
    } else {
      out(`scenario ${scenario.name} (${file}), seed ${scenario.seed}, ${scenario.steps} steps, ${scenario.markets.length} markets\n`);
      for (const result of results) out(renderRun(result));
    }
    return failed ? ExitCode.violation : ExitCode.ok;
  } catch (error) {
    if (error instanceof WorkbenchError) {
      process.stderr.write(`adl: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
