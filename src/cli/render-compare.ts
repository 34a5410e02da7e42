import type { Comparison } from "../compare/compare.js";
import type { Validation } from "../compare/validate.js";

const fixed = (x: number | undefined | null, digits = 4): string =>
  x === undefined || x === null || !Number.isFinite(x) ? "-" : (Math.abs(x) < 0.5 * 10 ** -digits ? 0 : x).toFixed(digits);
const gapText = (gap: number | null | undefined): string => (gap === null || gap === undefined ? "-" : `${gap >= 0 ? "+" : ""}${(100 * gap).toFixed(2)}%`);

/** The comparison as a terminal table: one line per mechanism, the optimum first. */
export function renderComparison(comparison: Comparison): string {
  const stageHeads = comparison.stageNames.flatMap((name) => [name, "gap"]);
  const head = ["mechanism", "status", "total", "overshoot", "touched", "max frac", "gini", "top1%", ...stageHeads, "ms", "verified"];
  const rows = comparison.rows.map((row) => [
    row.mechanism,
    row.status,
    fixed(row.metrics?.total, 2),
    fixed(row.metrics?.overshoot, 2),
    row.metrics ? String(row.metrics.touched) : "-",
    fixed(row.metrics?.maxFraction),
    fixed(row.metrics?.giniOfFractions),
    row.metrics ? `${(100 * row.metrics.top1Share).toFixed(1)}%` : "-",
    ...comparison.stageNames.flatMap((_, s) => [fixed(row.objective[s], 6), gapText(row.relativeGap[s])]),
    (row.seconds * 1000).toFixed(1),
    row.verified ? "ok" : row.unexpected.length ? `NO (${row.unexpected.length})` : row.declared.length ? `declared (${row.declared.length})` : "no",
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]): string => cells.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join("  ");
  const notes = comparison.rows.filter((row) => row.note).map((row) => `  ${row.mechanism}: ${row.note}`);
  const declared = comparison.rows
    .filter((row) => row.declared.length)
    .map((row) => `  ${row.mechanism} ignores by design: ${[...new Set(row.declared.map((v) => v.constraint))].join(", ")} (${row.declared.length} violations)`);
  return [line(head), ...rows.map(line), ...(notes.length ? ["", "notes:", ...notes] : []), ...(declared.length ? ["", ...declared] : [])].join("\n") + "\n";
}

/** The validation report: every violation by account, every objective against the optimum, the verdict. */
export function renderValidation(validation: Validation, limit = 50): string {
  const lines: string[] = [];
  const { verdict } = validation;
  lines.push(`constraints  ${verdict.ok ? "all hold" : `${verdict.violations.length} violated`}  (tolerance abs ${verdict.tolerance.absolute}, rel ${verdict.tolerance.relative})`);
  for (const violation of verdict.violations.slice(0, limit)) {
    lines.push(`  ${violation.constraint.padEnd(12)} ${violation.account ?? ""}  ${violation.message}`);
  }
  if (verdict.violations.length > limit) lines.push(`  … and ${verdict.violations.length - limit} more (--json lists all)`);
  lines.push(`optimum      ${validation.optimum.status} via ${validation.optimum.path}`);
  for (const gap of validation.gaps) {
    lines.push(`  ${gap.stage.padEnd(18)} production ${fixed(gap.value, 6)}  optimum ${fixed(gap.optimum, 6)}  gap ${gapText(gap.relative)}${gap.relative === null && gap.absolute ? ` (absolute ${fixed(gap.absolute, 6)})` : ""}`);
  }
  lines.push(`verdict      ${validation.pass ? "PASS" : "FAIL"}${Number.isFinite(validation.maxGap) ? ` (max gap ${gapText(validation.maxGap)})` : ""}`);
  return lines.join("\n") + "\n";
}
