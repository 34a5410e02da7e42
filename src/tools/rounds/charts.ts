/**
 * A rounds run or a scored round table as the plain inputs of the report's rounds charts
 * (src/tools/report/rounds-charts.ts, re-exported here for the rounds command and tests).
 */
import type { RoundReportRow, ShareInput } from "../report/rounds-charts.js";
import type { RoundsResult } from "./run.js";
import type { TableScore } from "./table.js";

export * from "../report/rounds-charts.js";

/** One row per policy and round, in run order. O(policies * rounds). */
export function roundRows(result: RoundsResult): RoundReportRow[] {
  return result.rows.map((row) => ({
    policy: row.policy,
    round: row.round,
    label: row.label,
    theta: row.theta,
    haircut: row.haircut,
    needed: row.needed,
    budget: row.budget,
    loss: row.loss,
    cumulativeLoss: row.cumulativeLoss,
    regret: row.cumulativeDynamicRegret,
    cumulativeBound: row.cumulativeBound,
  }));
}

/** A scored round table (adl rounds TABLE) as the share-of-bound chart's input. O(policies). */
export function tableShares(score: TableScore, name: string): ShareInput {
  return { name, bound: score.bound, policies: score.policies.map((p) => ({ name: p.name, loss: p.total, shareOfBound: p.shareOfBound })) };
}
