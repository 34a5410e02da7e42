import { closeSync, openSync, writeSync } from "node:fs";
import type { AccountTable } from "../domain.js";

/**
 * Writes an account table as CSV (id first, then every numeric column), in chunks of 10,000 rows
 * so that 10^6 accounts never hold one giant string. Numbers are written with their shortest
 * round-trip representation, so reading the file back gives the same doubles.
 */
export function writeAccountsCsv(table: AccountTable, target: string | number): void {
  const fd = typeof target === "number" ? target : openSync(target, "w");
  try {
    const names = [...table.columns.keys()];
    const columns = names.map((name) => table.columns.get(name)!);
    writeSync(fd, ["id", ...names].join(",") + "\n");
    const chunk = 10_000;
    for (let start = 0; start < table.ids.length; start += chunk) {
      const lines: string[] = [];
      const end = Math.min(table.ids.length, start + chunk);
      for (let i = start; i < end; i++) {
        let line = table.ids[i]!;
        for (const column of columns) line += "," + String(column[i]);
        lines.push(line);
      }
      writeSync(fd, lines.join("\n") + "\n");
    }
  } finally {
    if (typeof target !== "number") closeSync(fd);
  }
}
