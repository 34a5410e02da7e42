/**
 * Bad scenario files: every error is a ModelError that names the file, the line:column and the key
 * path, with what was expected and what was found — never a stack trace.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/errors.js";
import { loadScenario, parseScenario } from "../../src/tools/simulate/index.js";

const base = readFileSync("test/simulate/fixtures/two-wave.yaml", "utf8");

/** The ModelError for `text`, checked to name the file and a line:column. */
function failure(text: string, file = "bad.yaml"): ModelError {
  let caught: unknown;
  try {
    parseScenario(text, file);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ModelError);
  const error = caught as ModelError;
  expect(error.message).toMatch(new RegExp(`^${file}:\\d+:\\d+  `));
  expect(error.stack).toBeDefined();
  return error;
}

function lineOf(text: string, needle: string): number {
  return text.split("\n").findIndex((line) => line.includes(needle)) + 1;
}

describe("parseScenario", () => {
  it("reads the bundled scenarios and the fixture", () => {
    for (const file of ["scenarios/stress.yaml", "scenarios/gaming.yaml", "test/simulate/fixtures/two-wave.yaml"]) {
      const scenario = loadScenario(file);
      expect(scenario.markets.length).toBeGreaterThan(0);
      expect(scenario.cholesky.length).toBe(scenario.markets.length);
    }
  });

  it("rejects maintenance >= initial margin at margins.maintenance", () => {
    const text = base.replace("margins: { initial: 0.1, maintenance: 0.05 }", "margins: { initial: 0.1, maintenance: 0.1 }");
    const error = failure(text);
    expect(error.message).toContain(`bad.yaml:${lineOf(text, "margins:")}:`);
    expect(error.message).toContain("margins.maintenance");
    expect(error.message).toContain("expected a maintenance margin below the initial margin 0.1; found 0.1");
  });

  it("rejects a negative depth at markets[0].depth with the schema's range", () => {
    const text = base.replace("depth: 8000", "depth: -5");
    const error = failure(text);
    expect(error.place.line).toBe(lineOf(text, "depth: -5"));
    expect(error.place.column).toBe(text.split("\n")[error.place.line! - 1]!.indexOf("-5") + 1);
    expect(error.message).toContain("markets[0].depth: expected a number > 0; found -5");
  });

  it("rejects a correlation matrix that is not positive definite", () => {
    const text = readFileSync("scenarios/gaming.yaml", "utf8").replace(
      "  - [1.0, 0.7, 0.6]\n  - [0.7, 1.0, 0.6]\n  - [0.6, 0.6, 1.0]",
      "  - [1.0, 0.9, -0.9]\n  - [0.9, 1.0, 0.9]\n  - [-0.9, 0.9, 1.0]",
    );
    const error = failure(text, "scenarios/gaming.yaml");
    expect(error.place.line).toBe(lineOf(text, "[1.0, 0.9, -0.9]"));
    expect(error.place.path).toBe("correlation");
    expect(error.message).toContain("positive definite");
  });

  it("rejects an asymmetric correlation matrix at the offending entry", () => {
    const text = readFileSync("scenarios/gaming.yaml", "utf8").replace("  - [0.7, 1.0, 0.6]", "  - [0.5, 1.0, 0.6]");
    const error = failure(text);
    expect(error.place.path).toBe("correlation[1][0]");
    expect(error.place.line).toBe(lineOf(text, "[0.5, 1.0, 0.6]"));
  });

  it("rejects an unknown key at the key, with a did-you-mean", () => {
    const text = base.replace("insuranceFund: 8", "insuranceFnd: 8");
    const error = failure(text);
    expect(error.place.line).toBe(lineOf(text, "insuranceFnd"));
    expect(error.place.column).toBe(1);
    expect(error.message).toContain('insuranceFnd: expected one of the keys');
    expect(error.message).toContain('unknown key "insuranceFnd" (did you mean "insuranceFund"?)');
  });

  it("rejects an unknown key deep inside a market", () => {
    const text = base.replace("contractsPerLot: 1 }", "contractsPerLot: 1, dpeth: 3 }");
    const error = failure(text);
    expect(error.place.path).toBe("markets[0].dpeth");
    expect(error.place.line).toBe(lineOf(text, "dpeth"));
  });

  it("rejects open interest that does not balance, and an unknown market", () => {
    const unbalanced = failure(base.replace("size: -9", "size: -8"));
    expect(unbalanced.message).toContain("long and short open interest equal in market X");
    const unknown = failure(base.replace("{ market: X, size: 5 }", "{ market: Y, size: 5 }"));
    expect(unknown.place.path).toBe("accounts[1].positions[0].market");
  });

  it("names a missing file without a raw ENOENT", () => {
    expect(() => loadScenario("no/such.yaml")).toThrow(/no\/such\.yaml: expected a readable scenario file .*; found no such file/);
  });
});
