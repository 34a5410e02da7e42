import { readFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import type { Allocation, Wave } from "../domain.js";
import { InstanceError, describeReadError } from "../errors.js";
import { solveWave, type SolveRequest, type SolveResult } from "../solve/solve.js";
import { juniorFirstSplit } from "../verify/objectives.js";
import { verifyAllocation, type Verdict } from "../verify/verify.js";
import { relativeGap } from "./compare.js";

/**
 * Reads a production allocation: CSV with a header `id` and `haircut` and/or `lots` (and, with a
 * seniority ladder, optionally one column per layer). Accounts not listed get no haircut. With lots
 * and no haircut column, h_i = v_i q_i; with a haircut and no lots, q_i = h_i / v_i rounded (the
 * verifier then reports any haircut that is not a whole number of lots). Without layer columns the
 * haircut is split junior-first, the most favourable split, so a seniority breach reported is real.
 */
export function readAllocationCsv(path: string, wave: Wave): Allocation {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InstanceError({ file: path }, "a readable allocation CSV file", describeReadError(error));
  }
  let records: string[][];
  try {
    records = parseCsv(text, { skip_empty_lines: true, relax_column_count: false });
  } catch (error) {
    throw new InstanceError({ file: path }, "a well-formed CSV file", (error as Error).message);
  }
  const header = records[0];
  if (!header || !header.includes("id")) throw new InstanceError({ file: path, row: 0 }, "a header with an id column", header ? header.join(",") : "an empty file");
  const column = (name: string): number => header.indexOf(name);
  const idColumn = column("id");
  const haircutColumn = column("haircut");
  const lotsColumn = column("lots");
  if (haircutColumn < 0 && lotsColumn < 0) throw new InstanceError({ file: path, row: 0 }, "a haircut and/or a lots column", header.join(","));
  if (lotsColumn >= 0 && !wave.positions) throw new InstanceError({ file: path, field: "lots" }, "no lots column: the model has no lots", "a lots column");
  const layerColumns = wave.layers ? wave.layers.names.map((name) => column(name)) : [];
  const hasLayers = layerColumns.length > 0 && layerColumns.every((k) => k >= 0);

  const n = wave.ids.length;
  const index = new Map(wave.ids.map((id, i) => [id, i]));
  const positionOf = new Int32Array(n).fill(-1);
  if (wave.positions) {
    const account = wave.positions.account;
    const count = new Int32Array(n);
    for (let p = 0; p < account.length; p++) {
      count[account[p]!]!++;
      positionOf[account[p]!] = p;
    }
    if (lotsColumn >= 0 && count.some((c) => c > 1)) {
      throw new InstanceError({ file: path, field: "lots" }, "one position per account (per-position lots are not read yet)", "accounts with several positions");
    }
  }
  const haircut = new Float64Array(n);
  const lots = wave.positions ? new Int32Array(wave.positions.account.length) : undefined;
  const layers = hasLayers ? wave.layers!.names.map(() => new Float64Array(n)) : undefined;
  const seen = new Uint8Array(n);
  const number = (row: number, field: string, raw: string | undefined, integer = false): number => {
    const value = Number(raw);
    if (raw === undefined || raw.trim() === "" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
      throw new InstanceError({ file: path, row, field }, integer ? "a whole number >= 0" : "a finite number >= 0", JSON.stringify(raw ?? ""));
    }
    return value;
  };
  for (let r = 1; r < records.length; r++) {
    const record = records[r]!;
    const id = record[idColumn]!;
    const i = index.get(id);
    if (i === undefined) throw new InstanceError({ file: path, row: r, field: "id" }, "an id of the accounts file", JSON.stringify(id));
    if (seen[i]) throw new InstanceError({ file: path, row: r, field: "id" }, "each id once", `${JSON.stringify(id)} again`);
    seen[i] = 1;
    const p = positionOf[i]!;
    if (lotsColumn >= 0) {
      const q = number(r, "lots", record[lotsColumn], true);
      if (p < 0) {
        if (q > 0) throw new InstanceError({ file: path, row: r, field: "lots" }, "no lots for an account without a position", String(q));
      } else lots![p] = q;
      haircut[i] = haircutColumn >= 0 ? number(r, "haircut", record[haircutColumn]) : p >= 0 ? wave.positions!.lotValue[p]! * q : 0;
    } else {
      haircut[i] = number(r, "haircut", record[haircutColumn]);
      if (lots && p >= 0) lots[p] = Math.round(haircut[i]! / wave.positions!.lotValue[p]!);
    }
    if (layers) layerColumns.forEach((k, l) => (layers[l]![i] = number(r, wave.layers!.names[l]!, record[k])));
  }
  return {
    haircut,
    ...(lots ? { lots } : {}),
    ...(wave.layers ? { layers: layers ?? juniorFirstSplit(wave, haircut) } : {}),
  };
}

export interface Validation {
  readonly verdict: Verdict;
  readonly optimum: SolveResult;
  /** value - optimum and (value - optimum)/|optimum| per stage. */
  readonly gaps: readonly { stage: string; value: number; optimum: number | null; absolute: number | null; relative: number | null }[];
  readonly maxGap: number;
  /** False on any violation or a relative gap above maxGap (an absolute gap on a zero optimum counts as infinite). */
  readonly pass: boolean;
}

/** Checks a production allocation against every constraint of the model and each objective against the optimum. */
export async function validateAllocation(wave: Wave, allocation: Allocation, maxGap = Infinity, request: SolveRequest = {}): Promise<Validation> {
  const verdict = verifyAllocation(wave, allocation);
  const optimum = await solveWave(wave, request);
  const known = optimum.status === "optimal";
  const gaps = verdict.objectives.map((value, s) => {
    const best = known ? optimum.objective[s]! : null;
    return {
      stage: optimum.stageNames[s] ?? `stage ${s + 1}`,
      value,
      optimum: best,
      absolute: best === null ? null : value - best,
      relative: best === null ? null : relativeGap(value, best),
    };
  });
  const tooFar = gaps.some((gap) => (gap.relative === null ? gap.absolute !== null && gap.absolute > 1e-9 * Math.max(1, wave.budget) && maxGap < Infinity : gap.relative > maxGap));
  return { verdict, optimum, gaps, maxGap, pass: verdict.ok && !tooFar };
}
