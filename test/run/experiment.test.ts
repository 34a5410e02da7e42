import { describe, expect, it } from "vitest";
import { parseExperiment } from "../../src/tools/experiments/experiment.js";
import { ModelError } from "../../src/errors.js";
import { backendChoices } from "../../src/pipeline/backends/registry.js";
import experimentSchema from "../../schema/experiment.schema.json" with { type: "json" };

const FILE = "test/fixtures/experiments/inline.yaml";

function errorOf(text: string): ModelError {
  try {
    parseExperiment(text, FILE);
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

const GOOD = `name: ok
scenarios:
  - name: p
    generate: { n: 10 }
    seeds: 2
    budget: { share: [0.1, 0.5] }
mechanisms:
  - model: ../../../models/pro-rata.yaml
    sweep: { alpha: [0.5, 1], maxAccounts: [2] }
  - heuristic: hybrid:{k}
    sweep: { k: [2, 3] }
`;

describe("experiment files", () => {
  it("expand sweeps into grids and resolve paths against the experiment file", () => {
    const experiment = parseExperiment(GOOD, FILE);
    expect(experiment.scenarios[0]!.seeds).toEqual([1, 2]);
    expect(experiment.scenarios[0]!.budgets).toEqual([
      { kind: "share", value: 0.1 },
      { kind: "share", value: 0.5 },
    ]);
    expect(experiment.mechanisms[0]!.grid).toEqual([
      { alpha: 0.5, maxAccounts: 2 },
      { alpha: 1, maxAccounts: 2 },
    ]);
    expect(experiment.mechanisms[1]!.model.name).toBe("caps-and-coverage");
    expect(experiment.inputs.some((file) => file.endsWith("models/pro-rata.yaml"))).toBe(true);
    expect(experiment.solver).toEqual({ backend: "highs", timeLimitSeconds: 10, mipGap: 0 });
  });

  it("accept every solver choice the registry has, auto and cbc included, and no other", () => {
    const schemaChoices = (experimentSchema as { properties: { solver: { properties: { backend: { enum: string[] } } } } }).properties.solver.properties.backend.enum;
    expect([...schemaChoices].sort()).toEqual([...backendChoices].sort());
    for (const backend of backendChoices) {
      expect(parseExperiment(`${GOOD}solver: { backend: ${backend} }\n`, FILE).solver.backend).toBe(backend);
    }
    expect(errorOf(`${GOOD}solver: { backend: gurobi }\n`).message).toMatch(/solver\.backend/);
  });

  it("name the line, column and key of an unknown key, with a suggestion", () => {
    const error = errorOf(GOOD.replace("seeds: 2", "sedes: 2"));
    expect(error.message).toMatch(/inline\.yaml:5:5\s+scenarios\[0\]\.sedes: expected one of the keys .*found unknown key "sedes" \(did you mean "seeds"\?\)/);
  });

  it("refuse a scenario with both or neither source", () => {
    expect(errorOf(GOOD.replace("generate: { n: 10 }", "generate: { n: 10 }\n    accounts: x.csv")).message).toMatch(/scenarios\[0\]: expected exactly one of generate, accounts or simulate; found generate and accounts/);
  });

  it("name a missing model file at the experiment's key", () => {
    expect(errorOf(GOOD.replace("models/pro-rata.yaml", "models/nope.yaml")).message).toMatch(/:8:12\s+mechanisms\[0\]\.model: expected a readable model file .*nope\.yaml/);
  });

  it("check heuristic names and placeholders before anything runs", () => {
    expect(errorOf(GOOD.replace("hybrid:{k}", "queue:bitmx")).message).toMatch(/mechanisms\[1\]\.heuristic: expected a heuristic name .*queue:bitmx/);
    expect(errorOf(GOOD.replace("sweep: { k: [2, 3] }", "sweep: { alpha: [0.5] }")).message).toMatch(/placeholders that name swept parameters/);
  });

  it("refuse out-of-range sweeps and budgets with the schema's words", () => {
    expect(errorOf(GOOD.replace("alpha: [0.5, 1]", "alpha: [0.5, 1.5]")).message).toMatch(/mechanisms\[0\]\.sweep\.alpha\[1\]: expected a number in \(0, 1\]; found 1\.5/);
    expect(errorOf(GOOD.replace("share: [0.1, 0.5]", "share: cheap")).message).toMatch(/budget\.share: expected a number or a list of numbers; found "cheap"/);
    expect(errorOf(GOOD.replace("budget: { share: [0.1, 0.5] }", "budget: { share: 0.1, deficit: 5 }")).message).toMatch(/exactly one of the keys share, deficit, budget/);
  });

  it("refuse duplicate names", () => {
    expect(errorOf(GOOD + "  - model: ../../../models/pro-rata.yaml\n").message).toMatch(/mechanisms\[2\]\.model: expected mechanism names that differ/);
  });
});
