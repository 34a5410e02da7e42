/**
 * Comparisons on the same waves, the scorecard and the verdict wording, on hand-made rows whose
 * every expected number is worked out by hand below (the oracle is arithmetic, not the code).
 */
import { describe, expect, it } from "vitest";
import { answeredByAll, commonWaves, mechanismStatistics, outcomes, quantile, summarize, trilemmaTable } from "../../src/tools/report/compare.js";
import { paretoEfficient, scorecard } from "../../src/tools/report/scorecard.js";
import { verdictOf, verification } from "../../src/tools/report/tables.js";
import type { JobMetrics, JobRow } from "../../src/floor/records/row.js";

const BUDGET = 100;

function metrics(total: number, over: Partial<JobMetrics> = {}): JobMetrics {
  return {
    total,
    coverage: total / BUDGET,
    shortfall: Math.max(0, BUDGET - total),
    overshoot: total - BUDGET,
    overshootShare: (total - BUDGET) / BUDGET,
    residualInsolvency: Math.max(0, BUDGET - total),
    touched: 10,
    touchedShare: 0.1,
    maxFraction: 0.5,
    giniOfFractions: 0.3,
    hhi: 0.1,
    top1Share: 0.2,
    ptsr: null,
    pmr: null,
    brittleness: null,
    rankFlips: null,
    gameability: null,
    ltvRetained: 0.8,
    ltvLoss: 20,
    principalTaken: 0,
    ...over,
  };
}

function job(mechanism: string, wave: string, kind: JobRow["kind"], m: JobMetrics | null, extra: Partial<JobRow> = {}): JobRow {
  return {
    wave,
    scenario: "s",
    seed: 1,
    n: 100,
    budget: BUDGET,
    totalCapacity: 1000,
    budgetShare: 0.1,
    job: `${wave}|${mechanism}`,
    mechanism,
    kind,
    model: "m",
    params: {},
    status: m ? (kind === "model" ? "optimal" : "heuristic") : "infeasible",
    path: "x",
    seconds: 0.01,
    gap: null,
    nodes: null,
    metrics: m,
    verified: m ? { ok: true, worstViolation: 0, broken: [] } : null,
    unexpected: [],
    certificate: { feasible: true, shortfall: 0, broken: [] },
    lorenz: [],
    fractionByCapacity: [],
    ...extra,
  };
}

const infeasible = (shortfall: number): Partial<JobRow> => ({ status: "infeasible", certificate: { feasible: false, shortfall, broken: [{ promise: "alpha", need: BUDGET, have: BUDGET - shortfall }] } });

/**
 * Four waves. "queue" (the baseline) answers all, max fraction 1 and LTV 0.6, and overshoots wave 4
 * by 30%. "capped" refuses waves 3 and 4 (alpha infeasible, certificate shortfalls 40 and 70), and
 * looks fair on the easy ones: max fraction 0.1, LTV 0.95. "failing" errors on wave 2.
 */
const JOBS: JobRow[] = [
  job("queue", "w1", "heuristic", metrics(100, { maxFraction: 1, ltvRetained: 0.6, touched: 2, principalTaken: 10 })),
  job("queue", "w2", "heuristic", metrics(100, { maxFraction: 1, ltvRetained: 0.6, touched: 3, principalTaken: 20 })),
  job("queue", "w3", "heuristic", metrics(100, { maxFraction: 1, ltvRetained: 0.6, touched: 4, principalTaken: 30 })),
  job("queue", "w4", "heuristic", metrics(130, { maxFraction: 1, ltvRetained: 0.6, touched: 5, principalTaken: 40 })),
  job("capped", "w1", "model", metrics(100, { maxFraction: 0.1, ltvRetained: 0.95, touched: 50, principalTaken: 0 })),
  job("capped", "w2", "model", metrics(100, { maxFraction: 0.1, ltvRetained: 0.95, touched: 60, principalTaken: 0 })),
  job("capped", "w3", "model", null, infeasible(40)),
  job("capped", "w4", "model", null, infeasible(70)),
  job("failing", "w1", "heuristic", metrics(100)),
  job("failing", "w2", "heuristic", null, { status: "error", budget: 0, message: "boom" }),
  job("failing", "w3", "heuristic", metrics(100)),
  job("failing", "w4", "heuristic", metrics(100)),
];

describe("outcomes on the same waves", () => {
  const all = outcomes(JOBS);

  it("counts a refused wave as a solvency failure with the certificate's shortfall, a failed job with all of B", () => {
    const capped = all.get("capped")!;
    expect(capped.get("w3")).toMatchObject({ answered: false, solvent: false, shortfall: 40, coverage: 0.6 });
    expect(capped.get("w4")).toMatchObject({ answered: false, solvent: false, shortfall: 70, coverage: 0.3 });
    // The error row has no budget of its own: the wave's B comes from the other jobs.
    expect(all.get("failing")!.get("w2")).toMatchObject({ answered: false, solvent: false, shortfall: 100, coverage: 0 });
  });

  it("caps coverage at 100% and keeps overshoot apart", () => {
    expect(all.get("queue")!.get("w4")).toMatchObject({ coverage: 1, solvent: true, overshoot: 30, overshootShare: 0.3 });
  });

  it("uses one common set of waves, and the waves all answered for fairness", () => {
    expect(commonWaves(all)).toEqual(["w1", "w2", "w3", "w4"]);
    expect(answeredByAll(all, ["queue", "capped", "failing"], commonWaves(all))).toEqual(["w1"]);
  });

  it("gives means beside p50, p95 (the bad tail) and worst", () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.95)).toBeCloseTo(9.5, 12);
    expect(summarize([0, 0, 40, 70], true)).toMatchObject({ mean: 27.5, p50: 20, worst: 70, sum: 110 });
    // Coverage: larger is better, so the bad tail is the 5th percentile and the worst the minimum.
    expect(summarize([1, 1, 0.6, 0.3], false)).toMatchObject({ worst: 0.3, p50: 0.8 });
    const table = mechanismStatistics(JOBS);
    const capped = table.rows.find((r) => r.mechanism === "capped")!;
    expect(capped).toMatchObject({ waves: 4, answered: 2, solvent: 2, failures: 2, shortfall: 27.5, shortfallWorst: 70, coverage: (1 + 1 + 0.6 + 0.3) / 4, coverageWorst: 0.3 });
    // Fairness over the waves it answered, with the count beside it.
    expect(capped.maxFraction).toBeCloseTo(0.1, 12);
    const queue = table.rows.find((r) => r.mechanism === "queue")!;
    expect(queue).toMatchObject({ solvent: 4, shortfall: 0, overshoot: 7.5, overshootWorst: 30 });
  });

  it("puts the trilemma's fairness on the waves every drawn mechanism answered", () => {
    const t = trilemmaTable(JOBS, ["queue", "capped"]);
    const capped = t.rows.find((r) => r.mechanism === "capped")!;
    const queue = t.rows.find((r) => r.mechanism === "queue")!;
    expect(capped).toMatchObject({ fairnessWaves: 2, solventShare: 0.5, coverage: 0.725 });
    expect(queue).toMatchObject({ fairnessWaves: 2, solventShare: 1, coverage: 1, maxFraction: 1 });
    expect(t.basis).toContain("2 waves all 2 answered");
  });
});

describe("the scorecard", () => {
  const card = scorecard(JOBS, { baseline: "queue", axes: ["shortfall", "maxFraction", "ltvRetained"] });
  const row = (m: string) => card.table.rows.find((r) => r.mechanism === m)!;

  it("compares every mechanism with the baseline on the waves both answered, in dollars and counts", () => {
    expect(card.baseline).toBe("queue");
    expect(card.table.rows[0]!.mechanism).toBe("queue");
    const capped = row("capped");
    expect(capped).toMatchObject({ waves: 4, answered: 2, solvent: 2, solventVsBaseline: -2, shortfall: 110, shortfallVsBaseline: 110, pairedWaves: 2 });
    // On w1 and w2: principal 0 vs 10 + 20; touched 55 vs 2.5 per wave; max fraction 0.1 vs 1.
    expect(capped.principalTaken).toBe(0);
    expect(capped.principalTakenVsBaseline).toBe(-30);
    expect(capped.touchedVsBaseline).toBeCloseTo(52.5, 12);
    expect(capped.maxFractionVsBaseline).toBeCloseTo(-0.9, 12);
    expect(capped.ltvRetainedVsBaseline).toBeCloseTo(0.35, 12);
    expect(row("failing")).toMatchObject({ solvent: 3, solventVsBaseline: -1, shortfallVsBaseline: 100, pairedWaves: 3 });
  });

  it("reads each mechanism in one sentence from its numbers", () => {
    const capped = card.readings.find((r) => r.mechanism === "capped")!.text;
    expect(capped).toContain("covers the budget on 2 of 4 waves (−2 vs queue), shortfall +$110");
    expect(capped).toContain("on the 2 waves both answered");
    expect(capped).toContain("worst haircut 10.0% (−90.0 pp)");
    expect(capped).toContain("−$30 of principal");
    expect(capped.split(". ").length).toBe(1);
    expect(card.readings.find((r) => r.mechanism === "queue")!.text).toMatch(/^Baseline: covers the budget on 4 of 4 waves/);
  });

  it("marks Pareto efficiency on the chosen axes, on the same waves", () => {
    // On w1 (the one wave all answered): queue 1 / 0.6, capped 0.1 / 0.95, failing 0.5 / 0.8;
    // shortfall over all waves: queue 0, capped 27.5, failing 25. capped and queue trade off;
    // failing is better than capped on shortfall, so nobody dominates it either.
    expect([...card.pareto].sort()).toEqual(["capped", "failing", "queue"]);
    const values = new Map([
      ["a", [1, 2]],
      ["b", [2, 1]],
      ["c", [2, 2]],
      ["d", [1, 2]],
    ]);
    expect(paretoEfficient(values, [true, true])).toEqual(["a", "b", "d"]);
    expect(paretoEfficient(values, [false, false])).toEqual(["c"]);
  });

  it("says so when the named baseline is not in the run", () => {
    const other = scorecard(JOBS, { baseline: "queue:binance", axes: ["shortfall", "maxFraction"] });
    expect(other.baseline).toBeNull();
    expect(other.baselineNote).toContain("queue:binance");
  });

  it("resolves a model name to its first display name", () => {
    const swept = JOBS.map((j) => ({ ...j, mechanism: j.mechanism === "capped" ? "capped[alpha=0.1]" : j.mechanism }));
    expect(scorecard(swept, { baseline: "capped", axes: ["shortfall", "maxFraction"] }).baseline).toBe("capped[alpha=0.1]");
  });
});

describe("verdict wording", () => {
  const overCapacity = job("queue:x", "w9", "heuristic", metrics(80), {
    verified: { ok: false, worstViolation: 20, broken: ["coverage"] },
    certificate: { feasible: false, shortfall: 20, broken: [{ promise: "capacity", need: 100, have: 80 }] },
  });
  const declared = job("queue:x", "w8", "heuristic", metrics(100), { verified: { ok: false, worstViolation: 3, broken: ["alpha"] } });
  const failed = job("queue:x", "w7", "heuristic", metrics(90), { verified: { ok: false, worstViolation: 10, broken: ["coverage"] }, unexpected: ["coverage"] });
  const ok = job("queue:x", "w6", "heuristic", metrics(100));

  it("separates over capacity (by the certificate) from declared omissions and from verifier failures", () => {
    expect(verdictOf(overCapacity)).toBe("over capacity");
    expect(verdictOf(declared)).toBe("declared");
    expect(verdictOf(failed)).toBe("failed");
    expect(verdictOf(ok)).toBe("ok");
    const row = verification([overCapacity, declared, failed, ok]).rows[0]!;
    expect(row).toMatchObject({ verifierOk: 1, overCapacity: 1, declaredOmissions: 1, verifierFailed: 1, declaredBroken: "alpha" });
    expect(row.reading).toContain("covers what it can; wave over capacity (1)");
    expect(row.reading).toContain("verifier failed on 1");
  });

  it("does not say 'verifier failed' for a rule that only falls short on waves over capacity", () => {
    const row = verification([overCapacity, ok]).rows[0]!;
    expect(row).toMatchObject({ verifierFailed: 0, overCapacity: 1, declaredBroken: "" });
    expect(row.reading).toBe("covers what it can; wave over capacity (1)");
  });
});
