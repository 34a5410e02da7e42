/**
 * Names a user types select things through lookups that must never reach Object.prototype:
 * `constructor`, `__proto__`, `toString` are unknown names (exit 2, a message), not a stack (exit 70).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adl } from "../support/adl.js";
import { loadMapping, positionRenames } from "../../src/pipeline/instance/mapping.js";
import { parseScenario, simulate } from "../../src/tools/simulate/index.js";

describe("heuristic names that are JavaScript built-ins", () => {
  // Two processes only (each start costs seconds); every name is in test/heuristics/registry.test.ts.
  it.each(["constructor", "ladder(__proto__)"])("adl compare --heuristics %s exits 2 with the list of names, no stack", async (name) => {
    const { code, stdout, stderr } = await adl(["compare", "models/pro-rata.yaml", "--accounts", "examples/worked-example.csv", "--deficit", "2", "--heuristics", name]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^adl: heuristic: expected a heuristic name: one of queue:bitmex/);
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe("column renames of a mapping", () => {
  it("a positions header cell named like an Object.prototype member is not renamed", () => {
    const dir = mkdtempSync(join(tmpdir(), "adl-names-"));
    const file = join(dir, "map.yaml");
    writeFileSync(file, "accounts: { id: id, capacity: capacity }\npositions: { account_id: user }\n");
    const rename = positionRenames(loadMapping(file), ["user", "market", "lot_value", "lots", "constructor", "toString"], "positions.csv");
    expect(rename["user"]).toBe("account_id");
    expect(rename["constructor"]).toBeUndefined();
    expect(rename["toString"]).toBeUndefined();
  });
});

describe("layer names a scenario chooses", () => {
  it("a ledger layer named __proto__ keeps its total in every wave's layerTotals", async () => {
    const text = readFileSync("scenarios/stress.yaml", "utf8").replace("n: 1000", "n: 150").replace("steps: 100", "steps: 30");
    expect(text).toContain("layers: [recent, older, settled]");
    const scenario = parseScenario(text.replace("layers: [recent, older, settled]", "layers: [recent, __proto__, settled]"), "scenarios/stress.yaml");
    const result = await simulate(scenario, "ladder(pro-rata:wealth)");
    expect(result.waves.length).toBeGreaterThan(0);
    for (const wave of result.waves) {
      expect(Object.keys(wave.layerTotals)).toContain("__proto__");
      expect(Object.values(wave.layerTotals).reduce((s, x) => s + x, 0)).toBeCloseTo(wave.executed, 6);
    }
  });
});
