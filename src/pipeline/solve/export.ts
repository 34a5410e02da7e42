import type { Wave } from "../../domain.js";
import { UsageError } from "../../errors.js";
import { lowerWave } from "../lower/compile.js";
import type { BackendChoice } from "../backends/backend.js";
import { toCplexLp, toFreeMps } from "../backends/formats.js";
import { solveLexicographicStages } from "./solve.js";

export interface ExportOptions {
  readonly format: "lp" | "mps";
  /** 1-based lexicographic stage; stages before it are solved (with `backend`) and fixed first. */
  readonly stage: number;
  readonly backend: BackendChoice;
}

/**
 * Writes the LP/MIP of one lexicographic stage for an outside solver (CBC, GLPK, Gurobi …).
 * Stage 1 needs no solve; a later stage needs its predecessors' optima, which are solved here.
 */
export async function exportWave(wave: Wave, options: ExportOptions): Promise<string> {
  const lowered = lowerWave(wave);
  const count = lowered.stages.length;
  if (!Number.isInteger(options.stage) || options.stage < 1 || options.stage > count) {
    throw new UsageError({ path: "--stage" }, `an integer from 1 to ${count} (stages: ${lowered.stages.map((s) => s.name).join(", ")})`, String(options.stage));
  }
  const problem = await solveLexicographicStages(wave, lowered, options.stage - 1, options.backend);
  return options.format === "lp" ? toCplexLp(problem) : toFreeMps(problem);
}
