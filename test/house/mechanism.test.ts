/**
 * The mechanism home (src/mechanism): one run → Outcome, one classification and coverage rule that
 * every tool reads the same way, the heuristic conformance suite, and a toy rule (./toy-rule.ts)
 * that plugs in through the interfaces alone.
 */
import { afterAll, describe, expect, it } from "vitest";
import { compareWave } from "../../src/tools/compare/compare.js";
import type { Allocation, Wave } from "../../src/domain.js";
import { noDedicatedAlgorithm } from "../../src/pipeline/exact/index.js";
import { exposureCurve } from "../../src/tools/exposure/index.js";
import { closedFormApplies } from "../../src/tools/frontier/index.js";
import { defineHeuristic, getHeuristic, heuristicNames, rankDescending, type Heuristic } from "../../src/heuristics/index.js";
import {
  closedFormShape,
  exactMechanism,
  heuristicConformanceCases,
  heuristicMechanism,
  modelPlan,
  runHeuristicConformance,
} from "../../src/mechanism/index.js";
import { runChecked, NoAllocationError } from "../../src/pipeline/metrics/transform.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";
import { equalDollars } from "./toy-rule.js";

afterAll(async () => {
  await closeBackends();
});

const proRataModel = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }] });
/** Capacities 8, 4, 0.5 (12.5 in all). */
const threeAccounts = accountsOf({ capacity: [8, 4, 0.5] }, ["A", "B", "C"]);

describe("the toy rule plugs in through the interfaces alone", () => {
  it("passes every heuristic conformance case", async () => {
    const report = await runHeuristicConformance(equalDollars);
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(heuristicConformanceCases().map((c) => c.name));
  });

  it("runs as a Mechanism: equal dollars, capped, verified, nothing unexpected", async () => {
    const wave = waveOf(proRataModel, threeAccounts, 6);
    const outcome = await heuristicMechanism(equalDollars).run(wave);
    // 0.5 is capped; A and B share the other 5.5 equally.
    expect(Array.from(outcome.allocation!.haircut)).toEqual([2.75, 2.75, 0.5]);
    expect(outcome.verdict!.ok).toBe(true);
    expect(outcome.unexpected).toEqual([]);
    expect(outcome.status).toBe("heuristic");
  });

  it("exposure draws its curve exactly from the declared water level, which the spot check confirms", async () => {
    const wave = waveOf(proRataModel, threeAccounts, 0);
    const curve = await exposureCurve(wave, 0, heuristicMechanism(equalDollars), { budgets: { from: 0, to: 12.5, steps: 10 } });
    expect(curve.method).toBe("exact-breakpoints");
    expect(curve.algorithm).toBe("equal-dollars");
    // Kinks where C (0.5, at B = 1.5) and B (4, at B = 8.5) saturate: closed form by hand.
    expect(curve.points.map((p) => [p.budget, p.haircut])).toEqual([
      [0, 0],
      [1.5, 0.5],
      [8.5, 4],
      [12.5, 8],
    ]);
  });

  it("compare places it against the optimum like any built-in", async () => {
    const comparison = await compareWave(waveOf(proRataModel, threeAccounts, 6), [equalDollars]);
    const row = comparison.rows[1]!;
    expect(row.mechanism).toBe("toy:equal-dollars");
    expect(row.status).toBe("feasible");
    // C pays all of its 0.5: max fraction 1 against the optimum's 6 / 12.5 (pro-rata).
    expect(row.objective[0]).toBeCloseTo(1, 12);
    expect(row.absoluteGap[0]).toBeCloseTo(1 - 6 / 12.5, 12);
  });
});

describe("the conformance suite can fail", () => {
  const overCap: Heuristic = {
    name: "broken:over-cap",
    description: "takes the whole budget from the first account",
    ignores: [],
    allocate: (wave: Wave): Allocation => {
      const haircut = new Float64Array(wave.ids.length);
      haircut[0] = wave.budget;
      return { haircut };
    },
  };

  it("a rule that takes more than an account has fails the promise cases, and exclude skips a case", async () => {
    const report = await runHeuristicConformance(overCap, { exclude: ["exact coverage"] });
    expect(report.failed.map((f) => f.name)).toContain("caps and coverage");
    expect(report.failed.find((f) => f.name === "caps and coverage")!.message).toMatch(/capacity/);
    expect(report.excluded).toEqual(["exact coverage"]);
    expect([...report.passed, ...report.failed.map((f) => f.name)]).not.toContain("exact coverage");
  });

  it("a rule that falls short without declaring coverage fails on a feasible wave", async () => {
    const half = defineHeuristic({ name: "broken:half", description: "half of the budget, pro-rata", ignores: ["maxAccounts", "seniority"], target: (wave) => wave.upper.map((u) => (u * wave.budget) / 2 / Math.max(1e-300, wave.upper.reduce((a, b) => a + b, 0))) });
    const report = await runHeuristicConformance(half);
    expect(report.failed.map((f) => f.name)).toContain("caps and coverage");
  });

  it("a rule that declares a closed form it does not follow fails the closed-form case", async () => {
    const liar = defineHeuristic({
      name: "broken:liar",
      description: "pro-rata declaring a queue by capacity",
      ignores: ["maxAccounts", "seniority"],
      target: (wave) => getHeuristic("pro-rata:wealth").allocate({ ...wave, positions: undefined, layers: undefined }, { seed: 1 }).haircut,
      budgetShape: (_wave, bound) => ({ kind: "order", algorithm: "queue", order: (members) => rankDescending(bound, members), splitSides: false }),
    });
    const report = await runHeuristicConformance(liar, { exclude: heuristicConformanceCases().map((c) => c.name).filter((name) => name !== "a declared closed form agrees with allocate") });
    expect(report.failed.map((f) => f.name)).toEqual(["a declared closed form agrees with allocate"]);
  });

  it("every built-in preset passes", async () => {
    for (const name of heuristicNames()) {
      const report = await runHeuristicConformance(getHeuristic(name));
      expect(report.failed, name).toEqual([]);
    }
  });
});

describe("one coverage rule, read the same way by every tool", () => {
  // Capacities sum to 12.5; B = 20: no mechanism can cover it (the certificate says so).
  const infeasible = waveOf(proRataModel, threeAccounts, 20);

  it("a shortfall on an infeasible wave is declared, never unexpected: in the Outcome and in compare's row", async () => {
    const outcome = await heuristicMechanism(getHeuristic("pro-rata:wealth")).run(infeasible);
    expect(outcome.verdict!.violations.map((v) => v.constraint)).toEqual(["coverage"]);
    expect(outcome.unexpected).toEqual([]);
    expect(outcome.declared.map((v) => v.constraint)).toEqual(["coverage"]);
    expect(outcome.certificate!.feasible).toBe(false);
    const row = (await compareWave(infeasible, [getHeuristic("pro-rata:wealth")])).rows[1]!;
    expect(row.status).toBe("breaks-declared");
    expect(row.unexpected).toEqual([]);
    expect(row.declared.map((v) => v.constraint)).toEqual(["coverage"]);
  });

  it("the same shortfall on a feasible wave is unexpected", async () => {
    const short: Heuristic = { name: "short", description: "nothing at all", ignores: [], allocate: (wave) => ({ haircut: new Float64Array(wave.ids.length) }) };
    const outcome = await heuristicMechanism(short).run(waveOf(proRataModel, threeAccounts, 6));
    expect(outcome.unexpected.map((v) => v.constraint)).toEqual(["coverage"]);
    expect((await compareWave(waveOf(proRataModel, threeAccounts, 6), [short])).rows[1]!.status).toBe("invalid");
  });

  it("an exact run carries the solve's verdict and certificate; no allocation is a NoAllocationError for the metrics", async () => {
    const outcome = await exactMechanism(proRataModel).run(waveOf(proRataModel, threeAccounts, 6));
    expect(outcome.status).toBe("optimal");
    expect(outcome.verdict).toBe(outcome.solve.verified);
    expect(outcome.certificate).toBe(outcome.solve.certificate);
    expect(outcome.unexpected).toEqual([]);
    const lotted = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], lots: { source: "columns", lotValue: "lot_value", lots: "lots" } });
    // One lot of 5 cannot cover 6 (nor any budget above 5).
    const none = waveOf(lotted, accountsOf({ capacity: [8], lot_value: [5], lots: [1] }), 6);
    await expect(runChecked(exactMechanism(), none)).rejects.toBeInstanceOf(NoAllocationError);
  });
});

describe("one answer to 'is there a dedicated algorithm / a closed form?'", () => {
  const layered = waveOf(modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], seniority: ["gains", "principal"] }), accountsOf({ gains: [2, 3], principal: [6, 1] }), 4);
  const lotted = waveOf(modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], lots: { source: "columns", lotValue: "lot_value", lots: "lots" } }), accountsOf({ capacity: [8, 4], lot_value: [1, 1], lots: [8, 4] }), 4);
  const plain = waveOf(proRataModel, threeAccounts, 6);
  const lexicographic = waveOf(modelOf({ objective: [{ kind: "minmax", scale: "capacity" }, { kind: "sparsity" }] }), threeAccounts, 6);

  it("the frontier's closed form and the model's closed form ask the same shape question", () => {
    for (const wave of [layered, lotted, plain]) expect(closedFormApplies(wave)).toBe(closedFormShape(wave) === undefined);
    expect(closedFormShape(layered)).toMatch(/seniority ladder/);
    expect(closedFormShape(lotted)).toMatch(/lots/);
  });

  it("the model's closed form exists exactly where the structure has a dedicated algorithm and a closed form", () => {
    expect(noDedicatedAlgorithm(lexicographic)).toMatch(/lexicographic/);
    expect(modelPlan(lexicographic)).toMatch(/lexicographic/);
    expect(noDedicatedAlgorithm(lotted)).toBeUndefined();
    expect(modelPlan(lotted)).toMatch(/lots/);
    const plan = modelPlan(plain);
    expect(typeof plan === "string" ? plan : plan.algorithm).toBe("water-filling");
    expect(exactMechanism().closedForm!(plain)).toEqual(plan);
  });
});
