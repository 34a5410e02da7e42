/**
 * Objectives as modules (src/pipeline/objectives): the registry covers every kind the schema admits, and each
 * module's lowering, read at its own MIP-start lift of an allocation, is worth what the independent
 * verifier says that allocation is worth (exactly, or from below for a tangent approximation), at a
 * point that satisfies every row of the lowered problem.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Allocation, Model, ObjectiveSpec } from "../../src/domain.js";
import { getHeuristic } from "../../src/heuristics/index.js";
import { ProblemBuilder } from "../../src/pipeline/lower/builder.js";
import { lowerWave } from "../../src/pipeline/lower/compile.js";
import { OBJECTIVE_KINDS } from "../../src/pipeline/model/parse.js";
import { OBJECTIVES, type LowerContext } from "../../src/pipeline/objectives/index.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { getBackend } from "../../src/pipeline/backends/worker-host.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";
import { inverseCapacity } from "./toy-objective.js";

const accounts = accountsOf({ capacity: [10, 4, 6, 1, 0.5], gains: [3, 4, 1, 0, 0.5], principal: [7, 0, 5, 1, 0] });
const expression = (source: string) => ({ source, where: "test" });

const stages: [string, ObjectiveSpec, "exact" | "below"][] = [
  ["sparsity", { kind: "sparsity" }, "exact"],
  ["overshoot", { kind: "overshoot" }, "exact"],
  ["minmax by capacity", { kind: "minmax", scale: "capacity" }, "exact"],
  ["minmax by an expression", { kind: "minmax", scale: expression("capacity + 1") }, "exact"],
  ["convex piecewise", { kind: "convex", phi: { kind: "piecewise", points: [[0, 0], [0.5, 0.5], [1, 2]] }, weight: "capacity" }, "exact"],
  ["convex x^3 (tangents)", { kind: "convex", phi: { kind: "power", p: 3 }, weight: expression("capacity * 2") }, "below"],
];

/** Allocations that cover B = 7: two rules, and one that overshoots and touches an account partly. */
const allocations = (model: Model): [string, Allocation][] => {
  const wave = waveOf(model, accounts, 7);
  return [
    ["pro-rata", getHeuristic("pro-rata:wealth").allocate(wave, { seed: 1 })],
    ["queue", getHeuristic("queue:capacity").allocate(wave, { seed: 1 })],
    ["by hand", { haircut: Float64Array.from([5, 2.5, 0, 0.75, 0.5]) }],
  ];
};

describe("the objective registry", () => {
  it("has a module for every kind the schema admits, and each says its own kind", () => {
    expect(Object.keys(OBJECTIVES).sort()).toEqual([...OBJECTIVE_KINDS].sort());
    for (const [kind, module] of Object.entries(OBJECTIVES)) expect(module.kind).toBe(kind);
  });
});

describe.each(stages)("the %s module", (_name, objective, agreement) => {
  const model = modelOf({ objective: [objective] });
  it.each(allocations(model))("lowers a stage whose value at the lift of the %s allocation is the verifier's", (_label, allocation) => {
    const wave = waveOf(model, accounts, 7);
    const lowered = lowerWave(wave, { structure: false });
    const values = lowered.lift(allocation);
    const { base } = lowered;
    // The lifted point satisfies every row and bound (up to rounding of the sums).
    for (let r = 0; r < base.rowLower.length; r++) {
      let activity = 0;
      for (let k = base.rowStart[r]!; k < base.rowStart[r + 1]!; k++) activity += base.rowValue[k]! * values[base.rowIndex[k]!]!;
      expect(activity, base.rowNames[r]).toBeGreaterThanOrEqual(base.rowLower[r]! - 1e-9);
      expect(activity, base.rowNames[r]).toBeLessThanOrEqual(base.rowUpper[r]! + 1e-9);
    }
    for (let j = 0; j < values.length; j++) {
      expect(values[j], base.columnNames[j]).toBeGreaterThanOrEqual(base.columnLower[j]! - 1e-12);
      expect(values[j], base.columnNames[j]).toBeLessThanOrEqual(base.columnUpper[j]! + 1e-12);
    }
    const stage = lowered.stages[0]!;
    let value = stage.constant;
    for (let j = 0; j < values.length; j++) value += stage.cost[j]! * values[j]!;
    value /= stage.normalizer ?? 1;
    const truth = verifyAllocation(wave, allocation).objectives[0]!;
    if (agreement === "exact") expect(value).toBeCloseTo(truth, 9);
    else {
      // An outer approximation: never above the true value, and close with 32 tangents.
      expect(value).toBeLessThanOrEqual(truth + 1e-9);
      expect(value).toBeGreaterThan(0.98 * truth);
    }
  });
});

describe("a toy objective written against the module interface alone (./toy-objective.ts)", () => {
  afterAll(async () => {
    await closeBackends();
  });

  it("lowers through a LowerContext and HiGHS finds the optimum a greedy oracle proves", async () => {
    // min sum h_i / c_i, 0 <= h_i <= c_i, sum h >= B: fill the largest capacities first.
    const capacity = Float64Array.from([10, 4, 6, 1, 0.5]);
    const budget = 13;
    const wave = waveOf(modelOf({ objective: [{ kind: "sparsity" }] }), accountsOf({ capacity: Array.from(capacity) }), budget);
    const builder = new ProblemBuilder();
    const active = [0, 1, 2, 3, 4];
    const haircutColumn = Int32Array.from(active.map((i) => builder.addColumn(`h_${i}`, 0, capacity[i]!)));
    builder.addRow("coverage", haircutColumn, new Float64Array(active.length).fill(1), budget, Infinity);
    const context: LowerContext = {
      wave,
      active,
      haircutColumn,
      indicatorColumn: new Int32Array(active.length).fill(-1),
      tangents: 32,
      addColumn: (name, lower, upper, integer) => builder.addColumn(name, lower, upper, integer),
      addRow: (name, index, value, lower, upper) => builder.addRow(name, index, value, lower, upper),
    };
    const stage = inverseCapacity.lower(inverseCapacity.bind(capacity), 0, context);
    const cost = new Float64Array(builder.columns);
    for (const [column, value] of stage.terms) cost[column] = cost[column]! + value;
    const solution = await (await getBackend("highs", { inProcess: true })).solve(builder.build(cost, stage.constant), {});
    expect(solution.status).toBe("optimal");
    // Oracle by hand: 10 (cost 1) then 3 of the 6 (cost 0.5): 1 + 0.5 = 1.5.
    expect(solution.objective).toBeCloseTo(1.5, 9);
    expect(Array.from(solution.values!).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([10, 0, 3, 0, 0]);
  });
});
