/**
 * After a run (or a merge): each wave's frontier rows with every mechanism of that wave placed
 * against them, written atomically to frontier.jsonl. Derived data: it can always be rebuilt from
 * frontier-points.jsonl and results.jsonl.
 *
 * A wave has one curve per feasible region (src/tools/frontier/region.ts). Each mechanism is placed, per
 * frontier kind, against exactly one: the region of its own model if its allocation kept every
 * constraint of it, else the tightest computed region its kept constraints imply; none if no
 * computed region is implied. So every placement's frontier is a lower bound for that mechanism
 * and its distance is never negative.
 */
import { join } from "node:path";
import { RUN_FILES } from "../../floor/records/folder.js";
import { placeOnFrontier, type MechanismPoint, type XSense } from "../frontier/index.js";
import { regionKey, regionWeight, satisfies, type FrontierKind } from "../frontier/region.js";
import type { FrontierRow, JobRow } from "../../floor/records/row.js";
import { readRows, writeAtomic } from "./store.js";

/** How a frontier kind reads a mechanism's row: its (x, y) and which way x is better. */
const AXES: Readonly<Record<string, { xSense: XSense; point: (row: JobRow) => { x: number; y: number } | undefined }>> = {
  "maxAccounts→maxFraction": { xSense: "min", point: (row) => (row.metrics ? { x: row.metrics.touched, y: row.metrics.maxFraction } : undefined) },
  "coverage→touched": { xSense: "max", point: (row) => (row.metrics ? { x: row.metrics.coverage, y: row.metrics.touched } : undefined) },
};

/**
 * The frontier row (of `candidates`, one wave and one kind) a job is placed against, or undefined.
 * Rows without a region (older runs) are one curve for everyone, as they were computed.
 */
export function regionFor(job: JobRow, candidates: readonly FrontierRow[]): FrontierRow | undefined {
  const legacy = candidates.find((row) => row.constraints === undefined);
  if (legacy) return legacy;
  if (!job.constraints) return undefined;
  const own = job.constraints;
  const broken = job.verified?.broken ?? [];
  const fits = candidates.filter((row) => satisfies(own, broken, row.constraints!, row.frontier as FrontierKind));
  const ownKey = regionKey({ ...own, coverage: "atLeast" });
  const exact = fits.find((row) => regionKey(row.constraints!) === regionKey(own) || (row.frontier === "coverage→touched" && regionKey(row.constraints!) === ownKey));
  if (exact) return exact;
  return [...fits].sort((a, b) => regionWeight(b.constraints!) - regionWeight(a.constraints!) || (regionKey(a.constraints!) < regionKey(b.constraints!) ? -1 : 1))[0];
}

/** Places every verified mechanism job of each wave on its frontier rows and writes frontier.jsonl; returns the number of rows. */
export function placeFrontiers(dir: string): number {
  const rows = readRows<FrontierRow>(join(dir, RUN_FILES.frontierPoints));
  if (rows.length === 0) {
    writeAtomic(join(dir, RUN_FILES.frontier), "");
    return 0;
  }
  const byWave = new Map<string, JobRow[]>();
  for (const row of readRows<JobRow>(join(dir, RUN_FILES.results))) {
    // Only allocations the verifier accepted (or whose violations the heuristic declares) are placed.
    if (!row.metrics || row.unexpected.length > 0) continue;
    const list = byWave.get(row.wave) ?? [];
    list.push(row);
    byWave.set(row.wave, list);
  }
  const assigned = new Map<FrontierRow, MechanismPoint[]>();
  const groups = new Map<string, FrontierRow[]>();
  for (const row of rows) {
    const key = `${row.wave}\u0000${row.frontier}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const candidates of groups.values()) {
    const axes = AXES[candidates[0]!.frontier];
    if (!axes) continue;
    for (const job of (byWave.get(candidates[0]!.wave) ?? []).sort((a, b) => (a.mechanism < b.mechanism ? -1 : 1))) {
      const row = regionFor(job, candidates);
      const point = axes.point(job);
      if (!row || !point) continue;
      assigned.set(row, [...(assigned.get(row) ?? []), { mechanism: job.mechanism, ...point }]);
    }
  }
  const placed = rows
    .map((row) => {
      const axes = AXES[row.frontier];
      if (!axes) return row;
      return { ...row, placements: placeOnFrontier(row.points, assigned.get(row) ?? [], { xSense: axes.xSense }) };
    })
    .sort((a, b) => (a.wave < b.wave ? -1 : a.wave > b.wave ? 1 : a.frontier < b.frontier ? -1 : a.frontier > b.frontier ? 1 : (a.region ?? "") < (b.region ?? "") ? -1 : 1));
  writeAtomic(join(dir, RUN_FILES.frontier), placed.map((row) => JSON.stringify(row)).join("\n") + "\n");
  return placed.length;
}
