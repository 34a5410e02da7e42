/**
 * Exposure curves as files and text: CSV rows `budget,account,haircut,fraction` (the report's
 * exposure chart reads these), a JSON form, and a short human summary for the CLI.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import type { CurveExtreme, ExposureCurve, ExposureFamily, ExposureSummary } from "./exposure.js";
import { exposureHaircut, exposureSummaries } from "./exposure.js";
import { sampleBudgets } from "./range.js";
import { csvText } from "../../csv.js";

/** A curve, several curves (e.g. one account under several mechanisms), or a family of all accounts. */
export type ExposureSource = ExposureCurve | readonly ExposureCurve[] | ExposureFamily;

/** The CSV header the report's exposure chart reads: budget and haircut in dollars, fraction = haircut / capacity. */
export const EXPOSURE_CSV_HEADER = "budget,account,haircut,fraction";

/**
 * The CSV lines (header first, no line ends), account by account, budgets ascending within each.
 * A curve writes its own points (exact: its breakpoints, so straight lines between rows are exact).
 * A family writes every account on one budget grid: its sampled budgets, or for an exact family the
 * range's steps + 1 budgets up to the last answered budget (kinks between grid budgets are not
 * rows; curveOf gives one account's exact points). Numbers in shortest round-trip form; ids quoted
 * when they hold a comma, quote or line break. Lazy: O(1) memory per line.
 */
export function* exposureCsvLines(source: ExposureSource): Generator<string> {
  yield EXPOSURE_CSV_HEADER;
  if (isFamily(source)) {
    const grid = familyGrid(source);
    for (let j = 0; j < source.ids.length; j++) {
      const id = csvText(source.ids[j]!);
      const capacity = source.capacity[j]!;
      for (const budget of grid) {
        const haircut = exposureHaircut(source, j, budget);
        yield `${budget},${id},${haircut},${capacity > 0 ? haircut / capacity : 0}`;
      }
    }
    return;
  }
  const curves: readonly ExposureCurve[] = isCurve(source) ? [source] : source;
  for (const curve of curves) {
    const id = csvText(curve.account);
    for (const p of curve.points) yield `${p.budget},${id},${p.haircut},${p.fraction}`;
  }
}

/** The whole CSV as one string, lines ending in "\n". For small outputs; files go through writeExposureCsv. O(rows). */
export function exposureCsv(source: ExposureSource): string {
  let text = "";
  for (const line of exposureCsvLines(source)) text += line + "\n";
  return text;
}

/**
 * Writes the CSV to a path (atomically: a temporary file in the same folder, renamed into place, so
 * a reader never sees half a file) or to an open file descriptor (e.g. 1 for stdout), in chunks of
 * 10,000 rows so that n x steps rows never become one string. O(rows).
 */
export function writeExposureCsv(target: string | number, source: ExposureSource): void {
  const temporary = typeof target === "string" ? `${target}.${process.pid}.tmp` : undefined;
  const fd = temporary !== undefined ? openSync(temporary, "w") : (target as number);
  try {
    let chunk: string[] = [];
    for (const line of exposureCsvLines(source)) {
      chunk.push(line);
      if (chunk.length === 10_000) {
        writeSync(fd, chunk.join("\n") + "\n");
        chunk = [];
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk.join("\n") + "\n");
  } catch (error) {
    if (temporary !== undefined) {
      closeSync(fd);
      rmSync(temporary, { force: true });
    }
    throw error;
  }
  if (temporary !== undefined) {
    closeSync(fd);
    renameSync(temporary, target as string);
  }
}

/**
 * A JSON-ready value (plain objects, arrays and finite numbers or null). A curve: itself, tagged
 * `kind: "exposure-curve"`. A family: `kind: "exposure-family"`, the metadata, every account's summary,
 * and the compact form with the rule that evaluates it, so that a consumer can draw any account's
 * exact curve without the workbench. O(n) for an exact family, O(n x budgets) for a sampled one.
 */
export function exposureJson(source: ExposureCurve | ExposureFamily): Record<string, unknown> {
  if (!isFamily(source)) return { kind: "exposure-curve", ...source };
  const form = source.form;
  let compact: Record<string, unknown>;
  switch (form.kind) {
    case "water-level":
      compact = {
        kind: form.kind,
        rule: "h_j(B) = min(bound_j, scale_j * lambda(B)); lambda is linear in B between consecutive (budgets[k], levels[k]) with slope 1 / free[k]; h_j = bound_j from saturation_j on",
        bound: Array.from(form.bound),
        scale: Array.from(form.scale),
        saturation: Array.from(form.saturation),
        budgets: Array.from(form.budgets),
        levels: Array.from(form.levels),
        free: Array.from(form.free),
      };
      break;
    case "ramp":
      compact = {
        kind: form.kind,
        rule: "h_j(B) = min(bound_j, max(0, rate_j * B - offset_j))",
        bound: Array.from(form.bound),
        rate: Array.from(form.rate),
        offset: Array.from(form.offset),
      };
      break;
    case "sampled":
      compact = { kind: form.kind, rule: "haircut[k][j] is account j's haircut at budgets[k]", budgets: Array.from(form.budgets), haircut: form.haircut.map((h) => Array.from(h)) };
      break;
  }
  return {
    kind: "exposure-family",
    mechanism: source.mechanism,
    seed: source.seed,
    method: source.method,
    algorithm: source.algorithm,
    range: source.range,
    answeredTo: Number.isFinite(source.answeredTo) ? source.answeredTo : null,
    touchTolerance: source.touchTolerance,
    ended: source.ended,
    notes: source.notes,
    accounts: exposureSummaries(source),
    form: compact,
  };
}

/**
 * A few lines for a person: method, worst case, first touched, steepest slope, jumps and drops,
 * where the curve ended and why, notes, then up to `maxRows` points. O(points shown).
 */
export function renderExposure(curve: ExposureCurve, maxRows = 25): string {
  const { from, to } = curve.range;
  const lines = [
    `account ${curve.account} under ${curve.mechanism}${curve.seed !== null ? ` (seed ${curve.seed})` : ""}: ${curve.method} (${curve.algorithm}), budgets ${fmt(from)} to ${fmt(to)}`,
    ...summaryLines(curve, curve.method === "exact-breakpoints"),
  ];
  if (curve.ended) lines.push(`  ended         at B = ${fmt(curve.ended.budget)}: ${curve.ended.reason}`);
  for (const note of curve.notes) lines.push(`  note          ${note}`);
  lines.push(`  ${"budget".padStart(14)} ${"haircut".padStart(14)} ${"fraction".padStart(9)}`);
  const shown = curve.points.length <= maxRows ? curve.points : [...curve.points.slice(0, maxRows - 1), curve.points[curve.points.length - 1]!];
  shown.forEach((p, k) => {
    if (k === maxRows - 1 && curve.points.length > maxRows) lines.push(`  … ${curve.points.length - maxRows} more point(s) (--json or --csv for all)`);
    lines.push(`  ${fmt(p.budget).padStart(14)} ${fmt(p.haircut).padStart(14)} ${pct(p.fraction).padStart(9)}`);
  });
  return lines.join("\n");
}

function summaryLines(summary: ExposureSummary, exact: boolean): string[] {
  const worst = summary.worstCase;
  return [
    `  worst case    ${worst === null ? "no budget answered" : `${fmt(worst.haircut)} (${pct(worst.fraction)} of capacity ${fmt(summary.capacity)}) from B = ${fmt(worst.budget)}`}`,
    `  first touched ${summary.firstTouched === null ? "never in this range" : `B > ${fmt(summary.firstTouched)}`}`,
    `  steepest      ${extreme(summary.maxSlope, (size) => `dh/dB = ${fmt(size)}`, "flat")}${exact ? "" : " (between samples)"}`,
    `  largest jump  ${exact ? "none (exact curve, continuous)" : `${extreme(summary.maxJump, (size) => `${fmt(size)} dollars`, "none")} (to the next sample)`}`,
    `  drops         ${exact ? "none (monotone)" : extreme(summary.maxDrop, (size) => `${fmt(size)} dollars (NOT monotone)`, "none (monotone on these samples)")}`,
  ];
}

function extreme(value: CurveExtreme, describe: (size: number) => string, none: string): string {
  return value.atBudget === null ? none : `${describe(value.size)} from B = ${fmt(value.atBudget)}`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e12 ? String(Number(x.toPrecision(8))) : x.toExponential(4);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function familyGrid(family: ExposureFamily): number[] {
  if (family.form.kind === "sampled") return Array.from(family.form.budgets);
  if (family.answeredTo < family.range.from) return [];
  const grid = sampleBudgets(family.range).filter((budget) => budget <= family.answeredTo);
  if (grid[grid.length - 1] !== family.answeredTo) grid.push(family.answeredTo);
  return grid;
}


function isFamily(source: ExposureSource): source is ExposureFamily {
  return !Array.isArray(source) && "form" in (source as object);
}

function isCurve(source: ExposureSource): source is ExposureCurve {
  return !Array.isArray(source) && "points" in (source as object);
}
