/**
 * `adl map --accounts FILE --map MAPPING [--out FILE]`: an exchange export through a column mapping
 * (src/pipeline/instance/mapping.ts; the format is in the README) and out as the accounts CSV the workbench
 * reads without one: `id,capacity,<every other loaded column>`. Loading is the loader's own
 * (loadAccounts with the mapping), so the file written holds exactly what `--map` would give
 * `adl solve`, already checked; numbers are the shortest decimals that read back to the same
 * doubles. With `--positions FILE --positions-out FILE` the positions table goes through the mapping's
 * positions section too.
 *
 * Ids are written verbatim (RFC 4180 quoting only), unlike the report's CSVs: this file is an input
 * whose ids must equal the export's, so an id that starts with = + - @ is not prefixed; a note says
 * how many such ids there are, since a spreadsheet would run them as formulas.
 */
import type { AccountTable, PositionTable } from "../domain.js";
import { UsageError } from "../errors.js";

export interface MapOptions {
  readonly accounts: string;
  readonly map?: string;
  readonly column?: string[];
  /** Seniority layer columns (junior first) whose sum is capacity when the file has none. */
  readonly layers?: string;
  readonly positions?: string;
  readonly positionsOut?: string;
  readonly out?: string;
}

/** RFC 4180 quoting, nothing else: the cell reads back as the same text. */
function quoted(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

const FORMULA_LIKE = /^[=+\-@\t\r]/;

/** The account table as CSV: id, capacity, then every other column in load order. O(n * columns). */
export function accountsCsv(table: AccountTable): string {
  const names = ["capacity", ...[...table.columns.keys()].filter((name) => name !== "capacity")];
  const columns = names.map((name) => (name === "capacity" ? table.capacity : table.columns.get(name)!));
  const lines = [["id", ...names.map(quoted)].join(",")];
  for (let i = 0; i < table.ids.length; i++) lines.push([quoted(table.ids[i]!), ...columns.map((column) => String(column[i]!))].join(","));
  return lines.join("\n") + "\n";
}

/** The positions table as CSV: account_id, market, lot_value, lots. O(positions). */
export function positionsCsv(table: PositionTable, accounts: AccountTable): string {
  const lines = ["account_id,market,lot_value,lots"];
  for (let p = 0; p < table.account.length; p++) {
    lines.push([quoted(accounts.ids[table.account[p]!]!), quoted(table.market[p] ?? ""), String(table.lotValue[p]!), String(table.lots[p]!)].join(","));
  }
  return lines.join("\n") + "\n";
}

/** `adl map`: loads through the mapping and writes the accounts (and positions) CSV; returns the exit code. */
export async function mapCommand(options: MapOptions, out: (text: string) => void, note: (text: string) => void): Promise<number> {
  if (options.map === undefined && (options.column ?? []).length === 0) {
    throw new UsageError({ path: "--map" }, "a mapping: --map FILE and/or --column TARGET=SOURCE", "neither");
  }
  if ((options.positions === undefined) !== (options.positionsOut === undefined)) {
    throw new UsageError({ path: "--positions/--positions-out" }, "both --positions FILE and --positions-out FILE, or neither", options.positions === undefined ? "only --positions-out" : "only --positions");
  }
  const [{ loadAccounts, loadPositions }, { mappingOf }, { writeAtomic }] = await Promise.all([import("../pipeline/instance/load.js"), import("../pipeline/solve/inputs.js"), import("../tools/run/store.js")]);
  const mapping = mappingOf({ ...(options.map !== undefined ? { map: options.map } : {}), ...(options.column ? { columns: options.column } : {}) });
  const layers = options.layers !== undefined ? options.layers.split(",").map((name) => name.trim()).filter((name) => name !== "") : [];
  const table = loadAccounts(options.accounts, { layers, ...(mapping ? { mapping } : {}) });
  const positions = options.positions !== undefined ? loadPositions(options.positions, table, mapping) : undefined;
  const what = "a file this process may write, with room for the mapped table";
  const hint = "make room, or choose another --out";
  const text = accountsCsv(table);
  if (options.out !== undefined) writeAtomic(options.out, text, what, hint);
  else out(text);
  if (positions && options.positionsOut !== undefined) writeAtomic(options.positionsOut, positionsCsv(positions, table), what, hint);
  const formulaLike = table.ids.filter((id) => FORMULA_LIKE.test(id)).length;
  const written = options.out !== undefined ? `wrote ${table.ids.length} accounts (${["id", "capacity", ...[...table.columns.keys()].filter((n) => n !== "capacity")].join(", ")}) to ${options.out}` : "";
  if (written) note(`${written}${positions ? `, ${positions.account.length} positions to ${options.positionsOut}` : ""}\n`);
  if (formulaLike > 0) note(`note: ${formulaLike} ids start with = + - @ and are written as they are (so they load back the same); a spreadsheet would run them as formulas\n`);
  return 0;
}
