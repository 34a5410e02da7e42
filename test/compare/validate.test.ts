/**
 * `validateAllocation` and `readAllocationCsv`: the gate reads what the file says, decides
 * seniority with lots and maxAccounts by solving the seniority stages, and never passes on an
 * optimum that is not proven. Expected values come from closed forms and brute force over the
 * (tiny) waves, not from the code under test.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { provingNothing } from "../support/proves-nothing.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Allocation, Wave } from "../../src/domain.js";
import { InstanceError } from "../../src/errors.js";
import { provenOptimum, readAllocationCsv, validateAllocation, validationJson } from "../../src/tools/compare/validate.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import type { SolverBackend } from "../../src/pipeline/backends/backend.js";
import { closeBackends, getBackend } from "../../src/pipeline/backends/robust.js";
import { makeWave } from "../exact/make-wave.js";

afterAll(async () => {
  await closeBackends();
});

const dir = mkdtempSync(join(tmpdir(), "adl-validate-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ladderWave = (budget = 7.5): Wave => loadWaveFromFiles({ model: "models/profits-first.yaml", accounts: "examples/worked-example.csv", budget });
const pnlWave = (): Wave => loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts: "examples/worked-example-pnl.csv", budget: 7.5 });
const lotsWave = (): Wave => loadWaveFromFiles({ model: "models/lots-minmax.yaml", accounts: "examples/worked-example.csv", budget: 7.5 });

function errorOf(action: () => unknown): InstanceError {
  try {
    action();
  } catch (error) {
    if (error instanceof InstanceError) return error;
    throw error;
  }
  throw new Error("read without error");
}

describe("readAllocationCsv reads what the file says", () => {
  it("checks a subset of layer columns: principal given, gains derived from the rest of the haircut", async () => {
    // worked-example: A has gains 8, principal 2. Taking 2 of A's principal while 2.5 of its gains is left breaks the ladder.
    const wave = ladderWave();
    const allocation = readAllocationCsv(file("subset.csv", "id,haircut,principal\nA,7.5,2\n"), wave);
    expect(allocation.givenLayers).toEqual(["principal"]);
    expect(allocation.derivedLayers).toEqual(["gains"]);
    expect(allocation.layers![0]![0]).toBe(5.5);
    expect(allocation.layers![1]![0]).toBe(2);
    const result = await validateAllocation(wave, allocation);
    expect(result.outcome).toBe("fail");
    expect(result.violations.filter((v) => v.constraint === "seniority").map((v) => v.account)).toContain("A");
    // The same haircut without the layer column: the junior-first split, which keeps the ladder.
    const plain = await validateAllocation(wave, readAllocationCsv(file("plain.csv", "id,haircut\nA,7.5\n"), wave));
    expect(plain.violations).toEqual([]);
  });

  it("a given layer above what the haircut leaves is a layer-sum violation, a layer above its capacity a layer-bounds one", async () => {
    const wave = ladderWave();
    const over = await validateAllocation(wave, readAllocationCsv(file("over.csv", "id,haircut,gains\nA,7.5,8\n"), wave));
    expect(over.violations.map((v) => [v.constraint, v.account])).toContainEqual(["layer-sum", "A"]);
    const cap = await validateAllocation(wave, readAllocationCsv(file("cap.csv", "id,haircut,gains,principal\nA,7.5,7.5,0\nB,0,0,3\n"), wave));
    expect(cap.violations.map((v) => [v.constraint, v.account])).toContainEqual(["layer-bounds", "B"]);
  });

  it("takes the haircut from the layer columns when every layer is given and there is no haircut column", () => {
    const allocation = readAllocationCsv(file("layers.csv", "gains,id,principal\n5,A,0\n2.5,B,0\n"), ladderWave());
    expect(allocation.haircutFrom).toBe("layers");
    expect(Array.from(allocation.haircut)).toEqual([5, 2.5, 0]);
  });

  it("accepts a UTF-8 byte-order mark in the header (Excel) and spaces around header cells", async () => {
    const wave = pnlWave();
    const allocation = readAllocationCsv(file("bom.csv", "\uFEFFid , haircut\r\nA,4.8\r\nB,2.4\r\nC,0.3\r\n"), wave);
    expect(Array.from(allocation.haircut)).toEqual([4.8, 2.4, 0.3]);
    expect((await validateAllocation(wave, allocation, 0.01)).outcome).toBe("pass");
  });

  it("reads a formula-neutralized id ('=…) as the account it names; with both spellings as accounts, as src/csv.ts writes them (''=both, '=both)", () => {
    const wave = makeWave({ capacity: [10, 10, 10], budget: 5, objectives: [{ kind: "minmax" }], ids: ["=HYPERLINK(\"x\")", "'=both", "=both"] });
    const allocation = readAllocationCsv(file("formula.csv", `id,haircut\n"'=HYPERLINK(""x"")",2\n''=both,1\n'=both,3\n`), wave);
    expect(Array.from(allocation.haircut)).toEqual([2, 1, 3]);
    // Not neutralized at all (written by hand): read as written.
    expect(Array.from(readAllocationCsv(file("formula-raw.csv", `id,haircut\n=both,2\n`), wave).haircut)).toEqual([0, 0, 2]);
    expect(errorOf(() => readAllocationCsv(file("formula-unknown.csv", "id,haircut\n'=nobody,1\n"), wave)).message).toMatch(/found "'=nobody"/);
  });

  it.each([
    ["repeated.csv", "id,haircut,haircut\nA,1,2\n", /repeated\.csv row 0, column haircut: expected each column once; found "haircut" twice \(columns 2 and 3\)/],
    ["unknown-col.csv", "id,haircut,haircutt\nA,1,2\n", /column haircutt: expected only the columns id, haircut; found an unknown column "haircutt" \(did you mean "haircut"\?\)/],
    ["no-id.csv", "account,haircut\nA,1\n", /expected only the columns id, haircut; found an unknown column "account"/],
    ["dup.csv", "id,haircut\nA,1\nB,1\nA,2\n", /dup\.csv row 3, column id: expected each id once; found "A" again \(first in row 1\) \(line 4 of the file\)/],
    ["unknown-id.csv", "id,haircut\nA,1\nZ,2\n", /unknown-id\.csv row 2, column id: expected an id of the accounts file; found "Z"/],
    ["spaced-id.csv", "id,haircut\n A,1\n", /found " A" \(did you mean "A"\? ids are compared exactly/],
    ["negative.csv", "id,haircut\nA,-1\n", /negative\.csv row 1, column haircut: expected a finite number >= 0; found "-1"/],
    ["text.csv", "id,haircut\nA,lots\n", /row 1, column haircut: expected a finite number >= 0; found "lots"/],
    ["hex.csv", "id,haircut\nA,0x10\n", /found "0x10"/],
    ["inf.csv", "id,haircut\nA,Infinity\n", /found "Infinity"/],
    ["empty-cell.csv", "id,haircut\nA,\n", /row 1, column haircut: expected a finite number >= 0; found ""/],
    ["width.csv", "id,haircut\nA,1,2\n", /row 1: expected 2 fields, as in the header; found 3 fields/],
    ["lots-no-model.csv", "id,lots\nA,1\n", /column lots: expected no lots column: the model has no lots/],
    ["no-amount.csv", "id\nA\n", /expected a haircut column; found id/],
    ["empty.csv", "", /expected a header with an id column/],
  ])("%s is an InstanceError naming file, row, column, expected and found", (name, text, message) => {
    const error = errorOf(() => readAllocationCsv(file(name, text), pnlWave()));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });

  it("a layer cell that is not a number and a subset without the haircut column are errors", () => {
    expect(errorOf(() => readAllocationCsv(file("bad-layer.csv", "id,haircut,principal\nA,1,x\n"), ladderWave())).message).toMatch(/row 1, column principal: expected a finite number >= 0; found "x"/);
    expect(errorOf(() => readAllocationCsv(file("subset-only.csv", "id,principal\nA,1\n"), ladderWave())).message).toMatch(/expected a haircut column or every layer column \(gains, principal\)/);
  });

  it("lots that disagree with haircuts are lot-sum violations by account; fractional lots are errors", async () => {
    // worked-example lots: A lot_value 1 (10 lots), B 1 (5), C 0.5 (2).
    const wave = lotsWave();
    const result = await validateAllocation(wave, readAllocationCsv(file("lots.csv", "id,haircut,lots\nA,5,5\nB,2.5,2\n"), wave));
    expect(result.outcome).toBe("fail");
    // Lots decide coverage exactly (sum v q = 7 < B): the lot-sum row of B, and coverage short by the half lot.
    expect(result.violations.map((v) => [v.constraint, v.account])).toEqual([["lot-sum", "B"], ["coverage", undefined]]);
    const fromHaircut = await validateAllocation(wave, readAllocationCsv(file("lots-h.csv", "id,haircut\nA,5\nB,2.25\nC,0.5\n"), wave));
    expect(fromHaircut.violations.map((v) => [v.constraint, v.account])).toContainEqual(["lot-sum", "B"]);
    expect(errorOf(() => readAllocationCsv(file("lots-frac.csv", "id,lots\nA,1.5\n"), wave)).message).toMatch(/column lots: expected a whole number of lots >= 0; found "1.5"/);
    const exact = readAllocationCsv(file("lots-ok.csv", "id,lots\nA,5\nB,2\nC,1\n"), wave);
    expect(exact.haircutFrom).toBe("lots");
    expect(Array.from(exact.haircut)).toEqual([5, 2, 0.5]);
  });
});

describe("large allocation files are read in chunks at record boundaries", () => {
  it("quoted ids with commas and newlines across the 4 MiB chunk boundary; an error's line counts every file line", () => {
    const n = 150_000;
    const ids = Array.from({ length: n }, (_, i) => `acct,${i}\nline two "q"`);
    const wave = makeWave({ capacity: new Array<number>(n).fill(2), budget: n, objectives: [{ kind: "minmax" }], ids });
    const quoted = (id: string): string => `"${id.replaceAll('"', '""')}"`;
    const body = ids.map((id) => `${quoted(id)},1\n`).join("");
    expect(body.length).toBeGreaterThan(4 << 20);
    const allocation = readAllocationCsv(file("chunks.csv", `id,haircut\n${body}`), wave);
    expect(allocation.rows).toBe(n);
    expect(allocation.haircut.every((h) => h === 1)).toBe(true);
    // Each record spans two file lines; the header is line 1. The duplicate is data row n + 1, ending on line 1 + 2(n + 1).
    const error = errorOf(() => readAllocationCsv(file("chunks-dup.csv", `id,haircut\n${body}${quoted(ids[7]!)},1\n`), wave));
    expect(error.message).toContain(`row ${(n + 1).toLocaleString("en-US")}, column id: expected each id once`);
    expect(error.message).toContain(`line ${(1 + 2 * (n + 1)).toLocaleString("en-US")} of the file`);
  });
});

describe("totals", () => {
  it("reports total taken, overshoot and shortfall in dollars", async () => {
    const wave = pnlWave();
    const short = await validateAllocation(wave, readAllocationCsv(file("short.csv", "id,haircut\nA,1\nB,2\n"), wave));
    expect(short.totals).toEqual({ total: 3, budget: 7.5, overshoot: 0, shortfall: 4.5 });
    expect(short.outcome).toBe("fail");
    const over = await validateAllocation(wave, readAllocationCsv(file("over-b.csv", "id,haircut\nA,5\nB,3\n"), wave));
    expect(over.totals).toEqual({ total: 8, budget: 7.5, overshoot: 0.5, shortfall: 0 });
    const json = validationJson(over) as { totals: unknown; outcome: string };
    expect(json.totals).toEqual(over.totals);
  });
});

/** Least possible total from the senior layer (two layers, no lots), by brute force over the sets of at most K accounts. */
function leastPrincipalBruteForce(gains: number[], principal: number[], budget: number, K: number): number {
  let best = Infinity;
  const n = gains.length;
  for (let mask = 0; mask < 1 << n; mask++) {
    const members = [...Array(n).keys()].filter((i) => mask & (1 << i));
    if (members.length > K) continue;
    const junior = members.reduce((s, i) => s + gains[i]!, 0);
    const all = members.reduce((s, i) => s + gains[i]! + principal[i]!, 0);
    if (all < budget) continue;
    best = Math.min(best, Math.max(0, budget - junior));
  }
  return best;
}

describe("seniority with maxAccounts or lots is decided, never assumed", () => {
  // A holds gains 5 and principal 5; B gains 8. With one account allowed, B alone covers 6 from gains.
  const gains = [5, 8, 1];
  const principal = [5, 0, 9];
  const kWave = (): Wave =>
    makeWave({ capacity: [10, 8, 10], budget: 6, objectives: [{ kind: "sparsity" }], maxAccounts: 1, layers: { names: ["gains", "principal"], capacity: [gains, principal] } });
  const allocation = (haircut: number[], layers: number[][]): Allocation => ({ haircut: Float64Array.from(haircut), layers: layers.map((layer) => Float64Array.from(layer)) });

  it("the brute-force least principal is 0", () => {
    expect(leastPrincipalBruteForce(gains, principal, 6, 1)).toBe(0);
  });

  it("fails an allocation that is junior-first per account but takes principal the wave did not need", async () => {
    const result = await validateAllocation(kWave(), allocation([6, 0, 0], [[5, 0, 0], [1, 0, 0]]));
    // The verifier alone cannot see it: A gave all its gains before its principal.
    expect(result.verdict.ok).toBe(true);
    expect(result.outcome).toBe("fail");
    expect(result.seniority).toMatchObject({ decidedBy: "stages", decided: true });
    const seniority = result.violations.find((v) => v.constraint === "seniority");
    expect(seniority?.amount).toBeCloseTo(1 - leastPrincipalBruteForce(gains, principal, 6, 1), 9);
  });

  it("passes the allocation that takes no principal, decided against the proven seniority stage", async () => {
    const result = await validateAllocation(kWave(), allocation([0, 6, 0], [[0, 6, 0], [0, 0, 0]]));
    expect(result.outcome).toBe("pass");
    expect(result.seniority.decided).toBe(true);
    expect(result.seniority.layers).toEqual([expect.objectContaining({ layer: "principal", taken: 0, proven: true })]);
    expect(result.seniority.layers[0]!.least).toBeCloseTo(0, 9);
  });

  it("three layers: equal on principal, more than needed from the middle layer is a violation of that layer", async () => {
    // One account allowed, budget 6. A: recent 5, principal 5 -> (principal 1, settled 0); B: recent 2, settled 6 -> (0, 4); C: recent 3, settled 3 -> (0, 3).
    const layers = { names: ["recent", "settled", "principal"], capacity: [[5, 2, 3], [0, 6, 3], [5, 0, 0]] };
    const wave = makeWave({ capacity: [10, 8, 6], budget: 6, objectives: [{ kind: "sparsity" }], maxAccounts: 1, layers });
    // Brute force: the lexicographic (principal, settled) minimum over the single accounts that can cover 6.
    const options = [0, 1, 2]
      .filter((i) => layers.capacity.reduce((sum, layer) => sum + layer[i]!, 0) >= 6)
      .map((i) => {
        const recent = Math.min(6, layers.capacity[0]![i]!);
        const settled = Math.min(6 - recent, layers.capacity[1]![i]!);
        return [6 - recent - settled, settled] as const;
      })
      .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(options[0]).toEqual([0, 3]);
    const take = (i: number, split: number[]): Allocation => ({
      haircut: Float64Array.from([0, 1, 2].map((k) => (k === i ? 6 : 0))),
      layers: split.map((x) => Float64Array.from([0, 1, 2].map((k) => (k === i ? x : 0)))),
    });
    const b = await validateAllocation(wave, take(1, [2, 4, 0]));
    expect(b.outcome).toBe("fail");
    const violation = b.violations.find((v) => v.constraint === "seniority");
    expect(violation?.message).toMatch(/^4 taken from settled but 3 is the least possible with principal at its minimum/);
    expect(violation?.amount).toBeCloseTo(4 - options[0]![1], 9);
    expect((await validateAllocation(wave, take(2, [3, 3, 0]))).outcome).toBe("pass");
    expect((await validateAllocation(wave, take(0, [5, 0, 1]))).violations.find((v) => v.constraint === "seniority")?.message).toMatch(/^1 taken from principal but 0 is the least possible \(/);
  });

  it("with lots: B's two lots of 5 cover 8 from gains; A's two lots of 4 take 4 of principal", async () => {
    const wave = makeWave({
      capacity: [12, 10],
      budget: 8,
      objectives: [{ kind: "sparsity" }],
      lots: { lotValue: [4, 5], maxLots: [3, 2] },
      layers: { names: ["gains", "principal"], capacity: [[4, 10], [8, 0]] },
    });
    const bad = await validateAllocation(wave, { haircut: Float64Array.from([8, 0]), lots: Int32Array.from([2, 0]), layers: [Float64Array.from([4, 0]), Float64Array.from([4, 0])] });
    expect(bad.verdict.ok).toBe(true);
    expect(bad.outcome).toBe("fail");
    expect(bad.violations.find((v) => v.constraint === "seniority")?.amount).toBeCloseTo(4, 9);
    const good = await validateAllocation(wave, { haircut: Float64Array.from([0, 10]), lots: Int32Array.from([0, 2]), layers: [Float64Array.from([0, 10]), Float64Array.from([0, 0])] });
    expect(good.outcome).toBe("pass");
  });

  it("decides seniority from a seniority-only solve when a later stage stops at a limit", async () => {
    const highs = await getBackend("highs", { inProcess: true });
    // The sparsity stage (cost on the integer indicators) stops at a "limit"; the seniority stage (cost on layer columns) is proven.
    const sparsityAtLimit: SolverBackend = {
      ...highs,
      name: "highs",
      solve: async (problem, options) => {
        const solution = await highs.solve(problem, options);
        const onIndicators = problem.cost.some((cost, j) => cost !== 0 && problem.integer[j] === 1);
        return onIndicators && solution.status === "optimal" ? { ...solution, status: "feasible" } : solution;
      },
    };
    const request = { backend: "highs" as const, fallbacks: [], backends: { highs: sparsityAtLimit } };
    const result = await validateAllocation(kWave(), allocation([0, 6, 0], [[0, 6, 0], [0, 0, 0]]), Infinity, request);
    expect(result.optimum.status).toBe("feasible");
    expect(result.seniority).toMatchObject({ decidedBy: "stages", decided: true });
    expect(result.seniority.source).toMatch(/^a seniority-only solve \(mip:highs, proven\)/);
    expect(result.outcome).toBe("pass");
    // With a gap asked for, the unproven objective stage makes it undecided.
    const gated = await validateAllocation(kWave(), allocation([0, 6, 0], [[0, 6, 0], [0, 0, 0]]), 0.1, request);
    expect(gated.outcome).toBe("undecided");
    expect(gated.undecided.join(" ")).toMatch(/sparsity: the optimum is not proven/);
  });

  it("is undecided (not pass) when the solver proves nothing, and still fails what a verified witness beats", async () => {
    const highs = await getBackend("highs", { inProcess: true });
    const atLimit = provingNothing(highs);
    const request = { backend: "highs" as const, fallbacks: [], backends: { highs: atLimit } };
    const good = await validateAllocation(kWave(), allocation([0, 6, 0], [[0, 6, 0], [0, 0, 0]]), Infinity, request);
    expect(good.outcome).toBe("undecided");
    expect(good.pass).toBe(false);
    expect(good.seniority.decided).toBe(false);
    expect(good.undecided.join(" ")).toMatch(/seniority: with maxAccounts only solving the seniority stages decides it, and they were not proven/);
    const bad = await validateAllocation(kWave(), allocation([6, 0, 0], [[5, 0, 0], [1, 0, 0]]), Infinity, request);
    expect(bad.outcome).toBe("fail");
  });
});

describe("a backend's word is not proof (issue 10: jslp, 5-account min-max with maxAccounts)", () => {
  // At most 2 accounts; the least max fraction takes the two largest pro rata: B / (30 + 29) = 21/59.
  // javascript-lp-solver answers "optimal" with accounts 30 and 8: 21/38, 55% worse.
  const capacity = [29, 5, 30, 8, 13];
  const wave = (): Wave => makeWave({ capacity, budget: 21, objectives: [{ kind: "minmax" }], maxAccounts: 2 });
  const closedForm = 21 / (30 + 29);
  const proRataOn = (members: number[]): Allocation => {
    const total = members.reduce((s, i) => s + capacity[i]!, 0);
    return { haircut: Float64Array.from(capacity.map((c, i) => (members.includes(i) ? (21 * c) / total : 0))) };
  };

  it("HiGHS proves 21/59 and fails jslp's allocation at --max-gap 0.05", async () => {
    const result = await validateAllocation(wave(), proRataOn([2, 3]), 0.05, { backend: "highs" });
    expect(provenOptimum(result.optimum)).toBe(true);
    expect(result.gaps[0]!.optimum).toBeCloseTo(closedForm, 9);
    expect(result.gaps[0]!.relative).toBeCloseTo(59 / 38 - 1, 6);
    expect(result.outcome).toBe("fail");
    expect((await validateAllocation(wave(), proRataOn([0, 2]), 0.05, { backend: "highs" })).outcome).toBe("pass");
  });

  it("validate --solver jslp does not pass jslp's own allocation: the optimum is not proven", async () => {
    const result = await validateAllocation(wave(), proRataOn([2, 3]), 0.05, { backend: "jslp", fallbacks: [] });
    expect(result.pass).toBe(false);
    if (provenOptimum(result.optimum)) {
      // A backend chain that confirms jslp's claim with a proving backend finds the true optimum, and fails it.
      expect(result.gaps[0]!.optimum).toBeCloseTo(closedForm, 9);
      expect(result.outcome).toBe("fail");
    } else if (result.outcome === "fail") {
      // jslp's unproven incumbent alone is more than --max-gap better (it finds 21/59 when it works in amounts near 1).
      expect(result.gaps[0]!.proven).toBe(false);
      expect(result.gaps[0]!.relative).toBeGreaterThan(0.05);
    } else {
      expect(result.outcome).toBe("undecided");
      expect(result.gaps[0]!.proven).toBe(false);
      expect(result.undecided.join(" ")).toMatch(/minmax: the optimum is not proven/);
    }
  });

  it("an unproven incumbent still fails an allocation whose gap to it alone is above --max-gap", async () => {
    // Everything on the largest account: 21/30 = 0.7 against jslp's 21/38: at least 27% worse.
    const result = await validateAllocation(wave(), { haircut: Float64Array.from([0, 0, 21, 0, 0]) }, 0.05, { backend: "jslp", fallbacks: [] });
    expect(result.outcome).toBe("fail");
  });
});
