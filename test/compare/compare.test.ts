import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareWave } from "../../src/tools/compare/compare.js";
import { readAllocationCsv, validateAllocation } from "../../src/tools/compare/validate.js";
import { resolveHeuristics, splitTopLevel } from "../../src/cli/heuristic-list.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";

afterAll(async () => {
  await closeBackends();
});

const pnlWave = () => loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts: "examples/worked-example-pnl.csv", budget: 7.5 });

describe("compareWave on the worked example", () => {
  it("a queue that ranks the second account first takes (3.5, 4, 0); pro-rata equals the optimum", async () => {
    const heuristics = await resolveHeuristics("queue:score(capacity == 4),pro-rata:wealth");
    const comparison = await compareWave(pnlWave(), heuristics);
    const [optimum, queue, proRata] = comparison.rows;
    expect(optimum!.status).toBe("optimal");
    expect(Array.from(queue!.allocation!.haircut)).toEqual([3.5, 4, 0]);
    expect(queue!.verified).toBe(true);
    // The queue's max fraction is 1 (account B loses everything) against the optimum's 0.6.
    expect(queue!.objective[0]).toBeCloseTo(1, 12);
    expect(queue!.relativeGap[0]).toBeCloseTo(1 / 0.6 - 1, 12);
    expect(proRata!.relativeGap[0]).toBeCloseTo(0, 9);
    expect(Array.from(proRata!.allocation!.haircut).map((h) => Math.round(h * 1e9) / 1e9)).toEqual([4.8, 2.4, 0.3]);
  });

  it("splits heuristic lists on top-level commas only", () => {
    expect(splitTopLevel("a,queue:score(max(x, y)),ladder(pro-rata:wealth)")).toEqual(["a", "queue:score(max(x, y))", "ladder(pro-rata:wealth)"]);
  });
});

describe("validateAllocation", () => {
  const dir = mkdtempSync(join(tmpdir(), "adl-validate-"));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("passes the optimum and fails a queue above the accepted gap", async () => {
    const wave = pnlWave();
    const good = await validateAllocation(wave, readAllocationCsv(file("good.csv", "id,haircut\nA,4.8\nB,2.4\nC,0.3\n"), wave), 0.01);
    expect(good.verdict.ok).toBe(true);
    expect(good.pass).toBe(true);
    const queue = await validateAllocation(wave, readAllocationCsv(file("queue.csv", "id,haircut\nA,3.5\nB,4\n"), wave), 0.5);
    expect(queue.verdict.ok).toBe(true);
    expect(queue.gaps[0]!.relative).toBeCloseTo(2 / 3, 9);
    expect(queue.pass).toBe(false);
  });

  it("reports each violation by account: caps and coverage", async () => {
    const wave = pnlWave();
    const result = await validateAllocation(wave, readAllocationCsv(file("bad.csv", "id,haircut\nA,9\nC,0.1\n"), wave));
    expect(result.pass).toBe(false);
    const constraints = result.verdict.violations.map((v) => [v.constraint, v.account]);
    expect(constraints).toContainEqual(["capacity", "A"]);
    const short = await validateAllocation(wave, readAllocationCsv(file("short.csv", "id,haircut\nA,1\n"), wave));
    expect(short.verdict.violations.map((v) => v.constraint)).toContain("coverage");
  });

  it("reports principal touched while junior capacity was left", async () => {
    const wave = loadWaveFromFiles({ model: "models/profits-first.yaml", accounts: "examples/worked-example.csv", budget: 7.5 });
    const allocation = readAllocationCsv(file("ladder.csv", "id,haircut,gains,principal\nA,7.5,5.5,2\n"), wave);
    const result = await validateAllocation(wave, allocation);
    expect(result.pass).toBe(false);
    expect(result.verdict.violations.some((v) => v.constraint === "seniority")).toBe(true);
    expect(result.gaps[0]!.stage).toBe("layer:principal");
    expect(result.gaps[0]!.absolute).toBeCloseTo(2, 9);
  });

  it("names file, row and column for a bad allocation file", () => {
    const wave = pnlWave();
    expect(() => readAllocationCsv(file("unknown.csv", "id,haircut\nA,1\nZ,2\n"), wave)).toThrow(/unknown\.csv row 2, column id: expected an id of the accounts file; found "Z"/);
    expect(() => readAllocationCsv(file("negative.csv", "id,haircut\nA,-1\n"), wave)).toThrow(/negative\.csv row 1, column haircut: expected a finite number >= 0; found "-1"/);
  });
});
