import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { getHeuristic, ladder, loadUserHeuristic, RuleHeuristic } from "../../src/heuristics/index.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";
import { withColumns } from "./venue-waves.js";

const fixture = (name: string): string => `test/heuristics/fixtures/${name}`;

function wave(columns: Record<string, readonly number[]>, budget: number) {
  const accounts = accountsOf(columns);
  return withColumns(waveOf(modelOf({ objective: [{ kind: "sparsity" }] }), accounts, budget), accounts);
}

async function loadError(path: string): Promise<string> {
  try {
    await loadUserHeuristic(path);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${path} loaded`);
}

describe("loadUserHeuristic", () => {
  it("loads the documented example: largest leverage first, at most half of capacity each", async () => {
    const heuristic = await loadUserHeuristic("examples/my-heuristic.ts");
    expect(heuristic.name).toBe("my:leverage-half");
    expect(heuristic).toBeInstanceOf(RuleHeuristic);
    const columns = { capacity: [10, 10, 10], leverage: [1, 3, 2] };
    // Leverage order a1, a2, a0; half each: a1 5, a2 3.
    expect(Array.from(heuristic.allocate(wave(columns, 8), { seed: 0 }).haircut)).toEqual([0, 5, 3]);
    // Halves give 15 < 20: the second pass takes the rest from a1.
    const w = wave(columns, 20);
    const allocation = heuristic.allocate(w, { seed: 0 });
    expect(Array.from(allocation.haircut)).toEqual([5, 10, 5]);
    expect(verifyAllocation(w, allocation).ok).toBe(true);
    expect(ladder(heuristic).name).toBe("ladder(my:leverage-half)");
  });

  it("loads a plain JavaScript heuristic exported as `heuristic`, usable inside wrappers", async () => {
    const heuristic = await loadUserHeuristic(fixture("named-export.js"));
    expect(heuristic.name).toBe("fixture:uniform");
    const w = wave({ capacity: [8, 4, 0.5] }, 7.5);
    expect(Array.from(heuristic.allocate(w, { seed: 0 }).haircut)).toEqual([4.8, 2.4, 0.3]);
    expect(ladder(heuristic).allocate(w, { seed: 0 }).haircut[0]).toBeCloseTo(4.8, 12);
    expect(getHeuristic("pro-rata:wealth").name).toBe("pro-rata:wealth");
  });

  it("reports an allocate() that returns the wrong shape, naming the file", async () => {
    const heuristic = await loadUserHeuristic(fixture("plain-array.ts"));
    expect(() => heuristic.allocate(wave({ capacity: [1] }, 1), { seed: 0 })).toThrow(/plain-array\.ts.*haircut is a plain array \(use Float64Array\)/);
  });

  it("bad modules give clear errors naming the file", async () => {
    expect(await loadError(fixture("missing.ts"))).toMatch(/missing\.ts: .*found no such file/);
    expect(await loadError("package.json")).toMatch(/package\.json: expected a TypeScript or JavaScript module.*"\.json"/);
    expect(await loadError(fixture("no-export.ts"))).toMatch(/no-export\.ts: .*no default export and no export named heuristic \(exports: somethingElse\)/);
    expect(await loadError(fixture("class-export.ts"))).toMatch(/class-export\.ts: .*found a function or class \(export an instance/);
    const broken = await loadError(fixture("not-a-heuristic.ts"));
    expect(broken).toMatch(/not-a-heuristic\.ts: /);
    expect(broken).toMatch(/ignores has "alpah"/);
    expect(broken).toMatch(/allocate is not a function/);
    expect(await loadError(fixture("throws.ts"))).toMatch(/throws\.ts: expected a module that loads; found an error while importing it: fixture failed to initialise/);
  });
});
