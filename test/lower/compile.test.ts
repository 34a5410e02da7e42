import { describe, expect, it } from "vitest";
import { lowerWave, tangentEnvelope } from "../../src/pipeline/lower/compile.js";
import { phiEvaluator } from "../../src/pipeline/verify/objectives.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

describe("lowerWave", () => {
  const accounts = accountsOf({ capacity: [10, 0, 5, 1], gains: [8, 0, 4, 0.5], principal: [2, 0, 1, 0.5], lot_value: [1, 1, 2, 0.5], lots: [10, 0, 2, 2] });

  it("gives no columns to accounts that cannot pay, and uses each account's own bound as big-M", () => {
    const wave = waveOf(modelOf({ objective: [{ kind: "sparsity" }], alpha: 0.5 }), accounts, 6);
    // The plain lowering (structure.test.ts covers the pruned one, which would drop an account here).
    const lowered = lowerWave(wave, { structure: false });
    expect(lowered.activeAccounts).toBe(3);
    const { base } = lowered;
    const touchRows = base.rowNames.map((name, r) => [name, r] as const).filter(([name]) => name.startsWith("touch_"));
    expect(touchRows).toHaveLength(3);
    const bigM = touchRows.map(([, r]) => -base.rowValue[base.rowStart[r]! + 1]!);
    expect(bigM).toEqual([5, 2.5, 0.5]); // alpha * capacity, not a global constant
    expect(lowered.stages.map((s) => s.name)).toEqual(["sparsity"]);
  });

  it("orders stages seniority first (most senior layer first), then the model's objectives", () => {
    const model = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }, { kind: "overshoot" }], seniority: ["gains", "principal"] });
    const lowered = lowerWave(waveOf(model, accounts, 6));
    expect(lowered.stages.map((s) => s.name)).toEqual(["layer:principal", "minmax", "overshoot"]);
  });

  it("makes lot counts integer columns", () => {
    const model = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], lots: { source: "columns", lotValue: "lot_value", lots: "lots" } });
    const lowered = lowerWave(waveOf(model, accounts, 6));
    expect(lowered.stages.map((s) => s.name)).toEqual(["minmax"]);
    expect(lowered.base.integer.reduce((a, b) => a + b, 0)).toBe(3 + 0); // lot columns of positions with Q > 0 (account 1 has none)
  });

  it("recovers lots as integers and haircuts as v * q", () => {
    const model = modelOf({ objective: [{ kind: "sparsity" }], lots: { source: "columns", lotValue: "lot_value", lots: "lots" } });
    const lowered = lowerWave(waveOf(model, accounts, 6), { structure: false });
    const values = new Float64Array(lowered.base.columnLower.length);
    const q0 = lowered.base.columnNames.indexOf("q_0");
    const q2 = lowered.base.columnNames.indexOf("q_2");
    values[q0] = 3.9999999;
    values[q2] = 1.0000001;
    const allocation = lowered.recover(values);
    expect(Array.from(allocation.lots!)).toEqual([4, 0, 1, 0]);
    expect(Array.from(allocation.haircut)).toEqual([4, 0, 2, 0]);
  });
});

describe("tangentEnvelope", () => {
  it.each([1.5, 2, 3])("lies below x^%s, touches it at the tangent points, and converges", (p) => {
    const worstByTangents: number[] = [];
    for (const tangents of [4, 32]) {
      const points = tangentEnvelope(p, tangents);
      const envelope = phiEvaluator({ kind: "piecewise", points });
      let worst = 0;
      for (let k = 0; k <= 1000; k++) {
        const x = k / 1000;
        const gap = x ** p - envelope(x);
        expect(gap).toBeGreaterThanOrEqual(-1e-12);
        worst = Math.max(worst, gap);
      }
      for (let k = 0; k <= tangents; k++) expect(envelope(k / tangents)).toBeCloseTo((k / tangents) ** p, 12);
      worstByTangents.push(worst);
    }
    // Measured: 32 tangents keep x^1.5, x^2 and x^3 within 1.1e-3 of the true curve on [0, 1].
    expect(worstByTangents[1]!).toBeLessThan(worstByTangents[0]! / 10);
    expect(worstByTangents[1]!).toBeLessThan(1.5e-3);
  });
});

describe("lift (allocation → column values, the MIP start)", () => {
  const models = ["queue-l0", "alpha-capped", "profits-first", "lots-minmax", "lots-sparsity-overshoot", "convex-quadratic", "risk-weighted"];

  it.each(models)("lifts the dedicated or heuristic answer of %s to a point that satisfies every row and bound", async (name) => {
    const { loadModel } = await import("../../src/pipeline/model/parse.js");
    const { solveWave } = await import("../../src/pipeline/solve/solve.js");
    const { closeBackends } = await import("../../src/pipeline/backends/robust.js");
    const accounts = accountsOf({
      capacity: [10, 5, 1, 7, 0],
      gains: [8, 4, 0.5, 2, 0],
      principal: [2, 1, 0.5, 5, 0],
      risk_weight: [1, 2, 1, 3, 1],
      lot_value: [1, 1, 0.5, 2, 1],
      lots: [10, 5, 2, 3, 0],
    });
    const wave = waveOf(loadModel(`models/${name}.yaml`), accounts, 4);
    const result = await solveWave(wave);
    await closeBackends();
    expect(result.status).toBe("optimal");
    const lowered = lowerWave(wave);
    const values = lowered.lift(result.allocation!);
    const { base } = lowered;
    for (let j = 0; j < values.length; j++) {
      expect(values[j]!, base.columnNames[j]).toBeGreaterThanOrEqual(base.columnLower[j]! - 1e-9);
      expect(values[j]!, base.columnNames[j]).toBeLessThanOrEqual(base.columnUpper[j]! + 1e-9);
    }
    for (let r = 0; r < base.rowLower.length; r++) {
      let activity = 0;
      for (let k = base.rowStart[r]!; k < base.rowStart[r + 1]!; k++) activity += base.rowValue[k]! * values[base.rowIndex[k]!]!;
      expect(activity, base.rowNames[r]).toBeGreaterThanOrEqual(base.rowLower[r]! - 1e-9);
      expect(activity, base.rowNames[r]).toBeLessThanOrEqual(base.rowUpper[r]! + 1e-9);
    }
    // And the first stage's objective at the lifted point is the allocation's own value.
    const stage = lowered.stages[0]!;
    let objective = stage.constant;
    for (let j = 0; j < values.length; j++) objective += stage.cost[j]! * values[j]!;
    if (!stage.name.startsWith("convex")) expect(objective / (stage.normalizer ?? 1)).toBeCloseTo(result.stages[0]!.value, 9);
  });
});
