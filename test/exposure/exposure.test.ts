/**
 * Exposure curves on hand-checked waves, the budgets where a curve is NOT monotone, where curves
 * end, when the stage falls back to sampling, and the CSV / JSON / text forms.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Model, Wave } from "../../src/domain.js";
import { UsageError } from "../../src/errors.js";
import {
  EXPOSURE_CSV_HEADER,
  accountIndexOf,
  curveOf,
  exposureCsv,
  exposureCurve,
  exposureFamily,
  exposureHaircut,
  exposureJson,
  exposureSummaries,
  parseBudgetRange,
  renderExposure,
  writeExposureCsv,
  type ExposureCurve,
} from "../../src/tools/exposure/index.js";
import { exactMechanism, heuristicMechanism } from "../../src/mechanism/index.js";
import { defineHeuristic, getHeuristic, rankDescending, type Heuristic } from "../../src/heuristics/index.js";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

const model = (name: string): Model => loadModel(fileURLToPath(new URL(`../../models/${name}.yaml`, import.meta.url)));
const MODEL = exactMechanism();
const heuristic = (name: string) => heuristicMechanism(getHeuristic(name));

/** Capacities (8, 4, 0.5) for A, B, C: total 12.5. risk_weight (1, 2, 4); a queue score that ranks B, C, A. */
const accounts = accountsOf({ capacity: [8, 4, 0.5], risk_weight: [1, 2, 4], score: [1, 3, 2] }, ["A", "B", "C"]);
const handWave = (name: string, extra: Partial<Model> = {}): Wave => waveOf({ ...model(name), ...extra }, accounts, 5);
const pairs = (curve: ExposureCurve): [number, number][] => curve.points.map((p) => [p.budget, p.haircut]);

function expectPairs(curve: ExposureCurve, expected: [number, number][]): void {
  const actual = pairs(curve);
  expect(actual).toHaveLength(expected.length);
  actual.forEach(([b, h], k) => {
    expect(b).toBeCloseTo(expected[k]![0], 12);
    expect(h).toBeCloseTo(expected[k]![1], 12);
  });
}

describe("hand-checked curves: capacities (8, 4, 0.5)", () => {
  it("pro-rata: C's haircut is 0.5 * B / 12.5 up to B = 12.5, one straight line", async () => {
    const curve = await exposureCurve(handWave("pro-rata"), 2, MODEL);
    expect(curve.method).toBe("exact-breakpoints");
    expect(curve.algorithm).toBe("water-filling");
    expect(curve.range).toEqual({ from: 0, to: 12.5, steps: 100 });
    expectPairs(curve, [[0, 0], [12.5, 0.5]]);
    expect(curve.worstCase).toEqual({ haircut: 0.5, fraction: 1, budget: 12.5 });
    // h = B / 25 exceeds the touch tolerance just above 25 * tolerance.
    expect(curve.firstTouched).toBeCloseTo(25 * curve.touchTolerance, 20);
    expect(curve.maxSlope.size).toBeCloseTo(0.04, 15);
    expect(curve.maxSlope.atBudget).toBe(0);
    expect(curve.maxJump).toEqual({ size: 0, atBudget: null });
    expect(curve.maxDrop).toEqual({ size: 0, atBudget: null });
    expect(curve.ended).toBeNull();
  });

  it("risk-weighted (1, 2, 4): A's curve bends where C (B = 4.5) and B (B = 8.5) are exhausted, and is steepest last", async () => {
    // Scales s = w c = (8, 8, 2), saturation levels c / s = (1, 0.5, 0.25):
    //   B(0.25) = 0.5 + 0.25 * 16 = 4.5,  B(0.5) = 4.5 + 0.5 * 8 = 8.5,  B(1) = 12.5;  h_A = 8 * lambda.
    const curve = await exposureCurve(handWave("risk-weighted"), 0, MODEL);
    expectPairs(curve, [[0, 0], [4.5, 2], [8.5, 4], [12.5, 8]]);
    expect(curve.maxSlope.size).toBeCloseTo(1, 12);
    expect(curve.maxSlope.atBudget).toBeCloseTo(8.5, 12);
    const c = await exposureCurve(handWave("risk-weighted"), 2, MODEL);
    expectPairs(c, [[0, 0], [4.5, 0.5], [12.5, 0.5]]);
    expect(c.worstCase).toEqual({ haircut: 0.5, fraction: 1, budget: 4.5 });
  });

  it("a queue ranking B first (queue:score(score)): B's curve is min(B, 4); C then starts at 4, A at 4.5", async () => {
    const wave = handWave("pro-rata");
    const b = await exposureCurve(wave, 1, heuristic("queue:score(score)"));
    expect(b.method).toBe("exact-breakpoints");
    expect(b.algorithm).toBe("queue");
    expectPairs(b, [[0, 0], [4, 4], [12.5, 4]]);
    expect(b.worstCase).toEqual({ haircut: 4, fraction: 1, budget: 4 });
    expect(b.maxSlope).toEqual({ size: 1, atBudget: 0 });
    const c = await exposureCurve(wave, 2, heuristic("queue:score(score)"));
    expectPairs(c, [[0, 0], [4, 0], [4.5, 0.5], [12.5, 0.5]]);
    expect(c.firstTouched).toBeCloseTo(4 + c.touchTolerance, 12);
    const a = await exposureCurve(wave, 0, heuristic("queue:score(score)"));
    expectPairs(a, [[0, 0], [4.5, 0], [12.5, 8]]);
  });

  it("the L0 model (queue-l0) is the queue by capacity: A = min(B, 8), B = clamp(B - 8, 0, 4), C = clamp(B - 12, 0, 0.5)", async () => {
    const family = await exposureFamily(handWave("queue-l0"), MODEL);
    expect(family.algorithm).toBe("greedy-l0");
    expectPairs(curveOf(family, 0), [[0, 0], [8, 8], [12.5, 8]]);
    expectPairs(curveOf(family, 1), [[0, 0], [8, 0], [12, 4], [12.5, 4]]);
    expectPairs(curveOf(family, 2), [[0, 0], [12, 0], [12.5, 0.5]]);
    const [a, b, c] = exposureSummaries(family);
    // Just above where each starts paying: by the touch tolerance (a ramp of slope 1).
    expect(a!.firstTouched).toBeCloseTo(family.touchTolerance, 20);
    expect(b!.firstTouched).toBeCloseTo(8 + family.touchTolerance, 12);
    expect(c!.firstTouched).toBeCloseTo(12 + family.touchTolerance, 12);
    expect(b!.worstCase).toEqual({ haircut: 4, fraction: 1, budget: 12 });
  });

  it("a range past what the wave holds ends the exact curve at the certificate's coverable amount", async () => {
    const wave = handWave("pro-rata");
    const curve = await exposureCurve(wave, 0, MODEL, { budgets: { from: 2, to: 20, steps: 9 } });
    expectPairs(curve, [[2, 1.28], [12.5, 8]]);
    expect(curve.ended?.budget).toBe(12.5);
    expect(curve.ended?.reason).toMatch(/out of reach.*12\.5/);
    expect((await solveWave({ ...wave, budget: 12.6 })).status).toBe("infeasible");
    const family = await exposureFamily(wave, MODEL, { budgets: { from: 2, to: 20, steps: 9 } });
    expect(exposureHaircut(family, 0, 1)).toBeCloseTo(0.64, 12);
    expect(() => exposureHaircut(family, 0, 12.6)).toThrow(RangeError);
  });

  it("maxAccounts 2 with sparsity: the ramp's domain ends at the top two capacities (12)", async () => {
    const wave = handWave("queue-l0", { maxAccounts: 2 });
    const family = await exposureFamily(wave, MODEL);
    expect(family.method).toBe("exact-breakpoints");
    expect(family.range.to).toBe(12);
    expectPairs(curveOf(family, 1), [[0, 0], [8, 0], [12, 4]]);
    expect((await solveWave({ ...wave, budget: 12 })).allocation!.haircut[1]).toBeCloseTo(4, 12);
    expect((await solveWave({ ...wave, budget: 12.1 })).status).toBe("infeasible");
  });

  it("a queue ignores alpha, so its default range is the full capacity while the model's stops at alpha * capacity", async () => {
    const wave = handWave("alpha-capped");
    expect((await exposureFamily(wave, MODEL)).range.to).toBeCloseTo(0.2 * 12.5, 12);
    const queue = await exposureFamily(wave, heuristic("queue:capacity"));
    expect(queue.range.to).toBe(12.5);
    expectPairs(curveOf(queue, 0), [[0, 0], [8, 8], [12.5, 8]]);
  });
});

describe("where a haircut is NOT monotone in the budget", () => {
  // A: capacity 10 in lots of 3; B: capacity 10 in lots of 2 (5 lots each).
  const lotted = accountsOf({ capacity: [10, 10], lot_value: [3, 2], lots: [5, 5] }, ["A", "B"]);

  it("[sparsity, overshoot] with lots: B pays 2 at budget 2, nothing at 3, 4 at 4 (each the unique optimum)", async () => {
    // One account always suffices. B = 2: B's one lot (overshoot 0) beats A's (overshoot 1).
    // B = 3: A's one lot (overshoot 0) beats B's two (overshoot 1). B = 4: B's two lots (0) beat A's two (2).
    const wave = waveOf(model("lots-sparsity-overshoot"), lotted, 1);
    const curve = await exposureCurve(wave, 1, MODEL, { budgets: { from: 0, to: 4, steps: 4 } });
    expect(curve.method).toBe("sampled");
    expect(curve.notes.join(" ")).toMatch(/lexicographic list/);
    expect(curve.algorithm).toMatch(/^mip:/);
    expect(pairs(curve)).toEqual([[0, 0], [1, 2], [2, 2], [3, 0], [4, 4]]);
    expect(curve.maxDrop).toEqual({ size: 2, atBudget: 2 });
    expect(curve.maxJump).toEqual({ size: 4, atBudget: 3 });
    expect(curve.maxSlope).toEqual({ size: 4, atBudget: 3 });
    expect(curve.worstCase).toEqual({ haircut: 4, fraction: 0.4, budget: 4 });
  });

  it("lots-minmax: the dedicated answer takes B's lot at budget 2 and gives it back at 3", async () => {
    // Budget 2: B's lot costs fraction 0.2, A's 0.3: B pays 2. Budget 3: the optimal level is 0.3
    // (A's lot); at that level B may keep a lot or not (both optimal), and the algorithm's give-back
    // pass returns it, so B pays 0. Not forced by the objective, but it is what the mechanism does.
    const wave = waveOf(model("lots-minmax"), lotted, 1);
    const curve = await exposureCurve(wave, 1, MODEL, { budgets: { from: 2, to: 3, steps: 1 } });
    expect(curve.method).toBe("sampled");
    expect(curve.algorithm).toBe("dedicated:lots-minmax-breakpoints");
    expect(pairs(curve)).toEqual([[2, 2], [3, 0]]);
    expect(curve.maxDrop).toEqual({ size: 2, atBudget: 2 });
  });
});

describe("sampling: when, and how it ends", () => {
  it("a seniority ladder is sampled, and each point is the ladder's solve at that budget", async () => {
    const layered = accountsOf({ gains: [2, 3, 0.5], principal: [6, 1, 0] }, ["A", "B", "C"]);
    const wave = waveOf(model("profits-first"), layered, 1);
    const curve = await exposureCurve(wave, 0, MODEL, { budgets: { from: 0, to: 12.5, steps: 5 } });
    expect(curve.method).toBe("sampled");
    expect(curve.notes.join(" ")).toMatch(/seniority/);
    for (const p of curve.points) expect(p.haircut).toBe((await solveWave({ ...wave, budget: p.budget })).allocation!.haircut[0]);
  });

  it("a rule that borrows a registry name is caught by the spot check and sampled", async () => {
    // A name borrows nothing now (closed forms are declared, not read off names): the impostor
    // declares the capacity queue's order and does pro-rata; the spot check still catches it.
    const impostor = defineHeuristic({
      name: "queue:capacity",
      description: "pro-rata pretending to be a queue",
      ignores: [],
      target: (wave) => wave.upper.map((u) => (u * wave.budget) / 12.5),
      budgetShape: (_wave, bound) => ({ kind: "order", algorithm: "queue", order: (members) => rankDescending(bound, members), splitSides: true }),
    });
    const curve = await exposureCurve(handWave("pro-rata"), 2, heuristicMechanism(impostor), { seed: 0, budgets: { from: 0, to: 12.5, steps: 5 } });
    expect(curve.method).toBe("sampled");
    expect(curve.notes.join(" ")).toMatch(/disagreed with the mechanism itself/);
    expect(curve.points[5]!.haircut).toBeCloseTo(0.5, 12);
  });

  it("a user heuristic outside the registry is sampled; one that cannot cover a budget ends the curve there", async () => {
    const halfOnly: Heuristic = {
      name: "half-only",
      description: "takes at most half of each capacity",
      ignores: ["coverage"],
      allocate: (wave) => ({ haircut: wave.upper.map((u) => Math.min(u / 2, (u * wave.budget) / 12.5)) }),
    };
    const curve = await exposureCurve(handWave("pro-rata"), 0, heuristicMechanism(halfOnly), { seed: 0, budgets: { from: 0, to: 12.5, steps: 4 } });
    expect(curve.method).toBe("sampled");
    expect(curve.notes.join(" ")).toMatch(/outside the registry/);
    expect(curve.points.map((p) => p.budget)).toEqual([0, 3.125, 6.25]);
    expect(curve.ended?.budget).toBe(9.375);
    expect(curve.ended?.reason).toMatch(/covers only 6\.25/);
  });

  it("a sampled family keeps every account at every budget; off-grid budgets are refused", async () => {
    const wave = waveOf(model("lots-minmax"), accountsOf({ capacity: [10, 10, 3], lot_value: [3, 2, 1], lots: [5, 5, 3] }), 1);
    const family = await exposureFamily(wave, MODEL, { budgets: { from: 0, to: 10, steps: 5 } });
    expect(family.method).toBe("sampled");
    expect(family.form.kind).toBe("sampled");
    for (const budget of [0, 2, 4, 6, 8, 10]) {
      const solved = (await solveWave({ ...wave, budget })).allocation!.haircut;
      for (let j = 0; j < 3; j++) expect(exposureHaircut(family, j, budget)).toBe(solved[j]);
    }
    expect(() => exposureHaircut(family, 0, 3)).toThrow(RangeError);
    expect(exposureSummaries(family).map((s) => s.account)).toEqual(["a0", "a1", "a2"]);
  });

  it('method "sampled" forces sampling of an exact mechanism; the samples lie on the exact curve', async () => {
    const wave = handWave("risk-weighted");
    const exact = await exposureFamily(wave, MODEL);
    const sampled = await exposureCurve(wave, 0, MODEL, { method: "sampled", budgets: { from: 0, to: 12.5, steps: 10 } });
    expect(sampled.method).toBe("sampled");
    for (const p of sampled.points) expect(p.haircut).toBeCloseTo(exposureHaircut(exact, 0, p.budget), 12);
  });
});

describe("inputs the CLI passes through", () => {
  it("parses FROM:TO:STEPS and FROM:TO, and says what is wrong otherwise", () => {
    expect(parseBudgetRange("0:1e6:50")).toEqual({ from: 0, to: 1e6, steps: 50 });
    expect(parseBudgetRange(" 10 : 20 ")).toEqual({ from: 10, to: 20, steps: 100 });
    for (const bad of ["5:1:3", "a:b", "0:1:0", "0:1:2.5", "-1:3", "7", "0:1:2:3"]) {
      expect(() => parseBudgetRange(bad), bad).toThrow(UsageError);
    }
    expect(() => parseBudgetRange("5:1")).toThrow(/FROM:TO:STEPS; found "5:1"/);
  });

  it("finds an account by id, with a did-you-mean for a near miss", async () => {
    const wave = handWave("pro-rata");
    expect(accountIndexOf(wave, "C")).toBe(2);
    const named = waveOf(model("pro-rata"), accountsOf({ capacity: [1, 2] }, ["acct-17", "acct-42"]), 1);
    expect(() => accountIndexOf(named, "acct-71")).toThrow(/did you mean "acct-17"/);
    await expect(exposureCurve(wave, 3, MODEL)).rejects.toThrow(RangeError);
  });
});

describe("output forms", () => {
  it("CSV: budget,account,haircut,fraction, one row per point; ids with commas or quotes are quoted", async () => {
    const wave = waveOf(model("pro-rata"), accountsOf({ capacity: [3, 1] }, ['x,"y"', "z"]), 1);
    const curve = await exposureCurve(wave, 0, MODEL);
    expect(exposureCsv(curve)).toBe(`${EXPOSURE_CSV_HEADER}\n0,"x,""y""",0,0\n4,"x,""y""",3,1\n`);
    const both = [curve, await exposureCurve(wave, 1, MODEL)];
    expect(exposureCsv(both).split("\n")).toHaveLength(1 + 4 + 1);
  });

  it("CSV of a family: every account on the range's grid; written atomically to a file", async () => {
    const family = await exposureFamily(handWave("risk-weighted"), MODEL, { budgets: { from: 0, to: 12.5, steps: 5 } });
    const text = exposureCsv(family);
    const rows = text.trim().split("\n");
    expect(rows).toHaveLength(1 + 3 * 6);
    expect(rows).toContain("10,A,5.5,0.6875");
    expect(rows).toContain("5,C,0.5,1");
    const dir = mkdtempSync(join(tmpdir(), "adl-exposure-"));
    writeExposureCsv(join(dir, "family.csv"), family);
    expect(readFileSync(join(dir, "family.csv"), "utf8")).toBe(text);
  });

  it("JSON of a family: summaries and the compact form, whose documented rule reproduces the curve", async () => {
    const family = await exposureFamily(handWave("risk-weighted"), MODEL);
    const json = JSON.parse(JSON.stringify(exposureJson(family))) as {
      kind: string;
      accounts: { account: string; worstCase: { haircut: number } }[];
      form: { kind: string; rule: string; bound: number[]; scale: number[]; saturation: number[]; budgets: number[]; levels: number[]; free: number[] };
    };
    expect(json.kind).toBe("exposure-family");
    expect(json.accounts.map((a) => [a.account, a.worstCase.haircut])).toEqual([["A", 8], ["B", 4], ["C", 0.5]]);
    const { form } = json;
    expect(form.kind).toBe("water-level");
    // Evaluate by the rule as written in the JSON, without the workbench.
    const byRule = (j: number, budget: number): number => {
      if (budget >= form.saturation[j]!) return form.bound[j]!;
      let k = 0;
      while (k + 1 < form.budgets.length && form.budgets[k + 1]! <= budget) k++;
      const lambda = form.levels[k]! + (budget - form.budgets[k]!) / form.free[k]!;
      return Math.min(form.bound[j]!, form.scale[j]! * lambda);
    };
    for (const budget of [0, 1, 4.5, 6, 8.5, 11, 12.5]) for (let j = 0; j < 3; j++) expect(byRule(j, budget)).toBeCloseTo(exposureHaircut(family, j, budget), 12);
  });

  it("JSON of a curve and the text summary", async () => {
    const curve = await exposureCurve(handWave("pro-rata"), 1, heuristic("queue:capacity"));
    const json = JSON.parse(JSON.stringify(exposureJson(curve))) as { kind: string; points: unknown[]; method: string };
    expect(json.kind).toBe("exposure-curve");
    expect(json.method).toBe("exact-breakpoints");
    expect(json.points).toHaveLength(curve.points.length);
    const text = renderExposure(curve);
    expect(text).toMatch(/account B under heuristic:queue:capacity \(seed 1\): exact-breakpoints \(queue\)/);
    expect(text).toMatch(/worst case +4 \(100\.00% of capacity 4\) from B = 12/);
  });
});

describe("a budget equal to a prefix sum of the bounds (regression: src/pipeline/exact/selection.ts)", () => {
  // capacities (10, 12, 19, 1, 40), alpha 0.3: bounds (3, 3.6, 5.7, 0.3, 12). At B = 24.3 = 12 + 5.7 +
  // 3.6 + 3, four accounts cover (the MIP proves 4). The weighted selection used to re-sum the bounds
  // in another order, fall an ulp short, and touch all five.
  it("greedy-l0 touches the fewest accounts at a budget equal to a prefix sum of the bounds", async () => {
    const wave = waveOf({ ...model("queue-l0"), alpha: 0.3 }, accountsOf({ capacity: [10, 12, 19, 1, 40] }), 24.3);
    const dedicated = await solveWave(wave);
    const mip = await solveWave(wave, { path: "mip" });
    expect(dedicated.path).toBe("dedicated:greedy-l0");
    expect(dedicated.objective[0]).toBe(mip.objective[0]);
  });

  it("the exposure curve gives the four-account optimum at that budget", async () => {
    const wave = waveOf({ ...model("queue-l0"), alpha: 0.3 }, accountsOf({ capacity: [10, 12, 19, 1, 40] }), 1);
    const family = await exposureFamily(wave, MODEL);
    const haircut = [0, 1, 2, 3, 4].map((j) => exposureHaircut(family, j, 24.3));
    expect(haircut.filter((h) => h > family.touchTolerance)).toHaveLength(4);
    expect(haircut[3]).toBe(0);
  });
});

describe("a wave built in code", () => {
  it("a minmax scale of 0 on an account that can pay leaves the closed form only above what the others hold", async () => {
    // Binding refuses such a scale; a wave built in code can still carry one.
    const m = modelOf({ name: "zero-scale", objective: [{ kind: "minmax", scale: "capacity" }] });
    const bound = waveOf(m, accountsOf({ capacity: [4, 2] }), 1);
    const wave: Wave = { ...bound, objectives: [{ kind: "minmax", scale: Float64Array.from([1, 0]) }] };
    const inside = await exposureFamily(wave, MODEL, { budgets: { from: 0, to: 4, steps: 4 } });
    expect(inside.method).toBe("exact-breakpoints");
    expectPairs(curveOf(inside, 0), [[0, 0], [4, 4]]);
    const beyond = await exposureFamily(wave, MODEL, { budgets: { from: 0, to: 6, steps: 3 } });
    expect(beyond.method).toBe("sampled");
    expect(beyond.notes.join(" ")).toMatch(/scale 0 pay only above 4/);
  });
});
