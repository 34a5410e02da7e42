/**
 * Writers for the report's three text forms: CSV (every number at full precision), HTML and
 * Markdown cells (rounded for reading). All locale-independent, so the same rows give the same bytes.
 */
import { csvText } from "../../csv.js";
import type { Cell, Column, Table } from "./tables.js";

/** A number as JavaScript's shortest round-trip form; text quoted and formula-neutralized (src/csv.ts). */
function csvField(value: Cell | undefined): string {
  if (value === null || value === undefined) return "";
  return typeof value === "number" ? String(value) : csvText(String(value));
}

/** CSV with a header row of column keys; numbers as JavaScript's shortest round-trip form. */
export function toCsv(columns: readonly Column[], rows: readonly Readonly<Record<string, Cell>>[]): string {
  const lines = [columns.map((c) => csvField(c.key)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c.key])).join(","));
  return `${lines.join("\n")}\n`;
}

const GROUP = /\B(?=(\d{3})+(?!\d))/g;

/** Thousands separators without Intl, so output does not depend on the machine's ICU data. */
function grouped(text: string): string {
  const [whole, fraction] = text.split(".");
  const sign = whole!.startsWith("-") ? "-" : "";
  const digits = whole!.replace("-", "").replace(GROUP, ",");
  return `${sign}${digits}${fraction !== undefined ? `.${fraction}` : ""}`;
}

/** A number for reading: 4 significant digits (no exponent between 1e-4 and 1e12), integers grouped. */
export function formatNumber(value: number, format?: Column["format"]): string {
  if (!Number.isFinite(value)) return String(value);
  if (format === "int") return grouped(String(Math.round(value)));
  if (format === "percent") return `${(value * 100).toFixed(1)}%`;
  // Below a billionth (of a dollar, or of a fraction) is floating-point noise to a reader, e.g. a
  // shortfall of 4e-11 after a water-filling; it reads as 0. The CSV keeps the exact value.
  if (Math.abs(value) < 1e-9) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e12 || magnitude < 1e-4) return value.toExponential(2);
  if (magnitude >= 1000) return grouped(value.toFixed(0));
  const text = value.toPrecision(4);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

export function formatCell(value: Cell | undefined, column: Column): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "number") return formatNumber(value, column.format);
  return String(value);
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** An HTML table; numeric columns right-aligned. */
export function htmlTable(table: Pick<Table, "columns" | "rows">): string {
  const numeric = (c: Column): boolean => c.format !== "text";
  const head = table.columns.map((c) => `<th${numeric(c) ? ' class="num"' : ""}>${escapeHtml(c.label)}</th>`).join("");
  const body = table.rows
    .map((row) => `<tr>${table.columns.map((c) => `<td${numeric(c) ? ' class="num"' : ""}>${escapeHtml(formatCell(row[c.key], c))}</td>`).join("")}</tr>`)
    .join("\n");
  return `<div class="scroll"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function markdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A GitHub-flavoured Markdown table of the given columns. */
export function markdownTable(table: Pick<Table, "columns" | "rows">, keys?: readonly string[]): string {
  const columns = keys ? table.columns.filter((c) => keys.includes(c.key)) : table.columns;
  const lines = [
    `| ${columns.map((c) => markdownCell(c.label)).join(" | ")} |`,
    `| ${columns.map((c) => (c.format === "text" ? "---" : "---:")).join(" | ")} |`,
    ...table.rows.map((row) => `| ${columns.map((c) => markdownCell(formatCell(row[c.key], c))).join(" | ")} |`),
  ];
  return lines.join("\n");
}
