/**
 * `adl report DIR`: a thin shell over writeReport. Bad input (no folder, no manifest, a corrupt
 * line) is thrown as UsageError / InstanceError for main's error printer; success returns 0.
 */
import { ExitCode } from "../errors.js";
import { displayPath } from "../tools/experiments/experiment.js";
import { writeReport } from "../tools/report/report.js";

export async function reportCommand(dir: string, options: { out?: (text: string) => void } = {}): Promise<number> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const report = await writeReport(dir);
  const drawn = report.charts.filter((c) => c.drawn).length;
  const where = displayPath(report.folder);
  out(`report written to ${where}/index.html (also summary.md, ${drawn} charts in charts/, data in data/)\n`);
  for (const chart of report.charts) if (!chart.drawn) out(`  no chart ${chart.id}: ${chart.note ?? "no data"}\n`);
  for (const note of report.notes) out(`  note: ${note}\n`);
  return ExitCode.ok;
}
