import type { Comparison } from "../tools/compare/compare.js";
import type { AllocationFile, Validation } from "../tools/compare/validate.js";

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

/** The validation report: what was read, the totals, every violation by account, seniority, each objective against the optimum, the outcome. */
export function renderValidation(validation: Validation, limit = 50, file?: AllocationFile): string {
  const lines: string[] = [];
  const { verdict, totals } = validation;
  if (file) {
    const layers = file.givenLayers.length + file.derivedLayers.length > 0
      ? `; layers from the file: ${file.givenLayers.join(", ") || "none"}${file.derivedLayers.length ? `, derived junior-first: ${file.derivedLayers.join(", ")}` : ""}`
      : "";
    lines.push(`allocation   ${file.file}: ${file.rows} account${file.rows === 1 ? "" : "s"} listed, haircut from ${file.haircutFrom === "haircut" ? "the haircut column" : file.haircutFrom === "lots" ? "lots x lot value" : "the sum of the layer columns"}${layers}`);
  }
  lines.push(`totals       taken ${money(totals.total)}  budget ${money(totals.budget)}  overshoot ${money(totals.overshoot)}  shortfall ${money(totals.shortfall)}`);
  const violations = validation.violations;
  lines.push(`constraints  ${violations.length === 0 ? "all hold" : `${violations.length} violated`}  (tolerance abs ${verdict.tolerance.absolute}, rel ${verdict.tolerance.relative})`);
  for (const violation of violations.slice(0, limit)) {
    lines.push(`  ${violation.constraint.padEnd(12)} ${violation.account ?? ""}  ${violation.message}`);
  }
  if (violations.length > limit) lines.push(`  … and ${violations.length - limit} more (--json lists all)`);
  for (const note of verdict.notes) lines.push(`  verifier note: ${note}`);
  const { seniority } = validation;
  if (seniority.decidedBy !== "none" || seniority.layers.length > 0) {
    const how = seniority.decidedBy === "verifier" ? "decided by the verifier's closed form" : seniority.decided ? "decided against the solved seniority stages" : "NOT decided";
    lines.push(`seniority    ${how}${seniority.source ? ` (minima from ${seniority.source})` : ""}`);
    for (const layer of seniority.layers) {
      lines.push(`  ${layer.layer.padEnd(18)} taken ${fixed(layer.taken, 6)}  least ${fixed(layer.least, 6)}${layer.proven ? "" : " (not proven)"}`);
    }
  }
  const proven = validation.gaps.length === 0 || validation.gaps.some((gap) => gap.proven);
  lines.push(`optimum      ${validation.optimum.status} via ${validation.optimum.path}${proven ? "" : " (not proven: gaps below are lower bounds on the true gaps)"}`);
  for (const gap of validation.gaps) {
    lines.push(`  ${gap.stage.padEnd(18)} production ${fixed(gap.value, 6)}  optimum ${fixed(gap.optimum, 6)}  gap ${gapText(gap.relative)}${gap.relative === null && gap.absolute ? ` (absolute ${fixed(gap.absolute, 6)})` : ""}${gap.optimum !== null && !gap.proven ? " (at least)" : ""}`);
  }
  const word = validation.outcome === "pass" ? "PASS" : validation.outcome === "fail" ? "FAIL" : "UNDECIDED";
  lines.push(`verdict      ${word}${Number.isFinite(validation.maxGap) ? ` (max gap ${gapText(validation.maxGap)})` : ""}`);
  for (const reason of validation.undecided) lines.push(`  undecided: ${reason}`);
  return lines.join("\n") + "\n";
}

function money(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(12))) : String(x);
}
