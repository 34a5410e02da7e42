import type { Allocation, Wave } from "../domain.js";
import { touchTolerance } from "../numeric/tolerance.js";
import type { SolveResult } from "./solve.js";

/** The `--json` object of DESIGN §7: one per solve, stable keys, plain numbers. */
export interface SolveAnswer {
  readonly status: SolveResult["status"];
  readonly path: string;
  readonly budget: number;
  readonly total: number;
  readonly overshoot: number;
  readonly touched: number;
  readonly maxFraction: number;
  readonly objective: readonly number[];
  readonly stages: readonly string[];
  readonly approximation?: readonly { stage: string; lowerBound: number; errorBound: number }[];
  readonly layerTotals?: Readonly<Record<string, number>>;
  readonly allocation: readonly AllocationRow[];
  readonly certificate: SolveResult["certificate"];
  readonly verified: { ok: boolean; worstViolation: number; tolerance: { absolute: number; relative: number }; violations?: readonly unknown[] } | null;
  readonly solver: { name: string; version: string; seconds: number; gap: number | null; nodes: number | null; attempts?: readonly unknown[]; warmStart?: string };
  readonly message?: string;
}

export interface AllocationRow {
  readonly id: string;
  readonly haircut: number;
  readonly lots?: number;
  readonly layers?: Readonly<Record<string, number>>;
}

/** Summary numbers of an allocation, each O(n). */
export function allocationSummary(wave: Wave, allocation: Allocation): { total: number; touched: number; maxFraction: number } {
  const tolerance = touchTolerance(wave);
  let total = 0;
  let touched = 0;
  let maxFraction = 0;
  for (let i = 0; i < allocation.haircut.length; i++) {
    const h = allocation.haircut[i]!;
    total += h;
    if (h > tolerance) touched++;
    const c = wave.capacity[i]!;
    if (c > 0) maxFraction = Math.max(maxFraction, h / c);
  }
  return { total, touched, maxFraction };
}

/** Builds the DESIGN §7 answer from a solve result. */
export function toAnswer(wave: Wave, result: SolveResult): SolveAnswer {
  const allocation = result.allocation;
  const { total, touched, maxFraction } = allocation ? allocationSummary(wave, allocation) : { total: 0, touched: 0, maxFraction: 0 };
  const rows: AllocationRow[] = [];
  let layerTotals: Record<string, number> | undefined;
  if (allocation) {
    const tolerance = touchTolerance(wave);
    const lotsPerAccount = allocation.lots && wave.positions ? lotsByAccount(wave, allocation.lots) : undefined;
    if (wave.layers && allocation.layers) {
      layerTotals = {};
      wave.layers.names.forEach((name, l) => {
        let sum = 0;
        for (const value of allocation.layers![l]!) sum += value;
        layerTotals![name] = sum;
      });
    }
    for (let i = 0; i < allocation.haircut.length; i++) {
      const h = allocation.haircut[i]!;
      if (h <= tolerance) continue;
      const row: { id: string; haircut: number; lots?: number; layers?: Record<string, number> } = { id: wave.ids[i]!, haircut: h };
      if (lotsPerAccount) row.lots = lotsPerAccount[i]!;
      if (wave.layers && allocation.layers) {
        row.layers = Object.fromEntries(wave.layers.names.map((name, l) => [name, allocation.layers![l]![i]!]));
      }
      rows.push(row);
    }
  }
  const approximation = result.stages
    .filter((stage) => stage.errorBound !== undefined)
    .map((stage) => ({ stage: stage.name, lowerBound: stage.lowerBound!, errorBound: stage.errorBound! }));
  return {
    status: result.status,
    path: result.path,
    budget: wave.budget,
    total,
    overshoot: allocation ? total - wave.budget : 0,
    touched,
    maxFraction,
    objective: result.objective,
    stages: result.stageNames,
    ...(approximation.length ? { approximation } : {}),
    ...(layerTotals ? { layerTotals } : {}),
    allocation: rows,
    certificate: result.certificate,
    verified: result.verified
      ? {
          ok: result.verified.ok,
          worstViolation: result.verified.worstViolation,
          tolerance: result.verified.tolerance,
          ...(result.verified.violations.length ? { violations: result.verified.violations.slice(0, 50) } : {}),
        }
      : null,
    solver: {
      name: result.solver.name,
      version: result.solver.version,
      seconds: result.solver.seconds,
      gap: result.solver.gap,
      nodes: result.solver.nodes,
      ...(result.solver.attempts.length ? { attempts: result.solver.attempts } : {}),
      ...(result.solver.warmStart ? { warmStart: result.solver.warmStart } : {}),
    },
    ...(result.message ? { message: result.message } : {}),
  };
}

function lotsByAccount(wave: Wave, lots: Int32Array): Int32Array {
  const perAccount = new Int32Array(wave.ids.length);
  const account = wave.positions!.account;
  for (let p = 0; p < lots.length; p++) perAccount[account[p]!] = perAccount[account[p]!]! + lots[p]!;
  return perAccount;
}
