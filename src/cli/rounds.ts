/**
 * `adl rounds TABLE [--json] [--lambda L] [--reference POLICY]`: the paper's Table 2 on a per-round
 * table (src/tools/rounds/table.ts). `adl rounds --scenario FILE [--json]`: online policies over a
 * multi-round scenario (src/tools/rounds/scenario.ts), per policy: cumulative loss, regret, the
 * Proposition 1 bound, undershoot and the stability diagnostics.
 */
import { ExitCode, UsageError } from "../errors.js";
import { readRoundTable, scoreRoundTable, DEFAULT_REFERENCE, type TableScore } from "../tools/rounds/table.js";

function money(x: number): string {
  return x.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
}

function percent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : "-";
}

/** The table without --json: one line per policy, money to the cent. */
export function renderTableScore(score: TableScore, file: string, lambda: number, reference: string): string {
  const lines = [
    `${file}: ${score.rounds} rounds, severity variation P̂ ${score.severityVariation.toFixed(4)}, bound sqrt((1 + 2 P̂) sum D²) = ${money(score.bound)}`,
    `fairness weight lambda ${lambda}, fairness reference ${reference}`,
  ];
  const width = Math.max(6, ...score.policies.map((p) => p.name.length));
  const row = (cells: string[]): string => [cells[0]!.padEnd(width), ...cells.slice(1).map((c, k) => c.padStart(k === 3 ? 15 : 18))].join("  ");
  lines.push(row(["policy", "tracking T", "fairness F", "total T + λF", "share of bound"]));
  for (const p of score.policies) lines.push(row([p.name, money(p.tracking), money(p.fairness), money(p.total), percent(p.shareOfBound)]));
  return lines.join("\n") + "\n";
}

export interface RoundsOptions {
  readonly json?: boolean;
  /** Fairness weight; table default 1, a scenario's own weights otherwise. */
  readonly lambda?: number;
  readonly reference?: string;
  readonly scenario?: string;
  /** Folder for the charts (SVG) and the rows behind them. */
  readonly charts?: string;
}

/**
 * Runs `adl rounds` (registered in main.ts, which imports this module only when the command runs);
 * returns the exit code. Bad input throws the project's typed errors, which main prints without a stack.
 */
export async function roundsCommand(table: string | undefined, options: RoundsOptions, out: (text: string) => void): Promise<number> {
  if ((table === undefined) === (options.scenario === undefined)) {
    throw new UsageError({ path: "rounds" }, "exactly one of TABLE (a per-round CSV) or --scenario FILE", table === undefined ? "neither" : "both");
  }
  if (table !== undefined) {
    const reference = options.reference ?? DEFAULT_REFERENCE;
    const lambda = options.lambda ?? 1;
    const score = scoreRoundTable(readRoundTable(table), { lambda, reference });
    out(options.json ? JSON.stringify(score) + "\n" : renderTableScore(score, table, lambda, reference));
    if (options.charts !== undefined) {
      const [{ writeTableChart }] = await Promise.all([import("./rounds-scenario.js")]);
      const files = await writeTableChart(score, table, options.charts);
      if (!options.json) out(`chart: ${files.join(", ")}\n`);
    }
    return ExitCode.ok;
  }
  if (options.reference !== undefined) throw new UsageError({ path: "--reference" }, "--reference only with a TABLE (a scenario names its own policies)", options.reference);
  const { runScenarioCommand } = await import("./rounds-scenario.js");
  return runScenarioCommand(options.scenario!, { json: options.json === true, ...(options.lambda !== undefined ? { lambda: options.lambda } : {}), ...(options.charts !== undefined ? { charts: options.charts } : {}), out });
}
