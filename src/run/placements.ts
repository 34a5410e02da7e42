/**
 * After a run (or a merge): each wave's frontier rows with every mechanism of that wave placed
 * against them, written atomically to frontier.jsonl. Derived data: it can always be rebuilt from
 * frontier-points.jsonl and results.jsonl.
 */
import { join } from "node:path";
import { placeOnFrontier, type MechanismPoint, type XSense } from "../frontier/index.js";
import type { FrontierRow, JobRow } from "../results/row.js";
import { readRows, writeAtomic } from "./store.js";

/** How a frontier kind reads a mechanism's row: its (x, y) and which way x is better. */
const AXES: Readonly<Record<string, { xSense: XSense; point: (row: JobRow) => { x: number; y: number } | undefined }>> = {
  "maxAccounts→maxFraction": { xSense: "min", point: (row) => (row.metrics ? { x: row.metrics.touched, y: row.metrics.maxFraction } : undefined) },
  "coverage→touched": { xSense: "max", point: (row) => (row.metrics ? { x: row.metrics.coverage, y: row.metrics.touched } : undefined) },
};

export function placeFrontiers(dir: string): number {
  const rows = readRows<FrontierRow>(join(dir, "frontier-points.jsonl"));
  if (rows.length === 0) {
    writeAtomic(join(dir, "frontier.jsonl"), "");
    return 0;
  }
  const byWave = new Map<string, JobRow[]>();
  for (const row of readRows<JobRow>(join(dir, "results.jsonl"))) {
    // Only allocations the verifier accepted (or whose violations the heuristic declares) are placed.
    if (!row.metrics || row.unexpected.length > 0) continue;
    const list = byWave.get(row.wave) ?? [];
    list.push(row);
    byWave.set(row.wave, list);
  }
  const placed = rows
    .map((row) => {
      const axes = AXES[row.frontier];
      if (!axes) return row;
      const mechanisms: MechanismPoint[] = [];
      for (const job of (byWave.get(row.wave) ?? []).sort((a, b) => (a.mechanism < b.mechanism ? -1 : 1))) {
        const point = axes.point(job);
        if (point) mechanisms.push({ mechanism: job.mechanism, ...point });
      }
      return { ...row, placements: placeOnFrontier(row.points, mechanisms, { xSense: axes.xSense }) };
    })
    .sort((a, b) => (a.wave < b.wave ? -1 : a.wave > b.wave ? 1 : a.frontier < b.frontier ? -1 : 1));
  writeAtomic(join(dir, "frontier.jsonl"), placed.map((row) => JSON.stringify(row)).join("\n") + "\n");
  return placed.length;
}
